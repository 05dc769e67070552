from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from alleykeeper.accounts.roles import Role
from alleykeeper.center.homes import build_home
from alleykeeper.gates.access import DUTY_GRACE


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The day's starting point: what this person must do now, each count a link to its list."""
    now = timezone.now()
    home = build_home(request.user, now)
    context = {
        "home": home,
        "now": now,
        "roles": Role,
        "grace_minutes": int(DUTY_GRACE.total_seconds() // 60),
        "show_community": len({g.community_id for g in home.grids}) > 1,
    }
    return render(request, "center/home.html", context)
