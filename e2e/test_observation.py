"""A grid worker on a phone: a normal call, a fever that shows in 今日, groceries delivered and confirmed."""

import re

import pytest
from playwright.sync_api import Page, expect

from alleykeeper.observation.models import FeverState, FollowUp, ObservationCase, RequestStatus, ServiceRequest
from alleykeeper.observation.tests.conftest import open_case_for
from e2e.helpers import assets_loaded, no_horizontal_scroll, open_menu

pytestmark = pytest.mark.e2e


def _call_page(page: Page, case: ObservationCase) -> None:
    page.goto(f"/observation/cases/{case.pk}/call/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.name)


def test_worker_calls_records_fever_and_groceries_are_delivered(phone_page: Page, live_world, login):
    page, world = phone_page, live_world
    case = open_case_for(world, world.household_a, world.worker_a)  # opened two days ago, slots around now

    login(page, world.worker_a)
    open_menu(page, "今日")
    expect(page.get_by_role("heading", level=1)).to_contain_text("今日")
    assert assets_loaded(page) and no_horizontal_scroll(page)
    expect(page.locator("#due, #overdue").get_by_text(case.name).first).to_be_visible()

    # A normal call in a few taps: reached (preselected), temperature, mood, a need.
    page.locator("#due, #overdue").get_by_role("link", name=re.compile(case.name)).first.click()
    expect(page.get_by_label("已接通")).to_be_checked()
    page.get_by_label("体温（℃）").fill("36.5")
    page.get_by_label("良好").check()
    page.get_by_label("买菜").check()
    page.get_by_label("需求说明").fill("青菜、鸡蛋")
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text(f"已记录 {case.name} 的随访")
    assert FollowUp.objects.filter(case=case, temperature="36.5", reached=True).count() == 1

    # A fever: the worker is told to retest, and 今日 shows it at the top.
    _call_page(page, case)
    page.get_by_label("体温（℃）").fill("38.2")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("请在")
    expect(page.locator(".messages")).to_contain_text("复测")
    fevers = page.locator("#fevers")
    expect(fevers).to_contain_text(case.name)
    expect(fevers).to_contain_text("待复测")
    expect(fevers).to_contain_text("38.2")
    assert ObservationCase.objects.get(pk=case.pk).fever_state == FeverState.RETEST_DUE

    # The grocery request from the first call: assign it, deliver it to the door handle.
    requests = page.locator("#requests")
    expect(requests).to_contain_text("买菜")
    requests.get_by_role("link", name=re.compile("买菜")).click()
    page.get_by_label("配送人").select_option(label=f"{world.worker_a}（网格员）")
    page.get_by_role("button", name="派单").click()
    expect(page.locator(".messages")).to_contain_text("已派给")
    page.get_by_role("link", name="登记送达").click()
    page.get_by_label("挂在门把手上").check()
    page.get_by_role("button", name="已送达").click()
    expect(page.locator(".messages")).to_contain_text("已登记送达")
    service = ServiceRequest.objects.get(case=case)
    assert service.status == RequestStatus.DELIVERED and service.left_at == "挂在门把手上"

    # The next call: the retest is normal and the family confirms the groceries arrived.
    _call_page(page, case)
    expect(page.locator("form.obs-call")).to_contain_text("挂在门把手上")
    page.get_by_label("体温（℃）").fill("36.8")
    page.get_by_label("已收到").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text(f"已记录 {case.name} 的随访")
    service.refresh_from_db()
    assert service.status == RequestStatus.CONFIRMED and service.confirmed_in is not None
    case.refresh_from_db()
    assert case.fever_state == FeverState.NONE and str(case.last_temperature) == "36.8"
    expect(page.locator("#fevers")).to_contain_text("没有发热提醒")
    assert no_horizontal_scroll(page)
