"""Sanitation fixtures: the world's community with a cleaner, a daily plan for 3号楼's lift, 84 disinfectant."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from alleykeeper.accounts.roles import Role
from alleykeeper.sanitation import actions
from alleykeeper.sanitation.models import Frequency, PlaceKind, Plan, Surface
from alleykeeper.supplies.tests.conftest import make_item
from testkit.world import make_user

ZONE = ZoneInfo("Asia/Shanghai")
# A Tuesday morning, before the 10:00 stairwell time.
MORNING = datetime(2026, 3, 10, 7, 0, tzinfo=ZONE)


def plan_data(world, cleaner, **changes) -> dict:
    data = {
        "place_kind": PlaceKind.LIFT,
        "building": world.household_a.building,
        "gate": None,
        "alley": None,
        "description": "",
        "sequence": 10,
        "surfaces": [Surface.BUTTONS, Surface.HANDRAILS],
        "agent": "84消毒液",
        "dilution": "1:100",
        "supply_item": None,
        "amount": None,
        "frequency": Frequency.DAILY,
        "times": ["08:00"],
        "every_n_days": None,
        "weekdays": [],
        "starts_on": MORNING.date(),
        "cleaner": cleaner,
        "active": True,
    }
    return data | changes


def make_plan(world, cleaner, *, now=MORNING, **changes) -> Plan:
    return actions.save_plan(world.admin, world.community, None, plan_data(world, cleaner, **changes), now=now)


@pytest.fixture
def cleaner(world):
    return make_user("cleaner", Role.CLEANER, communities=[world.community])


@pytest.fixture
def other_cleaner(world):
    return make_user("other_cleaner", Role.CLEANER, communities=[world.other_community])


@pytest.fixture
def as_cleaner(cleaner) -> Client:
    client = Client()
    client.force_login(cleaner)
    return client


@pytest.fixture
def bleach(world):
    return make_item(world.community, stock="10")


__all__ = ["Decimal"]


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path) -> None:
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"
