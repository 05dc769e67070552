"""The records behind a figure, and the daily report's pages (daily_views.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alleykeeper.core.paging import int_or_none
from alleykeeper.registry.models import Community, Grid
from alleykeeper.reports import access
from alleykeeper.reports.listing import PRESENTERS

PAGE_SIZE = 50


def area_label(area) -> str:
    """The communities (and grids) of an area in words, one query each."""
    names = list(Community.objects.filter(pk__in=area.community_ids).order_by("name").values_list("name", flat=True))
    label = "、".join(names[:5]) + (f" 等 {len(names)} 个社区" if len(names) > 5 else "")
    if area.grid_ids is not None:
        grids = list(Grid.objects.filter(pk__in=area.grid_ids).values_list("name", flat=True))
        label += " · " + "、".join(grids)
    return label


@login_required
def figure_records(request: HttpRequest, key: str) -> HttpResponse:
    """The records a figure counts, newest first, paged by key (`?after=<id>`): whatever the number of rows,
    a page is a fixed number of queries and never counts more than the figure does."""
    figure, area, window = access.figure_list_for(request.user, key, request.GET)
    records = figure.records(area, window)
    presenter = PRESENTERS[records.model]
    after = int_or_none(request.GET.get("after"))
    page = records.select_related(*presenter.related).order_by("-pk")
    if after:
        page = page.filter(pk__lt=after)
    rows = list(page[: PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "figure": figure,
        "area": area_label(area),
        "window": window,
        "total": records.count(),
        "rows": [presenter.row(record, request.user) for record in rows[:PAGE_SIZE]],
        "next_after": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
        "first_page": None if after is None else query.urlencode(),
        "query": query.urlencode(),
    }
    return render(request, "reports/figure_records.html", context)
