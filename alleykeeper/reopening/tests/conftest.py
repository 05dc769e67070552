"""Two enterprises of the test world: one in 开元盛世广场 in grid A, one in a building of grid B."""

import pytest

from alleykeeper.core.identity import check_phone
from alleykeeper.reopening import actions
from alleykeeper.reopening.models import Enterprise, Sector
from testkit.world import World

CODE_A = "91440300708461136T"


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path) -> None:
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"


def make_enterprise(world: World, name: str, *, grid=None, building=None, code: str = "", **data) -> Enterprise:
    values = {
        "name": name,
        "credit_code": code,
        "no_credit_code": not code,
        "grid": grid or world.grid_a,
        "building": building,
        "mall": "" if building else "开元盛世广场",
        "floor": "" if building else "1F",
        "shop_number": "" if building else f"1F-{Enterprise.objects.count() + 1:03d}",
        "sector": Sector.CATERING,
        "contact_name": "林店长",
        "headcount": 8,
        **data,
    }
    return actions.save_enterprise(None, None, values, check_phone("13859902222"))


@pytest.fixture
def enterprise_a(world: World) -> Enterprise:
    return make_enterprise(world, "开元奶茶店", code=CODE_A)


@pytest.fixture
def enterprise_b(world: World) -> Enterprise:
    return make_enterprise(world, "孝感巷理发店", grid=world.grid_b, building=world.household_b.building)
