"""The command center on a phone (issue 12): a grid worker follows a count on the home page to its list; the
admin opens the prevention map and the dashboard, follows a figure to the records behind it, then generates,
signs and downloads the daily report, whose XLSX holds the report's figures.

The world's records are made through the apps' own actions: a home-observation case opened two days before
the pinned moment (conftest: SITE_MOMENT, Tuesday 10:00 Beijing), so its calls are due today
and it is under observation at the last report cutoff (Monday 15:00), and the case's building placed on the
map."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook

from alleykeeper.audit.models import AuditEvent
from alleykeeper.maps.actions import save_geometry
from alleykeeper.maps.kinds import KINDS
from alleykeeper.observation.tests.conftest import open_case_for
from alleykeeper.reports.models import DailyReport, ReportFormat
from e2e.helpers import assets_loaded, no_horizontal_scroll, open_menu

pytestmark = pytest.mark.e2e

BUILDING_AT = {"type": "Point", "coordinates": [118.5858, 24.9133]}  # 开元寺 nearby, WGS84


def _count(page: Page, label: str):
    """A count of a home page or the dashboard: `a.count` with <strong>N</strong><span class="what">LABEL</span>."""
    what = page.locator("span.what").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator("a.count").filter(has=what)


def _value(count) -> int:
    return int(count.locator("strong").inner_text())


def _xlsx_rows(path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_worker_and_admin_on_the_command_center(
    phone_page: Page, live_world, login, live_server, tmp_path, report_formats
):
    page, world = phone_page, live_world
    case = open_case_for(world, world.household_a, world.worker_a)
    save_geometry(world.admin, KINDS["building"], world.household_a.building, BUILDING_AT)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    # -- the grid worker: a count on the home page opens the list of the same records --------------------------
    login(page, world.worker_a)
    due = _count(page, "今天待随访")
    expect(due).to_be_visible()
    n = _value(due)
    assert n > 0, "the case opened two days ago has calls due today"
    assert assets_loaded(page) and no_horizontal_scroll(page)
    due.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("今日")
    assert urlsplit(page.url).path == reverse("observation:today") and urlsplit(page.url).fragment == "due"
    section = page.locator("#due")
    expect(section.get_by_role("heading", level=2)).to_have_text(f"今天待随访（{n}）")
    expect(section.locator("li a.row")).to_have_count(n)
    expect(section.locator("li a.row").first).to_contain_text(case.name)

    # -- the admin: home, the map ---------------------------------------------------------------------------
    page.context.clear_cookies()
    login(page, world.admin)
    expect(page.get_by_role("heading", name="提醒")).to_be_visible()
    assert no_horizontal_scroll(page)
    open_menu(page, "地图")
    expect(page).to_have_url(live_server.url + reverse("maps:map"))
    expect(page.get_by_role("heading", level=1)).to_have_text("防疫地图")
    expect(page.locator("#map-status")).to_contain_text("地图已加载")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    expect(page.locator(".map-badge.observation")).to_have_text("1")  # one household, drawn as its building
    assert assets_loaded(page) and no_horizontal_scroll(page)
    observation = page.locator(f"#layer-{'observation'}")
    expect(observation).to_contain_text("居家观察 1 户 1 人")
    expect(observation).not_to_contain_text(case.name)  # counts only, never names
    layers = [url for url in requested if "/map/layer/" in url]
    assert {urlsplit(url).path for url in layers} >= {reverse("maps:layer", args=["observation"])}

    # -- the dashboard: one community, straight to its dashboard; a figure opens its records ------------------
    open_menu(page, "看板")
    expect(page).to_have_url(live_server.url + reverse("center:dashboard_community", args=[world.community.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.community.name)
    expect(page.locator("figure.trend svg[role=img]").first).to_be_visible()
    assert page.locator("figure.trend svg script").count() == 0
    assert no_horizontal_scroll(page)
    expect(page.get_by_role("heading", name="复工复产", level=2)).to_be_visible()  # enterprise reopening's panel
    current = _count(page, "居家医学观察 现有")
    assert _value(current) == 1
    current.click()
    assert urlsplit(page.url).path == reverse("reports:figure_records", args=["observation_current"])
    expect(page.get_by_role("heading", level=1)).to_have_text("居家医学观察 现有：1 人")
    expect(page.locator("main .list li")).to_have_count(1)
    expect(page.locator("main .list li").first).to_contain_text(case.name)

    # -- the daily report: generate the last due day's, sign it, download it ------------------------------------
    open_menu(page, "日报")
    expect(page.get_by_role("heading", level=1)).to_have_text("日报")
    page.get_by_role("button", name="生成日报").click()
    expect(page.locator(".messages")).to_contain_text("的日报 1 份")
    report = DailyReport.objects.get(community=world.community)
    assert urlsplit(page.url).path == reverse("reports:report", args=[report.pk])
    assert report.figures["observation_current"] == 1, "open at Monday's 15:00 cutoff"
    assert not report.is_zero
    page.get_by_role("button", name="签发日报").click()
    expect(page.locator(".messages")).to_contain_text("日报已签发")
    report.refresh_from_db()
    assert report.is_signed and report.signed_by == world.admin
    assert no_horizontal_scroll(page)

    fmt = ReportFormat.objects.current().first()  # the first format, shown and chosen by default
    page.get_by_label("导出用途").select_option(label="向上级报送")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载 XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "report.xlsx"
    download.save_as(path)
    assert path.read_bytes()[:2] == b"PK"  # a zip: an Office Open XML workbook
    rows = _xlsx_rows(path)
    assert rows[0][0] == fmt.title
    assert f"签发：{world.admin.display_name}" in rows[2][0]
    cells = {row[0]: row[1:3] for row in rows if row and isinstance(row[0], str)}
    checked = 0
    for section in fmt.spec["sections"]:
        for line in section.get("rows", []):
            today, total = cells[line["label"]]
            for key, cell in (("today", today), ("total", total)):
                if key in line:
                    assert cell == report.figures[line[key]], (line["label"], key)
                    checked += 1
                else:
                    assert cell == "—"
    assert checked >= 10
    assert cells["现有居家观察人员"][0] == 1
    assert AuditEvent.objects.filter(action="report.export", actor=world.admin).count() == 1

    outside = [url for url in requested if not url.startswith(live_server.url + "/")]
    assert outside == [], "every page, script, style, chart and map layer comes from this server"
