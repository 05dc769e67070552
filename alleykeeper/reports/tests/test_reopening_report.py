"""Enterprise reopening in the daily report: the enterprise office's format (街道企业办) and the street office's
section read the reopening figures at the cutoff; each number opens its records."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from alleykeeper.reopening.models import DailyReport
from alleykeeper.reports import actions
from alleykeeper.reports.figures import Area, Window, compute
from alleykeeper.reports.models import ReportFormat
from alleykeeper.reports.tests.reopening_scenario import COMMUNITY, OTHER, build_reopening

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 11)
MORNING = datetime(2026, 3, 11, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
AFTER_CUTOFF = datetime(2026, 3, 11, 15, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
ROW = re.compile(r'<th scope="row">([^<]+)</th>\s*<td class="num">(?:<a href="([^"]+)">)?(\d+)')


def _rows(page: str) -> dict[str, tuple[str, int]]:
    return {label: (url.replace("&amp;", "&"), int(value)) for label, url, value in ROW.findall(page)}


def test_the_enterprise_office_format_and_the_street_office_section(world, as_admin):
    with time_machine.travel(MORNING, tick=False):
        build_reopening(world)
    area = Area.of_communities([world.community.pk, world.other_community.pk])
    by_community = compute(area, Window.report_day(DAY), list(COMMUNITY), by="community")
    assert by_community == {world.community.pk: COMMUNITY, world.other_community.pk: OTHER}
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        report = actions.generate_report(None, world.community, DAY)
        assert {key: report.figures[key] for key in COMMUNITY} == COMMUNITY
        assert not report.is_zero  # an opening today is something that happened
        office = ReportFormat.objects.current().get(slug="enterprise_office")
        assert office.office == "街道企业办（工信、商务）"
        page = as_admin.get(reverse("reports:report", args=[report.pk]) + "?format=enterprise_office")
        rows = _rows(page.content.decode())
        assert "企业复工复产情况日报" in page.content.decode()
        expected = {
            "已复工": 2,
            "已批准、待复工": 2,
            "申请中": 2,
            "未复工": 1,
            "暂停营业": 1,
            "复工申请待审批": 2,
            "当日错峰复工": 1,
            "7 天内错峰复工（含当日）": 2,
            "返岗人员未解除限制（阻止批准复工）": 2,
            "已复工企业健康日报未报": 1,
        }
        assert {label: value for label, (_, value) in rows.items()} == expected
        # Each number opens the same records, at the report's cutoff.
        for label, (url, value) in rows.items():
            listed = as_admin.get(url).content.decode()
            assert re.search(rf"<h1>[^<]*：{value} ", listed), label
        missing = as_admin.get(rows["已复工企业健康日报未报"][0]).content.decode()
        assert "东街面馆" in missing and "开元奶茶" not in missing
        street = _rows(
            as_admin.get(reverse("reports:report", args=[report.pk]) + "?format=street_office").content.decode()
        )
        assert street["已复工企业"][1] == 2 and street["当日错峰复工"][1] == 1
        assert street["返岗人员未解除限制"][1] == 2


def test_a_report_sent_after_the_cutoff_is_missing_at_it(world):
    with time_machine.travel(MORNING, tick=False):
        made = build_reopening(world)
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        DailyReport.objects.create(
            enterprise=made.by_name["东街面馆"],
            day=DAY,
            staff_present=3,
            submitted_at=AFTER_CUTOFF - timedelta(minutes=1),
        )
        area = Area.of_communities([world.community.pk])
        assert compute(area, Window.report_day(DAY), ["reopening_reports_missing"]) == {"reopening_reports_missing": 1}
        # The next day's report: nobody has reported for 12 March yet.
        next_day = compute(area, Window.report_day(DAY + timedelta(days=1)), ["reopening_reports_missing"])
        assert next_day == {"reopening_reports_missing": 2}
