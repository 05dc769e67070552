"""The map's 今日消杀 layer: each place with disinfection tasks today, drawn where its building, gate or alley
is, with how many are done and overdue (sanitation's own definitions). Registered by importing this module
(maps.layers imports it last)."""

from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Capability
from alleykeeper.maps.layers import Item, layer
from alleykeeper.sanitation.models import DisinfectionTask, Place


@layer(
    "sanitation",
    "今日消杀",
    empty="范围内今天没有消杀任务。",
    shown=False,
)
def sanitation_layer(user: User, now: datetime) -> list[Item]:
    counts = (
        DisinfectionTask.objects.visible_to(user)
        .on_day(timezone.localdate(now))
        .values("place_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(done_at__isnull=False)),
            overdue=Count("id", filter=Q(done_at__isnull=True, overdue_at__lte=now)),
        )
        .order_by()
    )
    by_place = {row["place_id"]: row for row in counts}
    places = (
        Place.objects.filter(pk__in=by_place)
        .select_related("building__alley", "gate", "alley")
        .order_by("sequence", "alley__name", "building__name", "kind", "pk")
    )
    readable = user.can(Capability.MANAGE_SANITATION) or user.can(Capability.DISINFECT)
    items = []
    for place in places:
        row = by_place[place.pk]
        geometry = (
            (place.building.geometry if place.building_id else None)
            or (place.gate.geometry if place.gate_id else None)
            or (place.alley.geometry if place.alley_id else None)
        )
        done_all = row["done"] == row["total"]
        items.append(
            Item(
                str(place),
                [f"今日 {row['total']} 项，已完成 {row['done']} 项"],
                geometry,
                tag="已完成" if done_all else "未完成",
                style="sanitation-done" if done_all else "sanitation-open",
                badge=f"{row['done']}/{row['total']}",
                alert=f"逾期 {row['overdue']} 项" if row["overdue"] else "",
                link=reverse("sanitation:place", args=[place.pk]) if readable else "",
            )
        )
    return items
