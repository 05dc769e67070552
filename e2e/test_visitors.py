"""A visitor on a phone opens the gate poster's link, registers (a wrong ID first), shows the code; the duty
staff sees the arrival in the gate's live list and logs the entry."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from alleykeeper.core.identity import id_check_char
from alleykeeper.gates.models import GateLogEntry
from alleykeeper.visitors.models import Registration
from alleykeeper.visitors.tests.conftest import make_divisions, make_gate, put_on_duty
from e2e.helpers import assets_loaded, no_horizontal_scroll
from testkit.world import make_id

pytestmark = pytest.mark.e2e


def test_visitor_registers_from_the_poster_and_duty_staff_lets_them_in(
    page: Page, phone_page: Page, live_world, live_server, login, settings
):
    world = live_world
    settings.SITE_URL = live_server.url  # the QR code and printed link point at this server
    cache.clear()  # every client here is 127.0.0.1: start with fresh rate-limit counters
    make_divisions()
    gate = make_gate(world)
    put_on_duty(world.duty, gate)
    right = make_id(born="19880214", order="357")
    wrong = right[:17] + ("0" if id_check_char(right[:17]) != "0" else "1")

    # The community admin prints the poster; its link is the one the QR code carries.
    login(page, world.admin)
    page.goto(f"/v/gate/{gate.pk}/poster/")
    expect(page.locator(".poster h1")).to_have_text("东门")
    expect(page.locator(".poster-qr svg")).to_be_visible()
    link = page.locator(".poster-url a").get_attribute("href")
    assert link == f"{live_server.url}/v/{gate.token}/"

    # A visitor's phone opens it: no login, a plain form.
    visitor = phone_page
    visitor.goto(link)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("来访登记")
    assert assets_loaded(visitor) and no_horizontal_scroll(visitor)
    visitor.get_by_label(re.compile(r"^姓名")).fill("郑海峰")
    visitor.get_by_label("证件号码").fill(wrong)
    visitor.get_by_label("手机号码").fill("139 0595 6789")
    visitor.get_by_label("从哪里来（省 / 市）").select_option("440300")
    visitor.get_by_label("交通方式").select_option(label="火车/高铁")
    visitor.get_by_label("车次 / 航班号").fill("d3125")
    visitor.get_by_label("来访事由").fill("探望父母")
    visitor.get_by_label("被访住户地址").fill("3号楼302")
    visitor.get_by_label("被访人姓名").fill("王翠琳")
    visitor.get_by_role("button", name="提交登记").click()

    error = visitor.locator(".field.has-error .error")
    expect(error).to_contain_text("校验位不对")
    expect(visitor.get_by_label(re.compile(r"^姓名"))).to_have_value("郑海峰")
    assert not Registration.objects.exists() and no_horizontal_scroll(visitor)

    visitor.get_by_label("证件号码").fill(right)
    visitor.get_by_role("button", name="提交登记").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("登记成功")
    code = visitor.get_by_label("登记码").inner_text().strip()
    registration = Registration.objects.get()
    assert code == registration.code and re.fullmatch(r"[0-9A-Z]{6}", code)
    assert registration.full_document_number() == right and registration.transport_number == "D3125"
    expect(visitor.locator(".visitor-confirmed")).to_contain_text(right[:6] + "********" + right[-4:])
    assert no_horizontal_scroll(visitor)

    # The duty staff, on their phone, open 来访 → their gate and let the visitor in.
    login(visitor, world.duty)
    visitor.get_by_role("navigation").get_by_role("link", name="来访", exact=True).click()
    visitor.get_by_role("link", name=re.compile("东门")).click()
    row = visitor.locator(".visitor-row", has_text=code)
    expect(row).to_contain_text("郑海峰")
    expect(row).to_contain_text("139****6789")
    row.get_by_placeholder("体温 ℃").fill("36.6")
    row.get_by_role("button", name="登记进入").click()
    expect(visitor.locator(".visitor-row", has_text=code)).to_contain_text("已进入")
    assert no_horizontal_scroll(visitor)
    entry = GateLogEntry.objects.get()
    assert entry.visitor_code == code and entry.gate == gate and entry.recorded_by == world.duty
    assert str(entry.temperature) == "36.6"
