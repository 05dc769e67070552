"""The dashboard's figures of today, counted ahead (数据截至 HH:MM).

A street's dashboard shows its 50 communities side by side; counting their figures from the raw history at
every view takes longer than a page may (the households screened in the running campaign alone hash every
call of the campaign). `refresh_snapshots` (`manage.py refresh_figures`, a timer every few minutes) counts
every figure of today (since local midnight, up to now) for every community and every grid with the one
definition of each (reports.figures.compute) and keeps them in FigureSnapshot; `snapshot_of` gives the
dashboard those numbers while they are fresh (FIGURES_SNAPSHOT_MAX_AGE_MINUTES, same local day), with the
window they were counted over: the page says the time, and each number's link lists the records of that
window, so the list still matches the number. The communities' trends over the last report days are kept too. Missing, stale or from before midnight: None, and the dashboard
counts for itself. Areas of some grids only (a grid worker's) always count for themselves.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alleykeeper.registry.models import Community, Grid
from alleykeeper.reports.figures import Area, Window, compute, series_of
from alleykeeper.reports.measures import local_zone
from alleykeeper.reports.models import FigureSnapshot


@dataclass(frozen=True)
class Snapshot:
    window: Window  # since local midnight, up to the moment the figures were counted
    communities: dict[int, dict[str, int]]  # community id: {key: n}
    grids: dict[int, dict[str, int]]  # grid id: {key: n}, the per-grid figures counted
    trends: dict[int, dict]  # community id: {"days": [ISO dates], "lines": {key: [n a day]}}

    def trend_of(self, community_id: int, keys: list[str], days: list[date]) -> dict[str, list[int]] | None:
        """The community's trend lines `keys` over `days` as counted, or None when counted for other days (the
        last report day moved on at the cutoff) or without one of the lines."""
        trend = self.trends.get(community_id) or {}
        lines = trend.get("lines", {})
        if trend.get("days") != [day.isoformat() for day in days] or not set(keys) <= lines.keys():
            return None
        return {key: lines[key] for key in keys}

    def of_grids(self, grid_ids, keys: list[str]) -> dict[int, dict[str, int]] | None:
        """{grid id: {key: n}} of those grids, or None when one was not counted (made since) or lacks a key."""
        found = {pk: self.grids.get(pk) for pk in grid_ids}
        if any(figures is None or not set(keys) <= figures.keys() for figures in found.values()):
            return None
        return {pk: {key: figures[key] for key in keys} for pk, figures in found.items()}

    @property
    def taken_at(self) -> datetime:
        return self.window.end


def refresh_snapshots(
    now: datetime | None = None,
    keys: list[str] | None = None,
    grid_keys: list[str] | None = None,
    trend_keys: list[str] = (),
    days: list[date] = (),
) -> int:
    """Count today's figures (`keys`, default all) of every community and the per-grid ones of `grid_keys`
    (default all) of every grid at `now`, and each community's `trend_keys` over the report `days`; replace the
    snapshot: a GROUP BY query per figure for all the communities and one for all the grids
    (reports.figures.compute), one query of every trend line per community (series_of), one transaction."""
    now = now or timezone.now()
    window = Window.since_midnight(now)
    ids = list(Community.objects.order_by("pk").values_list("pk", flat=True))
    area = Area.of_communities(ids)
    by_community = compute(area, window, keys, by="community")
    by_grid = compute(area, window, grid_keys, by="grid") if grid_keys != [] else {}
    grids: dict[int, dict[str, dict[str, int]]] = {pk: {} for pk in ids}
    for grid, community in Grid.objects.filter(pk__in=by_grid).values_list("pk", "community_id"):
        grids[community][str(grid)] = by_grid[grid]
    trends = {pk: {} for pk in ids}
    if trend_keys and days:
        for pk in ids:
            lines = series_of(list(trend_keys), Area.of_communities([pk]), list(days))
            trends[pk] = {"days": [day.isoformat() for day in days], "lines": lines}
    rows = [
        FigureSnapshot(
            community_id=pk, taken_at=now, figures=by_community[pk], grid_figures=grids[pk], trends=trends[pk]
        )
        for pk in ids
    ]
    with transaction.atomic():
        FigureSnapshot.objects.all().delete()
        FigureSnapshot.objects.bulk_create(rows)
    return len(rows)


def snapshot_of(area: Area, now: datetime, keys: list[str]) -> Snapshot | None:
    """The snapshot's figures `keys` of the area's communities (and their grids), if every one of them was
    counted at one moment within FIGURES_SNAPSHOT_MAX_AGE_MINUTES before `now` on the same local day; else
    None. One query."""
    max_age = settings.FIGURES_SNAPSHOT_MAX_AGE_MINUTES
    if max_age <= 0 or area.grid_ids is not None or not area.community_ids:
        return None
    rows = list(FigureSnapshot.objects.filter(community_id__in=area.community_ids))
    taken = {row.taken_at for row in rows}
    if len(rows) != len(area.community_ids) or len(taken) != 1:
        return None
    taken_at = taken.pop()
    zone = local_zone()
    fresh = now - timedelta(minutes=max_age) <= taken_at <= now
    if not fresh or taken_at.astimezone(zone).date() != now.astimezone(zone).date():
        return None
    wanted = set(keys)
    if any(not wanted <= row.figures.keys() for row in rows):  # counted before a figure was added
        return None
    return Snapshot(
        window=Window.since_midnight(taken_at),
        communities={row.community_id: row.figures for row in rows},
        grids={int(grid): figures for row in rows for grid, figures in row.grid_figures.items()},
        trends={row.community_id: row.trends for row in rows},
    )
