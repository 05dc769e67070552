"""Who may see or touch disinfection: one function per object type. Out of scope is a 404.

A cleaner (DISINFECT) sees and completes the tasks of their communities that are theirs or unassigned; the
admin (MANAGE_SANITATION) sees every task, plan and place of their communities. Others: 403."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.roles import Capability
from alleykeeper.sanitation.models import DisinfectionTask, Place, Plan


def require(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied


def can_work(user) -> bool:
    return user.can(Capability.DISINFECT) or user.can(Capability.MANAGE_SANITATION)


def tasks_visible_to(user) -> QuerySet[DisinfectionTask]:
    if not can_work(user):
        raise PermissionDenied
    if user.can(Capability.MANAGE_SANITATION):
        return DisinfectionTask.objects.visible_to(user)
    return DisinfectionTask.objects.for_cleaner(user)


def task_for(user, pk: int) -> DisinfectionTask:
    queryset = tasks_visible_to(user).select_related(
        "place__building__alley",
        "place__gate",
        "place__alley",
        "community",
        "cleaner",
        "done_by",
        "plan__supply_item",
        "stock_move__item",
    )
    return get_object_or_404(queryset, pk=pk)


def places_visible_to(user) -> QuerySet[Place]:
    if not can_work(user):
        raise PermissionDenied
    return Place.objects.visible_to(user)


def place_for(user, pk: int) -> Place:
    queryset = places_visible_to(user).select_related("building__alley", "gate", "alley", "community")
    return get_object_or_404(queryset, pk=pk)


def plan_for(user, pk: int) -> Plan:
    require(user, Capability.MANAGE_SANITATION)
    queryset = Plan.objects.visible_to(user).select_related("place__building__alley", "place__gate", "place__alley")
    return get_object_or_404(queryset, pk=pk)
