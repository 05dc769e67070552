"""Importing the community's own register spreadsheets: the row checks.

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

from django.db import connection
from django.db.models import Q

from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import (
    Checked,
    DocumentType,
    check_document,
    check_id_card,
    check_person_name,
    check_phone,
    document_type_of,
)
from alleykeeper.core.logging import redact
from alleykeeper.core.tabular import Table, cell_text, is_number_cell, parse_date
from alleykeeper.registry.import_fields import CHOICE_FIELDS, FIELD_BY_KEY
from alleykeeper.registry.models import Community, Grid, Household, Resident

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
    # (grid, alley, building, unit, room): which household; asked for several times per row, made once.
    household_key: tuple[int, str, str, str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.household_key = (self.grid_id, self.alley, self.building, self.unit, self.room)


@dataclass
class Validation:
    rows: list[ImportRow]
    errors: list[RowError]


Read = tuple[Any, str]  # a cell's clean value, and what to fix ("" when nothing)


def _text_reader(key: str) -> Callable[[Any], Read]:
    """Cell text as stored and compared (see norm), within the field's length."""
    label, limit = FIELD_BY_KEY[key].label, FIELD_BY_KEY[key].max_length

    def read(value: Any) -> Read:
        if value.__class__ is str:
            if not value:
                return "", ""
            # The usual cell (short, clean text) skips cell_text's and norm's general cases.
            if value[0] == "'" or not (value.isascii() or unicodedata.is_normalized("NFKC", value)):
                value = unicodedata.normalize("NFKC", cell_text(value))
            value = " ".join(value.split())
        elif value is None:
            return "", ""
        else:
            value = norm(cell_text(value))
        if limit and len(value) > limit:
            return "", f"{label}太长（{len(value)} 个字），最多 {limit} 个字。"
        return value, ""

    return read


def _name_reader(key: str) -> Callable[[Any], Read]:
    """A person's name: the text reader, then the register form's own name check."""
    text = _text_reader(key)

    def read(value: Any) -> Read:
        clean, message = text(value)
        if message or not clean:
            return clean, message
        checked = check_person_name(clean)
        return (checked.value, "") if checked.ok else ("", checked.error)

    return read


PERSON_NAMES = ("name", "landlord_name")


def _choice_reader(key: str) -> Callable[[Any], Read]:
    """One of the field's choices, by its label, value or a common synonym."""
    words, choices = CHOICE_FIELDS[key]
    text, label = _text_reader(key), FIELD_BY_KEY[key].label
    allowed = "、".join(str(choice) for choice in choices.labels)

    def read(value: Any) -> Read:
        clean = text(value)[0]  # choice fields have no length limit
        if not clean:
            return "", ""
        found = words.get(clean) or words.get(clean.lower())
        if found is None:
            return "", f"“{clean[:20]}”不是有效的{label}，请填写：{allowed}。"
        return found, ""

    return read


def _read_date(value: Any) -> Read:
    if value == "" or value is None:
        return None, ""
    try:
        return parse_date(value), ""
    except ValueError as problem:
        return None, str(problem)


def _read_phone(value: Any) -> Read:
    text = cell_text(value)  # a number cell 13800001234.0 reads as 13800001234
    if not text:
        return None, ""
    checked = check_phone(text)
    return (checked, "") if checked.ok else (None, checked.error)


def _read_tenancy(combined: str) -> Read:
    """Both dates from one cell: 2020-01-01至2020-12-31."""
    parts = re.split(r"\s*(?:至|到|~|～|—+|－－|--)\s*", combined)
    if len(parts) != 2:
        match = re.fullmatch(r"(\d{4}\D\d{1,2}\D\d{1,2}日?)\s*-\s*(\d{4}\D\d{1,2}\D\d{1,2}日?)", combined)
        parts = list(match.groups()) if match else []
    try:
        start, end = (parse_date(part) for part in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        start = end = None
    if start is None or end is None:
        return (None, None), "租期请写成“2020-01-01至2020-12-31”，或分成“租期开始”“租期结束”两列。"
    return (start, end), ""


class _Columns:
    """The mapped columns of the data rows, checked column by column: a file repeats its grids, alleys,
    buildings, choices and dates on every row, so each distinct text is read once. Problems are kept with
    the step that found them, so that each row lists its problems in the order the fields are checked."""

    def __init__(self, rows: list[list[Any]], mapping: dict[str, int], width: int) -> None:
        self.count = len(rows)
        self.mapped = set(mapping)  # what the user chose, columns past the last cell included
        self.mapping = {key: index for key, index in mapping.items() if index < width}
        # The rows turned into columns in one C call (rows are all `width` wide: core.tabular.Table); each
        # column is let go of once read (see take), so that the cells and the checked rows of a large file
        # are not all held at once.
        for cells in rows:
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
        transposed = list(zip(*rows, strict=True)) if rows else [()] * width
        self._cells: dict[str, tuple[Any, ...]] = {key: transposed[index] for key, index in self.mapping.items()}
        self.problems: list[tuple[int, int, str, str]] = []  # (position, step, field key, message)
        self.steps = 0

    def take(self, key: str) -> tuple[Any, ...]:
        """The cells of `key`'s column, once: every field is read once, and its cells are then let go of."""
        return self._cells.pop(key) if key in self.mapping else ("",) * self.count

    def problem(self, position: int, step: int, key: str, message: str) -> None:
        self.problems.append((position, step, key, message))

    def read(self, key: str, reader: Callable[[Any], Read]) -> tuple[list[Any], set[int]]:
        """Each row's clean value of `key`, and the positions where the cell was wrong."""
        step, self.steps = self.steps, self.steps + 1
        if key not in self.mapping:
            return [reader("")[0]] * self.count, set()
        values = self.take(key)
        memo = {value: reader(value) if value.__class__ is str else None for value in set(values)}
        if None in memo.values():  # number, date or blank cells: read each (1, 1.0 and True are equal keys)
            results = [memo[value] or reader(value) for value in values]
        else:
            results = list(map(memo.__getitem__, values))
        failed: set[int] = set()
        if any(result is None or result[1] for result in memo.values()):
            for position, (_, message) in enumerate(results):
                if message:
                    failed.add(position)
                    self.problem(position, step, key, message)
        return [result[0] for result in results], failed

    def next_step(self) -> int:
        self.steps += 1
        return self.steps - 1


def _grids(columns: _Columns, grids: dict[str, Grid], default_grid: Grid | None, community: Community) -> list[int]:
    names = columns.read("grid", _text_reader("grid"))[0]
    step = columns.next_step()
    chosen = {name: grids.get(name) if name else default_grid for name in set(names)}
    known = "、".join(grids) or "无"  # in the grids' own order
    for position, name in enumerate(names):
        if chosen[name] is None:
            if name:
                message = f"网格“{name}”不在{community.name}，或不在您的管辖范围内。可以导入的网格：{known}。"
            else:
                message = "请填写网格，或在导入页面选择“默认网格”。"
            columns.problem(position, step, "grid", message)
    return [grid.pk if (grid := chosen[name]) is not None else 0 for name in names]


def _text_readers() -> dict[str, Callable[[Any], Read]]:
    """The text fields and how each distinct value of theirs is read (checked once however many rows
    repeat it). A further check of a field's text wraps its reader here: its message is reported on every
    row with that value, in this order."""
    keys = ("alley", "building", "unit", "room", "name", "landlord_name")
    readers = {key: (_name_reader if key in PERSON_NAMES else _text_reader)(key) for key in keys}
    return readers | {"notes": _note_reader("notes")}


def _note_reader(key: str) -> Callable[[Any], Read]:
    """Free text: an ID number or a phone written into a note is masked, as the forms' NoteField does."""
    read = _text_reader(key)

    def read_note(value: Any) -> Read:
        text, message = read(value)
        return redact(text), message

    return read_note


_REQUIRED_TEXT = {"alley": "请填写小巷（街巷）名称。", "building": "请填写楼栋，如 3号楼。",
                  "room": "请填写门牌或房号，如 302。", "name": "请填写姓名。"}  # fmt: skip


def _tenancies(columns: _Columns) -> tuple[list[date | None], list[date | None]]:
    starts, _ = columns.read("tenancy_start", _read_date)
    ends, _ = columns.read("tenancy_end", _read_date)
    combined, _ = columns.read("tenancy", _text_reader("tenancy"))
    parse_step, order_step = columns.next_step(), columns.next_step()
    order_key = "tenancy_end" if "tenancy_end" in columns.mapped else "tenancy"
    parsed: dict[str, Read] = {}
    for position, (start, end, text) in enumerate(zip(starts, ends, combined, strict=True)):
        if text and not (start or end):
            if text not in parsed:
                parsed[text] = _read_tenancy(text)
            (start, end), message = parsed[text]
            if message:
                columns.problem(position, parse_step, "tenancy", message)
            starts[position], ends[position] = start, end
        if start and end and end < start:
            columns.problem(position, order_step, order_key, "租期结束日期早于开始日期，请核对。")
    return starts, ends


def _documents(columns: _Columns, doc_types: list[str]) -> tuple[list[Checked | None], list[str]]:
    """Each row's checked document (None when blank or wrong) and its blind index."""
    step = columns.next_step()
    docs: list[Checked | None] = [None] * columns.count
    indexes = [""] * columns.count
    if "doc_number" not in columns.mapping:
        return docs, indexes
    for position, (raw, doc_type) in enumerate(zip(columns.take("doc_number"), doc_types, strict=True)):
        if is_number_cell(raw):
            columns.problem(position, step, "doc_number", NUMBER_ID_MESSAGE)
        elif text := cell_text(raw):
            checked = check_document(doc_type or DocumentType.ID_CARD, text)
            if checked.ok:
                docs[position], indexes[position] = checked, blind_index("doc", checked.value)
            else:
                columns.problem(position, step, "doc_number", checked.error)
    return docs, indexes


def _check_rows(
    columns: _Columns, numbers: list[int], grids: dict[str, Grid], default_grid: Grid | None, community: Community
) -> list[ImportRow]:
    """Every field of every row checked, in the order the register's own pages check them; the rows
    without a problem as ImportRows. Every problem in a row is reported, not just the first."""
    grid_ids = _grids(columns, grids, default_grid, community)
    texts = {}
    failed = {}
    for key, reader in _text_readers().items():
        texts[key], failed[key] = columns.read(key, reader)
    for key, message in _REQUIRED_TEXT.items():
        step = columns.next_step()
        if "" not in texts[key]:  # the usual column: every row filled
            continue
        for position, text in enumerate(texts[key]):
            if not text and position not in failed[key]:
                columns.problem(position, step, key, message)
    kinds = columns.read("kind", _choice_reader("kind"))[0]
    starts, ends = _tenancies(columns)
    choices = {key: columns.read(key, _choice_reader(key))[0] for key in ("sex", "relation", "status")}
    born = columns.read("birth_date", _read_date)[0]
    doc_types = columns.read("doc_type", _choice_reader("doc_type"))[0]
    docs, doc_indexes = _documents(columns, doc_types)
    phones = columns.read("phone", _read_phone)[0]
    landlord_phones = columns.read("landlord_phone", _read_phone)[0]

    wrong = {problem[0] for problem in columns.problems}
    rows: list[ImportRow] = []
    id_card = DocumentType.ID_CARD
    # One pass over the columns side by side (no look-up by field and position per row).
    for position, (number, grid_id, alley, building, unit, room, name, landlord_phone, phone, kind,
                   landlord_name, start, end, sex, relation, status, birth_date, notes, doc_type, doc,
                   doc_index) in enumerate(zip(
        numbers, grid_ids, texts["alley"], texts["building"], texts["unit"], texts["room"], texts["name"],
        landlord_phones, phones, kinds, texts["landlord_name"], starts, ends, choices["sex"],
        choices["relation"], choices["status"], born, texts["notes"], doc_types, docs, doc_indexes, strict=True,
    )):  # fmt: skip
        if position in wrong:
            continue
        household = {}
        if kind:
            household["kind"] = kind
        if landlord_name:
            household["landlord_name"] = landlord_name
        if start:
            household["tenancy_start"] = start
        if end:
            household["tenancy_end"] = end
        resident = {}
        if sex:
            resident["sex"] = sex
        if relation:
            resident["relation"] = relation
        if status:
            resident["status"] = status
        if birth_date:
            resident["birth_date"] = birth_date
        if notes:
            resident["notes"] = notes
        if doc is not None:
            if doc_type in ("", id_card):
                doc_type = document_type_of(doc.value)
            if doc.birth_date:
                resident["birth_date"], resident["sex"] = doc.birth_date, doc.sex
        if doc_type:
            resident["doc_type"] = doc_type
        rows.append(
            ImportRow(
                row=number,
                grid_id=grid_id,
                alley=alley,
                building=building,
                unit=unit,
                room=room,
                name=name,
                household=household,
                resident=resident,
                landlord_phone=landlord_phone,
                doc=doc,
                phone=phone,
                doc_index=doc_index if doc is not None else "",
            )
        )
    return rows


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


def _registered(indexes: list[str]) -> list[tuple[str, int, int]]:
    """(blind index, household, community) of the residents already registered with these numbers."""
    if connection.vendor == "postgresql":
        # One query with one array parameter: 100,000 numbers in chunks of IN lists cost 50 round trips.
        # "<> ''" lets PostgreSQL use resident_unique_document (partial: non-blank numbers), the column's only
        # index; it cannot prove that by itself for a list of values. The array goes as its text literal
        # (blind indexes are hex: nothing to quote), which costs less to send than a list adapted item by item.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.doc_number_index, r.household_id, h.community_id FROM registry_resident r "
                "JOIN registry_household h ON h.id = r.household_id "
                "WHERE r.doc_number_index <> '' AND r.doc_number_index = ANY(%s::varchar[])",
                ["{" + ",".join(indexes) + "}"],
            )
            return cursor.fetchall()
    found: list[tuple[str, int, int]] = []
    for start in range(0, len(indexes), 2000):
        found += Resident.objects.filter(
            ~Q(doc_number_index=""), doc_number_index__in=indexes[start : start + 2000]
        ).values_list("doc_number_index", "household_id", "household__community_id")
    return found


def _against_register(rows: list[ImportRow], community: Community, headers: dict[str, str]) -> list[RowError]:
    """An ID already registered to another household (here or elsewhere) is not silently moved."""
    by_doc = {row.doc_index: row for row in rows if row.doc_index}
    found = _registered(list(by_doc))
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
    """Every row of the table checked; `rows` is complete only when `errors` is empty. Checked column by
    column, the rows are done all at once: `progress` hears of them at the end. The table's cells are
    used up (`table.rows` is empty afterwards): a 100,000-row file never holds its cells and its checked
    rows at once."""
    headers = table.header()
    labels = {
        key: (headers[i] if i < len(headers) and headers[i] else FIELD_BY_KEY[key].label) for key, i in mapping.items()
    }
    labels.update({key: f.label for key, f in FIELD_BY_KEY.items() if key not in labels})
    width = table.width
    indexes = [index for index in mapping.values() if index < width]
    numbers: list[int] = []
    cells_of: list[list[Any]] = []
    done = 0
    for number, cells in table.data_rows():
        done += 1
        # A row with something only in columns we do not import is no row of ours.
        if any(cells[i].strip() if cells[i].__class__ is str else cells[i] is not None for i in indexes):
            numbers.append(number)
            cells_of.append(cells)
    columns = _Columns(cells_of, mapping, width)
    # The cells are in the columns now: the rows are let go of (the caller counted them beforehand).
    del cells_of
    table.rows = []
    rows = _check_rows(columns, numbers, {norm(grid.name): grid for grid in grids}, default_grid, community)
    columns.problems.sort()
    errors = [RowError(numbers[position], labels[key], message) for position, _, key, message in columns.problems]
    errors += _within_file(rows, labels)
    if not errors:
        errors += _against_register(rows, community, labels)
    if progress is not None:
        progress(done)
    errors.sort(key=lambda e: e.row)
    return Validation(rows=rows, errors=errors)
