"""Safe spreadsheets for every export: formula-safe cells, text IDs, odd rows that never break a file.

GUIDE.md section 4: no cell from user data may start with = + - @ TAB CR LF (such cells get a leading '),
IDs and phones are text cells, and an export never fails because of one odd row. Every export in the
project (register, screening coverage, push-list feedback, rosters, gate log) writes through this module:
give it column specs and an iterable of row tuples; it streams both formats with constant memory.
"""

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Literal

import xlsxwriter
from django.utils import timezone

TEXT, DATE, NUMBER = "text", "date", "number"
# Excel's limits: characters in a cell, rows in a sheet.
MAX_CELL_CHARS = 32_767
MAX_SHEET_ROWS = 1_048_576
TRUNCATED_MARK = "…（已截断）"

# Characters a spreadsheet may read as the start of a formula (ASCII and the full-width forms that
# Chinese input methods produce and some spreadsheet programs fold to ASCII).
_FORMULA_START = frozenset("=+-@\t\r\n＝＋－＠")
# Characters XML 1.0 (inside XLSX) cannot hold, lone surrogates (not encodable as UTF-8), and BOM-like
# non-characters: removed, so that one odd row never makes a file unreadable or an export fail.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Column:
    """One exported column: its header, how its cells are written, and its width in the XLSX."""

    header: str
    kind: Literal["text", "date", "number"] = TEXT
    width: int = 14


def safe_text(value: object) -> str:
    """Any value as text that cannot run as a formula and that every file format can hold."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text:
        return text
    if _UNSAFE_CHARS.search(text):
        text = _UNSAFE_CHARS.sub("", text)
    if len(text) > MAX_CELL_CHARS - 1:
        text = text[: MAX_CELL_CHARS - 1 - len(TRUNCATED_MARK)] + TRUNCATED_MARK
    # Leading spaces do not protect: some programs trim them before reading a formula.
    if text and (text[0] in _FORMULA_START or (text[0] == " " and text.lstrip(" ")[:1] in _FORMULA_START)):
        text = "'" + text
    return text


def _as_date(value: object) -> date | datetime | None:
    if isinstance(value, datetime):
        # Excel has no time zones: write local wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    return None


def safe_cell(value: object, kind: str = TEXT) -> str | date | datetime | int | float | None:
    """The value a cell of `kind` should hold. Anything that does not fit its kind becomes safe text."""
    if value is None:
        return None
    if kind == DATE:
        as_date = _as_date(value)
        if as_date is not None:
            return as_date
    elif kind == NUMBER and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = float(value) if isinstance(value, Decimal) else value
        if number == number and abs(number) != float("inf"):  # NaN and infinity are not numbers in Excel
            return number
    return safe_text(value)


def _csv_text(value: object, kind: str) -> str:
    cell = safe_cell(value, kind)
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, date):
        return cell.isoformat()
    return cell if isinstance(cell, str) else str(cell)


class _Echo:
    """A file-like object whose write returns what it was given, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[Sequence], columns: Sequence[Column], *, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM (so that Excel opens Chinese correctly), in chunks for a streaming response."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    kinds = [column.kind for column in columns]
    yield ("\ufeff" + writer.writerow([safe_text(c.header) for c in columns])).encode("utf-8")
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow([_csv_text(value, kind) for value, kind in zip(row, kinds, strict=False)]))
        if len(buffer) >= rows_per_chunk:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


@dataclass
class XlsxResult:
    """The finished workbook, an open temporary file positioned at its start, and how many data rows it has."""

    file: IO[bytes]
    row_count: int


def write_xlsx(
    rows: Iterable[Sequence], columns: Sequence[Column], *, sheet_name: str = "Sheet1", title: str = ""
) -> XlsxResult:
    """Write rows to an XLSX in an anonymous temporary file with constant memory; the caller streams it.

    Text columns are always written as text cells (write_string), so an ID or phone never turns into a
    number or a formula. Rows past Excel's row limit continue on a next sheet.
    """
    file = tempfile.TemporaryFile(prefix="ak-export-")  # the response closes it
    workbook = xlsxwriter.Workbook(
        file,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    if title:
        workbook.set_properties({"title": safe_text(title)})
    header_format = workbook.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    text_format = workbook.add_format({"num_format": "@"})  # typing into the column keeps text too
    kinds = [column.kind for column in columns]
    base_name = safe_text(sheet_name).translate(str.maketrans("", "", "[]:*?/\\'"))[:25] or "Sheet"

    def new_sheet(number: int):
        sheet = workbook.add_worksheet(base_name if number == 1 else f"{base_name}{number}")
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width, text_format if column.kind == TEXT else None)
            sheet.write_string(0, index, safe_text(column.header), header_format)
        sheet.freeze_panes(1, 0)
        return sheet

    sheets = 1
    sheet = new_sheet(sheets)
    write_string, write_datetime, write_number = sheet.write_string, sheet.write_datetime, sheet.write_number
    row_index = 0
    count = 0
    for row in rows:
        row_index += 1
        if row_index >= MAX_SHEET_ROWS:
            sheets += 1
            sheet = new_sheet(sheets)
            write_string, write_datetime, write_number = sheet.write_string, sheet.write_datetime, sheet.write_number
            row_index = 1
        count += 1
        for col, (value, kind) in enumerate(zip(row, kinds, strict=False)):
            if value is None or value == "":
                continue
            if kind == TEXT:
                # Fast path for the usual clean value; safe_text handles everything else.
                if isinstance(value, str) and value[0] not in _FORMULA_START and value[0] != " " and len(value) < 256:
                    if _UNSAFE_CHARS.search(value) is None:
                        write_string(row_index, col, value)
                        continue
                write_string(row_index, col, safe_text(value))
                continue
            cell = safe_cell(value, kind)
            if isinstance(cell, datetime):
                write_datetime(row_index, col, cell, datetime_format)
            elif isinstance(cell, date):
                write_datetime(row_index, col, cell, date_format)
            elif isinstance(cell, str):
                write_string(row_index, col, cell)
            else:
                write_number(row_index, col, cell)
    workbook.close()
    file.seek(0)
    return XlsxResult(file=file, row_count=count)
