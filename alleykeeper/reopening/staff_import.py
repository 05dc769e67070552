"""Importing an enterprise's own list of returning staff through core.tabular (size and type by content, zip
checks, GBK or UTF-8, title rows skipped, headers recognised by synonyms). Every row is checked like the
form's; all rows are added or none, and the page lists row, column and what to fix. A person is found again
by their document (blind index), so the same file twice adds nobody. The lists are small: in the request."""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from alleykeeper.core.identity import DocumentType, check_document, check_phone, document_type_of, person_name
from alleykeeper.core.tabular import (
    TabularError,
    cell_text,
    is_number_cell,
    open_table,
    parse_date,
    remove_upload,
    store_upload,
)
from alleykeeper.places.lookup import DivisionIndex
from alleykeeper.reopening.models import Enterprise, HealthState, ReturningStaff
from alleykeeper.reopening.returning_forms import check_returned_on
from alleykeeper.reopening.staff import StaffEntry, add_staff_many

SYNONYMS = {
    "name": ("姓名", "员工姓名", "名字"),
    "doc_type": ("证件类型",),
    "doc_number": ("证件号码", "身份证号码", "身份证号", "身份证", "证件号"),
    "phone": ("手机号码", "联系电话", "电话", "手机", "手机号"),
    "origin": ("从哪里返回", "返回地", "来自", "出发地", "从何地返回", "来源地"),
    "passed": ("途经地", "途经", "途径地"),
    "returned_on": ("返回日期", "返岗日期", "抵达日期", "来鲤日期", "返回本地日期"),
    "health_state": ("健康状况", "健康状态", "身体状况"),
}
LABELS = {
    "name": "姓名",
    "doc_number": "证件号码",
    "phone": "手机号码",
    "origin": "从哪里返回",
    "returned_on": "返回日期",
}
DOC_TYPES = {str(label): value for value, label in DocumentType.choices} | {"身份证": DocumentType.ID_CARD}
HEALTH = {str(label): value for value, label in HealthState.choices} | {
    "健康": HealthState.HEALTHY,
    "正常": HealthState.HEALTHY,
    "发热": HealthState.FEVER,
    "有症状": HealthState.FEVER,
    "密接": HealthState.CLOSE_CONTACT,
    "疑似": HealthState.SUSPECTED,
    "确诊": HealthState.CONFIRMED,
}
SEPARATORS = str.maketrans({c: "、" for c in ",，;；/ "})


@dataclass
class StaffImportOutcome:
    rows: list[ReturningStaff] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # row, column, what to fix


def import_staff(actor, enterprise: Enterprise, uploaded: UploadedFile, *, via_link: bool) -> StaffImportOutcome:
    directory = Path(settings.PRIVATE_UPLOAD_ROOT) / "staff-imports"
    stored = store_upload(uploaded.chunks(), directory)
    try:
        table = open_table(stored.path, SYNONYMS)
    finally:
        remove_upload(stored.path)
    missing = [label for key, label in LABELS.items() if key not in table.mapping]
    if table.header_row is None or missing:
        raise TabularError(f"没有找到这些列：{'、'.join(missing)}。请在表格第一行写上列名。")
    outcome = StaffImportOutcome()
    entries: list[StaffEntry] = []
    places = DivisionIndex()
    seen: set[str] = set()
    for number, cells in table.data_rows():
        row = {key: cells[index] if index < len(cells) else "" for key, index in table.mapping.items()}
        entry = _check_row(number, row, places, outcome.errors)
        if entry is not None:
            if entry.doc.value in seen:
                outcome.errors.append((number, "证件号码", "与上面某一行的证件号码重复，请删除重复的行。"))
                continue
            seen.add(entry.doc.value)
            entries.append(entry)
    if outcome.errors or not entries:
        if not outcome.errors:
            raise TabularError("表格里没有人员，请检查是否选错了文件。")
        return outcome
    outcome.rows = add_staff_many(actor, enterprise, entries, via_link=via_link)
    return outcome


def _check_row(number: int, row: dict, places: DivisionIndex, errors: list) -> StaffEntry | None:
    before = len(errors)
    name = person_name(cell_text(row.get("name")))
    if not name:
        errors.append((number, "姓名", "请填写姓名。"))
    doc_type = DOC_TYPES.get(cell_text(row.get("doc_type")), DocumentType.ID_CARD)
    raw_doc = row.get("doc_number")
    doc = check_document(doc_type, cell_text(raw_doc))
    if is_number_cell(raw_doc):
        errors.append(
            (number, "证件号码", "证件号码被存成了数字（可能已丢失末尾几位），请把这一列设为文本后重新填写。")
        )
    elif not doc.ok:
        errors.append((number, "证件号码", doc.error))
    elif doc_type == DocumentType.ID_CARD:
        doc_type = document_type_of(doc.value)
    phone = check_phone(cell_text(row.get("phone")))
    if not phone.value:
        errors.append((number, "手机号码", "请填写手机号码。"))
    elif not phone.ok:
        errors.append((number, "手机号码", phone.error))
    origin_text = cell_text(row.get("origin"))
    origin = places.resolve(origin_text)
    if not origin_text:
        errors.append((number, "从哪里返回", "请填写从哪里返回，如“湖北省武汉市”。"))
    elif origin is None:
        errors.append((number, "从哪里返回", f"看不懂“{origin_text[:20]}”，请写成“湖北省武汉市”或 6 位区划代码。"))
    passed = []
    for text in cell_text(row.get("passed")).translate(SEPARATORS).split("、"):
        if text:
            place = places.resolve(text)
            if place is None:
                errors.append((number, "途经地", f"看不懂“{text[:20]}”，多个地方用顿号隔开，如“武汉、长沙”。"))
            elif place not in passed:
                passed.append(place)
    try:
        returned_on = parse_date(row.get("returned_on"))
        if returned_on is None:
            errors.append((number, "返回日期", "请填写返回日期。"))
        else:
            check_returned_on(returned_on)
    except ValueError as problem:
        returned_on = None
        errors.append((number, "返回日期", str(problem)))
    except ValidationError as problem:
        returned_on = None
        errors.append((number, "返回日期", problem.messages[0]))
    health_text = cell_text(row.get("health_state"))
    health = HEALTH.get(health_text, HealthState.HEALTHY if not health_text else None)
    if health is None:
        errors.append((number, "健康状况", "请填写：健康、发热、密接、疑似或确诊。"))
    if len(errors) > before or origin is None or returned_on is None:
        return None
    data = {"name": name, "doc_type": doc_type, "returned_on": returned_on, "health_state": health}
    return StaffEntry(data=data, doc=doc, phone=phone, origin=origin, passed=passed[:5])
