"""The household list and the search stay a fixed number of queries and keep their results as data grows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alleykeeper.registry.models import HouseholdKind
from testkit.world import add_resident, make_household, make_id

pytestmark = pytest.mark.django_db


def _queries(client, method: str, url: str, data: dict | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _grow(world, households: int, start: int = 0) -> None:
    for n in range(start, start + households):
        household = make_household(world.grid_a, f"{n % 4 + 10}号楼", f"{n + 1}01", HouseholdKind.RENTAL)
        add_resident(household, f"王小{n}", make_id(born="19880808", order=f"{n + 500:03d}"), "13912345678")
        add_resident(household, f"吴{n}", relation="spouse")


@pytest.mark.parametrize(
    "url", ["/register/households/", "/register/households/?page=2", "/register/households/?kind=rental"]
)
def test_household_list_queries_do_not_grow(world, as_admin, url):
    url += ("&" if "?" in url else "?") + f"grid={world.grid_a.pk}"
    _grow(world, 51)  # every page asked for has rows
    few, _ = _queries(as_admin, "get", url)
    _grow(world, 150, start=51)
    many, page = _queries(as_admin, "get", url)
    assert many == few
    assert "2 人" in page


def test_household_list_counts_residents_per_household(world, as_admin):
    add_resident(world.household_a, "家属甲", relation="spouse")
    make_household(world.grid_a, "3号楼", "303", HouseholdKind.VACANT)
    page = as_admin.get(f"/register/households/?grid={world.grid_a.pk}").content.decode()
    assert "2 人" in page and "0 人" in page


@pytest.mark.parametrize("query", ["王", "王小", "w", "wx", "wangxiao", "13912345678"])
def test_search_queries_do_not_grow(world, as_admin, query):
    few, _ = _queries(as_admin, "post", "/register/search/", {"q": query})
    _grow(world, 60)
    many, page = _queries(as_admin, "post", "/register/search/", {"q": query})
    assert many == few
    assert "王小" in page


def test_pinyin_search_finds_initials_and_full_pinyin_in_order(world, as_admin):
    add_resident(world.household_a, "吴伟", relation="spouse")  # wuwei, ww
    add_resident(world.household_a, "王五", relation="child")  # wangwu, ww
    page = as_admin.post("/register/search/", {"q": "ww"}).content.decode()
    assert page.index("王五") < page.index("吴伟")  # sorted by full pinyin: wangwu < wuwei
    page = as_admin.post("/register/search/", {"q": "wu"}).content.decode()
    assert "吴伟" in page and "王五" not in page  # "wu" is neither 王五's initials (ww) nor a prefix of wangwu
    page = as_admin.post("/register/search/", {"q": "W"}).content.decode()
    assert {"王翠琳", "吴伟", "王五"} <= {name for name in ("王翠琳", "吴伟", "王五") if name in page}


def test_name_search_is_prefix_and_ordered(world, as_admin):
    for name in ("王翠花", "王翠", "王二"):
        add_resident(world.household_a, name, relation="other")
    page = as_admin.post("/register/search/", {"q": "王翠"}).content.decode()
    # byte (code point) order, the same on PostgreSQL and SQLite: 琳 U+7433 before 花 U+82B1
    assert page.index("王翠<") < page.index("王翠琳") < page.index("王翠花") and "王二" not in page


@pytest.mark.parametrize("query", ["3号楼", "第一网格巷", "林", "302"])
def test_address_search_by_building_alley_landlord_and_room_stays_in_scope(world, as_worker_a, as_worker_b, query):
    world.household_a.landlord_name = "林房东"
    world.household_a.save(update_fields=["landlord_name"])
    assert world.household_a.address in as_worker_a.post("/register/search/", {"q": query}).content.decode()
    assert world.household_a.address not in as_worker_b.post("/register/search/", {"q": query}).content.decode()
    page = as_worker_a.post("/register/search/", {"q": "8号楼"}).content.decode()
    assert world.household_b.address not in page  # grid B's building: not even found by name
