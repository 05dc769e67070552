"""A grid worker on a phone finds a household, adds a person with a wrong ID number, fixes it."""

import re

import pytest
from playwright.sync_api import Page, expect

from alleykeeper.core.identity import id_check_char
from alleykeeper.registry.models import Resident
from e2e.helpers import assets_loaded, no_horizontal_scroll, open_menu
from testkit.world import make_id

pytestmark = pytest.mark.e2e


def _wrong_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    assert wrong != id_check_char(number[:17])
    return number[:17] + wrong


def test_grid_worker_adds_a_resident_on_a_phone(phone_page: Page, live_world, login):
    page, world = phone_page, live_world
    right = make_id(born="20130907", order="246")  # a girl born 7 September 2013
    wrong = _wrong_check_digit(right)

    login(page, world.worker_a)
    assert assets_loaded(page) and no_horizontal_scroll(page)

    # Find the household through the one search box, by the name of someone who lives there.
    open_menu(page, "搜索")
    page.get_by_label("姓名、拼音首字母、电话、身份证号或地址").fill("王翠琳")
    page.get_by_role("button", name="搜索").click()
    page.locator("#results").get_by_role("link", name=re.compile("王翠琳")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("3号楼302")
    assert no_horizontal_scroll(page)

    page.get_by_role("link", name="新增成员").click()
    page.get_by_label("姓名").fill("王小花")
    page.get_by_label("证件号码").fill(wrong)
    page.get_by_label("电话").fill("138 5990 5678")
    page.get_by_label("与户主关系").select_option(label="子女")
    page.get_by_role("button", name="保存").click()

    # The message says what is wrong and what to do; nothing typed is lost; nothing is saved.
    error = page.locator(".field.has-error .error")
    expect(error).to_contain_text("校验位")
    expect(error).to_contain_text("核对")
    expect(page.get_by_label("姓名")).to_have_value("王小花")
    expect(page.get_by_label("电话")).to_have_value("138 5990 5678")
    assert not Resident.objects.filter(name="王小花").exists()
    assert no_horizontal_scroll(page)

    page.get_by_label("证件号码").fill(right)
    page.get_by_role("button", name="保存").click()

    expect(page.locator(".messages")).to_contain_text("已新增居民 王小花")
    person = page.locator(".person", has_text="王小花")
    expect(person).to_contain_text(right[:6] + "********" + right[-4:])
    expect(person).to_contain_text("138****5678")
    expect(person).to_contain_text("12 岁")  # the age: the birth date would complete the masked number
    content = page.content()
    assert right not in content and "13859905678" not in content and "2013-09-07" not in content

    resident = Resident.objects.get(name="王小花")
    assert resident.household_id == world.household_a.pk
    assert resident.full_document_number() == right and resident.full_phone() == "13859905678"
    assert resident.sex == "F" and str(resident.birth_date) == "2013-09-07"
    assert resident.relation == "child"
