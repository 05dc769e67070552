"""Who may see which figure list and which daily report: one function per object type. Out of scope is a 404."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.roles import Capability
from alleykeeper.accounts.scope import scope_of
from alleykeeper.registry.models import Street
from alleykeeper.reports.figures import FIGURES, Area, Figure, Window
from alleykeeper.reports.models import DailyReport


def require(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied


def _ids(text: str | None) -> list[int] | None:
    """ "1,2,3" → [1, 2, 3]; None when absent. Anything else in the list is a broken link: 404."""
    if text is None or text == "":
        return None
    parts = text.split(",")
    if len(parts) > 500 or not all(part.isdigit() and len(part) < 12 for part in parts):
        raise Http404
    return [int(part) for part in parts]


def _moment(text: str | None) -> datetime:
    try:
        moment = datetime.fromisoformat(text or "")
    except ValueError:
        raise Http404 from None
    if moment.tzinfo is None:
        raise Http404
    return moment


def figure_list_for(user, key: str, query: QueryDict) -> tuple[Figure, Area, Window]:
    """The figure, area and window a records link names (figures.records_url). Unknown figure, an area
    outside the user's scope, an area the figure does not cover (gates for a grid) or a broken time: 404;
    a role that may not read such records (duty staff reading key persons): 403."""
    figure = FIGURES.get(key)
    if figure is None:
        raise Http404
    area = Area.within(user, _ids(query.get("community")), _ids(query.get("grid")))
    if not figure.applies_to(area):
        raise Http404
    if not figure.can_list(user):
        raise PermissionDenied
    try:
        window = Window(_moment(query.get("start")), _moment(query.get("end")))
    except ValueError:
        raise Http404 from None
    return figure, area, window


def report_for(user, pk: int) -> DailyReport:
    """A report of a community in scope: the community's heads (sign_reports) see every version, drafts
    included; the street reads signed versions only."""
    reports = reports_visible_to(user).select_related("community__street", "signed_by", "supersedes")
    return get_object_or_404(reports, pk=pk)


def reports_visible_to(user) -> QuerySet[DailyReport]:
    """The reports a user reads (see report_for): every version for the community's heads, signed ones else."""
    require(user, Capability.VIEW_REPORTS)
    reports = DailyReport.objects.visible_to(user)
    return reports if user.can(Capability.SIGN_REPORTS) else reports.signed()


def require_sign(user, report: DailyReport) -> None:
    """Signing, correcting and generating: the community's head (admin role) in scope."""
    require(user, Capability.SIGN_REPORTS)
    if not DailyReport.objects.visible_to(user).filter(pk=report.pk).exists():
        raise Http404


def streets_for(user) -> QuerySet:
    """The streets whose own report the user reads: a street officer's streets (everything for a system
    administrator). A community's staff read their community's report, not the street's."""
    if not user.can(Capability.VIEW_REPORTS):
        return Street.objects.none()
    if scope_of(user).everything:
        return Street.objects.all()
    return user.streets.all()


def street_for(user, pk: int) -> Street:
    require(user, Capability.VIEW_REPORTS)
    return get_object_or_404(streets_for(user), pk=pk)


def day_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Http404 from None
