"""The safe spreadsheet writer every export uses: cells, odd values, both formats."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from alleykeeper.core import spreadsheets
from alleykeeper.core.spreadsheets import DATE, NUMBER, Column, csv_chunks, safe_cell, safe_text, write_xlsx


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("＝1", "'＝1"),
        ("  =1", "'  =1"),
        ("a=1", "a=1"),
        ("王翠琳", "王翠琳"),
        ("a\x00b\x07c\x1b", "abc"),
        ("\x00=1", "'=1"),  # removing a control character must not uncover a formula
        ("x\ud800y", "xy"),  # a lone surrogate cannot be written as UTF-8
        ("", ""),
        (None, ""),
        (12345678901, "12345678901"),
    ],
)
def test_safe_text(raw, expected):
    assert safe_text(raw) == expected


def test_safe_text_truncates_to_excel_cell_limit():
    text = safe_text("长" * 40_000)
    assert len(text) < 32_767 and text.endswith("（已截断）")


def test_safe_cell_kinds():
    aware = datetime(2020, 2, 10, 1, 30, tzinfo=UTC)
    assert safe_cell(aware, DATE) == datetime(2020, 2, 10, 9, 30)  # local wall-clock time (Asia/Shanghai)
    assert safe_cell(date(2020, 2, 10), DATE) == date(2020, 2, 10)
    assert safe_cell("不是日期", DATE) == "不是日期"
    assert safe_cell("=1", DATE) == "'=1"
    assert safe_cell(Decimal("1.5"), NUMBER) == 1.5
    assert safe_cell(float("nan"), NUMBER) == "nan"
    assert safe_cell(True, NUMBER) == "True"
    assert safe_cell("-3", NUMBER) == "'-3"  # text from users is never a number, even in a number column


def test_xlsx_rolls_over_to_a_new_sheet_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_SHEET_ROWS", 4)
    result = write_xlsx(([f"r{n}", n] for n in range(7)), [Column("名"), Column("数", kind=NUMBER)], sheet_name="表")
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(result.file.read()))
    assert result.row_count == 7 and workbook.sheet_names == ["表", "表2", "表3"]
    assert workbook.get_sheet_by_index(0).to_python() == [["名", "数"], ["r0", 0], ["r1", 1.0], ["r2", 2.0]]


def test_csv_has_bom_and_survives_odd_values():
    rows = [["=1", date(2020, 1, 2), None], ["\x00", "不是日期", 3]]
    body = b"".join(csv_chunks(rows, [Column("a"), Column("b", kind=DATE), Column("c", kind=NUMBER)]))
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig").splitlines() == ["a,b,c", "'=1,2020-01-02,", ",不是日期,3"]
