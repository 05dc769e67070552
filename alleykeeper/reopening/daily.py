"""Daily health reports of open enterprises (每日健康日报): through the enterprise's link or entered by staff.
One report per enterprise and day; sending again the same day corrects it. Missing reports are a query
(EnterpriseQuerySet.report_missing), listed for the grid worker of each enterprise's grid."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.reopening.errors import ReopeningError
from alleykeeper.reopening.models import DailyReport, Enterprise, EnterpriseState


def submit_daily_report(
    actor, enterprise: Enterprise, data: dict, *, via_link: bool, day: date | None = None, now: datetime | None = None
) -> DailyReport:
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    if enterprise.state != EnterpriseState.OPEN:
        raise ReopeningError("只有已复工的企业需要报送健康日报。")
    if day > timezone.localdate(now):
        raise ReopeningError("不能报送以后日期的日报。")
    with transaction.atomic():
        report, created = DailyReport.objects.select_for_update().get_or_create(
            enterprise=enterprise,
            day=day,
            defaults={"staff_present": data["staff_present"], "submitted_at": now},
        )
        report.staff_present = data["staff_present"]
        report.unwell = data["unwell"]
        report.unwell_note = (data.get("unwell_note") or "").strip() if data["unwell"] else ""
        report.via_link = via_link
        report.submitted_at = now
        report.submitted_by = actor if actor is not None and actor.is_authenticated else None
        report.save()
        record_event(
            actor,
            "daily_report.submit" if created else "daily_report.correct",
            report,
            parent=enterprise,
            detail={"day": day.isoformat(), "unwell": report.unwell, "via_link": via_link},
        )
    return report
