"""Who may see or touch push-list objects: one function per object type. Out of scope is a 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.roles import Capability
from alleykeeper.accounts.scope import scope_of
from alleykeeper.pushlist.models import PushBatch, PushedPerson, PushMatch
from alleykeeper.registry.models import Community


def require(user, capability: str = Capability.RECONCILE_PUSH_LIST) -> None:
    if not user.can(capability):
        raise PermissionDenied


def can_import(user) -> bool:
    """A push list arrives for the whole community: importing it (and reading the rows nobody matched)
    is for community-wide staff, not for a grid worker, who sees only their grids' people."""
    return user.can(Capability.RECONCILE_PUSH_LIST) and scope_of(user).grid_ids is None


def require_import(user) -> None:
    if not can_import(user):
        raise PermissionDenied


def communities_for(user) -> list[Community]:
    return list(Community.objects.visible_to(user).order_by("name"))


def batch_for(user, pk: int) -> PushBatch:
    return get_object_or_404(PushBatch.objects.visible_to(user).select_related("community"), pk=pk)


def person_for(user, pk: int) -> PushedPerson:
    queryset = PushedPerson.objects.visible_to(user).select_related(
        "batch", "community", "origin", "grid", "household__building__alley", "resident", "key_person"
    )
    return get_object_or_404(queryset, pk=pk)


def person_for_outcome(user, pk: int) -> PushedPerson:
    """Setting a pushed person's outcome is for their own grid: a grid worker who sees the person only
    because a candidate in their grid awaits review may decide that candidate, not the outcome."""
    person = person_for(user, pk)
    scope = scope_of(user)
    if not scope.everything and scope.grid_ids is not None and person.grid_id not in scope.grid_ids:
        raise Http404
    return person


def matches_visible_to(user):
    """Candidates a user may decide on: a grid worker only those in their grids."""
    scope = scope_of(user)
    queryset = PushMatch.objects.all()
    if scope.everything:
        return queryset
    if scope.grid_ids is not None:
        return queryset.filter(grid_id__in=scope.grid_ids)
    return queryset.filter(person__community_id__in=scope.community_ids)


def match_for(user, pk: int) -> PushMatch:
    return get_object_or_404(matches_visible_to(user).select_related("person__batch"), pk=pk)
