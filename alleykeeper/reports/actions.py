"""Every write of the daily report: generate (the timer and the admin's button), correct, sign, export, and a
format's new version. Views, the admin and the command all call these."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from alleykeeper.audit.actions import audit_event, record_event, record_events
from alleykeeper.audit.models import AuditEvent
from alleykeeper.registry.models import Community
from alleykeeper.reports.figures import FIGURES, FLOW, Area, Window, compute
from alleykeeper.reports.formats import check_spec
from alleykeeper.reports.models import DailyReport, ReportFormat


class ReportError(Exception):
    """A request that cannot be carried out; the message says what to do, in Chinese."""


def _diff(before: dict[str, int], after: dict[str, int], keys) -> list[dict]:
    return [
        {"key": key, "label": FIGURES[key].label, "before": before.get(key, 0), "after": after.get(key, 0)}
        for key in keys
        if key in FIGURES and before.get(key, 0) != after.get(key, 0)
    ]


def _previous_signed(community_ids: list[int], day: date) -> dict[int, DailyReport]:
    """For each community, the newest signed version of its latest earlier day: what "yesterday's cumulative
    figures" were. One query whatever the number of communities (PostgreSQL: DISTINCT ON)."""
    earlier = DailyReport.objects.signed().filter(community_id__in=community_ids, day__lt=day)
    if connection.features.can_distinct_on_fields:
        newest = earlier.order_by("community_id", "-day", "-version").distinct("community_id")
    else:  # SQLite: the newest per community, chosen here (a test database's handful of rows)
        newest = earlier.order_by("-day", "-version")
    found: dict[int, DailyReport] = {}
    for report in newest.only("community_id", "day", "version", "figures"):
        found.setdefault(report.community_id, report)
    return found


NOT_READ = object()  # generate_report's `previous`: not read by the caller, read it here


def _decreases(previous: DailyReport | None, figures: dict[str, int]) -> list[dict]:
    if previous is None:
        return []
    cumulative = [key for key, figure in FIGURES.items() if figure.cumulative]
    return [d for d in _diff(previous.figures, figures, cumulative) if d["after"] < d["before"]]


def _fill(report: DailyReport, now: datetime, figures: dict[str, int] | None = None, previous=NOT_READ) -> None:
    """Count every figure of the community at the day's cutoff, from the records (or take `figures`, counted
    so by generate_daily_reports for every community at once, with each one's `previous` signed report)."""
    window = Window.report_day(report.day)
    if figures is None:
        figures = compute(Area.of_communities([report.community_id]), window)
    if previous is NOT_READ:
        previous = _previous_signed([report.community_id], report.day).get(report.community_id)
    report.window_start, report.window_end, report.figures = window.start, window.end, figures
    report.is_zero = all(value == 0 for key, value in figures.items() if FIGURES[key].kind == FLOW)
    report.generated_at = now
    report.decreases = _decreases(previous, figures)
    if report.supersedes_id is not None:
        report.changes = _diff(report.supersedes.figures, figures, FIGURES)


FILLED = [
    "window_start",
    "window_end",
    "figures",
    "is_zero",
    "generated_at",
    "generated_by",
    "decreases",
    "changes",
    "updated_at",
]


def _require_after_cutoff(day: date, now: datetime) -> None:
    cutoff = Window.report_day(day).end  # in TIME_ZONE
    if now < cutoff:
        raise ReportError(f"{day.month}月{day.day}日的日报要到截止时间 {cutoff:%H:%M} 之后才能生成。")


@transaction.atomic
def generate_report(
    actor,
    community: Community,
    day: date,
    *,
    now: datetime | None = None,
    figures: dict[str, int] | None = None,
    previous=NOT_READ,
) -> DailyReport:
    """The day's report of one community, counted from the records: made once the cutoff has passed, made
    again (counted afresh) while it waits to be signed, and left alone once signed. Safe to run twice: a
    second run finds the same report and the same figures. `figures` and `previous` (its newest signed report
    of an earlier day, or None): what the caller has just read for every community (generate_daily_reports)."""
    now = now or timezone.now()
    _require_after_cutoff(day, now)
    latest = _latest_locked([community.pk], day).get(community.pk)
    return _generate(actor, community, day, now, figures, previous, latest)


def _latest_locked(community_ids: list[int], day: date) -> dict[int, DailyReport]:
    """The newest version of each community's report of the day, locked until the transaction ends."""
    found: dict[int, DailyReport] = {}
    versions = (
        DailyReport.objects.select_for_update(of=("self",))
        .select_related("supersedes")
        .filter(community_id__in=community_ids, day=day)
        .order_by("community_id", "-version")
    )
    for report in versions:
        found.setdefault(report.community_id, report)
    return found


def _counted(
    actor, community: Community, day: date, now: datetime, figures, previous, latest: DailyReport | None
) -> DailyReport:
    """The day's report counted afresh, not saved: the latest version if unsigned, else a first version (a
    signed latest is returned as it is)."""
    if latest is not None and latest.is_signed:
        return latest
    report = latest or DailyReport(community=community, day=day, version=1)
    report.generated_by = actor if actor is not None and actor.is_authenticated else None
    _fill(report, now, figures, previous)
    return report


def _generated(actor, community: Community, report: DailyReport) -> AuditEvent:
    detail = {"day": str(report.day), "version": report.version, "zero": report.is_zero}
    return audit_event(actor, "report.generate", report, parent=community, label=str(report), detail=detail)


def _generate(
    actor, community: Community, day: date, now: datetime, figures, previous, latest: DailyReport | None
) -> DailyReport:
    """generate_report's work, inside the caller's transaction, `latest` read and locked by it."""
    report = _counted(actor, community, day, now, figures, previous, latest)
    if report.is_signed:
        return report
    if latest is None:
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:  # made at the same moment by the timer or another click
            return DailyReport.objects.get(community=community, day=day, signed_at__isnull=True)
    else:
        report.save(update_fields=FILLED)
    record_events([_generated(actor, community, report)])
    return report


def _write_all(actor, communities: list[Community], reports: list[DailyReport]) -> None:
    """Save the street's counted reports and their audit records: the first versions (the timer's usual case)
    and the records in one INSERT each, not two per community; a version counted again (still unsigned) is
    updated on its own row (Django's bulk_update spent more in Python than 50 UPDATEs). IntegrityError if
    another click made a first version meanwhile."""
    unsigned = [
        (community, report) for community, report in zip(communities, reports, strict=True) if not report.is_signed
    ]
    again = [report for _, report in unsigned if report.pk is not None]
    with transaction.atomic():
        DailyReport.objects.bulk_create([report for _, report in unsigned if report.pk is None])
    for report in again:
        report.save(update_fields=FILLED)
    record_events([_generated(actor, community, report) for community, report in unsigned])


@dataclass(frozen=True)
class Generated:
    made: int  # reports made or counted afresh
    signed: int  # already signed, left alone


def generate_daily_reports(
    actor, day: date, *, community_ids: list[int] | None = None, now: datetime | None = None
) -> Generated:
    """The day's report of every community (or those named): what the timer runs after the cutoff. The
    figures of all the communities are counted together (one GROUP BY query per figure: 49 queries for a
    street of 50 communities, not 2,450), each the same number as its community's own count; their previous
    signed reports and the day's latest versions (locked) are read in one query each, and the reports and their
    audit records written in a statement each. One transaction for all (one commit, not one per community: the
    commits were a quarter of the street's time); a failure leaves the day as it was, and a second run makes the
    same reports."""
    now = now or timezone.now()
    _require_after_cutoff(day, now)
    communities = Community.objects.order_by("pk")
    if community_ids is not None:
        communities = communities.filter(pk__in=community_ids)
    communities = list(communities)
    ids = [c.pk for c in communities]
    counted = compute(Area.of_communities(ids), Window.report_day(day), by="community")
    with transaction.atomic():
        previous, latest = _previous_signed(ids, day), _latest_locked(ids, day)
        reports = [
            _counted(actor, c, day, now, counted[c.pk], previous.get(c.pk), latest.get(c.pk)) for c in communities
        ]
        try:
            _write_all(actor, communities, reports)
        except IntegrityError:  # a first version made meanwhile by the admin's button: one by one, as it does
            latest = _latest_locked(ids, day)
            reports = [
                _generate(actor, c, day, now, counted[c.pk], previous.get(c.pk), latest.get(c.pk)) for c in communities
            ]
    signed = sum(report.is_signed for report in reports)
    return Generated(len(reports) - signed, signed)


@transaction.atomic
def start_correction(actor, report: DailyReport, reason: str, *, now: datetime | None = None) -> DailyReport:
    """A new version of a signed report, counted afresh from the records (correct the records first), naming
    what differs from the version it corrects and why. The signed version stays as it was."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ReportError("请填写更正原因：哪条记录有误、改了什么。")
    report = DailyReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_signed:
        raise ReportError("这一版还没有签发，直接重新生成即可，不需要更正。")
    if DailyReport.objects.filter(
        community_id=report.community_id, day=report.day, version__gt=report.version
    ).exists():
        raise ReportError("这一版已经有更新的版本，请在最新的版本上更正。")
    correction = DailyReport(
        community_id=report.community_id,
        day=report.day,
        version=report.version + 1,
        supersedes=report,
        correction_reason=reason[:300],
        generated_by=actor,
    )
    _fill(correction, now or timezone.now())
    correction.save()
    record_event(
        actor,
        "report.correct",
        correction,
        parent=report.community,
        label=str(correction),
        reason=reason,
        detail={"day": str(report.day), "version": correction.version, "changes": correction.changes},
    )
    return correction


@transaction.atomic
def sign_report(actor, report: DailyReport, *, decrease_reason: str = "", now: datetime | None = None) -> DailyReport:
    """The community head answers for the figures: after this nothing of this version changes."""
    report = DailyReport.objects.select_for_update().select_related("community").get(pk=report.pk)
    if report.is_signed:
        raise ReportError("这份日报已经签发，不能再修改；如有错误请提交更正。")
    if DailyReport.objects.filter(
        community_id=report.community_id, day=report.day, version__gt=report.version
    ).exists():
        raise ReportError("这一版已经不是最新的版本。")
    decrease_reason = " ".join((decrease_reason or "").split())
    if report.decreases and not decrease_reason:
        names = "、".join(f"{d['label']}（{d['before']}→{d['after']}）" for d in report.decreases)
        raise ReportError(f"累计数比前一天的日报少：{names}。请说明原因（作为更正说明）后再签发。")
    if report.supersedes_id is not None and not report.changes:
        raise ReportError("重新计算后各项数字与被更正的版本相同，没有需要更正的内容；请先改正记录，再重新生成。")
    report.decrease_reason = decrease_reason[:300]
    report.signed_at, report.signed_by = now or timezone.now(), actor
    report.save(update_fields=["decrease_reason", "signed_at", "signed_by", "updated_at"])
    record_event(
        actor,
        "report.sign",
        report,
        parent=report.community,
        label=str(report),
        reason=decrease_reason,
        detail={"day": str(report.day), "version": report.version, "decreases": report.decreases},
    )
    return report


def record_report_export(
    actor, report: DailyReport | None, *, what: str, purpose: str, scope: str, row_count: int, client_ip: str | None
) -> None:
    """Every XLSX and every print of a list of people: who, when, which report and format, why, how many rows."""
    record_event(
        actor,
        "report.export",
        report,
        parent=report.community if report is not None else None,
        label=scope,
        purpose=purpose,
        scope=scope,
        row_count=row_count,
        client_ip=client_ip,
        detail={"what": what},
    )


@transaction.atomic
def save_format(
    actor, *, slug: str, title: str, office: str, spec: object, position: int = 100, note: str = ""
) -> ReportFormat:
    """A format's next version (or its first). Versions are never changed: reports read earlier keep theirs."""
    _, errors = check_spec(spec)
    if errors:
        raise ReportError("格式有误：" + "；".join(errors))
    latest = ReportFormat.objects.select_for_update().filter(slug=slug).order_by("-version").first()
    saved = ReportFormat.objects.create(
        slug=slug,
        version=(latest.version + 1) if latest else 1,
        position=position,
        title=title,
        office=office,
        spec=spec,
        change_note=note[:200],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record_event(actor, "report_format.save", saved, label=str(saved), detail={"slug": slug, "version": saved.version})
    return saved
