"""Each role's home is its work today: what it shows, that every count opens a list of the same records, scope,
and a fixed number of queries whatever the data size."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alleykeeper.center.tests.conftest import (
    HOME_MOMENT,
    Busy,
    add_more,
    client_for,
)
from alleykeeper.reports import actions as report_actions
from alleykeeper.reports.figures import Window

pytestmark = pytest.mark.django_db

COUNT = re.compile(
    r'<a class="count[^"]*" href="([^"]+)"><strong>(\d+)</strong><span class="what">([^<]+)</span>'
    r'(?:<span class="note">([^<]*)</span>)?'
)


def counts_on(page: str) -> dict[str, tuple[int, str]]:
    """label (with its note, when it has one) → (count, link) for every count on a home page."""
    found = {}
    for url, value, label, note in COUNT.findall(page):
        found[f"{label}@{note}" if note else label] = (int(value), url.replace("&amp;", "&"))
    return found


def records_on(client, url: str, label: str = "") -> int:
    """How many records the list behind a count shows (each list marks its rows its own way)."""
    path, _, anchor = url.partition("#")
    page = client.get(path).content.decode()
    if "/log/today/" in path:  # today's entries of one count at a gate
        return page.split('class="list log-entries"')[1].split("</ul>")[0].count('<li class="row">')
    if path.startswith("/v/gate/"):
        return page.count("visitor-row")
    if path.startswith("/reports/"):  # the days page (each community's last day first), or one report
        shown = {"尚未生成": "未生成", "尚未签发": "未签发"}.get(label, label)
        if path.startswith("/reports/daily/"):
            return int(shown in page.split("<h1>")[1].split("</section>")[0] or shown in page)
        communities = [part for part in page.split('<section class="card">')[1:] if "街道汇总" not in part]
        return sum(shown in part.split("<li>")[1].split("</li>")[0] for part in communities)
    if anchor:  # a section of 今日
        section = page.split(f'id="{anchor}"')[1].split("</section>")[0]
        return section.count('class="row"')
    if "/screening/" in path and "/work/" in path:
        return page.count('class="card household-item"')
    if "/pushlist/batch/" in path:
        return len(re.findall(r'href="/pushlist/person/\d+/"', page))
    if path.startswith("/pushlist/review/"):
        return len(set(re.findall(r'href="/pushlist/person/(\d+)/"', page)))
    if "/observation/deliveries/" in path:
        return page.split("最近送达")[0].count('class="row"')
    if "/key-persons/" in path:
        return len(re.findall(r'href="/screening/key-persons/\d+/"', page))
    if path.startswith("/publicity/"):  # the overview's unfinished posting sheets
        section = page.split('id="open-sheets"')[1].split("</section>")[0] if 'id="open-sheets"' in page else ""
        return len(re.findall(r'href="/publicity/sheet/\d+/"', section))
    if path.startswith("/sanitation/"):  # 今日消杀: the day's tasks, or the overdue ones
        return page.count('class="row"')
    if path.startswith("/gates/") and "unstaffed=1" in path:
        return len(re.findall(r'href="/gates/gate/\d+/"', page))
    raise AssertionError(f"no reader for {url}")


def assert_counts_open_their_records(client, counts: dict[str, tuple[int, str]]) -> None:
    for label, (value, url) in counts.items():
        assert client.get(url.partition("#")[0]).status_code == 200, label
        assert records_on(client, url, label) == value, f"{label}: {value} on the home page, not in {url}"


def test_grid_worker_sees_their_work_and_each_count_opens_the_same_records(busy: Busy):
    world = busy.world
    client = client_for(world.worker_a)
    page = client.get("/").content.decode()
    counts = counts_on(page)
    assert counts["逾期未随访"][0] == 1 and counts["今天待随访"][0] == 2 and counts["发热待处理"][0] == 1
    assert counts["未完成配送@1 单超时"][0] == 2  # the volunteer's late one and worker A's own
    assert counts["待回访@出租户再排查"][0] == 1 and counts["未联系@出租户再排查"][0] == 1
    assert counts["待落实@3月10日 区指挥部"][0] == 1  # 张三; 李四 is settled, 王五 is grid B's
    assert counts["待送"][0] == 1
    assert_counts_open_their_records(client, counts)
    # On duty now at 东门 with the duty staff, and its gate log a tap away.
    assert "正在值守：东片区 · 东门" in page and f'href="/gates/gate/{busy.gate.pk}/log/"' in page
    assert "同班：duty" in page
    # Nothing of grid B: its case, its pushed person, its delivery.
    assert "吴小强" not in page and "王五" not in page


def test_worker_b_sees_only_grid_b(busy: Busy):
    client = client_for(busy.world.worker_b)
    page = client.get("/").content.decode()
    counts = counts_on(page)
    assert counts["逾期未随访"][0] == 1 and counts["发热待处理"][0] == 0 and counts["今天待随访"][0] == 1
    assert counts["待回访@出租户再排查"][0] == 0 and counts["未联系@出租户再排查"][0] == 1
    assert counts["待落实@3月10日 区指挥部"][0] == 1  # 王五
    assert counts["未完成配送"][0] == 1  # grid B's masks, not yet assigned
    assert counts["待送"][0] == 0
    assert "正在值守" not in page and "值守" not in page.split("</nav>")[1].split("找人或找户")[0]
    assert_counts_open_their_records(client, counts)


def test_admin_sees_the_alerts_of_the_community(busy: Busy):
    client = client_for(busy.world.admin)
    page = client.get("/").content.decode()
    counts = counts_on(page)
    assert counts["发热待处理"][0] == 1 and counts["逾期未随访"][0] == 2
    assert counts["重点人员待处置"][0] == 1
    assert counts["本地发现、不在推送名单@需向上级报告"][0] == 1
    assert counts["推送比对待确认"][0] == 0
    assert counts["卡口现在无人值守"][0] == 1  # 北门; 东门 is staffed, 西门 closed
    assert_counts_open_their_records(client, counts)
    assert 'class="count alert"' in page  # urgent counts stand out


def test_duty_staff_home_is_the_shift_now_and_next(busy: Busy):
    client = client_for(busy.world.duty)
    page = client.get("/").content.decode()
    assert "正在值守：东片区 · 东门" in page and "您是带班负责人" in page
    today = f"/gates/gate/{busy.gate.pk}/log/today/?show="
    counts = counts_on(page)
    assert counts["进入"] == (1, f"{today}entered") and counts["拦于门外"] == (1, f"{today}kept_outside")
    assert counts["外出"] == (0, f"{today}left") and counts["体温异常"] == (0, f"{today}fever")
    assert counts["来访登记"] == (1, f"/v/gate/{busy.gate.pk}/")
    assert_counts_open_their_records(client, counts)
    log = client.get(f"/gates/gate/{busy.gate.pk}/log/").content.decode()
    assert re.search(r"今日：<a [^>]+>进 1</a> · <a [^>]+>出 0</a> · <a [^>]+>拦于门外 1</a>", log)
    assert client.get(f"/v/gate/{busy.gate.pk}/").content.decode().count("visitor-row") == 1
    assert "下一班：<strong>3月12日" in page
    # At 17:00, after the shift and its half hour of hand-over, the page says so and names the next shift.
    with time_machine.travel(HOME_MOMENT + timedelta(hours=6, minutes=30), tick=False):
        night = client.get("/").content.decode()
    assert "现在没有您的班次" in night and "下一班：<strong>3月12日 星期四 08:00" in night
    assert "/log/" not in night


def test_volunteer_home_is_their_deliveries_and_posting(busy: Busy):
    client = client_for(busy.world.volunteer)
    page = client.get("/").content.decode()
    counts = counts_on(page)
    assert list(counts) == ["待送@1 单超时", "楼栋未贴完@逐层张贴"] and counts["待送@1 单超时"][0] == 1
    assert counts["楼栋未贴完@逐层张贴"][0] == 0  # publicity's own tests count unfinished sheets
    assert 'class="count alert"' in page
    assert_counts_open_their_records(client, counts)
    assert "林小花" not in page  # the volunteer's page names no one


def test_cleaner_sees_todays_disinfection(busy: Busy):
    page = client_for(busy.cleaner).get("/").content.decode()
    assert "今日消杀" in page and "待完成" in page and "物资库存" in page
    assert "找人或找户" not in page


def test_each_home_runs_a_fixed_number_of_queries(busy: Busy, django_assert_max_num_queries):
    world = busy.world
    people = [world.admin, world.worker_a, world.worker_b, world.duty, world.volunteer, world.officer, busy.cleaner]
    clients = {user.username: client_for(user) for user in people}
    before = {}
    for name, client in clients.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        before[name] = len(queries)
    add_more(busy)
    for name, client in clients.items():
        with django_assert_max_num_queries(before[name]):
            page = client.get("/").content.decode()
        assert counts_on(page) or name in ("officer", "cleaner"), name
    assert counts_on(clients["volunteer"].get("/").content.decode())["待送@1 单超时"][0] == 4


def test_home_without_data_is_calm(world, time_machine):
    time_machine.move_to(HOME_MOMENT, tick=False)
    page = client_for(world.worker_a).get("/").content.decode()
    assert "今天没有进行中的排查活动" in page and "推送名单上的人都已落实" in page
    assert 'class="count alert"' not in page


def test_the_last_daily_report_waits_for_the_admins_signature(busy: Busy):
    world = busy.world
    day = Window.last_report_day(HOME_MOMENT)
    admin, officer = client_for(world.admin), client_for(world.officer)
    title = f"日报 · {day.month}月{day.day}日"
    before = counts_on(admin.get("/").content.decode())
    assert before["尚未生成"] == (1, reverse("reports:daily")) and before["待签发"][0] == 0
    report = report_actions.generate_report(world.admin, world.community, day, now=HOME_MOMENT)
    page = admin.get("/").content.decode()
    assert title in page and counts_on(page)["待签发"] == (1, reverse("reports:report", args=[report.pk]))
    assert counts_on(officer.get("/").content.decode())["已签发"][0] == 0  # the street sees signed reports only
    report_actions.sign_report(world.admin, report, now=HOME_MOMENT)
    assert counts_on(admin.get("/").content.decode())["已签发"] == (1, reverse("reports:report", args=[report.pk]))
    officer_counts = counts_on(officer.get("/").content.decode())
    assert officer_counts["已签发"][0] == 1
    assert_counts_open_their_records(officer, officer_counts)
