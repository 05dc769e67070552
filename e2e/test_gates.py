"""Duty staff on a phone at the gate: find a resident, take the temperature, log the entry; a courier kept
outside; an admin plans the week's roster on a desktop."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alleykeeper.gates import actions, roster
from alleykeeper.gates.models import GateFlag, GateLogEntry, PassageKind, Shift
from e2e.helpers import assets_loaded, no_horizontal_scroll, open_menu

pytestmark = pytest.mark.e2e


@pytest.fixture
def gate(live_world):
    enclosure = actions.create_enclosure(None, live_world.community, {"name": "东片区"})
    actions.set_enclosure_buildings(None, enclosure, [live_world.household_a.building])
    gate = actions.create_gate(None, {"enclosure": enclosure, "name": "东门"})
    now = timezone.now()
    shift = roster.create_shift(None, gate, now - timedelta(hours=1), now + timedelta(hours=7))
    roster.add_shift_member(None, shift, live_world.duty)
    return gate


def test_duty_staff_log_entries_on_a_phone(phone_page: Page, live_world, gate, login):
    page, world = phone_page, live_world
    login(page, world.duty)
    open_menu(page, "值守")
    expect(page.get_by_role("heading", name="正在值守：东片区 · 东门")).to_be_visible()
    page.get_by_role("link", name="出入登记").click()
    assert assets_loaded(page) and no_horizontal_scroll(page)

    # Type part of a name: the list appears as you type (htmx), with masked ID and big 进/出 buttons.
    page.get_by_label("找居民").fill("王翠")
    resident = page.locator("#residents .resident", has_text="王翠琳")
    expect(resident).to_contain_text("********")
    page.get_by_label("体温 ℃").fill("37.6")
    resident.get_by_role("button", name="进").click()
    expect(page.locator("#gate-log .message").first).to_contain_text("已登记：王翠琳 进")
    expect(page.locator("#gate-log .message.warning")).to_contain_text("达到发热标准")
    expect(page.get_by_label("体温 ℃")).to_have_value("")  # ready for the next person
    entry = GateLogEntry.objects.get()
    assert entry.kind == PassageKind.RESIDENT and entry.flag_codes == [GateFlag.FEVER]

    # A bad reading: the message says what to fix, the typed plate stays.
    page.get_by_label("车牌号（外省车牌会标记）").fill("粤B12345")
    page.get_by_label("体温 ℃").fill("45")
    page.locator("section", has_text="车辆").get_by_role("button", name="进").click()
    expect(page.locator("#gate-log .field.has-error .error")).to_contain_text("合理范围")
    expect(page.get_by_label("车牌号（外省车牌会标记）")).to_have_value("粤B12345")
    assert GateLogEntry.objects.count() == 1

    page.get_by_label("体温 ℃").fill("36.5")
    page.locator("section", has_text="车辆").get_by_role("button", name="进").click()
    expect(page.locator("#gate-log .message.warning")).to_contain_text("外省车牌")

    page.get_by_role("button", name="登记：拦于门外").click()
    expect(page.locator("#gate-log .message").first).to_contain_text("拦于门外")
    expect(page.locator(".log-entries li")).to_have_count(3)
    assert no_horizontal_scroll(page)
    assert GateLogEntry.objects.filter(kind=PassageKind.COURIER).count() == 1

    # No signal: the page says that nothing was saved instead of looking as if it had been.
    expect(page.locator("#log-failed")).to_be_hidden()
    page.context.set_offline(True)
    page.get_by_role("button", name="登记：拦于门外").click()
    expect(page.locator("#log-failed")).to_be_visible()
    page.context.set_offline(False)
    assert GateLogEntry.objects.filter(kind=PassageKind.COURIER).count() == 1


def test_admin_plans_a_week(page: Page, live_world, gate, login):
    login(page, live_world.admin)
    page.goto(f"/gates/gate/{gate.pk}/roster/")
    page.get_by_role("button", name="按模板补齐班次").click()
    expect(page.locator(".messages")).to_contain_text("已按模板补齐")
    card = page.locator(".shift.short").nth(1)
    card_id = card.get_attribute("id")
    card.get_by_label("选择人员").select_option(label="volunteer · 志愿者")
    card.get_by_role("button", name="排班").click()
    card = page.locator(f"#{card_id}")
    expect(card).to_contain_text("已排 volunteer")
    expect(card.locator(".tag.leader")).to_have_text("带班")
    shift = Shift.objects.get(pk=int(card_id.split("-")[1]))
    assert shift.members.get().user == live_world.volunteer
