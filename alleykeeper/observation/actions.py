"""Case lifecycle: open, extend, transfer, release, escalate, notes, the personal link, the phone.

Follow-ups and the tick live in followups.py, deliveries in deliveries.py, retention in retention.py.
Every function here writes its audit record; a change that hurts people (transfer, escalation) needs a
reason. Key persons' status follows their case: the screening app owns KeyPerson, so this module only
updates its `status` column (one UPDATE) and audits the change.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.crypto import decrypt
from alleykeeper.core.identity import format_phone
from alleykeeper.observation import schedule
from alleykeeper.observation.models import (
    CaseNote,
    CaseStatus,
    FeverState,
    FollowUpSlot,
    ObservationCase,
    SlotStatus,
)
from alleykeeper.registry.models import Household, Resident
from alleykeeper.screening.models import KeyPerson, KeyPersonStatus


class CaseError(Exception):
    """A request that cannot be carried out; the message says what to do, in Chinese."""


@dataclass(frozen=True)
class Person:
    """Someone to observe: a resident of the household, a key person, or both (the same person)."""

    name: str
    resident: Resident | None = None
    key_person: KeyPerson | None = None


@dataclass(frozen=True)
class CaseTerms:
    reason: str
    day_zero_basis: str
    day_zero: date
    assigned_worker: object
    reason_note: str = ""
    origin: object = None
    started_on: date | None = None


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _phone_of(person: Person) -> tuple[str, str]:
    for source in (person.resident, person.key_person):
        if source is not None and source.phone_enc:
            return source.phone_enc, source.phone_masked
    return "", ""


def slots_for(case: ObservationCase, after: datetime, last_day: date) -> list[FollowUpSlot]:
    slots = []
    for due in schedule.due_times_between(after, last_day):
        times = schedule.slot_times(due)
        slots.append(FollowUpSlot(case=case, due_at=due, closes_at=times.closes_at))
    return slots


def _set_key_person_status(actor, case: ObservationCase, status: str) -> None:
    if case.key_person_id is None:
        return
    KeyPerson.objects.filter(pk=case.key_person_id).update(status=status, updated_at=timezone.now())
    record_event(
        actor,
        "observation.key_person_status",
        case,
        parent=case.household,
        label=case.name,
        detail={"key_person": case.key_person_id, "status": status},
    )


@transaction.atomic
def open_cases(
    actor, household: Household, people: list[Person], terms: CaseTerms, *, now: datetime | None = None
) -> list[ObservationCase]:
    """Open one case per person, in one step (a household observed together). Slots for the whole
    planned period are created at once, from the opening moment on."""
    now = _now(now)
    if not people:
        raise CaseError("请至少选择一位观察对象。")
    today = schedule.local_date(now)
    if terms.day_zero > today:
        raise CaseError("第0天不能晚于今天，请核对日期。")
    started_on = terms.started_on or today
    if started_on < terms.day_zero:
        started_on = terms.day_zero
    end = schedule.planned_end(terms.day_zero)
    cases = []
    for person in people:
        phone_enc, phone_masked = _phone_of(person)
        case = ObservationCase(
            community_id=household.community_id,
            grid_id=household.grid_id,
            household=household,
            resident=person.resident,
            key_person=person.key_person,
            name=person.name,
            phone_enc=phone_enc,
            phone_masked=phone_masked,
            reason=terms.reason,
            reason_note=terms.reason_note,
            origin=terms.origin,
            day_zero_basis=terms.day_zero_basis,
            day_zero=terms.day_zero,
            started_on=started_on,
            planned_end=end,
            assigned_worker=terms.assigned_worker,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            opened_at=now,
        )
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError as error:
            raise CaseError(f"{person.name} 已有进行中的居家观察，不能重复开案。") from error
        FollowUpSlot.objects.bulk_create(slots_for(case, now, end))
        record_event(
            actor,
            "observation.open",
            case,
            parent=household,
            detail={"reason": terms.reason, "day_zero_basis": terms.day_zero_basis, "day_zero": str(terms.day_zero)},
        )
        _set_key_person_status(actor, case, KeyPersonStatus.OBSERVING)
        cases.append(case)
    return cases


def _require_open(case: ObservationCase) -> None:
    if not case.is_open:
        raise CaseError("这个观察已经结束，只能添加备注。")


def _require_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise CaseError("请填写原因：这项操作会影响观察对象，必须说明理由。")
    return reason


@transaction.atomic
def extend_case(actor, case: ObservationCase, new_end: date, reason: str) -> ObservationCase:
    _require_open(case)
    reason = _require_reason(reason)
    if new_end <= case.planned_end:
        raise CaseError(f"延期后的日期应晚于原计划解除日期 {case.planned_end:%Y-%m-%d}。")
    previous_end = case.planned_end
    last_slot = case.slots.order_by("-due_at").values_list("due_at", flat=True).first()
    after = max(last_slot or case.opened_at, timezone.now())
    case.planned_end, case.status, case.extension_reason = new_end, CaseStatus.EXTENDED, reason
    case.save(update_fields=["planned_end", "status", "extension_reason", "updated_at"])
    FollowUpSlot.objects.bulk_create(slots_for(case, after, new_end), ignore_conflicts=True)
    record_event(
        actor,
        "observation.extend",
        case,
        parent=case.household,
        reason=reason,
        detail={"from": str(previous_end), "to": str(new_end)},
    )
    return case


def _close(actor, case: ObservationCase, status: str, reason: str, now: datetime) -> None:
    case.status, case.closing_reason, case.closed_at = status, reason, now
    case.closed_by = actor if actor is not None and actor.is_authenticated else None
    case.report_token_hash = None  # the personal link stops working with the case
    case.save(
        update_fields=[
            "status",
            "closing_reason",
            "closed_at",
            "closed_by",
            "report_token_hash",
            "transfer_destination",
            "updated_at",
        ]
    )
    open_slots = case.slots.filter(status__in=[SlotStatus.PENDING, SlotStatus.OVERDUE])
    open_slots.filter(due_at__gt=now).delete()
    open_slots.update(status=SlotStatus.MISSED)


@transaction.atomic
def transfer_case(
    actor, case: ObservationCase, destination: str, reason: str, *, now: datetime | None = None
) -> ObservationCase:
    """To hospital or central isolation: ends home observation. Hurts people, so needs a reason."""
    _require_open(case)
    reason = _require_reason(reason)
    case.transfer_destination = destination
    _close(actor, case, CaseStatus.TRANSFERRED, reason, _now(now))
    record_event(actor, "observation.transfer", case, parent=case.household, reason=reason, detail={"to": destination})
    _set_key_person_status(actor, case, KeyPersonStatus.TRANSFERRED)
    return case


@transaction.atomic
def release_case(actor, case: ObservationCase, note: str = "", *, now: datetime | None = None) -> ObservationCase:
    _require_open(case)
    now = _now(now)
    if case.fever_state in (FeverState.RETEST_DUE, FeverState.FEVER):
        raise CaseError("发热提醒尚未处理（待复测或待上报），处理后才能解除观察。")
    _close(actor, case, CaseStatus.RELEASED, " ".join(note.split()), now)
    early = schedule.local_date(now) < case.planned_end
    record_event(actor, "observation.release", case, parent=case.household, reason=note, detail={"early": early})
    _set_key_person_status(actor, case, KeyPersonStatus.CLEARED)
    return case


@transaction.atomic
def escalate_fever(actor, case: ObservationCase, reason: str, *, now: datetime | None = None) -> ObservationCase:
    """Report a fever upward (to the community health centre / epidemic command): needs a reason, audited."""
    _require_open(case)
    reason = _require_reason(reason)
    case.fever_state, case.escalated_at, case.escalation_reason = FeverState.ESCALATED, _now(now), reason
    case.save(update_fields=["fever_state", "escalated_at", "escalation_reason", "updated_at"])
    record_event(actor, "observation.escalate", case, parent=case.household, reason=reason)
    return case


@transaction.atomic
def clear_fever(actor, case: ObservationCase, reason: str) -> ObservationCase:
    """Close a fever alert after a doctor's assessment (the person stays under home observation)."""
    _require_open(case)
    reason = _require_reason(reason)
    case.fever_state, case.retest_due_at = FeverState.NONE, None
    case.save(update_fields=["fever_state", "retest_due_at", "updated_at"])
    record_event(actor, "observation.clear_fever", case, parent=case.household, reason=reason)
    return case


@transaction.atomic
def reassign_case(actor, case: ObservationCase, worker) -> ObservationCase:
    previous = case.assigned_worker_id
    case.assigned_worker = worker
    case.save(update_fields=["assigned_worker", "updated_at"])
    record_event(actor, "observation.reassign", case, parent=case.household, detail={"from": previous, "to": worker.pk})
    return case


def add_note(actor, case: ObservationCase, text: str) -> CaseNote:
    text = " ".join((text or "").split())
    if not text:
        raise CaseError("备注不能为空。")
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, text=text[:500], author=actor)
        record_event(actor, "observation.note", case, parent=case.household, detail={"note": note.pk})
    return note


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_report_link(actor, case: ObservationCase) -> str:
    """A new personal link; the previous one stops working. Only its hash is stored, so the link is
    shown once, to be sent to the person."""
    _require_open(case)
    token = secrets.token_urlsafe(24)
    case.report_token_hash, case.report_token_issued_at = hash_token(token), timezone.now()
    case.save(update_fields=["report_token_hash", "report_token_issued_at", "updated_at"])
    record_event(actor, "observation.issue_link", case, parent=case.household)
    return token


def case_for_token(token: str) -> ObservationCase | None:
    """The open case a personal link belongs to; None for an unknown, replaced or closed link."""
    if not token or len(token) > 64:
        return None
    return ObservationCase.objects.open().filter(report_token_hash=hash_token(token)).first()


def reveal_case_phone(actor, case: ObservationCase, purpose: str, client_ip: str | None = None) -> str:
    """The full phone to call the person; every reveal is audited with its purpose."""
    record_event(actor, "identity.reveal_phone", case, parent=case.household, purpose=purpose, client_ip=client_ip)
    return format_phone(decrypt(case.phone_enc))
