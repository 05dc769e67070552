"""Every write of the reopening app: the register, policy calls, links, applications, materials, review,
inspection, opening and suspension. Views, the admin, imports and the demo all call these; each one writes
its audit record, and a step that hurts an enterprise (return, rejection, suspension) needs a reason.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.crypto import decrypt, encrypt, seal_phone
from alleykeeper.core.identity import Checked, format_phone
from alleykeeper.core.models import apply_changes
from alleykeeper.core.uploads import delete_stored, store_checked_file
from alleykeeper.reopening import staff
from alleykeeper.reopening.errors import ReopeningError
from alleykeeper.reopening.models import (
    Application,
    ApplicationStatus,
    ChecklistItem,
    Enterprise,
    EnterpriseLink,
    EnterpriseState,
    Inspection,
    InspectionResult,
    Material,
    PolicyCall,
    PreventionGate,
)

UPLOAD_FOLDER = "reopening"
ENTERPRISE_FIELDS = (
    "name",
    "credit_code",
    "no_credit_code",
    "building",
    "mall",
    "floor",
    "shop_number",
    "grid",
    "sector",
    "contact_name",
    "headcount",
)
APPLICATION_FIELDS = (
    "planned_date",
    "planned_start",
    "planned_end",
    "measures_publicity",
    "measures_entry",
    "measures_disinfection",
    "measures_supervision",
    "contact_name",
)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# ---- the register ----


def _place(enterprise: Enterprise) -> None:
    """Grid and community follow the register's building when there is one, else the chosen grid."""
    grid = enterprise.building.alley.grid if enterprise.building_id else enterprise.grid
    enterprise.grid, enterprise.community_id = grid, grid.community_id


def save_enterprise(actor, enterprise: Enterprise | None, data: dict, phone: Checked | None = None) -> Enterprise:
    """Create (enterprise None) or update one enterprise; `phone` None leaves the stored phone as it is."""
    creating = enterprise is None
    enterprise = enterprise or Enterprise()
    if creating:
        changed = []
        for name in ENTERPRISE_FIELDS:
            if name in data:
                setattr(enterprise, name, data[name])
    else:
        changed = apply_changes(enterprise, data, ENTERPRISE_FIELDS)  # against the stored row
    if data.get("no_credit_code"):
        enterprise.credit_code = ""
    _place(enterprise)
    if phone is not None and phone.value:
        sealed = seal_phone(phone.value)
        if sealed.index != enterprise.phone_index:
            enterprise.phone_enc, enterprise.phone_index, enterprise.phone_masked = (
                sealed.encrypted,
                sealed.index,
                sealed.masked,
            )
            changed.append("phone")
    if not creating and not changed:
        return enterprise  # nothing to write: an import of the same file again changes nothing
    enterprise.save()
    if creating or changed:
        action = "enterprise.create" if creating else "enterprise.update"
        record_event(actor, action, enterprise, detail={"fields": [] if creating else changed})
    return enterprise


@dataclass(frozen=True)
class Revealed:
    label: str
    value: str


def reveal_contact_phone(actor, enterprise: Enterprise, purpose: str, client_ip: str | None = None) -> Revealed:
    """The contact's full phone, for someone allowed to see it; audited (who, when, what, why)."""
    record_event(actor, "enterprise.reveal_phone", enterprise, purpose=purpose, client_ip=client_ip)
    return Revealed("联系电话", format_phone(decrypt(enterprise.phone_enc)))


# ---- the policy call (宣传关) ----


def record_policy_call(
    actor, enterprise: Enterprise, channel: str, note: str = "", now: datetime | None = None
) -> PolicyCall:
    now = _now(now)
    with transaction.atomic():
        call = PolicyCall.objects.create(enterprise=enterprise, channel=channel, note=note, told_at=now, told_by=actor)
        enterprise.told_at = now
        enterprise.save(update_fields=["told_at", "updated_at"])
        record_event(actor, "enterprise.policy_call", enterprise, detail={"channel": channel})
    return call


# ---- the enterprise's link ----


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(actor, enterprise: Enterprise, now: datetime | None = None) -> str:
    """A new link for the enterprise; the token is returned once and never stored (only its hash)."""
    now = _now(now)
    token = secrets.token_urlsafe(24)
    link = EnterpriseLink.objects.create(
        enterprise=enterprise,
        token_hash=hash_token(token),
        issued_at=now,
        issued_by=actor,
        expires_at=now + timedelta(days=settings.REOPENING_LINK_DAYS),
    )
    record_event(actor, "enterprise.link_issue", enterprise, detail={"link": link.pk})
    return token


def revoke_link(actor, link: EnterpriseLink, now: datetime | None = None) -> None:
    if link.revoked_at is None:
        link.revoked_at = _now(now)
        link.save(update_fields=["revoked_at"])
        record_event(actor, "enterprise.link_revoke", link.enterprise, detail={"link": link.pk})


def link_for_token(token: str, now: datetime | None = None) -> EnterpriseLink | None:
    """The link a token names, if it still works (not revoked, not expired); None for anything else."""
    if not token or len(token) > 64:
        return None
    link = (
        EnterpriseLink.objects.select_related("enterprise__community")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=_now(now))
        .first()
    )
    return link


# ---- the application (督促关) ----


def open_application(enterprise: Enterprise) -> Application | None:
    return enterprise.applications.filter(
        status__in=[
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.UNDER_REVIEW,
            ApplicationStatus.INSPECTED,
            ApplicationStatus.RETURNED,
        ]
    ).first()


def editable_application(enterprise: Enterprise) -> Application | None:
    """The application the enterprise (or staff for it) may still change: submitted or returned."""
    current = open_application(enterprise)
    if current is not None and current.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED):
        return current
    return None


def submit_application(
    actor,
    enterprise: Enterprise,
    data: dict,
    contact_phone: Checked | None,
    *,
    via_link: bool,
    now: datetime | None = None,
) -> Application:
    """A new application, or the corrections of one submitted or returned (it goes back to submitted)."""
    now = _now(now)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        if enterprise.state in (EnterpriseState.APPROVED, EnterpriseState.OPEN):
            raise ReopeningError("这家企业已经批准复工，不需要再申请。")
        current = open_application(enterprise)
        if current is not None and current.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED):
            raise ReopeningError("申请正在审核或已现场核查，暂时不能修改。如需更改，请联系社区。")
        application = current or Application(enterprise=enterprise)
        for name in APPLICATION_FIELDS:
            if name in data:
                setattr(application, name, data[name])
        if contact_phone is not None and contact_phone.value:
            application.contact_phone_enc = encrypt(contact_phone.value)
            application.contact_phone_masked = seal_phone(contact_phone.value).masked
        resubmitted = application.status == ApplicationStatus.RETURNED
        application.status = ApplicationStatus.SUBMITTED
        application.via_link = via_link
        application.submitted_at = now
        application.submitted_by = actor if actor is not None and actor.is_authenticated else None
        application.save()
        if enterprise.state != EnterpriseState.APPLYING:
            enterprise.state, enterprise.state_reason = EnterpriseState.APPLYING, ""
            enterprise.save(update_fields=["state", "state_reason", "updated_at"])
        action = "application.resubmit" if resubmitted or current is not None else "application.submit"
        record_event(actor, action, application, parent=enterprise, detail={"via_link": via_link})
    return application


def add_material(
    actor, enterprise: Enterprise, uploaded: UploadedFile, title: str, application: Application | None = None
) -> Material:
    """Check and store one file (core.uploads raises UploadError with what to fix) and attach it."""
    stored = store_checked_file(uploaded, UPLOAD_FOLDER)
    try:
        material = Material.objects.create(
            enterprise=enterprise,
            application=application,
            title=(title or "材料")[:100],
            original_name=str(uploaded.name or "")[-200:],
            stored_name=stored.name,
            kind=stored.kind,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_at=timezone.now(),
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        )
    except BaseException:
        delete_stored(UPLOAD_FOLDER, stored.name)
        raise
    record_event(actor, "material.upload", enterprise, detail={"material": material.pk, "kind": stored.kind})
    return material


# ---- review and inspection ----


def _move(actor, application: Application, allowed: tuple[str, ...], status: str, action: str, **detail) -> None:
    """One step of the application's state machine, taken once: a step from the wrong state is refused."""
    updated = Application.objects.filter(pk=application.pk, status__in=allowed).update(
        status=status, updated_at=timezone.now()
    )
    if not updated:
        raise ReopeningError(f"申请现在是“{application.get_status_display()}”，不能进行这一步。请刷新页面后再试。")
    application.status = status
    record_event(actor, action, application, parent=application.enterprise, **detail)


def start_review(actor, application: Application) -> None:
    _move(actor, application, (ApplicationStatus.SUBMITTED,), ApplicationStatus.UNDER_REVIEW, "application.review")


def return_application(actor, application: Application, reason: str, now: datetime | None = None) -> None:
    if not reason.strip():
        raise ReopeningError("请写明退回原因，告诉企业需要改什么。")
    allowed = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.INSPECTED)
    with transaction.atomic():
        _move(actor, application, allowed, ApplicationStatus.RETURNED, "application.return", reason=reason)
        application.decision_reason, application.decided_at, application.decided_by = reason, _now(now), actor
        application.save(update_fields=["decision_reason", "decided_at", "decided_by", "updated_at"])


def reject_application(actor, application: Application, reason: str, now: datetime | None = None) -> None:
    if not reason.strip():
        raise ReopeningError("请写明不予批准的原因。")
    allowed = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.INSPECTED)
    with transaction.atomic():
        _move(actor, application, allowed, ApplicationStatus.REJECTED, "application.reject", reason=reason)
        application.decision_reason, application.decided_at, application.decided_by = reason, _now(now), actor
        application.save(update_fields=["decision_reason", "decided_at", "decided_by", "updated_at"])
        _set_state(application.enterprise, EnterpriseState.CLOSED, reason)


def latest_inspection(application: Application) -> Inspection | None:
    return application.inspections.order_by("-recorded_at", "-id").first()


def approve_application(actor, application: Application, now: datetime | None = None) -> None:
    """Only after a joint inspection that passed every item, and with no returning staff blocking (screened
    again now: an observation may have finished, a key area been declared); gives the notice its number."""
    now = _now(now)
    inspection = latest_inspection(application)
    if application.status == ApplicationStatus.INSPECTED and (inspection is None or not inspection.passed):
        raise ReopeningError("现场核查有未通过的项目，不能批准。请退回企业整改，整改后重新核查。")
    if application.status == ApplicationStatus.INSPECTED and staff.rescreen_enterprise(application.enterprise, now):
        raise ReopeningError(staff.blocking_message(application.enterprise))
    with transaction.atomic():
        _move(actor, application, (ApplicationStatus.INSPECTED,), ApplicationStatus.APPROVED, "application.approve")
        application.decided_at, application.decided_by = now, actor
        application.notice_number = f"复工{timezone.localdate(now):%Y%m%d}-{application.pk:04d}"
        application.save(update_fields=["decided_at", "decided_by", "notice_number", "updated_at"])
        _set_state(application.enterprise, EnterpriseState.APPROVED, "")


def _set_state(enterprise: Enterprise, state: str, reason: str) -> None:
    enterprise.state, enterprise.state_reason = state, reason[:300]
    enterprise.save(update_fields=["state", "state_reason", "updated_at"])


def checklist_for_all() -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(active=True).order_by("gate", "sort_number", "id"))


def checklist_for(enterprise: Enterprise) -> list[ChecklistItem]:
    """The active items of the four gates for the enterprise's sector (items for every sector included)."""
    items = ChecklistItem.objects.filter(active=True).filter(sector__in=["", enterprise.sector])
    return list(items.order_by("gate", "sort_number", "id"))


@dataclass(frozen=True)
class ItemResult:
    item: ChecklistItem
    passed: bool
    note: str = ""
    photo: UploadedFile | None = None


@dataclass(frozen=True)
class InspectionRecord:
    inspected_on: date
    inspectors: str
    units: list[str]
    results: list[ItemResult]
    note: str = ""
    suspend_reason: str = ""  # a failed re-inspection suspends the enterprise when given


def record_inspection(
    actor, enterprise: Enterprise, record: InspectionRecord, application: Application | None = None
) -> Inspection:
    """The joint inspection of an application under review (→ inspected), or a re-inspection of an open
    enterprise (a failure with a reason suspends it). Photos go through core.uploads like any material."""
    if not record.results:
        raise ReopeningError("没有可核查的项目，请先在后台为该行业设置现场核查项目。")
    passed = all(result.passed for result in record.results)
    reinspection = application is None
    if reinspection and enterprise.state != EnterpriseState.OPEN:
        raise ReopeningError("只有已复工的企业可以复查。")
    if record.suspend_reason and (passed or not reinspection):
        raise ReopeningError("只有复查未通过时才能暂停营业。")
    stored: list[Material] = []
    try:
        with transaction.atomic():
            if application is not None:
                allowed = (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.INSPECTED)
                _move(
                    actor,
                    application,
                    allowed,
                    ApplicationStatus.INSPECTED,
                    "application.inspect",
                    detail={"passed": passed},
                )
            inspection = Inspection.objects.create(
                enterprise=enterprise,
                application=application,
                is_reinspection=reinspection,
                inspected_on=record.inspected_on,
                inspectors=record.inspectors,
                units=record.units,
                passed=passed,
                note=record.note,
                recorded_by=actor,
                recorded_at=timezone.now(),
            )
            rows = []
            for result in record.results:
                photo = None
                if result.photo is not None:
                    photo = add_material(actor, enterprise, result.photo, f"核查照片：{result.item.text}"[:100])
                    stored.append(photo)
                rows.append(
                    InspectionResult(
                        inspection=inspection,
                        item=result.item,
                        gate=result.item.gate,
                        text=result.item.text,
                        passed=result.passed,
                        note=result.note,
                        photo=photo,
                    )
                )
            InspectionResult.objects.bulk_create(rows)
            _set_gates(enterprise, record.results)
            if reinspection:
                record_event(actor, "enterprise.reinspect", enterprise, detail={"passed": passed})
                if record.suspend_reason:
                    _set_state(enterprise, EnterpriseState.SUSPENDED, record.suspend_reason)
                    record_event(actor, "enterprise.suspend", enterprise, reason=record.suspend_reason)
    except BaseException:
        for material in stored:
            delete_stored(UPLOAD_FOLDER, material.stored_name)
        raise
    return inspection


def _set_gates(enterprise: Enterprise, results: list[ItemResult]) -> None:
    """Entry, disinfection and supervision are done when every item of that gate passed this inspection."""
    for gate, field in (
        (PreventionGate.ENTRY, "entry_done"),
        (PreventionGate.DISINFECTION, "disinfection_done"),
        (PreventionGate.SUPERVISION, "supervision_done"),
    ):
        of_gate = [r.passed for r in results if r.item.gate == gate]
        setattr(enterprise, field, bool(of_gate) and all(of_gate))
    enterprise.save(update_fields=["entry_done", "disinfection_done", "supervision_done", "updated_at"])


def open_enterprise(actor, enterprise: Enterprise, opened_on: date) -> None:
    """An approved enterprise has reopened (复工)."""
    updated = Enterprise.objects.filter(pk=enterprise.pk, state=EnterpriseState.APPROVED).update(
        state=EnterpriseState.OPEN, opened_on=opened_on, updated_at=timezone.now()
    )
    if not updated:
        raise ReopeningError("只有已批准复工的企业才能登记为已复工。")
    enterprise.state, enterprise.opened_on = EnterpriseState.OPEN, opened_on
    record_event(actor, "enterprise.open", enterprise, detail={"opened_on": opened_on.isoformat()})


# ---- many at once (a long list registered in one go: the demo's 329, a street's first list) ----


def add_enterprises(actor, rows: list[tuple[dict, Checked]]) -> list[Enterprise]:
    """Create many new enterprises in one write (placed and sealed as save_enterprise does), one audit event."""
    enterprises = []
    for data, phone in rows:
        enterprise = Enterprise(**{name: data[name] for name in ENTERPRISE_FIELDS if name in data})
        _place(enterprise)
        sealed = seal_phone(phone.value)
        enterprise.phone_enc, enterprise.phone_index, enterprise.phone_masked = (
            sealed.encrypted,
            sealed.index,
            sealed.masked,
        )
        enterprises.append(enterprise)
    with transaction.atomic():
        Enterprise.objects.bulk_create(enterprises)
        record_event(actor, "enterprise.create_many", None, row_count=len(enterprises), scope="企业名单")
    return enterprises


def record_policy_calls(
    actor, enterprises: list[Enterprise], channel: str, note: str = "", now: datetime | None = None
) -> None:
    """The policy told to many enterprises (a floor's round of calls), as record_policy_call does one."""
    now = _now(now)
    with transaction.atomic():
        PolicyCall.objects.bulk_create(
            PolicyCall(enterprise=e, channel=channel, note=note, told_at=now, told_by=actor) for e in enterprises
        )
        Enterprise.objects.filter(pk__in=[e.pk for e in enterprises]).update(told_at=now, updated_at=timezone.now())
        for enterprise in enterprises:
            enterprise.told_at = now
        record_event(
            actor, "enterprise.policy_call_many", None, row_count=len(enterprises), detail={"channel": channel}
        )
