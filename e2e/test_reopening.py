"""On phones: an enterprise applies through its link with one returning employee from a key area; the
reviewer sees the block, records a decision, inspects and approves; the enterprise takes a reopening slot."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from alleykeeper.core.identity import check_phone
from alleykeeper.reopening import actions, slots
from alleykeeper.reopening.models import Application, ApplicationStatus, ReturningStaff
from alleykeeper.screening.tests.conftest import make_divisions
from e2e.conftest import PHONE, _context
from e2e.helpers import assets_loaded, no_horizontal_scroll
from testkit.world import make_id

pytestmark = pytest.mark.e2e


def test_enterprise_applies_reviewer_resolves_the_block_approves_and_a_slot_is_taken(
    browser: Browser, phone_page: Page, live_world, live_server, login
):
    world = live_world
    cache.clear()  # every client here is 127.0.0.1: fresh rate-limit counters
    make_divisions()  # Wuhan is a key area since 40 days ago
    data = {
        "name": "开元奶茶店", "credit_code": "91440300708461136T", "grid": world.grid_a, "mall": "开元盛世广场",
        "floor": "1F", "shop_number": "1F-001", "sector": "catering", "contact_name": "林店长", "headcount": 6,
    }  # fmt: skip
    enterprise = actions.save_enterprise(world.admin, None, data, check_phone("13859902222"))
    actions.record_policy_call(world.worker_a, enterprise, "phone")
    token = actions.issue_link(world.worker_a, enterprise)
    today = timezone.localdate()
    slots.open_slots(world.admin, world.community, today, today + timedelta(days=3), [("开元盛世广场", "1F")], 2)

    # The enterprise, on its phone, with no account: the application, then one returning employee.
    shop = phone_page
    shop.goto(f"/reopening/e/{token}/")
    expect(shop.get_by_role("heading", level=1)).to_have_text("复工申请：开元奶茶店")
    assert assets_loaded(shop) and no_horizontal_scroll(shop)
    shop.get_by_label("计划复工日期").fill((today + timedelta(days=1)).isoformat())
    shop.get_by_label("防疫联系人", exact=False).first.fill("林店长")
    shop.get_by_label("防疫联系人电话").fill("13859904444")
    shop.get_by_role("button", name="提交申请").click()
    expect(shop.locator(".messages")).to_contain_text("复工申请已提交")
    shop.get_by_role("link", name=re.compile("返岗人员")).click()
    shop.get_by_label("姓名").fill("黄志强")
    shop.get_by_label("证件号码").fill(make_id(address="350502", order="315"))
    shop.get_by_label("手机号码").fill("13959900001")
    shop.get_by_label("从哪里返回（省 / 市）").select_option("420100")
    shop.get_by_label("返回本地日期").fill((today - timedelta(days=3)).isoformat())
    shop.get_by_role("button", name="登记", exact=True).click()
    expect(shop.locator(".messages")).to_contain_text("已登记返岗人员 黄志强")
    expect(shop.locator("main")).not_to_contain_text("重点地区")  # screening is for the community only
    assert no_horizontal_scroll(shop)
    assert ReturningStaff.objects.get().blocking

    # The reviewer, on another phone: the block and why, then a decision with a reason.
    context = _context(browser, live_server, PHONE, phone=True)
    reviewer = context.new_page()
    login(reviewer, world.admin)
    application = Application.objects.get()
    reviewer.goto(f"/reopening/application/{application.pk}/")
    reviewer.get_by_role("button", name="开始审核").click()
    block = reviewer.locator("#staff .message.warning")
    expect(block).to_contain_text("黄志强")
    expect(block).to_contain_text("武汉市")
    assert no_horizontal_scroll(reviewer)
    reviewer.get_by_role("link", name="查看和处理返岗人员").click()
    reviewer.get_by_label("处理决定及理由").fill("经核实只在武汉站换乘，未出站，已居家观察")
    reviewer.get_by_role("button", name="记录处理决定，解除限制").click()
    expect(reviewer.locator(".messages")).to_contain_text("已记录对 黄志强 的处理决定")

    # The joint inspection, every item passed, then approval.
    reviewer.goto(f"/reopening/application/{application.pk}/")
    expect(reviewer.locator("#staff")).not_to_contain_text("未解除限制")
    reviewer.get_by_role("link", name="登记现场核查").click()
    reviewer.get_by_label("核查人员").fill("黄银红、陈某")
    for radio in reviewer.locator("input[type=radio][value=pass]").all():
        radio.check()
    reviewer.get_by_role("button", name="保存核查结果").click()
    expect(reviewer.locator(".messages")).to_contain_text("全部通过")
    reviewer.get_by_role("button", name="批准复工").click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text("复工通知书")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    context.close()

    # The enterprise takes tomorrow's slot of its floor.
    shop.goto(f"/reopening/e/{token}/")
    shop.get_by_role("link", name="预约复工时段").click()
    shop.get_by_label("复工时段").select_option(index=1)  # the first day with room: today
    shop.get_by_role("button", name="预约").click()
    expect(shop.locator(".messages")).to_contain_text("已预约")
    application.refresh_from_db()
    assert application.slot is not None and application.slot.taken == 1 and no_horizontal_scroll(shop)
