"""The kinds of place that have a drawn geometry, and what each may be: its shape, who may draw it, how a
GeoJSON feature names it. The geometry itself is a field of the domain model (`geometry`, a JSONField:
gates.Enclosure, gates.Gate, registry.Grid, registry.Alley, registry.Building), written only by
maps.actions after maps.geometry has checked it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from alleykeeper.accounts.roles import Capability
from alleykeeper.gates.models import Enclosure, Gate
from alleykeeper.maps.geometry import Shape
from alleykeeper.registry.models import Alley, Building, Grid


@dataclass(frozen=True)
class Kind:
    key: str  # "gate": the `kind` property of an imported feature, the audit action's prefix, URLs
    label: str
    shape: Shape
    capability: str  # who may draw it (in their scope)
    model: type[models.Model]
    related: tuple[str, ...]  # select_related for naming it and its parent
    # Properties that narrow a name in an imported feature, and the path of the name they give:
    # a gate's {"enclosure": "城北路片区"}, a building's {"alley": "西街", "grid": "第二网格"}.
    parents: tuple[tuple[str, str], ...]
    parent: Callable[[models.Model], models.Model]  # what it belongs to (the audit record's parent)
    hint: str  # how to draw it, shown on the edit page

    def scoped(self, user) -> models.QuerySet:
        """Every place of this kind in the user's scope (their grids, or their communities)."""
        return self.model.objects.visible_to(user).select_related(*self.related)

    def in_community(self, user, community_id: int) -> models.QuerySet:
        queryset = self.scoped(user)
        return queryset.filter(**{queryset.community_path: community_id})

    def title(self, obj: models.Model) -> str:
        """The place as people name it: 城北路口（城北路片区）, 西街3号."""
        if self.key in ("gate", "alley"):
            return f"{obj.name}（{self.parent(obj).name}）"
        return str(obj)


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "enclosure", "封闭片区", Shape.AREA, Capability.MANAGE_GATES, Enclosure, ("community",), (),
            lambda o: o.community, "用多边形或矩形工具圈出片区的范围（围挡和卡口所围住的街巷）。",
        ),
        Kind(
            "gate", "卡口", Shape.POINT, Capability.MANAGE_GATES, Gate, ("enclosure__community",),
            (("enclosure", "enclosure__name"),), lambda o: o.enclosure, "用标记工具点在卡口所在的位置（片区边界上）。",
        ),
        Kind(
            "grid", "网格", Shape.AREA, Capability.MANAGE_GRIDS, Grid, ("community",), (),
            lambda o: o.community, "用多边形工具圈出网格的范围。",
        ),
        Kind(
            "alley", "小巷", Shape.LINE, Capability.MANAGE_GRIDS, Alley, ("grid__community",),
            (("grid", "grid__name"),), lambda o: o.grid, "用折线工具沿着小巷画出走向，双击（或点最后一个点）结束。",
        ),
        Kind(
            "building", "楼栋", Shape.PLACE, Capability.MANAGE_GRIDS, Building, ("alley__grid__community",),
            (("alley", "alley__name"), ("grid", "alley__grid__name")), lambda o: o.alley.grid,
            "用标记工具点在楼栋的位置，或用多边形工具画出楼栋的轮廓。",
        ),
    )
}  # fmt: skip


def kinds_editable_by(user) -> list[Kind]:
    return [kind for kind in KINDS.values() if user.can(kind.capability)]
