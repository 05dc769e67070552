"""The gate log's export through HTTP: who may, the days and the purpose, masked and formula-safe cells,
odd rows, and the audit line (who, when, scope, row count, purpose)."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from alleykeeper.audit.models import AuditEvent
from alleykeeper.gates import actions
from alleykeeper.gates.models import Direction, GateLogEntry, PassageKind
from alleykeeper.gates.tests.conftest import GATE_MOMENT, client_for
from alleykeeper.registry.models import Resident

pytestmark = pytest.mark.django_db
NOW = GATE_MOMENT  # the gate fixture's clock (2026-03-11, a Wednesday, 10:00 in Beijing)
TODAY = NOW.date()
HOSTILE = "=cmd|' /C calc'!A0"


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def entries(world, gw) -> dict[str, GateLogEntry]:
    resident = world.household_a.residents.get()
    log = actions.log_gate_passage
    made = {
        "fever": log(world.duty, gw.gate, direction=Direction.IN, kind=PassageKind.RESIDENT, resident=resident,
                     temperature="37.6", at=NOW - timedelta(days=1)),
        "courier": log(world.duty, gw.gate, direction=Direction.IN, kind=PassageKind.COURIER, note=HOSTILE,
                       at=NOW - timedelta(hours=2)),
        "car": log(world.duty, gw.gate, direction=Direction.IN, kind=PassageKind.VEHICLE, plate="粤B12345",
                   note="@SUM(1+1)", at=NOW - timedelta(hours=1)),
        "old": log(world.duty, gw.gate, direction=Direction.OUT, kind=PassageKind.RESIDENT, resident=resident,
                   at=NOW - timedelta(days=5)),
        "other_gate": log(world.duty, gw.other_gate, direction=Direction.IN, kind=PassageKind.COURIER,
                          at=NOW - timedelta(hours=1)),
        # An odd row: the resident and the recording account gone since (both SET_NULL).
        "orphan": log(world.duty, gw.gate, direction=Direction.OUT, kind=PassageKind.RESIDENT, resident=resident,
                      at=NOW - timedelta(minutes=30)),
    }  # fmt: skip
    GateLogEntry.objects.filter(pk=made["orphan"].pk).update(resident=None, recorded_by=None)
    return made


def _export(client, gate, **data):
    return client.post(reverse("gates:log_export", args=[gate.pk]), data)


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), response.content[:500]
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_admin_exports_the_days_chosen_masked_formula_safe_and_audited(world, gw, entries, as_admin):
    resident = world.household_a.residents.get()
    Resident.objects.filter(pk=resident.pk).update(name="+王翠琳")  # a name imported before names were checked
    page = as_admin.get(reverse("gates:log_export", args=[gw.gate.pk])).content.decode()
    assert "导出用途" in page and f'value="{day(0)}"' in page  # today by default
    rows = _rows(_export(as_admin, gw.gate, start=day(-1), end=day(0), purpose="report_upward"))
    assert rows[0][:4] == ["时间", "卡口", "方向", "类别"]
    body = rows[1:]
    assert len(body) == 4  # not the one five days ago, not the other gate's
    assert [r[0] for r in body] == sorted(r[0] for r in body)  # oldest first
    fever, courier, car, orphan = body
    assert fever[4] == "'+王翠琳" and fever[5] == resident.doc_number_masked and fever[6] == world.household_a.address
    assert fever[9] == "37.6" and "体温异常" in fever[10] and fever[12] == str(world.duty)
    assert courier[11] == "'" + HOSTILE and car[8] == "粤B12345" and car[11] == "'@SUM(1+1)"
    assert orphan[2:5] == ["出", "居民", ""] and orphan[12] == ""
    text = "\n".join(",".join(r) for r in rows)
    assert resident.full_document_number() not in text and "13859901234" not in text
    for row in body:
        for cell in row:
            assert cell[:1] not in {"=", "+", "-", "@"}, cell
    event = AuditEvent.objects.get(action="gatelog.export")
    assert (event.actor, event.row_count, event.purpose) == (world.admin, 4, "report_upward")
    assert event.scope == f"东门 {day(-1)}至{day(0)}" and event.object_id == gw.gate.pk


def test_one_day(world, gw, entries, as_admin):
    rows = _rows(_export(as_admin, gw.gate, start=day(-5), end=day(-5), purpose="data_correction"))
    assert len(rows) == 2 and rows[1][2] == "出"
    assert AuditEvent.objects.get(action="gatelog.export").scope == f"东门 {day(-5)}"


BAD_INPUTS = [
    ("no purpose", {"start": day(-1), "end": day(0)}, "请选择导出用途"),
    ("forged purpose", {"start": day(-1), "end": day(0), "purpose": "curiosity"}, "请从列表中选择导出用途"),
    ("end before start", {"start": day(0), "end": day(-1), "purpose": "screening"}, "结束日期早于开始日期"),
    ("end tomorrow", {"start": day(0), "end": day(1), "purpose": "screening"}, "结束日期不能晚于今天"),
    ("a year at once", {"start": day(-365), "end": day(0), "purpose": "screening"}, "一次最多导出 92 天"),
    (
        "garbage date",
        {"start": "2020-02-30", "end": day(0), "purpose": "screening"},
        "请按“年-月-日”填写开始日期",
    ),
    ("no dates", {"purpose": "screening"}, "请填写开始日期"),
]


@pytest.mark.parametrize(("case", "data", "message"), BAD_INPUTS, ids=[c for c, _, _ in BAD_INPUTS])
def test_bad_input_says_what_to_fix_and_exports_nothing(gw, entries, as_admin, case, data, message):
    response = _export(as_admin, gw.gate, **data)
    assert response.status_code == 200 and message in response.content.decode(), case
    assert not AuditEvent.objects.filter(action="gatelog.export").exists()


def test_only_the_gates_managers_export(world, gw, entries, personas):
    url = reverse("gates:log_export", args=[gw.gate.pk])
    data = {"start": day(0), "end": day(0), "purpose": "report_upward"}
    # On duty at this very gate now: may read the log page, not take days of it away in a file.
    assert personas["duty"].get(reverse("gates:log", args=[gw.gate.pk])).status_code == 200
    assert personas["duty"].post(url, data).status_code == 403
    assert personas["worker_a"].post(url, data).status_code == 403
    assert personas["officer"].post(url, data).status_code == 403
    assert personas["anonymous"].post(url, data).status_code == 302
    assert client_for(gw.other_admin).post(url, data).status_code == 404  # another community's admin
    assert client_for(gw.other_admin).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="gatelog.export").exists()


def test_the_log_and_gate_pages_link_to_it_for_managers_only(gw, as_admin, as_duty):
    url = reverse("gates:log_export", args=[gw.gate.pk])
    assert url in as_admin.get(reverse("gates:gate", args=[gw.gate.pk])).content.decode()
    assert url in as_admin.get(reverse("gates:log", args=[gw.gate.pk])).content.decode()
    assert url not in as_duty.get(reverse("gates:log", args=[gw.gate.pk])).content.decode()
