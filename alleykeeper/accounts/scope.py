"""What part of the city a user works in. Every `visible_to(user)` query starts here."""

from dataclasses import dataclass
from typing import Self

from django.db import models

from alleykeeper.accounts.roles import Role


@dataclass(frozen=True)
class Scope:
    everything: bool
    community_ids: frozenset[int]
    grid_ids: frozenset[int] | None  # None: every grid of community_ids


def scope_of(user) -> Scope:
    cached = getattr(user, "_alleykeeper_scope", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope = Scope(False, frozenset(), frozenset())
    elif user.is_superuser:
        scope = Scope(True, frozenset(), None)
    elif user.role == Role.STREET_OFFICER:
        # The communities of their streets, through the relation's name: accounts sits below the register.
        ids = {pk for pk in user.streets.values_list("communities__id", flat=True) if pk is not None}
        scope = Scope(False, frozenset(ids) | frozenset(user.communities.values_list("id", flat=True)), None)
    elif user.role == Role.GRID_WORKER:
        grids = list(user.grids.values_list("id", "community_id"))
        scope = Scope(False, frozenset(c for _, c in grids), frozenset(g for g, _ in grids))
    else:
        scope = Scope(False, frozenset(user.communities.values_list("id", flat=True)), None)
    user._alleykeeper_scope = scope
    return scope


def describe_scope(user) -> list[str]:
    """What `scope_of` gives, in words (the account page): never the assignments it ignores for the role."""
    scope = scope_of(user)
    if scope.everything:
        return ["全部（系统管理员）"]
    # The register's models through the relations' own: accounts sits below the register.
    if scope.grid_ids is not None:
        model = user.grids.model
        grids = model.objects.filter(pk__in=scope.grid_ids).select_related("community")
        grids = grids.order_by("community__name", *model._meta.ordering)  # the community's own order of grids
        return [f"{grid.community.name} · {grid.name}" for grid in grids]
    communities = user.communities.model.objects.filter(pk__in=scope.community_ids).select_related("street")
    communities = list(communities.order_by("street__name", "name"))
    if user.role != Role.STREET_OFFICER:
        return [f"{community.name}（全部网格）" for community in communities]
    streets: dict[str, list[str]] = {}
    for community in communities:
        streets.setdefault(community.street.name, []).append(community.name)
    return [f"{street}：{'、'.join(names)}" for street, names in streets.items()]


class ScopedQuerySet(models.QuerySet):
    """The one scoping rule: a grid worker sees rows of their grids, community-wide staff rows of their
    communities, a system administrator everything. Subclasses name the paths to the row's grid and
    community; `grid_path = None` for rows that belong to a community but to no grid (gates, rosters)."""

    grid_path: str | None = "grid_id"
    community_path: str = "community_id"

    def visible_to(self, user) -> Self:
        scope = scope_of(user)
        if scope.everything:
            return self
        if scope.grid_ids is not None and self.grid_path is not None:
            return self.filter(**{f"{self.grid_path}__in": scope.grid_ids})
        return self.filter(**{f"{self.community_path}__in": scope.community_ids})
