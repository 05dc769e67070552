"""On a phone: a volunteer opens 宣传 from the menu, finds the building not finished yet, ticks the floors
posted and saves; the coverage of the material then counts the building as reached."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from alleykeeper.publicity import actions
from alleykeeper.publicity.models import FloorPosting
from e2e.helpers import assets_loaded, no_horizontal_scroll

pytestmark = pytest.mark.e2e


def test_volunteer_ticks_floors_on_a_phone(phone_page: Page, live_world, live_server, login):
    world = live_world
    data = {
        "community": world.community,
        "kind": "poster",
        "title": "勤洗手，多开窗，戴口罩",
        "start_date": date(2026, 3, 1),
    }
    material = actions.save_material(world.admin, None, data)
    building = world.household_a.building
    sheet = actions.open_sheet(world.admin, material, building, 4)
    actions.set_floors_posted(world.admin, sheet, {1})

    page = phone_page
    login(page, world.volunteer)
    page.goto("/publicity/")
    expect(page.get_by_role("heading", level=1)).to_have_text("宣传")
    assert assets_loaded(page) and no_horizontal_scroll(page)
    page.get_by_role("link", name="第一网格巷3号楼 · 勤洗手，多开窗，戴口罩").click()
    expect(page.get_by_text("已贴 1 / 4 层")).to_be_visible()
    assert no_horizontal_scroll(page)
    page.get_by_label("3 层").check()
    page.get_by_label("2 层").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已贴 3 / 4 层")).to_be_visible()
    assert sorted(FloorPosting.objects.values_list("floor", "posted_by__username")) == [
        (1, "admin"),
        (2, "volunteer"),
        (3, "volunteer"),
    ]
    page.goto(f"/publicity/material/{material.pk}/")
    expect(page.get_by_text("第一网格：1 / 1 栋已覆盖")).to_be_visible()
    assert no_horizontal_scroll(page)
