"""Coverage of a campaign: read from the stored per-household states, a fixed number of queries.

Households in scope, covered (every resident accounted for), reached (someone answered, or found vacant),
the revisit queue, never contacted, and today's attempts per worker.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.spreadsheets import DATE, NUMBER, Column, XlsxResult, csv_chunks, write_xlsx
from alleykeeper.registry.models import HouseholdKind
from alleykeeper.screening.models import Attempt, Campaign, CampaignHousehold, HouseholdStatus, Outcome


@dataclass
class Tally:
    label: str
    total: int = 0
    covered: int = 0
    reached: int = 0
    revisit: int = 0
    pending: int = 0
    never_reached: int = 0
    grid_id: int | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0

    @property
    def reached_percent(self) -> int:
        return round(100 * self.reached / self.total) if self.total else 0


# Tally field → aggregate (annotated under an "n_" name: "reached" is also a column of the model).
_COUNTS = {
    "total": Count("id"),
    "covered": Count("id", filter=Q(status=HouseholdStatus.COVERED)),
    "reached": Count("id", filter=Q(reached=True)),
    "revisit": Count("id", filter=Q(status=HouseholdStatus.REVISIT)),
    "pending": Count("id", filter=Q(status=HouseholdStatus.PENDING)),
    "never_reached": Count("id", filter=Q(reached=False)),
}


def by_grid(states: QuerySet) -> tuple[Tally, list[Tally]]:
    """Per grid and in total, in one query."""
    aggregates = {f"n_{name}": count for name, count in _COUNTS.items()}
    rows = states.order_by().values("grid_id", "grid__name").annotate(**aggregates).order_by("grid")
    grids = [
        Tally(label=row["grid__name"], grid_id=row["grid_id"], **{name: row[f"n_{name}"] for name in _COUNTS})
        for row in rows
    ]
    total = Tally(label="合计")
    for grid in grids:
        for name in _COUNTS:
            setattr(total, name, getattr(total, name) + getattr(grid, name))
    return total, grids


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, zone)
    return start, start + timedelta(days=1)


def attempts_per_worker(attempts: QuerySet, day: date) -> list[dict]:
    """Today's attempts per worker, split by outcome, in one query."""
    start, end = day_bounds(day)
    per_outcome = {o.value: Count("id", filter=Q(outcome=o)) for o in Outcome}
    rows = (
        attempts.filter(at__gte=start, at__lt=end)
        .order_by()
        .values("worker_id", "worker__display_name", "worker__username")
        .annotate(total=Count("id"), **per_outcome)
        .order_by("-total", "worker__username")
    )
    return [
        {
            **row,
            "name": row["worker__display_name"] or row["worker__username"],
            "outcomes": [row[o] for o in per_outcome],
        }
        for row in rows
    ]


def never_reached(states: QuerySet) -> QuerySet:
    return (
        states.filter(reached=False)
        .select_related("household__building__alley", "household__unit", "grid")
        .order_by("grid", "sort_key", "id")
    )


# --- Export -------------------------------------------------------------------------------------------------------

_LAYOUT: list[tuple[Column, str]] = [
    (Column("网格", width=14), "grid__name"),
    (Column("小巷", width=14), "household__building__alley__name"),
    (Column("楼栋", width=10), "household__building__name"),
    (Column("单元", width=8), "household__unit__name"),
    (Column("门牌/房号", width=10), "household__room"),
    (Column("住户类型", width=8), "household__kind"),
    (Column("状态", width=10), "status"),
    (Column("曾联系上", width=8), "reached"),
    (Column("联系次数", kind=NUMBER, width=8), "attempt_count"),
    (Column("最近结果", width=14), "last_outcome"),
    (Column("最近联系", kind=DATE, width=18), "last_attempt_at"),
    (Column("人数", kind=NUMBER, width=6), "resident_count"),
    (Column("已问人数", kind=NUMBER, width=8), "accounted_count"),
]
COLUMNS = [column for column, _ in _LAYOUT]
FIELDS = [field for _, field in _LAYOUT]
_LABELS = {
    "household__kind": dict(HouseholdKind.choices),
    "status": dict(HouseholdStatus.choices),
    "last_outcome": dict(Outcome.choices),
    "reached": {True: "是", False: "否"},
}


def export_rows(states: QuerySet) -> Iterator[list]:
    """One row per household (addresses and states only: no names, no ID numbers, no phones)."""
    labelled = [(FIELDS.index(field), labels) for field, labels in _LABELS.items()]
    for values in states.order_by("grid", "sort_key", "id").values_list(*FIELDS).iterator(chunk_size=2000):
        row = list(values)
        for index, labels in labelled:
            row[index] = labels.get(row[index], row[index])
        yield row


def _audit(user, campaign: Campaign, purpose: str, scope: str, fmt: str, rows: int, client_ip: str | None) -> None:
    record_event(
        user,
        "screening.coverage_export",
        campaign,
        purpose=purpose,
        scope=scope,
        row_count=rows,
        client_ip=client_ip,
        label=f"排查覆盖导出：{campaign.name}",
        detail={"format": fmt},
    )


def export_xlsx(user, campaign: Campaign, states: QuerySet, *, purpose: str, scope: str, client_ip: str | None):
    result: XlsxResult = write_xlsx(export_rows(states), COLUMNS, sheet_name="排查覆盖", title=campaign.name)
    _audit(user, campaign, purpose, scope, "xlsx", result.row_count, client_ip)
    return result


def export_csv(user, campaign: Campaign, states: QuerySet, *, purpose: str, scope: str, client_ip: str | None):
    """Count and audit first (nothing leaves unaudited), then stream."""
    count = states.count()
    _audit(user, campaign, purpose, scope, "csv", count, client_ip)
    return csv_chunks(export_rows(states), COLUMNS)


def export_filename(campaign: Campaign, extension: str) -> str:
    return f"排查覆盖-{campaign.pk}-{timezone.localdate():%Y%m%d}.{extension}"


def visible_states(user, campaign: Campaign) -> QuerySet:
    return CampaignHousehold.objects.visible_to(user).filter(campaign=campaign)


def visible_attempts(user, campaign: Campaign) -> QuerySet:
    return Attempt.objects.visible_to(user).filter(campaign=campaign)
