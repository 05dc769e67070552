"""Who may see or touch which publicity object: one function per object type. Out of scope answers 404; a role
without the capability answers 403. Street officers and volunteers read; volunteers and grid workers tick
floors; the community admin and grid workers record materials, channels and distributions."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.roles import Capability
from alleykeeper.publicity.models import Channel, Distribution, Material, PostingSheet


def require(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied


def material_for(user, pk: int, capability: str = Capability.VIEW_PUBLICITY) -> Material:
    require(user, capability)
    return get_object_or_404(Material.objects.visible_to(user).select_related("community"), pk=pk)


def channel_for(user, pk: int, capability: str = Capability.MANAGE_PUBLICITY) -> Channel:
    require(user, capability)
    return get_object_or_404(Channel.objects.visible_to(user), pk=pk)


def distribution_for(user, pk: int, capability: str = Capability.MANAGE_PUBLICITY) -> Distribution:
    require(user, capability)
    return get_object_or_404(Distribution.objects.visible_to(user).select_related("material"), pk=pk)


def sheet_for(user, pk: int, capability: str = Capability.VIEW_PUBLICITY) -> PostingSheet:
    require(user, capability)
    queryset = PostingSheet.objects.visible_to(user).select_related("material", "building__alley__grid")
    return get_object_or_404(queryset, pk=pk)
