"""The command center's publicity figures (宣传): distributions in the window, and the buildings the current
materials have reached, or not, at the window's end. One definition each, read from publicity's records by
the same rule as its coverage view (publicity.coverage.buildings_reached).

What history cannot give: buildings have no date of entry in the register, so "not reached" counts the
buildings as registered now; a material's dates and a floor unticked later (a mistake corrected) count as
they stand when the figure is read.
"""

from django.db.models import QuerySet

from alleykeeper.accounts.roles import Capability
from alleykeeper.publicity.coverage import buildings_reached
from alleykeeper.publicity.models import Distribution, Material
from alleykeeper.registry.models import Building
from alleykeeper.reports.measures import FLOW, STOCK, Area, Figure, Window

DISTRIBUTION = ("community_id", None)
BUILDING = ("alley__grid__community_id", "alley__grid_id")
SEE_PUBLICITY = (Capability.VIEW_REPORTS, Capability.VIEW_PUBLICITY)


def _reached(area: Area, w: Window) -> QuerySet:
    return buildings_reached(Material.objects.current_on(w.last_day), w.end)


def _not_reached(area: Area, w: Window) -> QuerySet:
    """Buildings of communities with a current material that no current material has reached yet: a
    community with nothing in use has nothing left to reach (its quiet day stays a zero report)."""
    current = Material.objects.current_on(w.last_day)
    return Building.objects.filter(alley__grid__community_id__in=current.values("community_id")).exclude(
        pk__in=buildings_reached(current, w.end).values("pk")
    )


PUBLICITY_FIGURES = [
    Figure(
        "publicity_distributions",
        "宣传发布",
        FLOW,
        "宣传",
        "次",
        DISTRIBUTION,
        lambda area, w: Distribution.objects.filter(at__gte=w.start, at__lt=w.end),
        capabilities=SEE_PUBLICITY,
        note="期间内登记的宣传发布：发到微信群、公众号、朋友圈，或在楼栋、小巷张贴、广播，每次计一次。",
    ),
    Figure(
        "publicity_buildings_reached",
        "宣传已覆盖楼栋",
        STOCK,
        "宣传",
        "栋",
        BUILDING,
        _reached,
        capabilities=SEE_PUBLICITY,
        note="截至时点，在用的宣传材料已覆盖的楼栋：至少一层已张贴，或已发到楼栋群，或在该楼登记过发布。",
    ),
    Figure(
        "publicity_buildings_not_reached",
        "宣传未覆盖楼栋",
        STOCK,
        "宣传",
        "栋",
        BUILDING,
        _not_reached,
        capabilities=SEE_PUBLICITY,
        note="截至时点，有在用宣传材料的社区中，在用材料都还没有覆盖到的楼栋。",
    ),
]
