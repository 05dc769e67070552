"""Who may see or touch which reopening object: one function per object type. Out of scope answers 404;
a role without the capability answers 403. Street officers read; grid workers manage their grids'
enterprises; review, inspection and approval are the community admin's."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from alleykeeper.accounts.roles import Capability
from alleykeeper.reopening.models import (
    Application,
    Enterprise,
    EnterpriseImport,
    EnterpriseLink,
    Material,
    ReturningStaff,
)


def require(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied


def enterprise_for(user, pk: int, capability: str = Capability.VIEW_REOPENING) -> Enterprise:
    require(user, capability)
    queryset = Enterprise.objects.visible_to(user).select_related("grid", "community", "building__alley")
    return get_object_or_404(queryset, pk=pk)


def application_for(user, pk: int, capability: str = Capability.VIEW_REOPENING) -> Application:
    require(user, capability)
    queryset = Application.objects.visible_to(user).select_related(
        "enterprise__grid", "enterprise__community", "enterprise__building__alley", "decided_by", "slot"
    )
    return get_object_or_404(queryset, pk=pk)


def link_for(user, pk: int) -> EnterpriseLink:
    require(user, Capability.MANAGE_REOPENING)
    return get_object_or_404(EnterpriseLink.objects.visible_to(user).select_related("enterprise"), pk=pk)


def material_for(user, pk: int) -> Material:
    require(user, Capability.VIEW_REOPENING)
    return get_object_or_404(Material.objects.visible_to(user).select_related("enterprise"), pk=pk)


def import_for(user, pk: int) -> EnterpriseImport:
    require(user, Capability.IMPORT_REGISTER)
    require(user, Capability.MANAGE_REOPENING)
    return get_object_or_404(EnterpriseImport.objects.visible_to(user).select_related("community"), pk=pk)


def staff_for(user, pk: int, capability: str = Capability.VIEW_REOPENING) -> ReturningStaff:
    require(user, capability)
    return get_object_or_404(ReturningStaff.objects.visible_to(user).select_related("enterprise"), pk=pk)
