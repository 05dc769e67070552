"""A grid worker on a phone works through three households of the work list: one reached with a key-area
answer, one no answer, one refused. Then the coverage and the key person appear."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alleykeeper.audit.models import AuditEvent
from alleykeeper.screening.models import Attempt, CampaignHousehold, KeyPerson, QuestionRole
from alleykeeper.screening.tests.conftest import make_divisions, start_campaign
from e2e.helpers import assets_loaded, no_horizontal_scroll
from testkit.world import add_resident, make_household

pytestmark = pytest.mark.e2e


def _record(page: Page, address: str) -> None:
    page.locator(".household-item", has_text=address).get_by_role("link", name="记录联系结果").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(address)


def _settled(page: Page) -> None:
    """Wait until htmx has swapped and settled (new selects get their triggers only after settling)."""
    expect(page.locator(".htmx-request, .htmx-added, .htmx-settling, .htmx-swapping")).to_have_count(0)


def test_grid_worker_screens_three_households_on_a_phone(phone_page: Page, live_world, login):
    page, world = phone_page, live_world
    places = make_divisions()
    upstairs = make_household(world.grid_a, "3号楼", "401")
    add_resident(upstairs, "李明", phone="13700001111")
    next_door = make_household(world.grid_a, "5号楼", "101")
    add_resident(next_door, "陈芳", phone="13700002222")
    campaign = start_campaign(world.admin, [world.grid_a, world.grid_b])
    wang = world.household_a.residents.get()
    arrived = (timezone.localdate() - timedelta(days=2)).isoformat()

    login(page, world.worker_a)
    page.locator(".mainnav").get_by_role("link", name="排查").click()
    page.get_by_role("link", name="开始排查").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("排查清单")
    assert assets_loaded(page) and no_horizontal_scroll(page)
    # My grid's three households, by building; nothing of grid B.
    addresses = page.locator(".household-item strong").all_inner_texts()
    assert addresses == ["第一网格巷3号楼302", "第一网格巷3号楼401", "第一网格巷5号楼101"]
    assert "吴晶晶" not in page.content()

    # One tap on "呼叫": an audited reveal answers with a tel: link; the list itself shows masked numbers.
    assert "13859901234" not in page.content()
    page.locator(".household-item", has_text="3号楼302").get_by_role("button", name="呼叫").click()
    call = page.locator(f"#call-{wang.pk} a")
    expect(call).to_have_attribute("href", "tel:13859901234")
    assert (
        AuditEvent.objects.filter(action="identity.reveal_phone", actor=world.worker_a, purpose="screening").count()
        == 1
    )

    # 1. Reached: she came from Wuhan (Jianghan district) two days ago by train.
    _record(page, "3号楼302")
    page.get_by_role("radio", name="电话").check()
    page.get_by_role("radio", name="已接通/已见面").check()
    person = page.locator(f"#p{wang.pk}")
    person.locator("fieldset", has_text="近期是否有从重点地区来鲤人员").get_by_label("是").check()
    person.locator("fieldset", has_text="出行史").get_by_label("否").check()
    person.locator("fieldset", has_text="接触过").get_by_label("否").check()
    person.get_by_text("来鲤信息").click()
    person.get_by_label("抵达日期").fill(arrived)
    origin = f"p{wang.pk}-q{campaign.questions.get(role=QuestionRole.ORIGIN).pk}"
    for level, place in enumerate(["湖北省", "武汉市", "江汉区"], start=1):
        page.locator(f'select[name="{origin}_{level}"]').select_option(label=place)
        _settled(page)
    person.get_by_label("交通方式").fill("g1234")
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("发现重点人员：王翠琳")
    expect(page.locator(".household-item", has_text="3号楼302")).to_have_count(0)

    # 2. No answer: back to the revisit queue.
    _record(page, "3号楼401")
    page.get_by_role("radio", name="电话").check()
    page.get_by_role("radio", name="无人接听/无人应门").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("待回访")
    expect(page.locator(".household-item", has_text="3号楼401")).to_contain_text("待回访")

    # 3. Refused at the door.
    _record(page, "5号楼101")
    page.get_by_role("radio", name="上门").check()
    page.get_by_role("radio", name="拒绝配合").check()
    page.get_by_label("备注").fill("不愿回答，明天请社区民警陪同")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("拒绝配合")

    # Coverage: one of my three households is covered, two were never reached; my three attempts today.
    page.get_by_role("link", name="覆盖情况").click()
    expect(page.locator("#stat-covered")).to_have_text("1")
    expect(page.locator(".stat", has=page.locator("#stat-covered"))).to_contain_text("/ 3 户")
    expect(page.locator("#stat-never")).to_have_text("2")
    expect(page.locator("tr", has_text="worker_a")).to_contain_text("3")
    assert no_horizontal_scroll(page)

    # The key person is on the list home observation starts from, with where she came from.
    page.locator(".mainnav").get_by_role("link", name="重点人员").click()
    row = page.locator(".list a", has_text="王翠琳")
    expect(row).to_contain_text("待处置")
    expect(row).to_contain_text("湖北省武汉市江汉区")
    row.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("王翠琳")
    expect(page.locator("dl.facts")).to_contain_text("G1234")
    expect(page.locator("dl.facts")).to_contain_text(campaign.name)
    assert "13859901234" not in page.content() and no_horizontal_scroll(page)

    key_person = KeyPerson.objects.get()
    assert key_person.resident == wang and key_person.origin == places.jianghan
    assert str(key_person.arrival_date) == arrived and key_person.attempt.campaign == campaign
    states = dict(CampaignHousehold.objects.filter(campaign=campaign).values_list("household_id", "status"))
    assert states[world.household_a.pk] == "covered"
    assert states[upstairs.pk] == "revisit" and states[next_door.pk] == "revisit"
    assert sorted(Attempt.objects.values_list("outcome", flat=True)) == ["no_answer", "reached", "refused"]
    assert re.search("不愿回答", Attempt.objects.get(outcome="refused").note)
