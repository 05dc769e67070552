"""Review and the joint inspection: submitted → under review → inspected → approved, or returned or rejected;
no step skipped, each step only by those allowed, audited; the notice; opening, re-inspection, suspension."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.reopening import actions
from alleykeeper.reopening.models import (
    Application,
    ApplicationStatus,
    ChecklistItem,
    EnterpriseState,
    Inspection,
    Material,
)
from alleykeeper.reopening.tests.test_link_and_uploads import _png


def _submit(world, enterprise) -> Application:
    data = {"planned_date": timezone.localdate(), "contact_name": "林店长", "measures_entry": "测温"}
    return actions.submit_application(world.worker_a, enterprise, data, None, via_link=False)


def _inspection(enterprise, *, fail: ChecklistItem | None = None, **extra) -> dict:
    data = {
        "inspected_on": timezone.localdate().isoformat(),
        "inspectors": "黄银红、陈某",
        "units": ["community", "market_supervision"],
    }
    for item in actions.checklist_for(enterprise):
        data[f"item_{item.pk}"] = "fail" if item == fail else "pass"
        data[f"note_{item.pk}"] = "未张贴" if item == fail else ""
    return data | extra


def test_checklist_is_seeded_per_sector(db):
    assert ChecklistItem.objects.filter(sector="").count() >= 8
    gates = set(ChecklistItem.objects.values_list("gate", flat=True))
    assert gates == {"publicity", "entry", "disinfection", "supervision"}


def test_the_whole_review_in_order_and_who_may_do_each_step(world, personas, enterprise_a):
    admin, worker, officer = personas["admin"], personas["worker_a"], personas["officer"]
    staff_entry = worker.post(
        reverse("reopening:apply", args=[enterprise_a.pk]),
        {"planned_date": timezone.localdate().isoformat(), "contact_name": "林店长", "contact_phone": "13859904444"},
    )
    application = Application.objects.get()
    assert (
        staff_entry.status_code == 302
        and application.status == ApplicationStatus.SUBMITTED
        and not application.via_link
    )
    urls = {
        name: reverse(f"reopening:{name}", args=[application.pk])
        for name in ("review", "inspect", "approve", "return", "reject", "notice")
    }
    # No step skipped: approval and inspection before review are refused.
    admin.post(urls["approve"])
    assert admin.get(urls["inspect"]).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    # A grid worker, a street officer and another grid's worker may not review.
    assert worker.post(urls["review"]).status_code == 403
    assert officer.post(urls["review"]).status_code == 403
    assert personas["worker_b"].post(urls["review"]).status_code == 403
    assert admin.post(urls["review"]).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    # An inspection with one failed item: a note is required, approval is refused.
    first = actions.checklist_for(enterprise_a)[0]
    missing_note = _inspection(enterprise_a, fail=first) | {f"note_{first.pk}": ""}
    assert "请写明问题" in admin.post(urls["inspect"], missing_note).content.decode()
    assert worker.post(urls["inspect"], _inspection(enterprise_a)).status_code == 403
    photo = SimpleUploadedFile("p.png", _png())
    failed = _inspection(enterprise_a, fail=first) | {f"photo_{first.pk}": photo}
    assert admin.post(urls["inspect"], failed).status_code == 302
    inspection = Inspection.objects.get()
    assert not inspection.passed and inspection.results.get(passed=False).photo.kind == "png"
    assert Material.objects.filter(enterprise=enterprise_a).count() == 1
    admin.post(urls["approve"])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INSPECTED
    # Returned with reasons, corrected by the enterprise, and round again.
    assert admin.post(urls["return"], {"reason": ""}).status_code == 400
    admin.post(urls["return"], {"reason": "请在门口张贴防疫宣传资料"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED and "张贴" in application.decision_reason
    _submit(world, enterprise_a)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and Application.objects.count() == 1
    admin.post(urls["review"])
    admin.post(urls["inspect"], _inspection(enterprise_a))
    assert worker.post(urls["approve"]).status_code == 403
    assert admin.post(urls["approve"]).status_code == 302
    application.refresh_from_db()
    enterprise_a.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.notice_number
    assert enterprise_a.state == EnterpriseState.APPROVED and enterprise_a.entry_done and enterprise_a.supervision_done
    notice = officer.get(urls["notice"]).content.decode()
    assert "复工通知书" in notice and application.notice_number in notice and "市场监督所" in notice
    actions_done = list(AuditEvent.objects.filter(action__startswith="application.").values_list("action", flat=True))
    assert {"application.review", "application.inspect", "application.return", "application.approve"} <= set(
        actions_done
    )
    # Opening: by staff who manage, not by the street officer.
    open_url = reverse("reopening:open", args=[enterprise_a.pk])
    assert officer.post(open_url, {"opened_on": timezone.localdate().isoformat()}).status_code == 403
    worker.post(open_url, {"opened_on": timezone.localdate().isoformat()})
    enterprise_a.refresh_from_db()
    assert enterprise_a.state == EnterpriseState.OPEN
    # A failed re-inspection suspends, with a reason, and only by those who may approve.
    reinspect = reverse("reopening:reinspect", args=[enterprise_a.pk])
    failed = _inspection(enterprise_a, fail=first, suspend_reason="未落实消毒")
    assert worker.post(reinspect, failed).status_code == 403
    passed_but_suspend = _inspection(enterprise_a, suspend_reason="未落实消毒")
    assert "复查全部通过，不能暂停营业" in admin.post(reinspect, passed_but_suspend).content.decode()
    assert admin.post(reinspect, failed).status_code == 302
    enterprise_a.refresh_from_db()
    assert enterprise_a.state == EnterpriseState.SUSPENDED and enterprise_a.state_reason == "未落实消毒"
    assert AuditEvent.objects.filter(action="enterprise.suspend", reason="未落实消毒").exists()


def test_rejection_closes_the_enterprise_and_needs_a_reason(world, personas, enterprise_a):
    application = _submit(world, enterprise_a)
    url = reverse("reopening:reject", args=[application.pk])
    assert personas["worker_a"].post(url, {"reason": "x"}).status_code == 403
    assert personas["admin"].post(url, {"reason": " "}).status_code == 400
    personas["admin"].post(url, {"reason": "经营场所不符合消防要求"})
    application.refresh_from_db()
    enterprise_a.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED and enterprise_a.state == EnterpriseState.CLOSED
    # A rejected application cannot be approved or reviewed again; a new one can be filed.
    personas["admin"].post(reverse("reopening:review", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert _submit(world, enterprise_a).pk != application.pk
