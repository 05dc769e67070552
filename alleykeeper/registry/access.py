"""Who may see or touch which register object: one function per object type. Out of scope is a 404."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from alleykeeper.registry.models import Alley, Building, Grid, Household, ImportJob, Resident


def require(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied


def grid_for(user, pk: int) -> Grid:
    return get_object_or_404(Grid.objects.visible_to(user).select_related("community"), pk=pk)


def alley_for(user, pk: int) -> Alley:
    return get_object_or_404(Alley.objects.visible_to(user).select_related("grid__community"), pk=pk)


def building_for(user, pk: int) -> Building:
    building = get_object_or_404(Building.objects.select_related("alley__grid__community"), pk=pk)
    grid_for(user, building.alley.grid_id)  # 404 unless the building's grid is in scope
    return building


def household_for(user, pk: int) -> Household:
    queryset = Household.objects.visible_to(user).select_related("building__alley", "unit", "grid", "community")
    return get_object_or_404(queryset, pk=pk)


def resident_for(user, pk: int) -> Resident:
    queryset = Resident.objects.visible_to(user).select_related("household__building__alley", "household__unit")
    return get_object_or_404(queryset, pk=pk)


def import_job_for(user, pk: int) -> ImportJob:
    queryset = ImportJob.objects.visible_to(user).select_related("community", "default_grid", "created_by")
    return get_object_or_404(queryset, pk=pk)
