"""Who may see or touch supplies: one function per object type. Out of scope is a 404."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.roles import Capability
from alleykeeper.registry.models import Community
from alleykeeper.supplies.models import SupplyItem

# The stock list is read by whoever draws from it (cleaners) and by whoever manages it.
SEE_STOCK = (Capability.MANAGE_SUPPLIES, Capability.DISINFECT)


def can_see_stock(user) -> bool:
    return any(user.can(c) for c in SEE_STOCK)


def require_see_stock(user) -> None:
    if not can_see_stock(user):
        raise PermissionDenied


def require_manage(user) -> None:
    if not user.can(Capability.MANAGE_SUPPLIES):
        raise PermissionDenied


def items_visible_to(user) -> QuerySet[SupplyItem]:
    return SupplyItem.objects.visible_to(user)


def item_for(user, pk: int, *, manage: bool = False) -> SupplyItem:
    (require_manage if manage else require_see_stock)(user)
    return get_object_or_404(items_visible_to(user).select_related("community"), pk=pk)


def communities_managed_by(user) -> QuerySet[Community]:
    return Community.objects.visible_to(user).order_by("name")
