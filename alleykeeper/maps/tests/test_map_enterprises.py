"""The map layer 企业复工状态: enterprises counted per building or shopping centre by reopening state, in the
viewer's scope only, states in words as well as colours, never an enterprise's or a person's name."""

import pytest
from django.urls import reverse

from alleykeeper.maps.tests.conftest import Mapped, draw, square
from alleykeeper.registry.models import Building
from alleykeeper.reports.tests.reopening_scenario import MALL, build_reopening

pytestmark = pytest.mark.django_db

BUILDING_A, BUILDING_B = "第一网格巷3号楼", "第二网格巷8号楼"
NAMES = ("开元奶茶", "东街面馆", "丽人美发", "开元童装", "孝感巷理发店", "黄志强", "新华")


def _features(client) -> dict[str, dict]:
    response = client.get(reverse("maps:layer", args=["enterprises"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert not any(name in body for name in NAMES)
    return {f["properties"]["title"]: f for f in response.json()["features"]}


def test_enterprises_by_state_per_place_in_each_roles_scope(mapped: Mapped, personas):
    build_reopening(mapped.world)
    admin = _features(personas["admin"])
    assert set(admin) == {BUILDING_A, BUILDING_B}  # the shopping centre is not drawn: listed only
    a, b = (admin[t]["properties"] for t in (BUILDING_A, BUILDING_B))
    assert (a["tag"], a["style"], a["badge"], a["alert"]) == ("已复工 1/1 家", "enterprise-open", "1", "")
    assert (b["tag"], b["style"], b["badge"]) == ("已复工 0/3 家", "enterprise-none", "3")
    assert b["alert"] == "暂停营业 1 家" and b["lines"][0] == "已批准 1 家、申请中 1 家、暂停营业 1 家"
    assert admin[BUILDING_B]["geometry"]["type"] == "Point"  # a marker inside the building's outline
    assert set(_features(personas["officer"])) == {BUILDING_A, BUILDING_B}
    assert set(_features(personas["worker_a"])) == {BUILDING_A}
    assert set(_features(personas["worker_b"])) == {BUILDING_B}
    assert personas["duty"].get(reverse("maps:layer", args=["enterprises"])).status_code == 403
    page = personas["admin"].get(reverse("maps:map")).content.decode()
    assert "企业复工状态：方块里的数字" in page
    listed = page.split('id="layer-enterprises"')[1].split("</details>")[0]
    assert "企业复工状态（3）" in listed and "1 个未标注位置" in listed
    assert MALL in listed and "已复工 1/4 家" in listed and "开元奶茶" not in listed
    worker_b = personas["worker_b"].get(reverse("maps:map")).content.decode()
    assert MALL not in worker_b.split('id="layer-enterprises"')[1].split("</details>")[0]
    assert "企业复工状态" not in personas["duty"].get(reverse("maps:map")).content.decode()


def test_a_shopping_centre_is_drawn_at_the_building_that_bears_its_name(mapped: Mapped, personas):
    build_reopening(mapped.world)
    centre = Building.objects.create(alley=mapped.world.household_b.building.alley, name=MALL)
    draw("building", centre, square(118.5830, 24.9130, 0.0004))
    mall = _features(personas["worker_a"])[MALL]
    assert mall["geometry"]["type"] == "Point" and mall["properties"]["badge"] == "4"
