"""The test world on the map: both grids, an enclosure with an open gate (a shift on duty now, short of people),
a gate open to residents without a shift and a closed one, alleys with and without a lead, households under
observation in grid A (two people), grid B (one) and in another street's community, everything drawn."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from alleykeeper.gates import actions as gate_actions
from alleykeeper.gates import roster
from alleykeeper.gates.models import Enclosure, Gate, GateState, Shift
from alleykeeper.maps.actions import save_geometry
from alleykeeper.maps.kinds import KINDS
from alleykeeper.observation.actions import CaseTerms, Person, open_cases
from alleykeeper.observation.models import DayZeroBasis, ObservationCase, Reason
from alleykeeper.registry import actions as registry_actions
from testkit.world import World, add_resident, make_id

# A Wednesday morning; the world's shift runs from 08:00 to 16:00.
MAP_MOMENT = datetime(2026, 3, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RESIDENT_NAMES = ("王翠琳", "饶小花", "吴晶晶", "陈育玲")


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def square(lon: float, lat: float, size: float = 0.001) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def line(lon: float, lat: float, length: float = 0.002) -> dict:
    return {"type": "LineString", "coordinates": [[lon, lat], [lon + length, lat]]}


@dataclass
class Mapped:
    world: World
    enclosure: Enclosure
    gate: Gate  # open, a shift on duty now led by world.duty, 1 of 3
    residents_gate: Gate  # residents only, no shift now
    closed_gate: Gate  # closed, no shift
    foreign_gate: Gate  # another street's community
    shift: Shift
    cases: list[ObservationCase]  # grid A (two people, one household), grid B, the other community


def draw(kind: str, place, geometry: dict) -> None:
    save_geometry(None, KINDS[kind], place, geometry)


@pytest.fixture
def mapped(world: World, time_machine) -> Mapped:
    time_machine.move_to(MAP_MOMENT)
    enclosure = gate_actions.create_enclosure(None, world.community, {"name": "东片区"})
    gate_actions.set_enclosure_buildings(None, enclosure, [world.household_a.building, world.household_b.building])
    gate = gate_actions.create_gate(None, {"enclosure": enclosure, "name": "东门", "state": GateState.OPEN})
    residents_gate = gate_actions.create_gate(
        None, {"enclosure": enclosure, "name": "北门", "state": GateState.RESIDENTS_ONLY}
    )
    closed_gate = gate_actions.create_gate(None, {"enclosure": enclosure, "name": "西门", "state": GateState.CLOSED})
    foreign = gate_actions.create_enclosure(None, world.other_community, {"name": "新华片区"})
    foreign_gate = gate_actions.create_gate(None, {"enclosure": foreign, "name": "新华门"})
    now = timezone.now()
    shift = roster.create_shift(None, gate, now - timedelta(hours=2), now + timedelta(hours=6))
    roster.add_shift_member(None, shift, world.duty, leader=True)

    a, b, other = world.household_a, world.household_b, world.household_other
    registry_actions.set_alley_lead(None, a.building.alley, "林国栋", "party_member")
    for kind, place, geometry in (
        ("grid", world.grid_a, square(118.580, 24.910, 0.004)),
        ("grid", world.grid_b, square(118.585, 24.910, 0.004)),
        ("grid", world.grid_other, square(118.600, 24.950, 0.004)),
        ("enclosure", enclosure, square(118.581, 24.911, 0.006)),
        ("enclosure", foreign, square(118.601, 24.951)),
        ("gate", gate, point(118.581, 24.912)),
        ("gate", residents_gate, point(118.584, 24.917)),
        ("gate", closed_gate, point(118.587, 24.914)),
        ("gate", foreign_gate, point(118.601, 24.951)),
        ("alley", a.building.alley, line(118.581, 24.912)),
        ("alley", b.building.alley, line(118.586, 24.912)),
        ("alley", other.building.alley, line(118.601, 24.952)),
        ("building", a.building, point(118.5815, 24.9122)),
        ("building", b.building, square(118.5865, 24.9122, 0.0002)),
        ("building", other.building, point(118.6015, 24.9522)),
    ):
        draw(kind, place, geometry)

    add_resident(a, "饶小花", make_id(born="20110304", order="222"))
    terms = CaseTerms(Reason.KEY_AREA, DayZeroBasis.ARRIVAL, timezone.localdate() - timedelta(days=3), world.worker_a)
    cases = open_cases(world.admin, a, [Person(r.name, resident=r) for r in a.residents.order_by("pk")], terms)
    terms_b = CaseTerms(Reason.KEY_AREA, DayZeroBasis.ARRIVAL, terms.day_zero, world.worker_b)
    cases += open_cases(world.admin, b, [Person(b.residents.get().name, resident=b.residents.get())], terms_b)
    terms_other = CaseTerms(Reason.KEY_AREA, DayZeroBasis.ARRIVAL, terms.day_zero, world.admin)
    resident_other = other.residents.get()
    cases += open_cases(world.admin, other, [Person(resident_other.name, resident=resident_other)], terms_other)
    return Mapped(world, enclosure, gate, residents_gate, closed_gate, foreign_gate, shift, cases)
