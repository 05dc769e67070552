"""The layers of the prevention map. Each is one function decorated with `@layer`: it returns the items of the
layer in the viewer's scope (`visible_to(user)`), with a fixed number of queries whatever their number. The
same items are drawn on the map (as GeoJSON, maps:layer) and listed under it as its text alternative, so the
two never disagree. A layer of another app (disinfection, enterprises) is one more such function here
(企业复工状态 is the last one, below).

Scope: a layer shows nothing outside the viewer's scope (a grid worker sees the grids, alleys, buildings and
observation counts of their grids, and the gates and enclosures of their community, as the gates app scopes
them). Observation is counts per building, never a name, for every viewer.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone
from shapely.geometry import shape

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Capability, Role
from alleykeeper.accounts.scope import scope_of
from alleykeeper.gates.models import Enclosure, Gate, GateState, Shift, ShiftMember
from alleykeeper.observation.models import ObservationCase
from alleykeeper.registry.models import Alley, Building, Grid
from alleykeeper.reopening.models import Enterprise, EnterpriseState


@dataclass
class Item:
    """One thing of a layer: drawn when it has a geometry, always listed."""

    title: str
    lines: list[str]
    geometry: dict | None
    tag: str = ""  # its state in a word or two (a gate's 开放), shown as a tag of class `style`
    style: str = ""  # how the map and the list draw it: gate-open, observation...
    badge: str = ""  # the short text on its marker: a gate's state (开/关/居), a count
    alert: str = ""  # what needs doing, in words (无人值守): a red tag, and a marked marker
    link: str = ""  # its page, when the viewer may open it
    edit: str = ""  # where to draw it, when the viewer may
    more: list[tuple[str, str]] = field(default_factory=list)  # other links: (label, url)

    def feature(self) -> dict:
        properties = {"title": self.title, "lines": self.lines, "tag": self.tag, "style": self.style}
        properties |= {"badge": self.badge, "alert": self.alert}
        properties |= {"link": self.link, "edit": self.edit, "more": [list(m) for m in self.more]}
        return {"type": "Feature", "geometry": self.geometry, "properties": properties}


@dataclass(frozen=True)
class Layer:
    key: str
    label: str
    capability: str | None  # None: everyone signed in (in their scope)
    build: Callable[[User, datetime], list[Item]]
    empty: str  # what the text alternative says when the layer has nothing in scope
    shown: bool = True  # on when the map opens
    unfolded: bool = False  # its list open under the map

    def items(self, user: User, now: datetime) -> list[Item]:
        return self.build(user, now)


# In drawing order: areas at the bottom, points on top.
LAYERS: dict[str, Layer] = {}


def layer(
    key: str, label: str, *, capability: str | None = None, empty: str = "", shown: bool = True, unfolded: bool = False
) -> Callable:
    """Register a layer function `build(user, now) -> list[Item]`."""

    def register(build: Callable[[User, datetime], list[Item]]) -> Callable:
        LAYERS[key] = Layer(key, label, capability, build, empty or "范围内没有。", shown, unfolded)
        return build

    return register


def layers_for(user: User) -> list[Layer]:
    return [lay for lay in LAYERS.values() if lay.capability is None or user.can(lay.capability)]


def _edit(user: User, capability: str, kind: str, pk: int) -> str:
    return reverse("maps:edit", args=[kind, pk]) if user.can(capability) else ""


def _several_communities(user: User) -> bool:
    scope = scope_of(user)
    return scope.everything or len(scope.community_ids) > 1


@layer("grids", "网格与网格员", empty="范围内没有网格。")
def grids_layer(user: User, now: datetime) -> list[Item]:
    """Each grid with the grid workers who look after it (who leads the screening of which area)."""
    workers = User.objects.filter(is_active=True, role=Role.GRID_WORKER).order_by("display_name", "username")
    grids = Grid.objects.visible_to(user).select_related("community").prefetch_related(Prefetch("workers", workers))
    several, readable = _several_communities(user), user.can(Capability.VIEW_REGISTER)
    items = []
    for grid in grids:
        names = "、".join(str(w) for w in grid.workers.all())
        lines = [f"网格员：{names}" if names else "还没有网格员"]
        if several:
            lines.append(grid.community.name)
        link = reverse("registry:grid", args=[grid.pk]) if readable else ""
        edit = _edit(user, Capability.MANAGE_GRIDS, "grid", grid.pk)
        items.append(Item(grid.name, lines, grid.geometry, link=link, edit=edit))
    return items


@layer("enclosures", "封闭片区", empty="范围内还没有片区。")
def enclosures_layer(user: User, now: datetime) -> list[Item]:
    enclosures = (
        Enclosure.objects.visible_to(user)
        .select_related("community")
        .annotate(household_count=Count("households"))
        .order_by("community__name", "name")
    )
    several, manager = _several_communities(user), user.can(Capability.MANAGE_GATES)
    items = []
    for enclosure in enclosures:
        lines = [f"{enclosure.household_count} 户"] + ([enclosure.community.name] if several else [])
        link = reverse("gates:enclosure", args=[enclosure.pk]) if manager else ""
        edit = _edit(user, Capability.MANAGE_GATES, "enclosure", enclosure.pk)
        items.append(Item(enclosure.name, lines, enclosure.geometry, link=link, edit=edit))
    return items


LEAD_LABELS = dict(Alley._meta.get_field("lead_kind").choices)


@layer("alleys", "小巷与巷长", empty="范围内没有小巷。")
def alleys_layer(user: User, now: datetime) -> list[Item]:
    """Each alley with its lead (巷长): a cadre, a party member or a volunteer."""
    alleys = Alley.objects.visible_to(user).select_related("grid__community").order_by("grid", "name")
    several, manager = _several_communities(user), user.can(Capability.MANAGE_GRIDS)
    items = []
    for alley in alleys:
        kind = f"（{LEAD_LABELS[alley.lead_kind]}）" if alley.lead_kind else ""
        lines = [f"巷长：{alley.lead_name}{kind}" if alley.lead_name else "还没有巷长", alley.grid.name]
        if several:
            lines.append(alley.grid.community.name)
        more = [("设置巷长", reverse("maps:alley_lead", args=[alley.pk]))] if manager else []
        edit = _edit(user, Capability.MANAGE_GRIDS, "alley", alley.pk)
        items.append(Item(alley.name, lines, alley.geometry, edit=edit, more=more))
    return items


@layer("buildings", "楼栋", capability=Capability.VIEW_REGISTER, empty="范围内没有楼栋。")
def buildings_layer(user: User, now: datetime) -> list[Item]:
    buildings = (
        Building.objects.visible_to(user)
        .select_related("alley__grid")
        .annotate(household_count=Count("households"))
        .order_by("alley__grid", "alley__name", "name", "pk")
    )
    items = []
    for building in buildings:
        lines = [f"{building.household_count} 户", building.alley.grid.name]
        link = reverse("registry:building", args=[building.pk])
        edit = _edit(user, Capability.MANAGE_GRIDS, "building", building.pk)
        items.append(Item(str(building), lines, building.geometry, link=link, edit=edit))
    return items


@layer(
    "observation",
    "居家观察（户数）",
    capability=Capability.VIEW_KEY_PERSONS,
    empty="范围内现在没有居家观察的住户。",
    unfolded=True,
)
def observation_layer(user: User, now: datetime) -> list[Item]:
    """Buildings with households under home observation now: how many households and people, never who."""
    counts = (
        ObservationCase.objects.visible_to(user)
        .open()
        .values("household__building_id")
        .annotate(households=Count("household_id", distinct=True), people=Count("id"))
        .order_by()
    )
    by_building = {row["household__building_id"]: row for row in counts}
    buildings = (
        Building.objects.filter(pk__in=by_building)
        .select_related("alley__grid")
        .order_by("alley__grid", "alley__name", "name")
    )
    items = []
    for building in buildings:
        row = by_building[building.pk]
        lines = [building.alley.grid.name]
        tag = f"居家观察 {row['households']} 户 {row['people']} 人"
        items.append(
            Item(str(building), lines, building.geometry, tag=tag, style="observation", badge=str(row["households"]))
        )
    return items


GATE_BADGES = {GateState.OPEN: "开", GateState.CLOSED: "关", GateState.RESIDENTS_ONLY: "居"}


def _duty_lines(shift: Shift | None) -> list[str]:
    if shift is None:
        return ["现在没有值守班次"]
    leader, crew = shift.leader, shift.crew
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    lines = [
        f"值守 {start:%H:%M}–{end:%H:%M}，带班：{leader.user}"
        if leader
        else f"值守 {start:%H:%M}–{end:%H:%M}，未指定带班"
    ]
    if crew:
        lines.append("组员：" + "、".join(str(m.user) for m in crew))
    lines.append(f"在岗 {shift.strength}/{shift.min_strength} 人")
    return lines


def _duty_alert(unstaffed: bool, shift: Shift | None) -> str:
    """Unstaffed is the gates app's own definition (GateQuerySet.unstaffed_at: a gate in service with nobody
    on duty), the one the admin's home page counts; a group short of its strength is said too."""
    if unstaffed:
        return "现在无人值守"
    return f"缺 {shift.shortfall} 人" if shift is not None and shift.below_strength else ""


@layer("gates", "卡口与值守", empty="范围内还没有卡口。", unfolded=True)
def gates_layer(user: User, now: datetime) -> list[Item]:
    """Each gate with its state and hours, and the group on duty now (gates.Shift.objects.covering)."""
    gates = Gate.objects.visible_to(user).select_related("enclosure__community")
    members = Prefetch("members", ShiftMember.objects.select_related("user"))
    running = Shift.objects.covering(now).filter(gate__in=gates.values("pk")).prefetch_related(members)
    on_duty = {shift.gate_id: shift for shift in running.order_by("-starts_at")}
    unstaffed = set(gates.unstaffed_at(now).values_list("pk", flat=True))
    several, manager = _several_communities(user), user.can(Capability.MANAGE_GATES)
    items = []
    for gate in gates.order_by("enclosure__community__name", "enclosure__name", "name"):
        shift = on_duty.get(gate.pk)
        alert = _duty_alert(gate.pk in unstaffed, shift)
        duty = _duty_lines(shift) if shift or not alert else []  # the alert says it: 现在无人值守
        lines = [f"开放时间 {gate.hours_label}", *duty]
        if several:
            lines.append(gate.enclosure.community.name)
        items.append(
            Item(
                f"{gate.name}（{gate.enclosure.name}）",
                lines,
                gate.geometry,
                tag=gate.get_state_display(),
                style=f"gate-{gate.state}",
                badge=GATE_BADGES.get(gate.state, ""),
                alert=alert,
                link=reverse("gates:gate", args=[gate.pk]) if manager else "",
                edit=_edit(user, Capability.MANAGE_GATES, "gate", gate.pk),
            )
        )
    return items


# -- 企业复工状态: enterprises by reopening state, counted per place ---------------------------------------------

STATE_ORDER = [EnterpriseState.OPEN, EnterpriseState.APPROVED, EnterpriseState.APPLYING, EnterpriseState.CLOSED]
STATE_ORDER.append(EnterpriseState.SUSPENDED)


def _marker_at(geometry: dict | None) -> dict | None:
    """A point for the count's marker: the building's point, or a point inside its outline."""
    if not geometry or geometry.get("type") == "Point":
        return geometry
    point = shape(geometry).representative_point()
    return {"type": "Point", "coordinates": [round(point.x, 7), round(point.y, 7)]}


def _reopening_style(counts: dict[str, int]) -> tuple[str, str]:
    """(style, tag): all open (green), some (amber), none yet (grey); in words too, never colour alone."""
    total, opened = sum(counts.values()), counts.get(EnterpriseState.OPEN, 0)
    style = "enterprise-open" if opened == total else "enterprise-some" if opened else "enterprise-none"
    return style, f"已复工 {opened}/{total} 家"


@layer("enterprises", "企业复工状态", capability=Capability.VIEW_REOPENING, empty="范围内没有登记企业。", shown=False)
def enterprises_layer(user: User, now: datetime) -> list[Item]:
    """Enterprises by reopening state, counted per place: a building of the register, or a shopping centre
    (drawn at the building of its community that bears its name, when there is one). Counts and states only;
    the enterprises themselves are on the reopening pages."""
    rows = (
        Enterprise.objects.visible_to(user)
        .values("building_id", "community_id", "mall", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    places: dict[tuple, dict[str, int]] = defaultdict(dict)
    for row in rows:
        place = ("building", row["building_id"]) if row["building_id"] else ("mall", row["community_id"], row["mall"])
        places[place][row["state"]] = places[place].get(row["state"], 0) + row["n"]
    building_ids = [place[1] for place in places if place[0] == "building"]
    malls = {(place[1], place[2]) for place in places if place[0] == "mall"}
    drawn = Building.objects.filter(pk__in=building_ids) | Building.objects.filter(
        alley__grid__community_id__in={community for community, _ in malls}, name__in={mall for _, mall in malls}
    )
    buildings = {b.pk: b for b in drawn.select_related("alley__grid__community")}
    mall_buildings = {(b.alley.grid.community_id, b.name): b for b in buildings.values()}
    several, labels = _several_communities(user), dict(EnterpriseState.choices)
    items = []
    for place, counts in places.items():
        building = buildings.get(place[1]) if place[0] == "building" else mall_buildings.get((place[1], place[2]))
        title = str(building) if place[0] == "building" and building else place[2] if place[0] == "mall" else "—"
        lines = ["、".join(f"{labels[s]} {counts[s]} 家" for s in STATE_ORDER if counts.get(s))]
        if building is not None and place[0] == "building":
            lines.append(building.alley.grid.name)
        if several and building is not None:
            lines.append(building.alley.grid.community.name)
        style, tag = _reopening_style(counts)
        suspended = counts.get(EnterpriseState.SUSPENDED, 0)
        geometry = _marker_at(building.geometry) if building is not None else None
        item = Item(title, lines, geometry, tag=tag, style=style, badge=str(sum(counts.values())))
        item.alert = f"暂停营业 {suspended} 家" if suspended else ""
        item.link = reverse("reopening:overview")
        items.append(item)
    return sorted(items, key=lambda item: (item.title, item.lines))


# Layers of the apps below maps, each in its own module, registered when imported (drawn above these).
from alleykeeper.maps import layers_publicity, layers_sanitation  # noqa: E402, F401
