"""The daily report: generated after the cutoff (twice is once), the zero report, sign-off and immutability
(action, page, admin, database), corrections as new versions, cumulative figures that go down, the street's
sum of signed reports, scope, and the formats (configuration, versions)."""

import json
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alleykeeper.audit.models import AuditEvent
from alleykeeper.registry.models import Community
from alleykeeper.reports import actions
from alleykeeper.reports.figures import FIGURES, Area, Window, compute
from alleykeeper.reports.formats import check_spec
from alleykeeper.reports.models import DailyReport, ReportFormat
from alleykeeper.reports.tests.scenario import BEFORE, CUTOFF, DAY, everything_at
from alleykeeper.screening.models import KeyPerson
from testkit.world import make_user

pytestmark = pytest.mark.django_db
AFTER = CUTOFF + timedelta(minutes=5)


def _report(world, day=DAY) -> DailyReport:
    return DailyReport.objects.filter(community=world.community, day=day).order_by("-version").first()


def test_generated_after_the_cutoff_once_and_a_quiet_day_is_a_zero_report(world, as_admin):
    with time_machine.travel(CUTOFF - timedelta(minutes=1), tick=False):
        with pytest.raises(actions.ReportError, match="15:00 之后"):
            actions.generate_report(None, world.community, DAY)
        with pytest.raises(CommandError, match="15:00"):
            call_command("generate_daily_reports", "--day", DAY.isoformat(), stdout=StringIO())
    with time_machine.travel(AFTER, tick=False):
        out = StringIO()
        call_command("generate_daily_reports", stdout=out)
        call_command("generate_daily_reports", stdout=out)  # the timer ran twice: one report each
        assert "2020-02-10：生成或重新统计 2 份" in out.getvalue()
        assert DailyReport.objects.count() == 2  # the world's two communities
        report = _report(world)
        assert report.is_zero and report.version == 1 and not report.is_signed
        assert report.window_end == CUTOFF and all(v == 0 for v in report.figures.values())
        page = as_admin.get(reverse("reports:report", args=[report.pk])).content.decode()
        assert (
            "零报告：2月9日 15:00 至 2月10日 15:00，开元社区本表所列事项均无新发生（新增、解除、发现等当日数均为 0）；现有数、累计数照常列出。"
            in page
        )
        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            call_command("generate_daily_reports", "--day", "10/02/2020", stdout=StringIO())


def test_sign_off_makes_a_report_immutable_everywhere(world, as_admin, as_officer, settings):
    everything_at(world, BEFORE, "9")
    with time_machine.travel(AFTER, tick=False):
        page = as_admin.post(reverse("reports:generate"), {"day": DAY.isoformat()})
        report = _report(world)
        assert page.status_code == 302 and page["Location"] == reverse("reports:report", args=[report.pk])
        assert not report.is_zero and report.figures["key_persons_new"] == 1
        # The street reads signed reports only.
        assert as_officer.get(reverse("reports:report", args=[report.pk])).status_code == 404
        assert as_admin.post(reverse("reports:sign", args=[report.pk]), {}).status_code == 302
        report.refresh_from_db()
        assert report.is_signed and report.signed_by == world.admin
        assert as_officer.get(reverse("reports:report", args=[report.pk])).status_code == 200
        signed = dict(DailyReport.objects.filter(pk=report.pk).values()[0])
        # Later records change nothing of it: not the timer, not the button, not a second signature.
        everything_at(world, BEFORE - timedelta(minutes=1), "8")
        call_command("generate_daily_reports", stdout=StringIO())
        as_admin.post(reverse("reports:regenerate", args=[report.pk]))
        again = as_admin.post(reverse("reports:sign", args=[report.pk]), {}, follow=True).content.decode()
        assert "已经签发" in again
        with pytest.raises(actions.ReportError, match="已经签发"):
            actions.sign_report(world.admin, report)
        assert dict(DailyReport.objects.filter(pk=report.pk).values()[0]) == signed
        # Nor the database itself, whoever asks (deleting too on PostgreSQL; see migration 0002 for SQLite).
        writes = [lambda: DailyReport.objects.filter(pk=report.pk).update(figures={})]
        if connection.vendor == "postgresql":
            writes.append(lambda: DailyReport.objects.filter(pk=report.pk).delete())
        for write in writes:
            with pytest.raises(IntegrityError), transaction.atomic():
                write()
        # Nor the admin, even for a system administrator: the report is read only and never deleted.
        world.admin.is_staff = world.admin.is_superuser = True
        world.admin.save(update_fields=["is_staff", "is_superuser"])
        assert as_admin.get(reverse("admin:reports_dailyreport_change", args=[report.pk])).status_code == 200
        url = reverse("admin:reports_dailyreport_change", args=[report.pk])
        assert as_admin.post(url, {"figures": "{}"}).status_code == 403
        assert (
            as_admin.post(reverse("admin:reports_dailyreport_delete", args=[report.pk]), {"post": "yes"}).status_code
            == 403
        )
        assert dict(DailyReport.objects.filter(pk=report.pk).values()[0]) == signed
        assert AuditEvent.objects.filter(action="report.sign", object_id=report.pk).count() == 1


def test_a_correction_is_a_new_version_that_says_what_changed(world, as_admin, as_officer):
    everything_at(world, BEFORE, "9")
    with time_machine.travel(AFTER, tick=False):
        first = actions.generate_report(world.admin, world.community, DAY)
        actions.sign_report(world.admin, first)
        # A key person found before the cutoff was entered late (after the report was signed).
        with time_machine.travel(BEFORE - timedelta(hours=2), tick=False):
            KeyPerson.objects.create(community=world.community, grid=world.grid_b, name="补录", source="manual")
        url = reverse("reports:correct", args=[first.pk])
        refused = as_admin.post(url, {"fix-reason": "   "})
        assert refused.status_code == 200 and "请填写更正原因" in refused.content.decode()
        assert as_admin.post(url, {"fix-reason": "补录 2 月 10 日上午电话排查发现的重点人员"}).status_code == 302
        second = _report(world)
        assert (second.version, second.supersedes_id, second.is_signed) == (2, first.pk, False)
        assert second.changes == [
            {"key": "key_persons_new", "label": "重点地区来（返）人员 新增", "before": 1, "after": 2},
            {"key": "key_persons_total", "label": "重点地区来（返）人员 累计", "before": 1, "after": 2},
            {"key": "local_not_on_push_list", "label": "本地发现、不在推送名单", "before": 1, "after": 2},
        ]
        page = as_admin.get(reverse("reports:report", args=[second.pk])).content.decode()
        assert "更正说明（更正第 1 版）" in page and "重点地区来（返）人员 新增：1 → 2" in page
        # Until the correction is signed the street reads version 1; then version 2.
        street = reverse("reports:street", args=[world.street.pk, DAY.isoformat()])
        assert "第 1 版" in as_officer.get(street).content.decode()
        actions.sign_report(world.admin, second)
        assert "第 2 版" in as_officer.get(street).content.decode()
        first.refresh_from_db()
        assert first.is_signed and first.figures["key_persons_new"] == 1  # kept as signed
        with pytest.raises(actions.ReportError, match="最新的版本"):
            actions.start_correction(world.admin, first, "再改一次")
        # A correction whose recount changes nothing cannot be signed.
        third = actions.start_correction(world.admin, second, "核对无误")
        with pytest.raises(actions.ReportError, match="没有需要更正"):
            actions.sign_report(world.admin, third)


def test_cumulative_figures_never_go_down_without_a_stated_reason(world, as_admin):
    everything_at(world, BEFORE - timedelta(days=1), "8")
    with time_machine.travel(AFTER - timedelta(days=1), tick=False):
        actions.sign_report(world.admin, actions.generate_report(world.admin, world.community, DAY - timedelta(days=1)))
    KeyPerson.objects.filter(community=world.community).delete()  # found to be a duplicate, removed
    with time_machine.travel(AFTER, tick=False):
        report = actions.generate_report(world.admin, world.community, DAY)
        assert {d["key"]: (d["before"], d["after"]) for d in report.decreases}["key_persons_total"] == (1, 0)
        refused = as_admin.post(reverse("reports:sign", args=[report.pk]), {"sign-decrease_reason": ""})
        assert refused.status_code == 200 and "累计数比前一天的日报少" in refused.content.decode()
        assert not _report(world).is_signed
        reason = "核对后删除重复登记的重点人员 1 人"
        as_admin.post(reverse("reports:sign", args=[report.pk]), {"sign-decrease_reason": reason})
        report.refresh_from_db()
        assert report.is_signed and report.decrease_reason == reason


def test_the_street_sums_its_communities_signed_reports(world, as_officer, as_admin):
    neighbour = Community.objects.create(street=world.street, name="泉山社区")
    make_user("quanshan", "admin", communities=[neighbour])
    everything_at(world, BEFORE, "9")
    with time_machine.travel(AFTER, tick=False):
        call_command("generate_daily_reports", stdout=StringIO())
        url = reverse("reports:street", args=[world.street.pk, DAY.isoformat()])
        page = as_officer.get(url).content.decode()
        assert "汇总 0 个社区已签发的日报" in page and "尚未签发：开元社区、泉山社区" in page
        # Nothing signed: no sheet of zeros and no 零报告 to print or forward, no export.
        assert "没有可汇总的数字（不是零报告）" in page and "零报告：" not in page and "下载 XLSX" not in page
        refused = as_officer.post(url, {"export-format": "street_office", "export-purpose": "report_upward"})
        assert refused.status_code == 400 and "没有可汇总的数字" in refused.content.decode()
        actions.sign_report(world.admin, _report(world))
        page = as_officer.get(url).content.decode()
        assert "汇总 1 个社区已签发的日报" in page and "尚未签发：泉山社区" in page and "开元社区" in page
        assert '<td class="num"><a href="/reports/figure/key_persons_new/' not in page  # sums have no single list
        assert ">1</td>" in page
        neighbour_report = DailyReport.objects.get(community=neighbour, day=DAY)
        actions.sign_report(world.admin, neighbour_report)  # signed by someone allowed (the test's shortcut)
        assert "全部社区均已签发" in as_officer.get(url).content.decode()
        # The street's report is the street officer's: a community admin, another street, a bad day: not found.
        assert as_admin.get(url).status_code == 404
        other = reverse("reports:street", args=[world.other_community.street_id, DAY.isoformat()])
        assert as_officer.get(other).status_code == 404
        assert as_officer.get(url.replace("2020-02-10", "2020-02-30")).status_code == 404
        export = as_officer.post(url, {"export-format": "street_office", "export-purpose": "report_upward"})
        assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
        assert AuditEvent.objects.filter(action="report.export", purpose="report_upward").count() == 1


def test_the_street_says_zero_report_only_when_every_community_signed_one(world, as_officer):
    """A community not signed yet may have had anything: the street's sum of the others is no 零报告."""
    quiet = Community.objects.create(street=world.street, name="泉山社区")
    with time_machine.travel(AFTER, tick=False):
        call_command("generate_daily_reports", stdout=StringIO())
        url = reverse("reports:street", args=[world.street.pk, DAY.isoformat()])
        reports = {r.community_id: r for r in DailyReport.objects.filter(day=DAY)}
        assert reports[quiet.pk].is_zero and reports[world.community.pk].is_zero  # nothing happened that day
        actions.sign_report(world.admin, reports[quiet.pk])
        page = as_officer.get(url).content.decode()
        assert "尚未签发：开元社区" in page and "零报告：" not in page
        actions.sign_report(world.admin, reports[world.community.pk])
        assert "零报告：" in as_officer.get(url).content.decode()


def test_the_timer_counts_every_community_at_once_and_each_report_is_its_own_count(world):
    """generate_daily_reports counts all the communities together (one GROUP BY query per figure, however many
    communities): each report holds the same numbers as its community counted alone."""
    everything_at(world, BEFORE, "9")
    everything_at(world, BEFORE - timedelta(hours=3), "7", grid=world.grid_b)
    with time_machine.travel(AFTER, tick=False):
        counts = []
        for extra in (0, 4):  # more communities add no query that counts
            for n in range(extra):
                Community.objects.create(street=world.street, name=f"第{n}社区")
            with CaptureQueriesContext(connection) as captured:
                made = actions.generate_daily_reports(None, DAY)
            assert made.made == Community.objects.count()
            counts.append(sum("COUNT(" in query["sql"].upper() for query in captured))
        assert counts[0] == counts[1] == len(FIGURES)
        window = Window.report_day(DAY)
        for community in Community.objects.all():
            report = DailyReport.objects.get(community=community, day=DAY)
            assert report.figures == compute(Area.of_communities([community.pk]), window), community.name
        assert _report(world).figures["households_screened"] == 2 and _report(world).figures["fevers_found"] == 2


def test_the_timer_writes_the_street_at_once_and_a_report_made_meanwhile_is_counted_again(world, monkeypatch):
    """The first versions and their audit records are written one INSERT each, however many communities; if the
    admin's button made one of them meanwhile (after the timer looked), the timer counts that one again instead."""
    everything_at(world, BEFORE, "9")
    with time_machine.travel(AFTER, tick=False):
        inserts = []
        for extra in (0, 4):
            for n in range(extra):
                Community.objects.create(street=world.street, name=f"第{n}社区")
            DailyReport.objects.all().delete()
            with CaptureQueriesContext(connection) as captured:
                actions.generate_daily_reports(None, DAY)
            inserts.append(sum(query["sql"].startswith("INSERT") for query in captured))
        assert inserts[0] == inserts[1] == 2  # the reports, their audit records
        made = AuditEvent.objects.filter(action="report.generate", object_type="reports.dailyreport")
        assert set(made.values_list("object_id", flat=True)) >= set(DailyReport.objects.values_list("pk", flat=True))
        DailyReport.objects.all().delete()
        clicked = actions.generate_report(world.admin, world.community, DAY)
        looked = actions._latest_locked
        calls = iter([{}])  # the timer's first look finds nothing: the click came after it
        monkeypatch.setattr(actions, "_latest_locked", lambda ids, day: next(calls, None) or looked(ids, day))
        generated = actions.generate_daily_reports(None, DAY)
        assert generated.made == Community.objects.count()
        assert DailyReport.objects.filter(community=world.community, day=DAY).get().pk == clicked.pk
        assert DailyReport.objects.filter(day=DAY).count() == Community.objects.count()


def test_scope_of_the_report_pages(world, personas):
    with time_machine.travel(AFTER, tick=False):
        call_command("generate_daily_reports", stdout=StringIO())
        other = DailyReport.objects.get(community=world.other_community)
        mine = _report(world)
        assert personas["admin"].get(reverse("reports:report", args=[other.pk])).status_code == 404
        assert personas["admin"].post(reverse("reports:sign", args=[other.pk])).status_code == 404
        assert personas["officer"].post(reverse("reports:sign", args=[mine.pk])).status_code == 404
        for persona in ("worker_a", "duty", "volunteer"):
            assert personas[persona].get(reverse("reports:daily")).status_code == 403, persona
            assert personas[persona].get(reverse("reports:report", args=[mine.pk])).status_code == 403, persona
        assert personas["anonymous"].get(reverse("reports:daily")).status_code == 302
        days = personas["admin"].get(reverse("reports:daily")).content.decode()
        assert "开元社区" in days and "新华社区" not in days and "待签发" in days
        assert "未签发" in personas["officer"].get(reverse("reports:daily")).content.decode()
        bad_day = personas["admin"].post(reverse("reports:generate"), {"day": "2020-02-11"})
        assert bad_day.status_code == 200 and "截止时间还没到" in bad_day.content.decode()


def test_formats_are_configuration_with_versions(world, as_admin):
    shipped = {f.slug: f for f in ReportFormat.objects.current()}
    assert list(shipped) == ["street_office", "health_centre", "police", "enterprise_office"]
    for fmt in shipped.values():
        assert check_spec(fmt.spec)[1] == [], fmt.slug
    for spec, message in [
        ([], "JSON 对象"),
        ({"sections": []}, "至少要有一个部分"),
        ({"sections": [{"title": "一", "rows": [{"label": "x", "today": "no_such"}]}]}, "没有名为“no_such”的数字"),
        ({"sections": [{"title": "一", "rows": [{"label": "x"}]}]}, "至少填一个"),
        ({"sections": [{"title": "一", "list": "everyone"}]}, "没有名为“everyone”的名单"),
        ({"sections": [{"title": "", "rows": [{"label": "x", "today": "gate_entries"}]}]}, "请填写文字"),
    ]:
        layout, errors = check_spec(spec)
        assert layout is None and any(message in e for e in errors), (spec, errors)
    # Saving in the admin makes version 2; version 1 stays as it was.
    world.admin.is_superuser = world.admin.is_staff = True
    world.admin.save(update_fields=["is_superuser", "is_staff"])
    street = shipped["street_office"]
    spec = {"sections": [{"title": "一、卡口", "rows": [{"label": "卡口劝返", "today": "gate_turned_back"}]}]}
    data = {"slug": street.slug, "position": 10, "title": street.title, "office": street.office, "change_note": "精简"}
    refused = as_admin.post(reverse("admin:reports_reportformat_change", args=[street.pk]), {**data, "spec": "[1]"})
    assert refused.status_code == 200 and ReportFormat.objects.filter(slug="street_office").count() == 1
    saved = as_admin.post(
        reverse("admin:reports_reportformat_change", args=[street.pk]), {**data, "spec": json.dumps(spec)}
    )
    assert saved.status_code == 302
    versions = list(ReportFormat.objects.filter(slug="street_office").order_by("version"))
    assert [v.version for v in versions] == [1, 2] and versions[0].spec == street.spec and versions[1].spec == spec
    assert ReportFormat.objects.current().get(slug="street_office").version == 2


def test_a_database_without_formats_shows_the_shipped_ones(world, as_admin):
    """Formats emptied by hand (a flushed database; the migrations load them and the admin deletes none): the
    report pages read the files shipped with the app instead of failing, and say the same as the migrated ones."""
    with time_machine.travel(AFTER, tick=False):
        actions.generate_report(None, world.community, DAY)
    report = _report(world)
    url = reverse("reports:report", args=[report.pk])

    def main(response) -> str:  # the page without its per-response CSRF token
        return response.content.decode().split('<main id="main">')[1].split('name="csrfmiddlewaretoken"')[0]

    migrated = main(as_admin.get(url, {"format": "police"}))
    ReportFormat.objects.all().delete()
    page = as_admin.get(url, {"format": "police"})
    assert page.status_code == 200 and main(page) == migrated and "派出所" in migrated
    printed = as_admin.get(reverse("reports:print", args=[report.pk]), {"format": "street_office"})
    assert printed.status_code == 200 and "街道" in printed.content.decode()


def test_the_heading_does_not_say_a_word_twice():
    from alleykeeper.reports.rendering import Rendered

    def heading(place: str, title: str) -> str:
        return Rendered(title, "", place, None, "今日", "累计", False).heading

    assert heading("开元社区", "社区疫情防控工作日报") == "开元社区疫情防控工作日报"
    assert heading("开元街道", "社区疫情防控工作日报") == "开元街道社区疫情防控工作日报"
    assert heading("开元社区", "居家医学观察人员日报") == "开元社区居家医学观察人员日报"
