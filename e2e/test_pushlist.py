"""An admin imports a messy push list on a phone; a grid worker confirms an uncertain match; the report."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from alleykeeper.pushlist.models import MatchState, MatchStatus, PushedPerson, PushMatch
from alleykeeper.pushlist.tests.files import csv_bytes, row
from e2e.helpers import assets_loaded, no_horizontal_scroll, open_menu
from testkit.world import make_id

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _private_uploads(tmp_path) -> None:
    previous = settings.PRIVATE_UPLOAD_ROOT
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"
    yield
    settings.PRIVATE_UPLOAD_ROOT = previous


def test_push_list_from_upload_to_report(browser, live_server, phone_page: Page, live_world, login, tmp_path):
    page, world = phone_page, live_world
    wang_id = make_id(order="124")
    path = tmp_path / "第三批推送名单.csv"
    path.write_bytes(
        csv_bytes(
            [
                row("王 翠琳", wang_id, "+86 138-5990-1234", number=1),  # grid A, certain
                row("王小宝", "", "136-0000-1111", number=2),  # grid B's phone, another name: to review
                row("=陌生人", "", "13500000001", number=3),  # nobody here, and not a name: imported without it
            ]
        )
    )
    login(page, world.admin)
    open_menu(page, "推送比对")
    page.get_by_role("link", name="导入推送名单").click()
    assert assets_loaded(page) and no_horizontal_scroll(page)
    page.get_by_label("收到日期").fill("2020-02-03")
    page.get_by_label("推送单位").fill("区指挥部大数据组")
    page.get_by_label("名单文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并识别表头").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("确认表头")
    expect(page.get_by_label("证件号码")).to_have_value("2")  # guessed from 身份证号码 under two title rows
    assert no_horizontal_scroll(page)
    page.get_by_role("button", name="开始导入并比对").click()

    expect(page.locator(".message").first).to_contain_text("导入 3 人，比对上 1，待确认 1，未比对上 1")
    expect(page.locator(".list")).to_contain_text("138****1234")
    assert wang_id not in page.content() and "13859901234" not in page.content()
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "batch.png"), full_page=True)

    page.get_by_role("link", name="比对报告与反馈表").click()
    expect(page.locator("#section-matched")).to_contain_text("王翠琳")
    expect(page.locator("#section-open")).to_contain_text("（无姓名）")
    assert "=陌生人" not in page.content()
    assert no_horizontal_scroll(page)

    # The grid worker of grid B confirms the uncertain match after a phone call.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True)
    worker = context.new_page()
    login(worker, world.worker_b)
    open_menu(worker, "推送比对")
    worker.get_by_role("link", name="待确认的比对").click()
    card = worker.locator(".card", has_text="王小宝")
    expect(card).to_contain_text("电话一致，姓名不同")
    expect(card).to_contain_text("可信度 60")
    card.get_by_label("说明（可不填）").fill("电话核实：小名王小宝")
    card.get_by_role("button", name="是同一人", exact=True).click()
    expect(worker.locator(".messages")).to_contain_text("已确认")
    assert no_horizontal_scroll(worker)
    context.close()

    person = PushedPerson.objects.get(name="王小宝")
    assert person.match_state == MatchState.MATCHED and person.grid == world.grid_b
    assert PushMatch.objects.get(person=person).status == MatchStatus.CONFIRMED
    page.reload()
    expect(page.locator("#section-matched")).to_contain_text(re.compile("王小宝"))
