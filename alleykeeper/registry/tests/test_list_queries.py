"""The household list and the search stay a fixed number of queries and keep their results as data grows."""

import base64
import re

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


def _next_link(page: str) -> str:
    match = re.search(r'href="\?([^"]*after=[^"]+)"', page)
    assert match, "no 下一页 link"
    return "/register/households/?" + match.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("url", ["/register/households/", "next page", "/register/households/?kind=rental"])
def test_household_list_queries_do_not_grow(world, as_admin, url):
    first = f"/register/households/?grid={world.grid_a.pk}"
    _grow(world, 51)  # every page asked for has rows
    if url == "next page":
        url = _next_link(as_admin.get(first).content.decode())
    else:
        url += ("&" if "?" in url else "?") + f"grid={world.grid_a.pk}"
    few, _ = _queries(as_admin, "get", url)
    _grow(world, 150, start=51)
    many, page = _queries(as_admin, "get", url)
    assert many == few
    assert "2 人" in page


def test_household_list_pages_by_key_without_data_in_the_address(world, as_admin):
    """Every household once, in order, following 下一页; a household added meanwhile shifts no page; the
    cursor in the address names a row, not its room or grid."""
    _grow(world, 120)
    url, seen = f"/register/households/?grid={world.grid_a.pk}", []
    while url:
        response = as_admin.get(url)
        seen += [h.pk for h in response.context["page"]]
        if len(seen) == 50:
            make_household(world.grid_a, "10号楼", "0001")  # behind the cursor (room 0001 sorts first): no shift
        page = response.content.decode()
        url = _next_link(page) if "after=" in page else ""
        if url:
            assert "101" not in base64.urlsafe_b64decode(url.split("after=")[1] + "==").decode()
    assert len(seen) == len(set(seen)) == 121
    bad = as_admin.get("/register/households/?after=nonsense")
    assert bad.status_code == 200 and bad.context["page"].is_first


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
    # "w" matches 122 people by initials: the first page is the first 50 in initials order (吴0 "w0"...);
    # 王小 ("wx") follow on later pages (test_search_pages_beyond_50).
    assert ("吴" if query == "w" else "王小") in page


@pytest.mark.parametrize("query", ["王", "w", "wx", "wangxiao", "吴", "第一网格巷"])
def test_search_pages_beyond_50(world, as_admin, query):
    """Every match once, page after page (更多结果), whatever the kind of query."""
    _grow(world, 70)
    data, residents, households, pages = {"q": query}, [], [], 0
    while True:
        response = as_admin.post("/register/search/", data)
        residents += [r.pk for r in response.context["residents"]]
        households += [h.pk for h in response.context["households"]]
        pages += 1
        if not response.context["next_cursor"]:
            break
        data = {"q": query, "after": response.context["next_cursor"]}
    assert len(residents) == len(set(residents)) and len(households) == len(set(households))
    assert pages > 1 and len(residents) + len(households) > 50
    expected = {"王": 71, "wx": 70, "wangxiao": 70, "吴": 71}  # and the world's 王翠琳, 吴晶晶
    assert len(residents) == expected.get(query, len(residents))


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


@pytest.mark.parametrize("query", ["3号楼", "第一网格巷", "林", "302", "第一网格巷3号楼3"])
def test_address_search_by_building_alley_landlord_and_room_stays_in_scope(world, as_worker_a, as_worker_b, query):
    world.household_a.landlord_name = "林房东"
    world.household_a.save(update_fields=["landlord_name"])
    assert world.household_a.address in as_worker_a.post("/register/search/", {"q": query}).content.decode()
    assert world.household_a.address not in as_worker_b.post("/register/search/", {"q": query}).content.decode()
    page = as_worker_a.post("/register/search/", {"q": "8号楼"}).content.decode()
    assert world.household_b.address not in page  # grid B's building: not even found by name


def test_an_address_as_the_pages_write_it_finds_that_household(world, as_admin, as_worker_b):
    """孝感巷1号201 as a household page shows it (alley, building, unit, room run together) or its start; it found
    nothing but the alley or the room typed alone."""
    from alleykeeper.registry.models import Unit

    other = make_household(world.grid_a, "3号楼", "305")
    unit = Unit.objects.create(building=world.household_a.building, name="2单元")
    in_unit = make_household(world.grid_a, "3号楼", "201")
    in_unit.unit = unit
    in_unit.save(update_fields=["unit"])

    def found(query: str) -> set[int]:
        return {h.pk for h in as_admin.post("/register/search/", {"q": query}).context["households"]}

    assert world.household_a.address == "第一网格巷3号楼302"
    assert found("第一网格巷3号楼302") == {world.household_a.pk}
    assert found("第一网格巷3号楼30") == {world.household_a.pk, other.pk}
    assert found("第一网格巷3号楼2单元201") == {in_unit.pk}
    assert found("第一网格巷3号楼2单元") == {in_unit.pk}
    assert found("第一网格巷9号楼302") == set()
    assert found("第二网格巷8号楼101") == {world.household_b.pk}
    outside = as_worker_b.post("/register/search/", {"q": "第一网格巷3号楼302"}).context["households"]
    assert not list(outside)  # grid A's, out of grid B's worker's scope
