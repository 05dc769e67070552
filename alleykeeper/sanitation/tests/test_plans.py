"""The admin's plan form: a new plan makes today's remaining tasks; bad inputs say what to fix."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from alleykeeper.sanitation.models import DisinfectionTask, Plan
from alleykeeper.sanitation.tests.conftest import MORNING

pytestmark = pytest.mark.django_db


def _form(world, person, **changes) -> dict:
    data = {
        "place_kind": "drain",
        "alley": world.household_a.building.alley_id,
        "description": "下水道口",
        "sequence": "5",
        "surfaces": ["floors", "walls"],
        "agent": "84消毒液",
        "dilution": "1:50",
        "frequency": "times",
        "times": "09:00，15:30",
        "starts_on": MORNING.date().isoformat(),
        "cleaner": person.pk,
        "active": "on",
    }
    return data | changes


def test_a_new_plan_makes_the_rest_of_todays_tasks(world, as_admin, cleaner):
    with time_machine.travel(MORNING, tick=False):
        response = as_admin.post("/sanitation/plans/new/", _form(world, cleaner))
    assert response.status_code == 302
    plan = Plan.objects.get()
    assert plan.times == ["09:00", "15:30"] and plan.place.sequence == 5
    assert DisinfectionTask.objects.filter(plan=plan).count() == 2
    with time_machine.travel(MORNING, tick=False):
        page = as_admin.get(f"/sanitation/plans/{plan.pk}/").content.decode()
    assert "下水道口" in page


BAD = {
    "dilution empty": ({"dilution": "  "}, "请填写配比或浓度"),
    "agent empty": ({"agent": ""}, "请填写消毒剂"),
    "not a time": ({"times": "早上"}, "不是时间"),
    "two times for daily": ({"frequency": "daily"}, "每天只做一次"),
    "every n days without n": ({"frequency": "every_n_days", "times": "09:00"}, "请填写每隔几天"),
    "weekdays without days": ({"frequency": "weekdays", "times": "09:00"}, "请勾选星期几"),
    "no surface": ({"surfaces": []}, "请至少勾选一个消杀部位"),
    "lift without building": ({"place_kind": "lift"}, "请选择楼栋"),
    "cleaner of nobody": ({"cleaner": ""}, "请选择负责的保洁/消杀员"),
    "bad date": ({"starts_on": "2020-02-30"}, "开始日期格式不对"),
    "a start years ahead": ({"starts_on": "2099-01-01"}, "开始日期在一年以后"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_plans_are_refused(world, as_admin, cleaner, case):
    changes, message = BAD[case]
    with time_machine.travel(MORNING, tick=False):
        response = as_admin.post("/sanitation/plans/new/", _form(world, cleaner, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Plan.objects.exists()


def test_a_building_of_another_community_is_refused(world, as_admin, cleaner):
    other = world.household_other.building
    with time_machine.travel(MORNING, tick=False):
        response = as_admin.post("/sanitation/plans/new/", _form(world, cleaner, place_kind="lift", building=other.pk))
    assert "所选项不在本社区" in response.content.decode()


def test_a_place_is_named_where_then_what_without_saying_it_twice(world):
    from alleykeeper.sanitation.models import Place, PlaceKind

    alley = world.household_a.building.alley
    building = world.household_a.building

    def name(**fields) -> str:
        return str(Place(community=world.community, **fields))

    assert name(kind=PlaceKind.LIFT, building=building) == f"{building}电梯"
    assert name(kind=PlaceKind.TRANSFER_STATION, alley=alley, description="垃圾中转站") == f"{alley.name}垃圾中转站"
    assert name(kind=PlaceKind.TOILET, alley=alley, description="公共厕所") == f"{alley.name}公共厕所"
    assert name(kind=PlaceKind.DRAIN, alley=alley, description="下水道口") == f"{alley.name}下水道口"
    assert name(kind=PlaceKind.DRAIN, alley=alley, description="东段") == f"{alley.name}东段下水道/排水沟"


def test_a_plan_that_starts_later_says_so_in_the_list(world, as_admin, cleaner):
    """A plan of next month listed as 每天 08:00 looked as if it ran already."""
    with time_machine.travel(MORNING, tick=False):
        later = (MORNING + timedelta(days=40)).date()
        assert (
            as_admin.post("/sanitation/plans/new/", _form(world, cleaner, starts_on=later.isoformat())).status_code
            == 302
        )
        page = as_admin.get("/sanitation/plans/").content.decode()
    assert f"{later.year}年{later.month}月{later.day}日起" in page


def test_a_fraction_of_a_whole_unit_per_task_is_refused(world, as_admin, cleaner):
    from alleykeeper.supplies.tests.conftest import make_item

    gloves = make_item(world.community, name="一次性手套", stock="50", unit="副")
    bleach = make_item(world.community)
    with time_machine.travel(MORNING, tick=False):
        response = as_admin.post("/sanitation/plans/new/", _form(world, cleaner, supply_item=gloves.pk, amount="0.5"))
        assert "一次性手套按“副”计，数量要填整数" in response.content.decode() and not Plan.objects.exists()
        response = as_admin.post("/sanitation/plans/new/", _form(world, cleaner, supply_item=bleach.pk, amount="0.1"))
    assert response.status_code == 302 and Plan.objects.get().amount == Decimal("0.1")
