from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alleykeeper.accounts.roles import Capability
from alleykeeper.registry.models import Grid

HOME_GRIDS = 12  # a street officer may read dozens of grids; the home page shows the first few


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The day's starting point: find someone, open a grid, or go to one's own work."""
    grids: list[Grid] = []
    can_search = request.user.can(Capability.VIEW_REGISTER)
    if can_search:
        visible = Grid.objects.visible_to(request.user).with_counts().select_related("community")
        grids = list(visible[: HOME_GRIDS + 1])  # in Grid's own order (the community's numbering)
    context = {
        "can_search": can_search,
        "grids": grids[:HOME_GRIDS],
        "more_grids": len(grids) > HOME_GRIDS,
        "show_community": len({g.community_id for g in grids}) > 1,
    }
    return render(request, "center/home.html", context)
