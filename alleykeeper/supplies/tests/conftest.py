"""Supplies fixtures: the world's community with a cleaner, and 84 disinfectant in stock."""

from decimal import Decimal

import pytest
from django.test import Client

from alleykeeper.accounts.roles import Role
from alleykeeper.supplies import actions
from alleykeeper.supplies.models import ItemKind, MoveKind, SupplyItem
from testkit.world import make_user


def make_item(community, name: str = "84消毒液", stock: str = "10", unit: str = "瓶", low: str = "2") -> SupplyItem:
    item = actions.save_item(
        None,
        community,
        None,
        {"name": name, "kind": ItemKind.DISINFECTANT, "unit": unit, "low_threshold": Decimal(low)},
    )
    if Decimal(stock):
        actions.receive_stock(None, item, MoveKind.PURCHASE, Decimal(stock), source="药店")
    item.refresh_from_db()
    return item


@pytest.fixture
def cleaner(world):
    return make_user("cleaner", Role.CLEANER, communities=[world.community])


@pytest.fixture
def as_cleaner(cleaner) -> Client:
    client = Client()
    client.force_login(cleaner)
    return client


@pytest.fixture
def bleach(world) -> SupplyItem:
    return make_item(world.community)
