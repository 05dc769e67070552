"""Reading one row of a push list: which columns mean what, and each cell as checked values plus the
problems found. Push lists are messy (GBK CSVs, title rows, IDs stored as numbers, phones with +86 and
dashes, names with spaces); every doubt becomes a problem on the row, never a silent guess."""

import operator
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import (
    Checked,
    DocumentType,
    check_document,
    check_id_card,
    check_person_name,
    check_phone,
    document_type_of,
    mask_document,
)
from alleykeeper.core.logging import redact
from alleykeeper.core.tabular import cell_text, is_number_cell, parse_date
from alleykeeper.places.lookup import DivisionIndex
from alleykeeper.places.models import Division

# Field key -> (label, header synonyms). The user confirms or corrects the guessed mapping.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("姓名", ("姓名", "名字", "人员姓名", "推送人员姓名", "旅客姓名", "name")),
    "doc": ("证件号码", ("身份证号", "身份证号码", "证件号码", "证件号", "公民身份号码", "身份证", "证件编号")),
    "phone": ("电话", ("手机号", "手机号码", "联系电话", "电话", "电话号码", "联系方式", "手机")),
    "origin": ("来源地", ("来源地", "来自", "出发地", "来源地区", "从何地来", "来源", "来自地区", "来自何地")),
    "arrival": ("抵达日期", ("抵达日期", "到达日期", "返回日期", "抵达时间", "到达时间", "来X日期", "返X日期")),
    "address": ("现住址", ("现住址", "居住地址", "现居住地址", "住址", "地址", "现居住地", "落脚点", "目的地")),
    "transport": ("交通方式", ("交通方式", "车次航班", "车次", "航班", "航班号", "交通工具", "乘坐交通")),
    "note": ("备注", ("备注", "说明", "人员类型", "类型", "推送原因", "途经地")),
}
SYNONYMS = {key: names for key, (_, names) in FIELDS.items()}
FIELD_LABELS = {key: label for key, (label, _) in FIELDS.items()}
IDENTIFYING = ("name", "doc", "phone")

_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_PHONE_SPLIT = re.compile(r"[,，/;；、]|\s{2,}")
_LETTER = re.compile(r"[A-WYZa-wyz]")  # any letter but X, which ends many ID numbers
# 15 and 18 digits: the only lengths an ID number stored as a number can have had.
_FIFTEEN = (10**14, 10**15)
_SEVENTEEN_EIGHTEEN = (10**16, 10**18)


@dataclass(slots=True)
class ReadRow:
    """One row read: values ready to seal and match, and the problems found (never a clear ID or phone)."""

    row_number: int
    name: str = ""
    doc: Checked | None = None
    doc_type: str = ""
    phone: Checked | None = None
    doc_index: str = ""
    phone_index: str = ""
    birth_date: date | None = None
    origin: Division | None = None
    origin_text: str = ""
    arrival: date | None = None
    address: str = ""
    transport: str = ""
    note: str = ""
    doc_unusable: bool = False  # a number was given but cannot be used (wrong, or damaged by the spreadsheet)
    problems: list[str] = field(default_factory=list)
    fatal: str = ""  # why the row cannot be imported at all


def clean_name(value: object) -> str:
    """Chinese names lose every space ("王 翠琳" → "王翠琳"); other names keep single spaces."""
    if (
        value.__class__ is str
        and value.isprintable()  # no tab, newline, zero-width or other invisible character, no wide space
        and " " not in value
        and value[:1] != "'"
        and unicodedata.is_normalized("NFKC", value)
    ):
        return value  # the usual cell: nothing to fold, strip or take out
    text = unicodedata.normalize("NFKC", cell_text(value))
    if _CJK.search(text):
        return _SPACES.sub("", text)
    return " ".join(_SPACES.sub(" ", text).split())


def _birth_from_digits(digits: str) -> date | None:
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return None
    return born if date(1900, 1, 1) <= born <= date.today() else None


def read_document(value: object, row: ReadRow) -> None:
    """The ID column. A number cell is judged by what a spreadsheet can keep: 15 digits survive intact
    (doubles hold integers up to 2^53), 18 digits never do (Excel keeps 15 significant digits)."""
    if value is None or value == "":
        return
    if is_number_cell(value):
        number = float(value)
        whole = int(number) if number.is_integer() else None
        if whole is not None and _FIFTEEN[0] <= whole < _FIFTEEN[1]:
            checked = check_id_card(str(whole))
            if checked.ok:
                row.doc, row.doc_type = checked, document_type_of(checked.value)
                row.problems.append(
                    "证件号码在表格里是数字格式；这是 15 位旧号码，数字完整，已按规则升为 18 位，请核对原件。"
                )
                return
            row.problems.append(f"证件号码在表格里是数字格式，且{checked.error}")
        elif whole is not None and _SEVENTEEN_EIGHTEEN[0] <= whole < _SEVENTEEN_EIGHTEEN[1]:
            digits = str(whole)
            row.birth_date = _birth_from_digits(digits) if len(digits) == 18 else None
            row.problems.append(
                f"证件号码在表格里被存成了数字（{mask_document(digits)}），18 位号码超出表格的数字精度，末几位已失真，"
                "不能用于比对；请推送单位提供“文本”格式的号码。"
                + ("出生日期取自号码前部，仅供参考。" if row.birth_date else "")
            )
        else:
            row.problems.append("证件号码一栏是数字，但位数既不是 15 位也不是 18 位，请核对。")
        row.doc_unusable = True
        return
    text = cell_text(value)
    checked = check_id_card(text)
    if checked.ok:
        row.doc, row.doc_type = checked, document_type_of(checked.value)
        row.birth_date = checked.birth_date
        row.problems.extend(checked.warnings)
        return
    compact = unicodedata.normalize("NFKC", text).replace(" ", "").upper()
    if _LETTER.search(compact):
        # Not an ID card: a passport or a Hong Kong/Macau permit is matched by its own number.
        for doc_type in (DocumentType.HM_PERMIT, DocumentType.PASSPORT):
            other = check_document(doc_type, compact)
            if other.ok:
                row.doc, row.doc_type = other, doc_type
                row.problems.append(f"证件号码不是身份证格式，按{DocumentType(doc_type).label}号码比对。")
                return
    row.problems.append(checked.error)
    row.doc_unusable = True
    if re.fullmatch(r"\d{17}[\dX]|\d{15}", checked.value or ""):
        # Kept (sealed) as the list gave it, so that it can be checked against the original and corrected.
        row.doc = Checked(value=checked.value, error=checked.error)


def read_phone(value: object, row: ReadRow) -> None:
    if value is None or value == "":
        return
    from_number = is_number_cell(value)
    text = cell_text(value)
    parts = [text] if text.isdigit() else [p for p in _PHONE_SPLIT.split(text) if p.strip()]
    if len(parts) > 1:
        row.problems.append(f"电话一栏有 {len(parts)} 个号码，已取第一个。")
        text = parts[0]
    checked = check_phone(text)
    if not checked.ok:
        row.problems.append(checked.error)
        return
    if from_number and not checked.value.startswith("1") and len(checked.value) in (9, 10, 11):
        row.problems.append("电话在表格里是数字格式，座机号开头的 0 可能已经丢失，请核对。")
    row.problems.extend(checked.warnings)
    row.phone = checked


def _clean_text(value: object, limit: int) -> str:
    if value.__class__ is str and value[:1] != "'":  # the usual text cell: cell_text would only strip it
        return " ".join(value.split())[:limit]
    return " ".join(cell_text(value).split())[:limit]


# The order in which RowReader.read takes a row's cells.
_CELL_ORDER = ("name", "doc", "phone", "origin", "arrival", "address", "transport", "note")


class RowReader:
    """Reads the rows of one list. The columns' positions are looked up once, and cells that repeat down
    a column (origins, arrival dates, transport, notes) are read once per value; a problem is still
    reported on every row that has it."""

    def __init__(self, mapping: dict[str, int], divisions: DivisionIndex) -> None:
        self.divisions = divisions
        self.columns = {key: mapping.get(key) for key in _CELL_ORDER}
        # Keyed by type and value: 1, 1.0 and True are equal keys but not the same cell.
        self._origins: dict[tuple[type, object], tuple[str, Division | None]] = {}
        self._dates: dict[tuple[type, object], date] = {}  # only dates that parsed: errors are never remembered
        self._texts: dict[tuple[str, type, object], str] = {}

        self._width = -1
        self._getter = operator.itemgetter(*range(len(_CELL_ORDER)))

    def _cells(self, cells: list) -> tuple:
        """The row's cells of FIELDS, in their order (None where no column is mapped or the row is short),
        taken in one call: a table's rows all have the same width, so the positions are worked out once."""
        width = len(cells)
        if width != self._width:
            self._width = width
            positions = [width if index is None or index >= width else index for index in self.columns.values()]
            self._getter = operator.itemgetter(*positions)
        return self._getter([*cells, None])

    def _repeated_text(self, value: object, key: str, limit: int, masked: bool = False) -> str:
        """A cell's text, read once per distinct value; `masked`: free text, where an ID number or a phone
        written into it is masked (the list's own number columns are sealed)."""
        if value is None:
            return ""
        memo_key = (key, value.__class__, value)
        known = self._texts.get(memo_key)
        if known is None:
            known = _clean_text(value, limit)
            known = self._texts[memo_key] = redact(known) if masked else known
        return known

    def _origin(self, value: object) -> tuple[str, Division | None]:
        memo_key = (value.__class__, value)
        known = self._origins.get(memo_key)
        if known is None:
            text = _clean_text(value, 100)
            known = self._origins[memo_key] = (text, self.divisions.resolve(text) if text else None)
        return known

    def read(self, row_number: int, cells: list) -> ReadRow:
        row = ReadRow(row_number=row_number)
        name, doc, phone, origin, arrival, address, transport, note = self._cells(cells)
        row.name = clean_name(name)
        if len(row.name) > 50:
            row.problems.append("姓名超过 50 个字，已截断。")
            row.name = row.name[:50]
        if row.name:
            checked = check_person_name(row.name)
            if not checked.ok:  # still a pushed person to find by ID or phone: the name is left out, never kept
                row.problems.append(f"{checked.error}（该行姓名未导入）")
            row.name = checked.value if checked.ok else ""
        read_document(doc, row)
        read_phone(phone, row)
        if not row.name and row.doc is None and row.phone is None:
            row.fatal = "没有姓名、证件号码或电话，无法识别是谁：" + ("；".join(row.problems) or "请补全后再导入。")
            return row
        if not row.name:
            row.problems.append("缺少姓名。")
        if row.doc is not None and row.doc.ok:
            row.doc_index = blind_index("doc", row.doc.value)
        if row.phone is not None:
            row.phone_index = blind_index("phone", row.phone.value)
        if origin is not None:
            row.origin_text, row.origin = self._origin(origin)
            if row.origin_text and row.origin is None and len(self.divisions):
                row.problems.append(f"来源地“{row.origin_text[:20]}”对应不到省、市、区县，请核对。")
        if arrival not in (None, ""):
            memo_key = (arrival.__class__, arrival)
            row.arrival = self._dates.get(memo_key)
            if row.arrival is None:
                try:
                    row.arrival = parse_date(arrival)
                except ValueError as error:
                    row.problems.append(f"抵达日期：{error}")
                else:
                    if row.arrival is not None:
                        self._dates[memo_key] = row.arrival
        row.address = _clean_text(address, 200) if address is not None else ""
        row.transport = self._repeated_text(transport, "transport", 100)
        row.note = self._repeated_text(note, "note", 200, masked=True)
        return row
