"""The figures of the command center: one definition each, read from the records (一次录入，多表生成).

A figure is the records behind it, counted. `Figure.records(area, window)` builds those records from the
owning app's own QuerySet methods (observation's `open_at`, screening's `reached`, gates' `turned_back`…),
so that "a fever", "an overdue follow-up" or "released" mean the same thing on the dashboard, in the daily
report and on each app's own pages; `compute` counts exactly those records, so a figure and its list agree
by construction. Adding a figure is one entry in its subject's list (figures_screening.py, figures_observation.py,
figures_pushlist.py, figures_gates.py, figures_reopening.py, figures_publicity.py, figures_sanitation.py), which
FIGURES joins in display order; this module counts them.

- An **Area** is a part of the city inside the viewer's scope: communities, and optionally some of their grids.
- A **Window** is [start, end), aware datetimes. `Window.report_day(day)` is the 24 hours ending at that
  day's cutoff (setting REPORT_CUTOFF, local time in TIME_ZONE).
- A **flow** figure counts what happened in the window; a **stock** figure the state at `window.end`, read
  from history (opening and closing times, due and done times), never from today's status, so that
  yesterday's report can be regenerated. A **cumulative** figure counts from the beginning (or the current
  screening campaign) to `window.end`: it must never go down without a stated correction.
- Figures of gates and visitors belong to a community, not to a grid (`Figure.per_grid` is False): an
  area of grids has none of them.

What history cannot give, said once here: gate states (open, closed) have no history, so "gates in service"
is as now; a push-list outcome changed later counts when it was last set; rows deleted by the retention
commands (visitors and the gate log after VISITOR_RETENTION_DAYS, closed observation cases after
OBSERVATION_RETENTION_DAYS) are gone from figures regenerated later; an enterprise's reopening state, an
application's status and a returning person's block are as now (figures_reopening.py). A signed daily report
keeps the figures it had.
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count

from alleykeeper.registry.models import Grid
from alleykeeper.reports.figures_gates import GATE_FIGURES
from alleykeeper.reports.figures_observation import OBSERVATION_FIGURES
from alleykeeper.reports.figures_publicity import PUBLICITY_FIGURES
from alleykeeper.reports.figures_pushlist import PUSHLIST_FIGURES
from alleykeeper.reports.figures_reopening import REOPENING_FIGURES
from alleykeeper.reports.figures_sanitation import SANITATION_FIGURES
from alleykeeper.reports.figures_screening import SCREENING_FIGURES
from alleykeeper.reports.measures import (
    EACH_WINDOW,
    FLOW,
    STOCK,
    Area,
    Figure,
    Window,
    count_lines_in_windows,
    count_together,
    records_query,
    records_url,
)

__all__ = [
    "FIGURES",
    "FLOW",
    "STOCK",
    "Area",
    "Figure",
    "Window",
    "compute",
    "records_query",
    "records_url",
    "series",
    "series_of",
]


_FIGURES = [
    *SCREENING_FIGURES,  # 排查 screening, 重点人员 key persons
    *OBSERVATION_FIGURES,  # 居家观察 home observation
    *PUSHLIST_FIGURES,  # 推送比对 push list
    *GATE_FIGURES,  # 来访与卡口 visitors and gates (a community's, not a grid's)
    *REOPENING_FIGURES,  # 复工复产 enterprise reopening
    *PUBLICITY_FIGURES,  # 宣传 publicity
    *SANITATION_FIGURES,  # 消杀与物资 disinfection and supplies
]


# In display order.
FIGURES: dict[str, Figure] = {figure.key: figure for figure in _FIGURES}


def figures_for(area: Area, keys: Iterable[str] | None = None) -> list[Figure]:
    """The figures (all, or those named, in FIGURES order) that an area has. Unknown keys: KeyError."""
    if keys is None:
        chosen = list(FIGURES.values())
    else:
        wanted = set(keys)
        if unknown := wanted - FIGURES.keys():
            raise KeyError(f"unknown figures: {sorted(unknown)}")
        chosen = [figure for key, figure in FIGURES.items() if key in wanted]
    return [figure for figure in chosen if figure.applies_to(area)]


def compute(area: Area, window: Window, keys: list[str] | None = None, by: str | None = None) -> dict:
    """Count the figures. `by=None`: {key: int}. `by="grid"` or `"community"`: {group id: {key: int}} for
    every grid or community of the area (zeros included; grids have only per-grid figures).

    `by=None`: one query for all the figures asked for (their counts as scalar subqueries); grouped: one GROUP BY
    query per figure, plus one for the grids. The number of queries does not depend on the data. Figures an area does not have are left out."""
    figures = figures_for(area, keys)
    if by is None:
        counts = count_together([figure.records(area, window) for figure in figures])
        return {figure.key: n for figure, n in zip(figures, counts, strict=True)}
    if by == "grid":
        grids = Grid.objects.filter(community_id__in=area.community_ids)
        if area.grid_ids is not None:
            grids = grids.filter(pk__in=area.grid_ids)
        figures = [figure for figure in figures if figure.per_grid]
        groups, path_of = list(grids.values_list("pk", flat=True)), lambda figure: figure.paths[1]
    elif by == "community":
        groups, path_of = sorted(area.community_ids), lambda figure: figure.paths[0]
    else:
        raise ValueError(f"by must be None, 'grid' or 'community', not {by!r}")
    result = {group: dict.fromkeys((figure.key for figure in figures), 0) for group in groups}
    # A query per figure: joined by UNION ALL in one statement, the street's 40 GROUP BYs took twice as long
    # on PostgreSQL (measured on the benchmark's street: 4.3–5.2 s against 1.7–2.4 s).
    for figure in figures:
        path = path_of(figure)
        counted = figure.records(area, window).order_by().values(path).annotate(n=Count("*")).values_list(path, "n")
        for group, n in counted:
            if group in result:
                result[group][figure.key] = n
    return result


def series(key: str, area: Area, days: list[date]) -> list[int]:
    """The figure at each report day's cutoff (one value per day, for trend charts), in one query whatever
    the number of days: each day's records are counted with the figure's own definition (built once for
    every day, measures.count_in_windows), so that every value equals compute(area, Window.report_day(day))[key]."""
    return series_of([key], area, days)[key]


def series_of(keys: list[str], area: Area, days: list[date]) -> dict[str, list[int]]:
    """series() of several figures in one query (every trend line of a page): {key: a value per day}."""
    lines = [key for key in keys if FIGURES[key].applies_to(area)]
    found = dict.fromkeys(keys, [0] * len(days))
    if days and lines:
        windows = [Window.report_day(day) for day in days]
        counted = count_lines_in_windows([FIGURES[key].records(area, EACH_WINDOW) for key in lines], windows)
        found.update(zip(lines, counted, strict=True))
    return found
