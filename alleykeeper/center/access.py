"""Who may open the dashboard: those who read people's figures (admins, grid workers, street officers), each
inside their scope (reports.figures.Area.for_user: another community or grid is a 404)."""

from django.core.exceptions import PermissionDenied

from alleykeeper.accounts.roles import Capability

DASHBOARD_CAPABILITY = Capability.VIEW_KEY_PERSONS


def can_view_dashboard(user) -> bool:
    return user.can(DASHBOARD_CAPABILITY)


def require_dashboard(user) -> None:
    if not can_view_dashboard(user):
        raise PermissionDenied
