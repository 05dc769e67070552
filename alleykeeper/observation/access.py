"""Who may see or touch which observation object: one function per object type. Out of scope is a 404."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Capability, Role
from alleykeeper.observation.models import ObservationCase, ServiceRequest
from alleykeeper.registry.models import Household
from alleykeeper.screening.models import KeyPerson


def require(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied


def require_any(user, *capabilities: str) -> None:
    if not any(user.can(c) for c in capabilities):
        raise PermissionDenied


def case_for(user, pk: int, capability: str = Capability.FOLLOW_UP) -> ObservationCase:
    require(user, capability)
    queryset = ObservationCase.objects.visible_to(user).select_related(
        "household__building__alley", "household__unit", "grid", "community", "assigned_worker", "origin"
    )
    return get_object_or_404(queryset, pk=pk)


def request_for(user, pk: int) -> ServiceRequest:
    require_any(user, Capability.DELIVER, Capability.FOLLOW_UP)
    queryset = ServiceRequest.objects.visible_to(user).select_related(
        "case__household__building__alley", "case__household__unit", "assignee"
    )
    return get_object_or_404(queryset, pk=pk)


def household_for(user, pk: int) -> Household:
    queryset = Household.objects.visible_to(user).select_related("building__alley", "unit", "grid", "community")
    return get_object_or_404(queryset, pk=pk)


def key_person_for(user, pk: int) -> KeyPerson:
    queryset = KeyPerson.objects.visible_to(user).select_related("household", "resident", "origin")
    return get_object_or_404(queryset, pk=pk)


def workers_for(household: Household) -> QuerySet:
    """Who can follow a case in this household: its grid's workers and the community's admins."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.GRID_WORKER, grids=household.grid_id) | Q(role=Role.ADMIN, communities=household.community_id)
        )
        .distinct()
        .order_by("role", "display_name", "username")
    )


def deliverers_for(case: ObservationCase) -> QuerySet:
    """Who can take a delivery to this door: the community's volunteers and admins, the grid's workers."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.GRID_WORKER, grids=case.grid_id)
            | Q(role__in=[Role.ADMIN, Role.VOLUNTEER], communities=case.community_id)
        )
        .distinct()
        .order_by("role", "display_name", "username")
    )
