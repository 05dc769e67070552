"""The dashboard (数据看板): figures of a community or a grid, the grids or communities side by side, and the
trends of the last weeks. Every number is a figure of `reports.figures` (the one definition shared with the
daily report) and links to the records behind it (`records_url`), when the viewer may read them.

What is shown is PANELS: adding a subject (enterprises by reopening state, supplies with days left) is one
Panel with the keys of its figures; a figure an area does not have (gates for a grid) is left out by itself.
Queries: one for the figures shown, one for every trend line, one for the columns of a side-by-side table
(reports.figures.compute, series_of), whatever the data and the number of figures.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from alleykeeper.center.charts import trend_svg
from alleykeeper.registry.models import Community, Grid
from alleykeeper.reports.figures import FIGURES, Area, Figure, Window, compute, records_url, series_of
from alleykeeper.reports.snapshot import Snapshot, refresh_snapshots, snapshot_of
from alleykeeper.supplies.stock import stock_of

TREND_DAYS = 28


@dataclass(frozen=True)
class Panel:
    title: str
    keys: tuple[str, ...]  # figures shown as counts, in this order
    trend: tuple[str, ...] = ()  # figures drawn day by day over the last TREND_DAYS report days
    supplies: bool = False  # with the table of supplies and their days left (an item is not a count)


PANELS: list[Panel] = [
    Panel(
        "排查", ("households_registered", "households_screened_total", "households_screened"), ("households_screened",)
    ),
    Panel("重点人员", ("key_persons_total", "key_persons_new", "local_not_on_push_list"), ("key_persons_new",)),
    Panel(
        "居家观察",
        ("observation_current", "observation_opened", "observation_released"),
        ("observation_current", "observation_opened", "observation_released"),
    ),
    Panel("发热与随访", ("fevers_found", "followups_overdue"), ("fevers_found", "followups_missed")),
    Panel(
        "来访与卡口",
        ("visitors_registered", "visitors_from_key_area", "gate_entries", "gate_turned_back", "gates_unstaffed"),
        ("visitors_registered", "gate_entries"),
    ),
    Panel(
        "复工复产",
        (
            "enterprises_open",
            "enterprises_approved",
            "enterprises_applying",
            "enterprises_closed",
            "enterprises_suspended",
            "reopening_applications_waiting",
            "reopening_staff_blocking",
            "reopening_openings_today",
            "reopening_openings_week",
            "reopening_reports_missing",
        ),
        # Enterprise states have no history (as now on every past day): only the openings, read from the
        # slots' days, make a trend.
        ("reopening_openings_today",),
    ),
    Panel(
        "宣传",
        ("publicity_distributions", "publicity_buildings_reached", "publicity_buildings_not_reached"),
        ("publicity_distributions", "publicity_buildings_reached"),
    ),
    Panel(
        "消杀与物资",
        ("disinfection_done", "disinfection_overdue", "supplies_low", "supplies_short"),
        ("disinfection_done", "disinfection_overdue"),
        supplies=True,
    ),
]

# The columns of a side-by-side table (grids of a community, communities of a street).
TABLE_KEYS: tuple[str, ...] = (
    "households_registered",
    "households_screened_total",
    "key_persons_total",
    "observation_current",
    "fevers_found",
    "followups_overdue",
    "enterprises_open",
    "reopening_applications_waiting",
)


def coverage_percent(screened: int, registered: int) -> int | None:
    return round(100 * screened / registered) if registered else None


@dataclass
class Shown:
    """One figure's number on the page, with the list of its records (empty when the viewer may not read it)."""

    figure: Figure
    value: int
    url: str


@dataclass
class Trend:
    title: str
    days: list[date]
    lines: list[tuple[Figure, list[Shown]]]
    svg: SafeString

    @property
    def rows(self) -> list[tuple[date, list[Shown]]]:
        """The same numbers day by day, the chart's table (newest first)."""
        by_day = [(day, [shown[i] for _, shown in self.lines]) for i, day in enumerate(self.days)]
        return list(reversed(by_day))

    @property
    def body(self) -> SafeString:
        """The rows of the chart's table as HTML, each number a link to its records: built here rather than in
        the template, which took a quarter of the admin's page for its 28 days of links."""
        return format_html_join(
            "",
            '<tr><th scope="row">{}月{}日</th>{}</tr>',
            (
                (day.month, day.day, format_html_join("", "{}", ((_cell(s),) for s in cells)))
                for day, cells in self.rows
            ),
        )


def _cell(shown: "Shown") -> SafeString:
    if shown.url:
        return format_html('<td class="num"><a href="{}">{}</a></td>', shown.url, shown.value)
    return format_html('<td class="num">{}</td>', shown.value)


@dataclass
class PanelView:
    title: str
    shown: list[Shown]
    trend: Trend | None
    coverage: int | None = None
    supplies: list[dict] = field(default_factory=list)  # supplies.stock rows: days left per item


@dataclass
class Row:
    label: str
    url: str  # that area's own dashboard
    cells: list[Shown]
    coverage: int | None = None

    @property
    def cells_html(self) -> SafeString:
        """The row's numbers as table cells, each a link to its records named for screen readers (built here:
        the template took most of the officer's page for 50 communities × 8 columns)."""
        return format_html_join("", "{}", ((self._cell(shown),) for shown in self.cells))

    def _cell(self, shown: Shown) -> SafeString:
        if not shown.url:
            return format_html('<td class="num">{}</td>', shown.value)
        return format_html(
            '<td class="num"><a href="{}" aria-label="{} {} {}">{}</a></td>',
            shown.url,
            self.label,
            shown.figure.label,
            shown.value,
            shown.value,
        )


@dataclass
class Table:
    columns: list[Figure]
    rows: list[Row] = field(default_factory=list)


def _shown(user, figure: Figure, value: int, area: Area, window: Window) -> Shown:
    return Shown(figure, value, records_url(figure.key, area, window) if figure.can_list(user) else "")


def today_window(now: datetime) -> Window:
    """Flows since midnight (今日), stocks at `now`."""
    return Window.since_midnight(now)


def trend_days(now: datetime) -> list[date]:
    last = Window.last_report_day(now)
    return [last - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]


def shown_keys() -> list[str]:
    """Every figure the dashboard shows as a count of today (panels and side-by-side tables)."""
    keys = [key for panel in PANELS for key in panel.keys] + list(TABLE_KEYS)
    return [key for key in dict.fromkeys(keys) if key in FIGURES]


def count_ahead(now: datetime | None = None) -> int:
    """Count today's figures of the dashboard for every community (its panels and table) and every grid (the
    table's) into the snapshot: what the refresh_figures timer runs. The number of communities counted."""
    now = now or timezone.now()
    grid_keys = [key for key in TABLE_KEYS if key in FIGURES and FIGURES[key].per_grid]
    return refresh_snapshots(now, shown_keys(), grid_keys, trend_keys=drawn_keys(), days=trend_days(now))


def drawn_keys() -> list[str]:
    """Every figure drawn as a trend on a community's dashboard."""
    keys = [key for panel in PANELS for key in panel.trend]
    return [key for key in dict.fromkeys(keys) if key in FIGURES]


def counted_ahead(area: Area, now: datetime) -> Snapshot | None:
    """Today's figures as counted by the refresh_figures timer, while fresh (reports.snapshot); else None."""
    return snapshot_of(area, now, shown_keys())


def panels(user, area: Area, now: datetime, snapshot: Snapshot | None = None) -> list[PanelView]:
    """The panels of an area; today's counts and the trends from `snapshot` (counted ahead) when given for one
    community (the trends only if counted for the same report days)."""
    present = {key for panel in PANELS for key in panel.keys if key in FIGURES and FIGURES[key].applies_to(area)}
    if snapshot is not None and len(area.community_ids) == 1:
        window, counted = snapshot.window, snapshot.communities[next(iter(area.community_ids))]
        values = {key: counted[key] for key in present}
    else:
        window = today_window(now)
        values = compute(area, window, sorted(present))
    days = trend_days(now)
    drawn = [key for key in drawn_keys() if FIGURES[key].applies_to(area)]
    lines = None
    if snapshot is not None and len(area.community_ids) == 1:
        lines = snapshot.trend_of(next(iter(area.community_ids)), drawn, days)
    if lines is None:
        lines = series_of(drawn, area, days)  # every trend of the page: one query
    views = []
    for panel in PANELS:
        shown = [_shown(user, FIGURES[key], values[key], area, window) for key in panel.keys if key in values]
        if not shown:
            continue
        view = PanelView(panel.title, shown, _trend(user, panel, area, days, lines))
        if panel.supplies and area.grid_ids is None:
            view.supplies = stock_of(area.community_ids, now)
        if "households_screened_total" in values and "households_registered" in values and panel.title == "排查":
            view.coverage = coverage_percent(values["households_screened_total"], values["households_registered"])
        views.append(view)
    return views


def _trend(user, panel: Panel, area: Area, days: list[date], counted: dict[str, list[int]]) -> Trend | None:
    keys = [key for key in panel.trend if key in counted]
    if not keys:
        return None
    lines = []
    for key in keys:
        figure = FIGURES[key]
        values = counted[key]
        lines.append(
            (
                figure,
                [_shown(user, figure, v, area, Window.report_day(day)) for day, v in zip(days, values, strict=True)],
            )
        )
    title = f"{panel.title}：近 {len(days)} 天"
    svg = trend_svg(title, days, [(figure.label, [s.value for s in shown]) for figure, shown in lines])
    return Trend(title, days, lines, svg)


def side_by_side(user, area: Area, now: datetime, by: str, snapshot: Snapshot | None = None) -> Table:
    """The grids (by="grid") or communities (by="community") of an area, a row each, TABLE_KEYS as columns;
    today's counts from `snapshot` (counted ahead) when given."""
    keys = [key for key in TABLE_KEYS if key in FIGURES]
    values = None
    if snapshot is not None and by == "community":
        values = {pk: {key: snapshot.communities[pk][key] for key in keys} for pk in area.community_ids}
    elif snapshot is not None:
        grids = Grid.objects.filter(community_id__in=area.community_ids).values_list("pk", flat=True)
        values = snapshot.of_grids(grids, [key for key in keys if FIGURES[key].per_grid])
    if values is None:
        window = today_window(now)
        values = compute(area, window, keys, by=by)
    else:
        window = snapshot.window
    if by == "grid":
        groups = Grid.objects.filter(pk__in=values).select_related("community")  # Grid's own order
        label = {g.pk: g.name for g in groups}
        order = [g.pk for g in groups]
        sub_area = lambda pk: Area(area.community_ids, frozenset({pk}))  # noqa: E731
        own = lambda pk: reverse("center:dashboard_grid", args=[pk])  # noqa: E731
    else:
        groups = Community.objects.filter(pk__in=values).order_by("name", "pk")
        label = {c.pk: c.name for c in groups}
        order = [c.pk for c in groups]
        sub_area = lambda pk: Area(frozenset({pk}), area.grid_ids)  # noqa: E731
        own = lambda pk: reverse("center:dashboard_community", args=[pk])  # noqa: E731
    present = [key for key in keys if any(key in row for row in values.values())]
    table = Table(columns=[FIGURES[key] for key in present])
    for pk in order:
        row = values[pk]
        cells = [_shown(user, FIGURES[key], row[key], sub_area(pk), window) for key in present]
        coverage = coverage_percent(row.get("households_screened_total", 0), row.get("households_registered", 0))
        table.rows.append(Row(label[pk], own(pk), cells, coverage))
    return table
