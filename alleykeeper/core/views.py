from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alleykeeper.accounts.roles import Capability
from alleykeeper.registry.models import Grid


@login_required
def home(request: HttpRequest) -> HttpResponse:
    grids = []
    if request.user.can(Capability.VIEW_REGISTER):
        grids = Grid.objects.visible_to(request.user).with_counts().select_related("community")
    return render(request, "core/home.html", {"grids": grids})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
