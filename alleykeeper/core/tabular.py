"""Reading spreadsheets that people upload: hostile input (GUIDE.md section 4), read as text.

Every import (the register, push lists) reads through this module, in this order:

1. `store_upload` streams the upload to a private file, refusing it past IMPORT_MAX_BYTES, and hashes it.
2. `sniff_kind` tells XLSX from CSV by content (never by the file name) and names what else it is.
3. `check_zip` (XLSX only) checks the members' total uncompressed size and compression ratio BEFORE
   calamine opens the file, and then inflates each member with a hard cap, because a zip's directory
   can lie about sizes.
4. `open_table` reads the first worksheet (python-calamine) or decodes the CSV (UTF-8 with or without
   BOM, UTF-16 with BOM, else GB18030, which covers GBK), refuses more than IMPORT_MAX_ROWS rows, and
   finds the header row by the synonyms the caller knows.
5. `guess_mapping` maps the file's own headers to the caller's fields; the user may correct it.

A file is parsed once. The first `open_table(..., keep_parsed=True)` (the upload's analysis) writes the
cells it read beside the upload (`parsed_copy`: a private file, so that a background job in another
process finds it too); every later `open_table` of the same upload (the mapping step, the import, the
error report) reads that instead of parsing the workbook again. `remove_upload` deletes both.

Cells come back as calamine gives them (str, float, int, bool, date, datetime) so that callers can tell
an ID column that Excel turned into a number (`is_number_cell`) from text; `cell_text` reads any cell as
text. Messages are Chinese and say what to do.
"""

import csv
import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from alleykeeper.core import kept_cells
from alleykeeper.core.batch import cyclic_gc_paused

XLSX, CSV = "xlsx", "csv"
HEADER_SCAN_ROWS = 20  # title rows above the header that real community sheets carry
HEADER_ALLOWANCE = HEADER_SCAN_ROWS  # rows tolerated above the data on top of IMPORT_MAX_ROWS
MAX_ZIP_MEMBERS = 2_000
# An XLSX member inflating more than this many times over is a zip bomb, not a spreadsheet (real sheets
# compress 5-30 times; small members are exempt because their ratio means nothing).
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 1024 * 1024
_READ_CHUNK = 1024 * 1024

# First bytes of file types people upload by mistake, and what to call them in a message.
_MAGIC = [
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"%PDF", "PDF 文件"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"MZ", "程序文件"),
    (b"\x7fELF", "程序文件"),
    (b"{\\rtf", "RTF 文档"),
    (b"RIFF", "音视频文件"),
]
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, .wps
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class TabularError(Exception):
    """A file-level problem, with the message to show (Chinese, says what to do)."""


class HeaderRowMissing(TabularError):
    """The header row asked for is beyond the file's last row: the file itself is fine, the number is not."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_unzipped_bytes: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_UNZIPPED_BYTES)


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(size, 1) / 1024:.0f} KB"


def check_size(size: int, limits: Limits | None = None) -> None:
    limits = limits or Limits.from_settings()
    if size > limits.max_bytes:
        raise TabularError(
            f"文件太大（{human_size(size)}），单次导入上限是 {human_size(limits.max_bytes)}。请拆分成几个文件分别导入。"
        )
    if size == 0:
        raise TabularError("文件是空的，请重新选择文件。")


@dataclass(frozen=True)
class StoredUpload:
    path: Path
    sha256: str
    size: int


def store_upload(chunks: Iterable[bytes], directory: Path, limits: Limits | None = None) -> StoredUpload:
    """Stream an upload into a new private file under `directory`; past the size limit, delete it and refuse."""
    limits = limits or Limits.from_settings()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{uuid.uuid4().hex}.upload"
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "xb") as out:
            path.chmod(0o600)
            for chunk in chunks:
                size += len(chunk)
                if size > limits.max_bytes:
                    check_size(size, limits)
                digest.update(chunk)
                out.write(chunk)
        check_size(size, limits)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredUpload(path=path, sha256=digest.hexdigest(), size=size)


def sniff_kind(head: bytes) -> str:
    """XLSX or CSV, by the first bytes of the file; anything else is refused with what it looks like."""
    if head.startswith(_ZIP_MAGIC):
        return XLSX  # check_zip tells an XLSX from other zips (Word documents, archives)
    if head.startswith(_OLE_MAGIC):
        raise TabularError("这是旧版 Excel（.xls）或 Word 文件。请在 Excel 中“另存为” .xlsx 格式后再导入。")
    for magic, name in _MAGIC:
        if head.startswith(magic):
            raise TabularError(f"这个文件是{name}，不是表格。请上传 Excel（.xlsx）或 CSV 文件。")
    if not head:
        raise TabularError("文件是空的，请重新选择文件。")
    text_part = head[2:] if head[:2] in (b"\xff\xfe", b"\xfe\xff") else head
    if b"\x00" in text_part:
        raise TabularError("无法识别这个文件：它既不是 Excel（.xlsx）也不是 CSV 文本。请上传 .xlsx 或 .csv 文件。")
    return CSV


def check_zip(path: Path, limits: Limits | None = None) -> None:
    """Refuse zip bombs and zips that are not workbooks, before any XLSX reader touches the file."""
    limits = limits or Limits.from_settings()
    bomb = (
        f"这个 Excel 文件解压后超过 {human_size(limits.max_unzipped_bytes)}（或压缩比异常），"
        "可能是损坏或恶意的文件，已拒绝。请用 Excel 打开后另存为新文件，或拆分后再导入。"
    )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise TabularError(bomb)
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                if any(n.startswith("word/") for n in names):
                    raise TabularError("这是 Word 文档，不是表格。请上传 Excel（.xlsx）或 CSV 文件。")
                raise TabularError("这是一个压缩包，不是 Excel 表格。请解压后上传其中的 .xlsx 或 .csv 文件。")
            if sum(member.file_size for member in members) > limits.max_unzipped_bytes:
                raise TabularError(bomb)
            for member in members:
                if member.file_size > RATIO_CHECK_MIN_BYTES and (
                    member.compress_size == 0 or member.file_size / member.compress_size > MAX_COMPRESSION_RATIO
                ):
                    raise TabularError(bomb)
            # The directory's sizes may lie: inflate every member for real, stopping at the cap. zipfile
            # stops at the declared size and checks the CRC, so a lying member fails here too.
            total = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(_READ_CHUNK):
                        total += len(chunk)
                        if total > limits.max_unzipped_bytes:
                            raise TabularError(bomb)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as error:
        if isinstance(error, NotImplementedError):
            raise TabularError(
                "这个 Excel 文件使用了不支持的压缩方式或加了密码。请去掉密码后另存为 .xlsx 再导入。"
            ) from None
        raise TabularError("文件已损坏，无法作为 Excel 表格打开。请用 Excel 打开后重新保存为 .xlsx 再导入。") from None


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of a CSV and the encoding it was in: BOMs first, then strict UTF-8, then GB18030 (covers GBK)."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise TabularError("无法识别文件的文字编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入。")


@dataclass
class Table:
    """Every row of one sheet as read, all of the same width; `rows[i]` is spreadsheet row i + 1."""

    rows: list[list[Any]]
    kind: str
    encoding: str = ""
    sheet: str = ""
    header_row: int | None = None  # index into rows
    mapping: dict[str, int] = field(default_factory=dict)  # field key -> column index (a guess)
    _counted: tuple[int | None, int] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def header(self) -> list[str]:
        if self.header_row is None:
            return []
        cells = self.rows[self.header_row]
        return [cell_text(cells[i]) if i < len(cells) else "" for i in range(self.width)]

    def data_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(spreadsheet row number, cells) of the rows under the header, blank rows skipped."""
        start = 0 if self.header_row is None else self.header_row + 1
        rows = self.rows
        for index in range(start, len(rows)):
            cells = rows[index]
            # Blank: every cell "" or None (counted in C; the same comparisons as `cell in ("", None)`).
            if cells.count("") + cells.count(None) != len(cells):
                yield index + 1, cells

    def data_count(self) -> int:
        """Rows under the header, blank rows not counted (remembered per header row: callers ask often)."""
        if self._counted is None or self._counted[0] != self.header_row:
            self._counted = (self.header_row, sum(1 for _ in self.data_rows()))
        return self._counted[1]


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    while rows and all(cell in ("", None) for cell in rows[-1]):
        rows.pop()
    return rows


def _too_many_rows(count: int, limits: Limits) -> TabularError:
    return TabularError(f"文件超过 {limits.max_rows} 行（单次导入上限），请拆分成几个文件分别导入。")


_UNREADABLE = "无法读取这个 Excel 文件，可能已损坏或加了密码。请用 Excel 打开后另存为 .xlsx 再导入。"


def _read_xlsx(path: Path, limits: Limits, synonyms: Mapping[str, Iterable[str]] | None) -> Table:
    check_zip(path, limits)
    try:
        return _read_workbook(path, limits, synonyms)
    except TabularError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a malformed sheet can even make the Rust reader panic, which is a BaseException
        raise TabularError(_UNREADABLE) from None


def _read_workbook(path: Path, limits: Limits, synonyms: Mapping[str, Iterable[str]] | None) -> Table:
    with CalamineWorkbook.from_path(str(path)) as workbook:
        visible = [
            m.name
            for m in workbook.sheets_metadata
            if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet
        ]
        chosen: Table | None = None
        for name in visible[:5] or workbook.sheet_names[:1]:
            sheet = workbook.get_sheet_by_name(name)
            end = sheet.end
            if end is not None and end[0] + 1 > limits.max_rows + HEADER_ALLOWANCE:
                raise _too_many_rows(end[0] + 1, limits)
            table = Table(rows=_trim(sheet.to_python(skip_empty_area=False)), kind=XLSX, sheet=name)
            if chosen is None:
                chosen = table
            if synonyms is not None and find_header_row(table.rows, synonyms) is not None:
                chosen = table
                break
    if chosen is None:
        raise TabularError("这个 Excel 文件里没有工作表，请检查文件。")
    return chosen


def _read_csv(path: Path, limits: Limits) -> Table:
    text, encoding = decode_text(path.read_bytes())
    sample = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append(row)
            if len(rows) > limits.max_rows + HEADER_ALLOWANCE:
                raise _too_many_rows(len(rows), limits)
    except csv.Error:
        raise TabularError(
            f"第 {len(rows) + 1} 行附近的格式不对（可能有未配对的引号或过长的格子），请用 Excel 打开检查后另存为 CSV。"
        ) from None
    rows = _trim(rows)
    width = max((len(row) for row in rows), default=0)
    for row in rows:  # rectangular, like a sheet: short rows padded with blank cells
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    if rows and width < 2:
        raise TabularError("文件内容不是表格：没有找到用逗号或制表符分隔的列。请上传 Excel（.xlsx）或 CSV 文件。")
    return Table(rows=rows, kind=CSV, encoding=encoding)


def parsed_copy(path: Path) -> Path:
    """Where the cells read from the upload at `path` are kept (core.kept_cells)."""
    return kept_cells.path_for(path)


def remove_upload(path: Path) -> None:
    """Delete an upload and the cells read from it."""
    path.unlink(missing_ok=True)
    kept_cells.path_for(path).unlink(missing_ok=True)


def _keep_parsed(table: Table, path: Path) -> None:
    kept_cells.keep(path, (table.kind, table.encoding, table.sheet, table.rows))


def _load_parsed(path: Path) -> Table | None:
    """The cells kept by an earlier read of this upload, or None (none kept, or not readable)."""
    kept = kept_cells.load(path)
    if kept is None:
        return None
    kind, encoding, sheet, rows = kept
    return Table(rows=rows, kind=kind, encoding=encoding, sheet=sheet)


def open_table(
    path: Path,
    synonyms: Mapping[str, Iterable[str]] | None = None,
    *,
    header_row: int | None = None,
    limits: Limits | None = None,
    keep_parsed: bool = False,
) -> Table:
    """Read an uploaded file safely (see the module docstring), find its header row and guess the mapping.

    The cells an earlier `keep_parsed` read kept are used when there are any (the file is not parsed
    again); `keep_parsed` keeps the cells of this read for the later ones."""
    limits = limits or Limits.from_settings()
    # A 100,000-row sheet is a million cells made at once (calamine's or the kept copy's): the collector
    # would scan the growing heap again and again while they are made (a fifth of the read at that size).
    with cyclic_gc_paused():
        table = _load_parsed(path)
        if table is None:
            table = read_file(path, synonyms, limits)
            if keep_parsed and table.rows:
                _keep_parsed(table, path)
    if not table.rows:
        raise TabularError("文件里没有数据，请检查是否选错了文件。")
    if header_row is not None:
        if not 0 <= header_row < len(table.rows):
            last = len(table.rows)
            raise HeaderRowMissing(
                f"文件只有 {last} 行，没有第 {header_row + 1} 行。表头行请填 1 到 {last} 之间的行号。"
            )
        table.header_row = header_row
    elif synonyms is not None:
        table.header_row = find_header_row(table.rows, synonyms)
    if synonyms is not None and table.header_row is not None:
        table.mapping = guess_mapping(table.header(), synonyms)
    if table.data_count() > limits.max_rows:
        raise _too_many_rows(table.data_count(), limits)
    return table


def read_file(path: Path, synonyms: Mapping[str, Iterable[str]] | None, limits: Limits) -> Table:
    """Parse the upload itself (the size, type and zip checks first); the rows only, no header yet."""
    check_size(path.stat().st_size, limits)
    with open(path, "rb") as handle:
        kind = sniff_kind(handle.read(16))
    return _read_xlsx(path, limits, synonyms) if kind == XLSX else _read_csv(path, limits)


def normalise_header(text: object) -> str:
    """A header as compared with synonyms: no spaces, marks, 'required' notes or bracketed remarks."""
    value = unicodedata.normalize("NFKC", cell_text(text)).lower()
    value = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", value)
    return re.sub(r"[\s*:：_\-/\\、.。#№]|必填|选填", "", value)


def _synonym_table(synonyms: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
    pairs = {(normalise_header(s), key) for key, names in synonyms.items() for s in names}
    return sorted((p for p in pairs if p[0]), key=lambda p: -len(p[0]))


def guess_mapping(header: list[str], synonyms: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Field key -> column index: exact synonym matches first, then the longest synonym a header contains."""
    table = _synonym_table(synonyms)
    exact = {name: key for name, key in reversed(table)}
    mapping: dict[str, int] = {}
    taken: set[int] = set()
    normalised = [normalise_header(h) for h in header]
    for index, name in enumerate(normalised):
        key = exact.get(name)
        if key and key not in mapping:
            mapping[key] = index
            taken.add(index)
    for index, name in enumerate(normalised):
        if index in taken or not name:
            continue
        for synonym, key in table:
            if key not in mapping and len(synonym) >= 2 and synonym in name:
                mapping[key] = index
                taken.add(index)
                break
    return mapping


def find_header_row(rows: list[list[Any]], synonyms: Mapping[str, Iterable[str]]) -> int | None:
    """The row among the first ones whose cells name the most known fields (at least two)."""
    best, best_score = None, 1
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = len(guess_mapping([cell_text(c) for c in row], synonyms))
        if score > best_score:
            best, best_score = index, score
    return best


def is_number_cell(value: object) -> bool:
    """A cell the spreadsheet stores as a number (not text): fatal for an ID column."""
    return isinstance(value, int | float) and not isinstance(value, bool)


_FORMULA_QUOTED = re.compile(r"^'(?=[=+\-@＝＋－＠])")


def cell_text(value: object) -> str:
    """Any cell as trimmed text. Integral numbers lose their '.0'; dates become YYYY-MM-DD; a leading
    apostrophe that our own formula-safe reports put before = + - @ is removed again."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        return _FORMULA_QUOTED.sub("", text) if text[:1] == "'" else text
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta | time):
        return str(value)
    return str(value).strip()


_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: object) -> date | None:
    """A date cell or date text (2020-01-05, 2020/1/5, 2020.1.5, 2020年1月5日, 20200105); None when blank.

    Raises ValueError with a message when the cell is not a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value.__class__ is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)  # the usual form, read in C
        except ValueError:
            pass  # 2020-02-30 and the like: the general path below says what is wrong
    if is_number_cell(value) and 20000 <= float(value) <= 80000 and float(value).is_integer():
        return EXCEL_EPOCH + timedelta(days=int(value))  # a date cell that lost its date format
    text = unicodedata.normalize("NFKC", cell_text(value)).replace(" ", "")
    if not text:
        return None
    text = re.sub(r"(?<=\d)[ T]\d{1,2}:\d{2}(:\d{2})?$", "", text)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                break
    raise ValueError(f"“{text[:20]}”不是有效日期，请写成 2020-01-05 这样的格式。")
