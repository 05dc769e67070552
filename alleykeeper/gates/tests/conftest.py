"""Gate fixtures: an enclosure with one gate in the world's community, a shift running now, outsiders."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.gates import actions, roster
from alleykeeper.gates.models import Enclosure, Gate, Shift
from testkit.world import World, make_user


@dataclass
class GateWorld:
    enclosure: Enclosure
    gate: Gate
    other_gate: Gate  # same enclosure, second gate
    foreign_gate: Gate  # another community
    shift_now: Shift  # world.duty is its leader
    other_admin: User  # admin of the other community
    other_duty: User  # duty staff of the other community, on duty at foreign_gate now


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# A Wednesday morning: the week's roster holds the shift running now, whatever the real hour (at 00:05 on a
# Monday a shift "since two hours ago" is last week's). Tests of other moments move the clock themselves.
GATE_MOMENT = datetime(2026, 3, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def gw(world: World, time_machine) -> GateWorld:
    time_machine.move_to(GATE_MOMENT)
    enclosure = actions.create_enclosure(None, world.community, {"name": "东片区"})
    actions.set_enclosure_buildings(None, enclosure, [world.household_a.building])
    gate = actions.create_gate(None, {"enclosure": enclosure, "name": "东门", "location": "开元路口"})
    other_gate = actions.create_gate(None, {"enclosure": enclosure, "name": "北门"})
    foreign_enclosure = actions.create_enclosure(None, world.other_community, {"name": "新华片区"})
    foreign_gate = actions.create_gate(None, {"enclosure": foreign_enclosure, "name": "新华门"})
    now = timezone.now()
    shift_now = roster.create_shift(None, gate, now - timedelta(hours=2), now + timedelta(hours=6))
    roster.add_shift_member(None, shift_now, world.duty)
    other_admin = make_user("other_admin", Role.ADMIN, communities=[world.other_community])
    other_duty = make_user("other_duty", Role.DUTY_STAFF, communities=[world.other_community])
    foreign_shift = roster.create_shift(None, foreign_gate, now - timedelta(hours=1), now + timedelta(hours=7))
    roster.add_shift_member(None, foreign_shift, other_duty)
    return GateWorld(enclosure, gate, other_gate, foreign_gate, shift_now, other_admin, other_duty)
