"""The dashboard's pages: the scope's areas side by side, a community, a grid."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from alleykeeper.center import access, dashboard
from alleykeeper.registry.models import Community, Grid
from alleykeeper.reports.figures import Area


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Several communities: side by side, each a link to its dashboard. One community: its dashboard."""
    access.require_dashboard(request.user)
    area = Area.for_user(request.user)
    if len(area.community_ids) == 1:
        return redirect("center:dashboard_community", next(iter(area.community_ids)))
    now = timezone.now()
    counted = dashboard.counted_ahead(area, now)
    context = {
        "now": counted.taken_at if counted else now,
        "counted_ahead": counted is not None,
        "table": dashboard.side_by_side(request.user, area, now, by="community", snapshot=counted),
    }
    return render(request, "center/dashboard_overview.html", context)


@login_required
def community(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_dashboard(request.user)
    area = Area.for_user(request.user, community_id=pk)  # a grid worker's: their grids of it
    place = get_object_or_404(Community.objects.visible_to(request.user).select_related("street"), pk=pk)
    now = timezone.now()
    counted = dashboard.counted_ahead(area, now)
    context = {
        "now": counted.taken_at if counted else now,
        "counted_ahead": counted is not None,
        "title": place.name,
        "subtitle": "我负责的网格" if area.grid_ids is not None else "",
        "community": place,
        "several_communities": len(Area.for_user(request.user).community_ids) > 1,
        "panels": dashboard.panels(request.user, area, now, counted),
        "table": dashboard.side_by_side(request.user, area, now, by="grid", snapshot=counted),
        "trend_days": dashboard.TREND_DAYS,
    }
    return render(request, "center/dashboard.html", context)


@login_required
def grid(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_dashboard(request.user)
    area = Area.for_user(request.user, grid_id=pk)
    place = get_object_or_404(Grid.objects.visible_to(request.user).select_related("community"), pk=pk)
    now = timezone.now()
    context = {
        "now": now,
        "title": place.name,
        "subtitle": place.community.name,
        "community": place.community,
        "grid": place,
        "panels": dashboard.panels(request.user, area, now),
        "trend_days": dashboard.TREND_DAYS,
    }
    return render(request, "center/dashboard.html", context)
