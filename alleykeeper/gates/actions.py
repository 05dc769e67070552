"""Every write to enclosures, gates and the gate log goes through these functions (pages, admin, other apps).

Roster writes are in gates/roster.py.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.models import apply_changes
from alleykeeper.gates import checks
from alleykeeper.gates.models import (
    Direction,
    Enclosure,
    EnclosureBuilding,
    Gate,
    GateFlag,
    GateLogEntry,
    GateState,
    PassageKind,
    new_gate_token,
)
from alleykeeper.registry.models import Building, Household, Resident

ENCLOSURE_FIELDS = ("name", "notes")
GATE_FIELDS = (
    "enclosure",
    "name",
    "location",
    "opens_at",
    "closes_at",
    "state",
    "shift_pattern",
)


class GateLogError(ValueError):
    """A passage that cannot be recorded; the message says in Chinese what to fix."""


@transaction.atomic
def create_enclosure(actor, community, data: dict) -> Enclosure:
    enclosure = Enclosure.objects.create(community=community, **{f: data[f] for f in ENCLOSURE_FIELDS if f in data})
    record_event(actor, "enclosure.create", enclosure)
    return enclosure


@transaction.atomic
def update_enclosure(actor, enclosure: Enclosure, data: dict) -> Enclosure:
    changed = apply_changes(enclosure, data, ENCLOSURE_FIELDS)
    if changed:
        enclosure.save(update_fields=changed)
        record_event(actor, "enclosure.update", enclosure, detail={"fields": changed})
    return enclosure


@dataclass
class EnclosureChange:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # "3号楼（原 东片区）"
    households: int = 0


@transaction.atomic
def set_enclosure_buildings(actor, enclosure: Enclosure, buildings: Iterable[Building]) -> EnclosureChange:
    """Make `buildings` exactly the enclosure's buildings; all their households get the enclosure
    (also households added to those buildings since the last save). A building taken from another
    enclosure moves, and the change says so."""
    wanted = {b.pk: b for b in buildings}
    outside = [b for b in wanted.values() if b.alley.grid.community_id != enclosure.community_id]
    if outside:
        raise ValueError(f"{outside[0]} 不属于 {enclosure.community} 社区，不能划入本片区。")
    change = EnclosureChange()
    links = (
        EnclosureBuilding.objects.select_for_update(of=("self",))
        .filter(Q(building_id__in=wanted) | Q(enclosure=enclosure))
        .select_related("enclosure", "building__alley")
    )
    current = {link.building_id: link for link in links}
    for building_id, link in current.items():
        if link.enclosure_id == enclosure.pk and building_id not in wanted:
            change.removed.append(str(link.building))
            link.delete()
    released = [b for b, link in current.items() if link.enclosure_id == enclosure.pk and b not in wanted]
    change.households += Household.objects.filter(building_id__in=released, enclosure=enclosure).update(enclosure=None)
    for building_id, building in wanted.items():
        link = current.get(building_id)
        if link is None:
            EnclosureBuilding.objects.create(enclosure=enclosure, building=building)
            change.added.append(str(building))
        elif link.enclosure_id != enclosure.pk:
            change.moved.append(f"{building}（原 {link.enclosure.name}）")
            link.enclosure = enclosure
            link.save(update_fields=["enclosure"])
    change.households += (
        Household.objects.filter(building_id__in=wanted).exclude(enclosure=enclosure).update(enclosure=enclosure)
    )
    if change.added or change.removed or change.moved or change.households:
        record_event(
            actor,
            "enclosure.set_buildings",
            enclosure,
            row_count=change.households,
            detail={"added": change.added, "removed": change.removed, "moved": change.moved},
        )
    return change


@transaction.atomic
def create_gate(actor, data: dict) -> Gate:
    gate = Gate.objects.create(**{f: data[f] for f in GATE_FIELDS if f in data})
    record_event(actor, "gate.create", gate, parent=gate.enclosure)
    return gate


@transaction.atomic
def update_gate(actor, gate: Gate, data: dict) -> Gate:
    changed = apply_changes(gate, data, GATE_FIELDS)
    if changed:
        gate.save(update_fields=[*changed, "updated_at"])
        detail = {"fields": changed}
        if "state" in changed:
            detail["state"] = gate.state
        record_event(actor, "gate.update", gate, parent=gate.enclosure, detail=detail)
    return gate


@transaction.atomic
def rotate_gate_token(actor, gate: Gate, reason: str = "") -> Gate:
    """Give the gate a new public token: QR codes and links with the old one stop working at once.
    The token itself is never written to the audit log."""
    gate.token = new_gate_token()
    gate.token_rotated_at = timezone.now()
    gate.save(update_fields=["token", "token_rotated_at", "updated_at"])
    record_event(actor, "gate.rotate_token", gate, parent=gate.enclosure, reason=reason)
    return gate


def _passage_flags(gate: Gate, kind: str, resident: Resident | None, temperature, plate: str) -> list[str]:
    flags = []
    if checks.is_fever(temperature):
        flags.append(GateFlag.FEVER)
    if kind == PassageKind.VEHICLE and checks.is_out_of_province(plate):
        flags.append(GateFlag.OUT_OF_PROVINCE)
    if kind == PassageKind.COURIER:
        flags.append(GateFlag.KEPT_OUTSIDE)
    if resident is not None and resident.household.enclosure_id != gate.enclosure_id:
        flags.append(GateFlag.OTHER_ENCLOSURE)
    if gate.state == GateState.CLOSED or (gate.state == GateState.RESIDENTS_ONLY and kind == PassageKind.VISITOR):
        flags.append(GateFlag.GATE_STATE)
    return flags


def log_gate_passage(
    actor,
    gate: Gate,
    *,
    direction: str,
    kind: str,
    resident: Resident | None = None,
    visitor_code: str = "",
    temperature: Decimal | str | None = None,
    plate: str = "",
    note: str = "",
    extra_flags: Iterable[str] = (),
    at: datetime | None = None,
) -> GateLogEntry:
    """Record one entry or exit at `gate` (or a courier/delivery rider kept outside).

    - kind RESIDENT needs `resident` (of the gate's community; another enclosure's resident is flagged);
    - kind VISITOR needs `visitor_code`: for an entry the caller (the visitors app) has checked that it
      names a registration for this gate; pass extra_flags=[GateFlag.KEY_AREA] for a key-area arrival.
      An exit needs an earlier entry with that code in the same enclosure;
    - kind VEHICLE needs `plate` (plates not starting with HOME_PLATE_PREFIX are flagged);
    - kind COURIER is always recorded as an arrival kept outside.
    `temperature` (两查一测) is optional; ≥ FEVER_THRESHOLD is flagged, an implausible value refused.
    Raises GateLogError with a Chinese message on bad input; nothing is written then.
    Not copied to the audit log: the entry names who recorded it, and is purged after the retention period.
    """
    if direction not in Direction.values:
        raise GateLogError("请选择“进”或“出”。")
    if kind not in PassageKind.values:
        raise GateLogError("请选择登记类别：居民、访客、车辆或快递外卖。")
    try:
        temperature = checks.check_temperature("" if temperature is None else temperature)
        if kind == PassageKind.VEHICLE:
            plate = checks.check_plate(plate)
        if kind == PassageKind.VISITOR:
            visitor_code = checks.check_visitor_code(visitor_code)
    except ValueError as error:
        raise GateLogError(str(error)) from None
    if kind == PassageKind.RESIDENT:
        if resident is None:
            raise GateLogError("请先找到这位居民（按姓名或门牌）。")
        if resident.household.community_id != gate.enclosure.community_id:
            raise GateLogError(f"{resident.name} 不是本社区登记的居民，请按访客登记。")
    else:
        resident = None
    if kind == PassageKind.VISITOR and direction == Direction.OUT:
        entered = GateLogEntry.objects.filter(
            gate__enclosure_id=gate.enclosure_id, kind=kind, direction=Direction.IN, visitor_code=visitor_code
        )
        if not entered.exists():
            raise GateLogError(f"登记码 {visitor_code} 在本片区没有进入记录，请核对登记码。")
    if kind == PassageKind.COURIER:
        direction = Direction.IN
    flags = _passage_flags(gate, kind, resident, temperature, plate)
    flags += [f for f in extra_flags if f not in flags]
    return GateLogEntry.objects.create(
        gate=gate,
        at=at or timezone.now(),
        direction=direction,
        kind=kind,
        resident=resident,
        visitor_code=visitor_code if kind == PassageKind.VISITOR else "",
        temperature=temperature,
        plate=plate if kind == PassageKind.VEHICLE else "",
        note=note.strip()[:100],
        flags=f" {' '.join(flags)} " if flags else "",
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
