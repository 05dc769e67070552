"""Alerts on a phone: a grid worker enters a fever at a follow-up; at the next run of the scan (the timer) the
community doctor's inbox and the community's 企业微信 group robot (a local fake, pytest-httpserver) receive the
alert, the name masked."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from alleykeeper.accounts.roles import Role
from alleykeeper.alerts.actions import ChannelSettings, save_channel
from alleykeeper.alerts.models import ChannelKind, Kind, Message, Rule, Status
from alleykeeper.alerts.scan import scan
from alleykeeper.observation.tests.conftest import open_case_for
from e2e.helpers import E2E_PASSWORD, assets_loaded, no_horizontal_scroll, open_menu
from testkit.world import make_user

pytestmark = pytest.mark.e2e


def test_a_fever_reaches_the_doctors_inbox_and_the_wecom_group_masked(
    phone_page: Page, live_world, login, httpserver, settings
):
    page, world = phone_page, live_world
    settings.ALERTS_WEBHOOK_HOSTS = [*settings.ALERTS_WEBHOOK_HOSTS, "localhost"]  # the robot is a local fake
    httpserver.expect_request("/cgi-bin/webhook/send", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    robot = httpserver.url_for("/cgi-bin/webhook/send") + "?key=e2e-robot-key"
    save_channel(world.admin, world.community, ChannelKind.WECOM, ChannelSettings(enabled=True, endpoint=robot))
    doctor = make_user("doctor", Role.ADMIN, communities=[world.community], password=E2E_PASSWORD)
    rule = Rule.objects.create(
        community=world.community, kind=Kind.FEVER, to_case_worker=True, channels=["inbox", "wecom"]
    )
    rule.users.add(doctor)
    case = open_case_for(world, world.household_a, world.worker_a)

    # The grid worker records the follow-up with a fever.
    login(page, world.worker_a)
    page.goto(f"/observation/cases/{case.pk}/call/")
    page.get_by_label("体温（℃）").fill("38.6")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("复测")

    # The timer's run of the scan; the sending job runs at once (ImmediateBackend).
    scan()
    assert Message.objects.get(channel=ChannelKind.WECOM, kind=Kind.FEVER).status == Status.SENT

    # The doctor opens 消息 on her phone.
    page.get_by_role("button", name="退出").click()
    login(page, doctor)
    open_menu(page, "消息")
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的消息")
    item = page.locator("main .list li").first
    expect(item).to_contain_text("发热提醒")
    expect(item).to_contain_text("王**")
    expect(item).to_contain_text("38.6")
    expect(page.locator("main")).not_to_contain_text("王翠琳")
    assert assets_loaded(page) and no_horizontal_scroll(page)
    item.get_by_role("link", name="查看").click()
    expect(page).to_have_url(re.compile(rf"/observation/cases/{case.pk}/$"))

    # The group robot got the same alert, masked, with a link that needs a login.
    ((request, _),) = httpserver.log
    text = json.loads(request.get_data())["text"]["content"]
    assert "【发热提醒】" in text and "王**" in text and "王翠琳" not in text and "13859901234" not in text
    assert f"/observation/cases/{case.pk}/" in text and "需登录" in text
