"""The figures of enterprise reopening (复工复产), joined to FIGURES by figures.py: enterprises by state,
applications waiting, returning staff blocking an approval, openings of the day and of the coming week, and
the open enterprises whose daily health report is missing. Each reads reopening's own query methods
(`Application.objects.waiting()`, `opening_between`, `ReturningStaff.objects.blocking()`,
`Enterprise.objects.report_missing`), so the dashboard, the daily report and the reopening pages agree.

What history cannot give: an enterprise's state, an application's status and a person's block are stored as
they are now, not with their past; so these figures are "as now" for the records that existed at the end of
the window (registered, submitted or added before it). Openings are read from the reopening slots' days
(history enough: a slot's day does not move), and a missing daily report from the reports sent before the
end of the window.
"""

from datetime import date, timedelta

from django.db.models import DateField, Func, QuerySet

from alleykeeper.reopening.models import Application, Enterprise, EnterpriseState, ReturningStaff
from alleykeeper.reports.measures import (
    ENTERPRISE,
    FLOW,
    OF_ENTERPRISE,
    SEE_REOPENING,
    STOCK,
    Area,
    Figure,
    Select,
    Window,
)

GROUP = "复工复产"
WEEK_DAYS = 7  # "this week": the window's last day and the six days after it


class _DaysAfter(Func):
    """A date column or value `days` days later, in SQL: the trends' windows are columns (measures.WindowColumns)."""

    output_field = DateField()

    def __init__(self, day: object, days: int) -> None:
        super().__init__(day)
        self.days = int(days)

    def as_sqlite(self, compiler, connection, **extra) -> tuple[str, list]:
        return super().as_sql(compiler, connection, template=f"date(%(expressions)s, '+{self.days} days')", **extra)

    def as_sql(self, compiler, connection, **extra) -> tuple[str, list]:  # PostgreSQL: date + integer
        return super().as_sql(compiler, connection, template=f"(%(expressions)s + {self.days})", **extra)


def days_after(day: date | object, days: int) -> date | Func:
    return day + timedelta(days=days) if isinstance(day, date) else _DaysAfter(day, days)


def _in_state(state: str) -> Select:
    return lambda area, w: Enterprise.objects.filter(state=state, created_at__lt=w.end)


def _waiting(area: Area, w: Window) -> QuerySet:
    return Application.objects.waiting().filter(submitted_at__lt=w.end)


def _blocking(area: Area, w: Window) -> QuerySet:
    return ReturningStaff.objects.blocking().filter(created_at__lt=w.end)


def _openings_today(area: Area, w: Window) -> QuerySet:
    return Application.objects.opening_between(w.last_day, w.last_day)


def _openings_week(area: Area, w: Window) -> QuerySet:
    return Application.objects.opening_between(w.last_day, days_after(w.last_day, WEEK_DAYS - 1))


def _reports_missing(area: Area, w: Window) -> QuerySet:
    return Enterprise.objects.report_missing(w.last_day, sent_before=w.end)


REOPENING_FIGURES = [
    *[
        Figure(
            f"enterprises_{state.value}",
            f"企业：{state.label}",
            STOCK,
            GROUP,
            "家",
            ENTERPRISE,
            _in_state(state.value),
            capabilities=SEE_REOPENING,
            note=f"截至时点已登记、现在状态为“{state.label}”的企业（企业状态没有历史记录，按当前状态）。",
        )
        for state in EnterpriseState
    ],
    Figure(
        "reopening_applications_waiting",
        "复工申请待审批",
        STOCK,
        GROUP,
        "份",
        OF_ENTERPRISE,
        _waiting,
        capabilities=SEE_REOPENING,
        note="截至时点已提交、现在仍为已提交、审核中或已现场核查（尚未批准或不予批准）的复工申请（按当前状态）。",
    ),
    Figure(
        "reopening_staff_blocking",
        "返岗人员未解除限制",
        STOCK,
        GROUP,
        "人",
        OF_ENTERPRISE,
        _blocking,
        capabilities=SEE_REOPENING,
        note="截至时点已登记、现在筛查结果仍阻止企业批准复工的返岗人员（四类人员、重点地区等，按当前状态）。",
    ),
    Figure(
        "reopening_openings_today",
        "当日错峰复工",
        FLOW,
        GROUP,
        "家",
        OF_ENTERPRISE,
        _openings_today,
        capabilities=SEE_REOPENING,
        note="已批准、预约的错峰复工时段在统计日当天的企业。",
    ),
    Figure(
        "reopening_openings_week",
        "7 天内错峰复工",
        STOCK,
        GROUP,
        "家",
        OF_ENTERPRISE,
        _openings_week,
        capabilities=SEE_REOPENING,
        note=f"已批准、预约的错峰复工时段在统计日及其后 {WEEK_DAYS - 1} 天内（共 {WEEK_DAYS} 天）的企业。",
    ),
    Figure(
        "reopening_reports_missing",
        "企业健康日报未报",
        STOCK,
        GROUP,
        "家",
        ENTERPRISE,
        _reports_missing,
        capabilities=SEE_REOPENING,
        note="已复工的企业中，截至时点还没有报送统计日当天健康日报的（企业状态按当前状态）。",
    ),
]
