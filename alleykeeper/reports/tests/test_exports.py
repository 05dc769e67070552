"""The XLSX and the print of a report: formula-safe text cells, masked numbers, lists of people only with a
purpose, and every export audited."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from python_calamine import CalamineWorkbook

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import check_id_card
from alleykeeper.pushlist.models import PushedPerson
from alleykeeper.reports import actions
from alleykeeper.reports.tests.scenario import BEFORE, CUTOFF, DAY, everything_at
from testkit.world import make_id

pytestmark = pytest.mark.django_db
AFTER = CUTOFF + timedelta(minutes=5)


def _cells(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_the_police_format_exports_masked_formula_safe_cells_and_is_audited(world, as_admin):
    everything_at(world, BEFORE, "9")
    person = PushedPerson.objects.get(name="推91")
    person.outcome_note = '=HYPERLINK("http://x","点我")'
    person.seal_identity(check_id_card(make_id(born="19800101", order="111")), None)
    person.save()
    with time_machine.travel(AFTER, tick=False):
        report = actions.generate_report(world.admin, world.community, DAY)
        url = reverse("reports:export", args=[report.pk])
        refused = as_admin.post(url, {"export-format": "police", "export-purpose": ""})
        assert refused.status_code == 200 and "请选择导出用途" in refused.content.decode()
        assert not AuditEvent.objects.filter(action="report.export").exists()
        response = as_admin.post(url, {"export-format": "police", "export-purpose": "report_upward"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = _cells(response.content)
    text = [str(cell) for row in rows for cell in row]
    assert rows[0][0] == "大数据推送名单核查反馈日报"
    assert "第 1 版 · 待签发（草稿）" in text
    assert '\'=HYPERLINK("http://x","点我")' in text  # a formula from user data is text, escaped
    assert make_id(born="19800101", order="111") not in text and person.doc_number_masked in text
    assert "本地发现、不在推送名单" in text and 1.0 in [cell for row in rows for cell in row]  # counts are numbers
    event = AuditEvent.objects.get(action="report.export")
    assert (event.purpose, event.row_count, event.actor_id) == ("report_upward", 7, world.admin.pk)
    assert "开元社区 2020-02-10 日报第1版 派出所" in event.scope


def test_printing_a_list_of_people_asks_why_and_is_audited(world, as_admin, as_officer):
    made = everything_at(world, BEFORE, "9")
    with time_machine.travel(AFTER, tick=False):
        report = actions.generate_report(world.admin, world.community, DAY)
        actions.sign_report(world.admin, report)
        url = reverse("reports:print", args=[report.pk])
        # The street office's format lists nobody: it prints at once, unaudited.
        page = as_officer.get(url + "?format=street_office").content.decode()
        assert "data-print" in page and "社区负责人（签字）" in page
        # The health centre's lists people under observation: a purpose first.
        asked = as_officer.get(url + "?format=health_centre").content.decode()
        assert "请选择" in asked and made.resident.name not in asked
        bad = as_officer.get(url + "?format=health_centre&purpose=nope").content.decode()
        assert "请从列表中选择打印用途" in bad and made.resident.name not in bad
        printed = as_officer.get(url + "?format=health_centre&purpose=follow_up").content.decode()
    assert made.resident.name in printed and "38.2℃（发热）" in printed and "已上报：复测仍发热" in printed
    event = AuditEvent.objects.get(action="report.export")
    assert event.purpose == "follow_up" and event.row_count == 2  # one person under observation, one fever
