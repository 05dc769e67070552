"""Importing the community's own register spreadsheets: our fields, their headers, and the row checks.

Reading the file safely is core.tabular's job; writing is registry.actions.import_rows. This module turns
each data row into an `ImportRow` or into `RowError`s (row, column, what to fix), with the same checks
and messages as the register pages (core.identity, the forms' wording).
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q

from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import (
    Checked,
    DocumentType,
    check_document,
    check_id_card,
    check_phone,
    document_type_of,
)
from alleykeeper.core.tabular import Table, cell_text, is_number_cell, parse_date
from alleykeeper.registry.models import (
    Community,
    Grid,
    Household,
    HouseholdKind,
    RelationToHead,
    ResidenceStatus,
    Resident,
    Sex,
)


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str  # the template's header, and how the mapping page names the field
    synonyms: tuple[str, ...]
    required: bool = False
    max_length: int = 0


FIELDS = (
    ImportField("grid", "网格", ("网格", "所属网格", "网格名称", "网格名"), max_length=50),
    ImportField("alley", "小巷", ("小巷", "街巷", "巷", "巷道", "街路巷", "路巷", "街巷名称", "小巷名称"), True, 50),
    ImportField("building", "楼栋", ("楼栋", "楼号", "栋", "幢", "楼栋号", "楼幢", "楼幢号", "栋号"), True, 50),
    ImportField("unit", "单元", ("单元", "单元号"), max_length=20),
    ImportField("room", "房号", ("房号", "门牌号", "门牌", "房间号", "室", "户号", "门牌房号", "房屋号"), True, 20),
    ImportField("kind", "户类型", ("户类型", "住户类型", "房屋类型", "是否出租", "房屋性质", "房屋用途", "出租情况")),
    ImportField(
        "landlord_name",
        "房东姓名",
        ("房东姓名", "房东", "房主", "房主姓名", "业主", "业主姓名", "出租人"),
        max_length=50,
    ),
    ImportField(
        "landlord_phone", "房东电话", ("房东电话", "房东联系电话", "房东手机", "房主电话", "业主电话", "出租人电话")
    ),
    ImportField("tenancy", "租期", ("租期", "租赁期限", "租期起止", "租赁期")),
    ImportField(
        "tenancy_start", "租期开始", ("租期开始", "租赁开始", "起租日期", "租期起", "租赁起始日期", "租期开始日期")
    ),
    ImportField(
        "tenancy_end", "租期结束", ("租期结束", "租赁结束", "到期日期", "租期止", "租赁截止日期", "租期结束日期")
    ),
    ImportField("name", "姓名", ("姓名", "名字", "居民姓名", "人员姓名"), True, 50),
    ImportField("doc_type", "证件类型", ("证件类型", "证件种类")),
    ImportField(
        "doc_number",
        "身份证号",
        ("身份证号", "身份证号码", "证件号码", "证件号", "公民身份号码", "身份证", "居民身份证号码", "证件编号"),
    ),
    ImportField("phone", "联系电话", ("联系电话", "手机号", "手机号码", "电话", "手机", "联系方式", "电话号码")),
    ImportField("sex", "性别", ("性别",)),
    ImportField("birth_date", "出生日期", ("出生日期", "出生年月日", "生日")),
    ImportField("relation", "与户主关系", ("与户主关系", "关系", "家庭关系", "户主关系", "与户主的关系")),
    ImportField("status", "居住状态", ("居住状态", "人员状态", "居住情况", "在住状态", "现状")),
    ImportField("notes", "备注", ("备注", "说明")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
SYNONYMS = {f.key: (f.label, *f.synonyms) for f in FIELDS}
HOUSEHOLD_KEYS = ("kind", "landlord_name", "tenancy_start", "tenancy_end")


def _words(choices: type, extra: dict[str, Iterable[str]]) -> dict[str, str]:
    words = {str(label): value for value, label in choices.choices}
    words.update({value: value for value in choices.values})
    for value, synonyms in extra.items():
        words.update(dict.fromkeys(synonyms, value))
    return words


KIND_WORDS = _words(
    HouseholdKind,
    {
        HouseholdKind.OWNER: "自有 自用 自住房 业主自住 否 非出租 不出租".split(),
        HouseholdKind.RENTAL: "出租户 租住 出租房 租赁 是 已出租".split(),
        HouseholdKind.VACANT: "空房 闲置 无人居住 空置房".split(),
        HouseholdKind.SHOP: "店面 商户 门店 经营 店铺".split(),
    },
)
RELATION_WORDS = _words(
    RelationToHead,
    {
        RelationToHead.HEAD: "本人 户主本人".split(),
        RelationToHead.SPOUSE: "妻 妻子 夫 丈夫 夫妻".split(),
        RelationToHead.CHILD: "子 女 儿子 女儿 长子 长女 次子 次女 养子 养女 继子 继女".split(),
        RelationToHead.PARENT: "父 母 父亲 母亲 公公 婆婆 岳父 岳母".split(),
        RelationToHead.GRANDCHILD: "孙子 孙女 外孙 外孙子 外孙女".split(),
        RelationToHead.SIBLING: "兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹".split(),
        RelationToHead.TENANT: "租户 承租人 房客".split(),
        RelationToHead.OTHER: "其它 儿媳 女婿 祖父 祖母 外祖父 外祖母 亲属 保姆 侄子 侄女".split(),
    },
)
STATUS_WORDS = _words(
    ResidenceStatus,
    {
        ResidenceStatus.LIVING: "在住 居住 在家 长住 常住人口".split(),
        ResidenceStatus.TEMPORARY: "临时 流动 借住 暂住人口 流动人口".split(),
        ResidenceStatus.AWAY: "不在家 离开 在外 外地 不在本地".split(),
    },
)
SEX_WORDS = _words(Sex, {Sex.MALE: "男性 m".split(), Sex.FEMALE: ("女性", "f")})
DOC_TYPE_WORDS = _words(
    DocumentType,
    {
        DocumentType.ID_CARD: "身份证 居民身份证 身份证号 二代身份证".split(),
        DocumentType.HMT_RESIDENCE: "居住证 港澳台居住证".split(),
        DocumentType.HM_PERMIT: "回乡证 港澳通行证 港澳居民来往内地通行证".split(),
        DocumentType.TW_PERMIT: "台胞证 台湾居民来往大陆通行证".split(),
        DocumentType.FOREIGN_PR: "永居证 外国人永久居留证 外国人永久居留身份证".split(),
    },
)
CHOICE_FIELDS = {
    "kind": (KIND_WORDS, HouseholdKind),
    "relation": (RELATION_WORDS, RelationToHead),
    "status": (STATUS_WORDS, ResidenceStatus),
    "sex": (SEX_WORDS, Sex),
    "doc_type": (DOC_TYPE_WORDS, DocumentType),
}
# The pages' own message for an ID that a spreadsheet turned into a number, for number cells too.
NUMBER_ID_MESSAGE = check_id_card("3.5E+17").error


def norm(text: str) -> str:
    """Names as stored and compared: full-width folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number, as Excel shows it
    column: str  # the file's own header of the column (our label when the column is missing)
    message: str


@dataclass(slots=True)
class ImportRow:
    """One valid data row: where the household is, and what the file says about it and the person."""

    row: int
    grid_id: int
    alley: str
    building: str
    unit: str
    room: str
    name: str
    household: dict[str, Any] = field(default_factory=dict)  # only the values the row gives
    resident: dict[str, Any] = field(default_factory=dict)
    landlord_phone: Checked | None = None
    doc: Checked | None = None
    phone: Checked | None = None
    doc_index: str = ""

    @property
    def household_key(self) -> tuple[int, str, str, str, str]:
        return (self.grid_id, self.alley, self.building, self.unit, self.room)


@dataclass
class Validation:
    rows: list[ImportRow]
    errors: list[RowError]


_ONE_PER_ROW = frozenset({"name", "notes"})  # values that rarely repeat: not worth remembering


class _RowReader:
    """Reads the mapped cells of one row and collects that row's errors."""

    def __init__(
        self, row: int, cells: list[Any], mapping: dict[str, int], headers: list[str], memo: dict | None = None
    ) -> None:
        self.row, self.mapping, self.headers = row, mapping, headers
        # (key, cell text) -> the clean value, for cells read without an error: a file repeats its grids,
        # alleys, buildings and choices on every row. Errors are never remembered, so each row reports its own.
        self.memo: dict = {} if memo is None else memo
        width = len(cells)
        self.values = {key: cells[index] for key, index in mapping.items() if index < width}
        self.errors: list[RowError] = []
        self.failed: set[str] = set()

    def raw(self, key: str) -> Any:
        return self.values.get(key, "")

    def text(self, key: str) -> str:
        value = self.values.get(key, "")
        if value.__class__ is str:
            if not value:
                return ""
            if key in _ONE_PER_ROW:
                return self._text_of(key, value) or ""
            known = self.memo.get((key, value))
            if known is not None:
                return known
            clean = self._text_of(key, value)
            if clean is not None:
                self.memo[(key, value)] = clean
            return clean or ""
        return self._text_of(key, value) or ""

    def _text_of(self, key: str, value: Any) -> str | None:
        """The clean text of a cell, or None after recording an error (too long)."""
        if value.__class__ is str:
            # The usual cell (short, clean text) skips cell_text's and norm's general cases.
            if value[0] == "'" or not (value.isascii() or unicodedata.is_normalized("NFKC", value)):
                value = unicodedata.normalize("NFKC", cell_text(value))
            value = " ".join(value.split())
        elif value is None:
            return ""
        else:
            value = norm(cell_text(value))
        limit = FIELD_BY_KEY[key].max_length
        if limit and len(value) > limit:
            self.error(key, f"{FIELD_BY_KEY[key].label}太长（{len(value)} 个字），最多 {limit} 个字。")
            return None
        return value

    def error(self, key: str, message: str) -> None:
        self.failed.add(key)
        index = self.mapping.get(key)
        column = self.headers[index] if index is not None and index < len(self.headers) else ""
        self.errors.append(RowError(self.row, column or FIELD_BY_KEY[key].label, message))

    def choice(self, key: str) -> str:
        raw = self.values.get(key)
        if raw.__class__ is str:
            known = self.memo.get(("choice", key, raw))
            if known is not None:
                return known
        text = self.text(key)
        if not text:
            return ""
        words, choices = CHOICE_FIELDS[key]
        value = words.get(text) or words.get(text.lower())
        if value is None:
            allowed = "、".join(str(label) for label in choices.labels)
            self.error(key, f"“{text[:20]}”不是有效的{FIELD_BY_KEY[key].label}，请填写：{allowed}。")
            return ""
        if raw.__class__ is str:
            self.memo[("choice", key, raw)] = value
        return value

    def date(self, key: str) -> date | None:
        value = self.values.get(key, "")
        if value == "" or value is None:
            return None
        try:
            return parse_date(value)
        except ValueError as problem:
            self.error(key, str(problem))
            return None


def _tenancy(reader: _RowReader) -> tuple[date | None, date | None]:
    start, end = reader.date("tenancy_start"), reader.date("tenancy_end")
    combined = reader.text("tenancy")
    if combined and not (start or end):
        parts = re.split(r"\s*(?:至|到|~|～|—+|－－|--)\s*", combined)
        if len(parts) != 2:
            match = re.fullmatch(r"(\d{4}\D\d{1,2}\D\d{1,2}日?)\s*-\s*(\d{4}\D\d{1,2}\D\d{1,2}日?)", combined)
            parts = list(match.groups()) if match else []
        try:
            start, end = (parse_date(part) for part in parts) if len(parts) == 2 else (None, None)
        except ValueError:
            start = end = None
        if start is None or end is None:
            reader.error("tenancy", "租期请写成“2020-01-01至2020-12-31”，或分成“租期开始”“租期结束”两列。")
    if start and end and end < start:
        reader.error(
            "tenancy_end" if "tenancy_end" in reader.mapping else "tenancy", "租期结束日期早于开始日期，请核对。"
        )
    return start, end


def _identity(reader: _RowReader, row: ImportRow) -> None:
    doc_type = reader.choice("doc_type")
    raw_doc = reader.raw("doc_number")
    if is_number_cell(raw_doc):
        reader.error("doc_number", NUMBER_ID_MESSAGE)
    elif raw_doc := cell_text(raw_doc):
        checked = check_document(doc_type or DocumentType.ID_CARD, raw_doc)
        if not checked.ok:
            reader.error("doc_number", checked.error)
        else:
            row.doc, row.doc_index = checked, blind_index("doc", checked.value)
            if doc_type in ("", DocumentType.ID_CARD):
                doc_type = document_type_of(checked.value)
            if checked.birth_date:
                row.resident["birth_date"], row.resident["sex"] = checked.birth_date, checked.sex
    if doc_type:
        row.resident["doc_type"] = doc_type
    for key, target in (("phone", "phone"), ("landlord_phone", "landlord_phone")):
        raw_phone = cell_text(reader.raw(key))  # a number cell 13800001234.0 reads as 13800001234
        if raw_phone:
            checked = check_phone(raw_phone)
            if checked.ok:
                setattr(row, target, checked)
            else:
                reader.error(key, checked.error)


def read_row(number: int, cells: list[Any], mapping: dict[str, int], headers: list[str], grids: dict[str, Grid],
             default_grid: Grid | None, community: Community,
             memo: dict | None = None) -> tuple[ImportRow | None, list[RowError]]:  # fmt: skip
    """One data row checked field by field; every problem in the row is reported, not just the first.
    `memo`: one dict shared by the rows of one file (see _RowReader)."""
    reader = _RowReader(number, cells, mapping, headers, memo)
    grid_name = reader.text("grid")
    grid = grids.get(grid_name) if grid_name else default_grid
    if grid is None:
        if grid_name:
            known = "、".join(sorted(grids)) or "无"
            reader.error(
                "grid", f"网格“{grid_name}”不在{community.name}，或不在您的管辖范围内。可以导入的网格：{known}。"
            )
        else:
            reader.error("grid", "请填写网格，或在导入页面选择“默认网格”。")
    texts = {key: reader.text(key) for key in ("alley", "building", "unit", "room", "name", "landlord_name", "notes")}
    for key, message in (("alley", "请填写小巷（街巷）名称。"), ("building", "请填写楼栋，如 3号楼。"),
                         ("room", "请填写门牌或房号，如 302。"), ("name", "请填写姓名。")):  # fmt: skip
        if not texts[key] and key not in reader.failed:
            reader.error(key, message)
    row = ImportRow(
        row=number,
        grid_id=grid.pk if grid else 0,
        alley=texts["alley"],
        building=texts["building"],
        unit=texts["unit"],
        room=texts["room"],
        name=texts["name"],
    )
    kind = reader.choice("kind")
    start, end = _tenancy(reader)
    for key, value in (("kind", kind), ("landlord_name", texts["landlord_name"]), ("tenancy_start", start),
                       ("tenancy_end", end)):  # fmt: skip
        if value:
            row.household[key] = value
    for key in ("sex", "relation", "status"):
        if value := reader.choice(key):
            row.resident[key] = value
    if born := reader.date("birth_date"):
        row.resident["birth_date"] = born
    if texts["notes"]:
        row.resident["notes"] = texts["notes"]
    _identity(reader, row)
    return (None if reader.errors else row), reader.errors


def _within_file(rows: list[ImportRow], headers: dict[str, str]) -> list[RowError]:
    """The same person twice, or one household described two ways, is a mistake in the file."""
    errors: list[RowError] = []
    seen_docs: dict[str, int] = {}
    seen_names: dict[tuple, int] = {}
    household_values: dict[tuple, dict[str, tuple[Any, int]]] = {}
    for row in rows:
        if row.doc_index:
            if row.doc_index in seen_docs:
                errors.append(RowError(row.row, headers["doc_number"], f"与第 {seen_docs[row.doc_index]} 行的证件号码重复，同一人只能登记一次。"))  # fmt: skip
            seen_docs.setdefault(row.doc_index, row.row)
        else:
            key = (*row.household_key, row.name)
            if key in seen_names:
                errors.append(RowError(row.row, headers["name"], f"与第 {seen_names[key]} 行是同一户的同名居民且都没有证件号码，请核对是否重复。"))  # fmt: skip
            seen_names.setdefault(key, row.row)
        known = household_values.setdefault(row.household_key, {})
        for key, value in row.household.items():
            if key in known and known[key][0] != value:
                label = FIELD_BY_KEY[key].label
                errors.append(RowError(row.row, headers.get(key) or label, f"与第 {known[key][1]} 行（同一户）的{label}不一致，请统一。"))  # fmt: skip
            known.setdefault(key, (value, row.row))
    return errors


def _against_register(rows: list[ImportRow], community: Community, headers: dict[str, str]) -> list[RowError]:
    """An ID already registered to another household (here or elsewhere) is not silently moved."""
    by_doc = {row.doc_index: row for row in rows if row.doc_index}
    found: list[tuple] = []
    indexes = list(by_doc)
    for start in range(0, len(indexes), 2000):
        # "!= ''" lets PostgreSQL use resident_unique_document (partial: non-blank numbers), the column's only
        # index; it cannot prove that by itself for a list of more than 100 values.
        found += Resident.objects.filter(
            ~Q(doc_number_index=""), doc_number_index__in=indexes[start : start + 2000]
        ).values_list("doc_number_index", "household_id", "household__community_id")
    if not found:
        return []
    wanted = {by_doc[index].household_key for index, _, _ in found}
    existing: dict[tuple, int] = {}
    places = Household.objects.filter(community=community, grid_id__in={key[0] for key in wanted}).values_list(
        "id", "grid_id", "building__alley__name", "building__name", "unit__name", "room"
    )
    for pk, grid_id, alley, building, unit, room in places.iterator(chunk_size=5000):
        existing[(grid_id, norm(alley), norm(building), norm(unit or ""), norm(room))] = pk
    errors = []
    for index, household_id, community_id in found:
        row = by_doc[index]
        if existing.get(row.household_key) == household_id:
            continue
        if community_id == community.pk:
            message = "这个证件号码已登记在本社区的另一户。如此人已搬家，请先在台账中用“迁移”把他迁到新地址，再导入。"
        else:
            message = "这个证件号码已在其他社区登记，请核对号码；如此人已搬来，请联系原社区迁出后再导入。"
        errors.append(RowError(row.row, headers["doc_number"], message))
    return errors


def validate(
    table: Table,
    mapping: dict[str, int],
    *,
    community: Community,
    grids: Iterable[Grid],
    default_grid: Grid | None = None,
    progress: Callable[[int], None] | None = None,
) -> Validation:
    """Every row of the table checked; `rows` is complete only when `errors` is empty."""
    headers = table.header()
    grid_by_name = {norm(grid.name): grid for grid in grids}
    labels = {
        key: (headers[i] if i < len(headers) and headers[i] else FIELD_BY_KEY[key].label) for key, i in mapping.items()
    }
    labels.update({key: f.label for key, f in FIELD_BY_KEY.items() if key not in labels})
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    width = table.width
    columns = [index for index in mapping.values() if index < width]
    memo: dict = {}
    done = 0
    for done, (number, cells) in enumerate(table.data_rows(), start=1):
        if not any(cells[i].strip() if cells[i].__class__ is str else cells[i] is not None for i in columns):
            continue  # a row with something only in columns we do not import
        row, problems = read_row(number, cells, mapping, headers, grid_by_name, default_grid, community, memo)
        if row is not None:
            rows.append(row)
        errors += problems
        if progress is not None and done % 1000 == 0:
            progress(done)
    errors += _within_file(rows, labels)
    if not errors:
        errors += _against_register(rows, community, labels)
    if progress is not None:
        progress(done)
    errors.sort(key=lambda e: e.row)
    return Validation(rows=rows, errors=errors)


def missing_fields(mapping: dict[str, int], *, has_default_grid: bool) -> list[str]:
    """Labels of the required fields that no column is mapped to."""
    missing = [f.label for f in FIELDS if f.required and f.key not in mapping]
    if "grid" not in mapping and not has_default_grid:
        missing.insert(0, FIELD_BY_KEY["grid"].label)
    return missing
