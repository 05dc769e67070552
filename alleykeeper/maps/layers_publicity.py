"""The map's publicity layer (宣传覆盖): each building of a community with publicity in use, reached by its
materials in use or not yet, by the rule of publicity's coverage view and the figures. Registered on import
(maps.layers imports this module at its end)."""

from datetime import datetime

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Capability
from alleykeeper.maps.layers import Item, layer
from alleykeeper.publicity.coverage import buildings_reached
from alleykeeper.publicity.models import Material
from alleykeeper.registry.models import Building


@layer(
    "publicity",
    "宣传覆盖",
    capability=Capability.VIEW_PUBLICITY,
    empty="范围内没有在用的宣传材料。",
    shown=False,
)
def publicity_layer(user: User, now: datetime) -> list[Item]:
    """Buildings in scope of communities with a material in use: 已覆盖, or 未覆盖 (marked). One query."""
    current = Material.objects.current_on(timezone.localdate(now))
    buildings = (
        Building.objects.visible_to(user)
        .filter(alley__grid__community_id__in=current.values("community_id"))
        .annotate(reached=Exists(buildings_reached(current, now).filter(pk=OuterRef("pk"))))
        .select_related("alley__grid")
        .order_by("alley__grid", "alley__name", "name", "pk")
    )
    overview = reverse("publicity:overview")
    items = []
    for building in buildings:
        done = building.reached
        items.append(
            Item(
                str(building),
                [building.alley.grid.name],
                building.geometry,
                tag="已覆盖" if done else "",
                style="publicity",
                badge="宣" if done else "未",
                alert="" if done else "宣传未覆盖",
                link=overview,
            )
        )
    return items
