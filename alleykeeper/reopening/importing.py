"""Importing an enterprise list through the register's machinery: core.tabular reads the upload (size, type
by content, zip checks, encodings, header row, synonyms) and keeps the cells it read beside it
(core.kept_cells), the user confirms the guessed mapping, every row is checked, and all rows are written or
none. Importing the same file twice adds nothing: an enterprise is found again by its credit code, or by
name and address for one without a code. A blank cell never erases a stored value. Lists are small (a
street has hundreds of enterprises, not 100,000), so the import runs in the request.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.credit_code import check_credit_code
from alleykeeper.core.identity import Checked, check_phone
from alleykeeper.core.spreadsheets import Column, XlsxResult, write_xlsx
from alleykeeper.core.stale_uploads import remove_orphan_uploads
from alleykeeper.core.tabular import (
    Table,
    TabularError,
    cell_text,
    open_table,
    remove_upload,
    sniff_kind,
    store_upload,
)
from alleykeeper.registry.models import Building, Community, Grid
from alleykeeper.reopening import actions
from alleykeeper.reopening.models import Enterprise, EnterpriseImport, ImportStatus, Sector

UPLOAD_KEEP = timedelta(hours=24)
ERROR_COLUMN = "导入错误"
ROW_COLUMN = "原行号"


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = False


FIELDS = (
    ImportField("name", "企业名称", ("企业名称", "单位名称", "商户名称", "店名", "名称", "个体户名称"), required=True),
    ImportField("credit_code", "统一社会信用代码", ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码")),
    ImportField("grid", "网格", ("网格", "所属网格"), required=True),
    ImportField("mall", "商场", ("商场", "所在商场", "综合体", "商业体")),
    ImportField("floor", "楼层", ("楼层", "层")),
    ImportField("shop_number", "铺位号", ("铺位号", "铺位", "商铺号", "店铺号", "铺号")),
    ImportField("alley", "小巷", ("小巷", "街巷", "巷")),
    ImportField("building", "楼栋", ("楼栋", "楼号", "门牌")),
    ImportField("sector", "行业", ("行业", "行业类别", "经营类别", "业态")),
    ImportField("contact_name", "联系人", ("联系人", "负责人", "店长"), required=True),
    ImportField("phone", "联系电话", ("联系电话", "电话", "手机", "手机号", "联系方式"), required=True),
    ImportField("headcount", "员工人数", ("员工人数", "员工数", "从业人数", "人数")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
SYNONYMS = {f.key: f.synonyms for f in FIELDS}
SECTOR_BY_LABEL = {str(label): value for value, label in Sector.choices} | {
    "餐饮业": Sector.CATERING,
    "零售": Sector.RETAIL,
}


def missing_fields(mapping: dict) -> list[str]:
    return [f.label for f in FIELDS if f.required and f.key not in mapping]


def upload_dir() -> Path:
    return Path(settings.PRIVATE_UPLOAD_ROOT) / "enterprise-imports"


def _file_of(job: EnterpriseImport) -> Path:
    if not job.file_path:
        raise TabularError("上传的文件已删除（导入完成或超过 24 小时）。请重新上传。")
    return upload_dir() / job.file_path


def _finish(job: EnterpriseImport, status: str, message: str, *, keep_file: bool = False) -> None:
    if not keep_file and job.file_path:
        remove_upload(upload_dir() / job.file_path)
        job.file_path = ""
    job.status, job.message = status, message[:500]
    job.save()


def create_import(actor, community: Community, chunks, file_name: str) -> EnterpriseImport:
    """Store the upload privately, read it (core.tabular) and guess the mapping; TabularError says what is wrong."""
    stored = store_upload(chunks, upload_dir())
    try:
        with open(stored.path, "rb") as handle:
            sniff_kind(handle.read(16))
        table = open_table(stored.path, SYNONYMS, keep_parsed=True)
    except BaseException:
        remove_upload(stored.path)
        raise
    return EnterpriseImport.objects.create(
        community=community,
        created_by=actor,
        file_name=Path(file_name).name[:200] or "upload",
        file_path=stored.path.name,
        file_sha256=stored.sha256,
        header_row=table.header_row,
        columns=[cell_text(h)[:60] for h in table.header()],
        mapping=table.mapping,
        rows_total=table.data_count(),
        message="" if table.header_row is not None else "没有认出表头行，请在下面指定表头在第几行。",
    )


def change_header_row(job: EnterpriseImport, header_row: int) -> None:
    table = open_table(_file_of(job), SYNONYMS, header_row=header_row)
    job.header_row, job.mapping = table.header_row, table.mapping
    job.columns = [cell_text(h)[:60] for h in table.header()]
    job.rows_total = table.data_count()
    job.save()


@dataclass
class CheckedRow:
    row: int
    data: dict
    phone: Checked | None
    key: tuple


@dataclass
class Validation:
    rows: list[CheckedRow] = field(default_factory=list)
    errors: list[list] = field(default_factory=list)  # [row, column label, message]


def _grids(job: EnterpriseImport, actor) -> dict[str, Grid]:
    grids = Grid.objects.filter(community=job.community) & Grid.objects.visible_to(actor)
    return {g.name: g for g in grids}


def validate(job: EnterpriseImport, table: Table, actor) -> Validation:
    result = Validation()
    grids = _grids(job, actor)
    buildings = {
        (b.alley.grid_id, b.alley.name, b.name): b
        for b in Building.objects.filter(alley__grid__in=grids.values()).select_related("alley")
    }
    seen: dict[tuple, int] = {}
    mapping = {key: int(index) for key, index in job.mapping.items()}
    for number, cells in table.data_rows():

        def cell(key: str, cells=cells) -> str:
            index = mapping.get(key)
            return cell_text(cells[index]) if index is not None and index < len(cells) else ""

        def error(key: str, message: str, number=number) -> None:
            result.errors.append([number, FIELD_BY_KEY[key].label, message])

        before = len(result.errors)
        data: dict = {}
        for key in ("name", "contact_name", "mall", "floor", "shop_number"):
            value = cell(key)
            if len(value) > Enterprise._meta.get_field(key).max_length:
                error(key, f"太长（{len(value)} 字），请精简。")
            elif value:
                data[key] = value
        for key in ("name", "contact_name"):
            if not cell(key):
                error(key, f"请填写{FIELD_BY_KEY[key].label}。")
        code = cell("credit_code")
        if code and code not in ("无", "/", "-"):
            checked = check_credit_code(code)
            if checked.ok:
                data["credit_code"], data["no_credit_code"] = checked.value, False
            else:
                error("credit_code", checked.error)
        else:
            data["no_credit_code"] = True
        grid = grids.get(cell("grid"))
        if grid is None:
            error(
                "grid",
                f"“{cell('grid')[:20]}”不是本社区您负责的网格，请写已有的网格名称。"
                if cell("grid")
                else "请填写网格。",
            )
        else:
            data["grid"] = grid
        if cell("building"):
            building = buildings.get((grid.pk if grid else None, cell("alley"), cell("building")))
            if building is None:
                error("building", "台账里没有这个楼栋（按网格、小巷、楼栋查找），请核对，或改填商场和铺位号。")
            else:
                data["building"] = building
        elif not data.get("mall"):
            error("mall", "请填写所在商场和铺位号，或小巷和楼栋。")
        if data.get("mall") and not data.get("shop_number"):
            error("shop_number", "在商场内的企业请填写铺位号。")
        sector = cell("sector")
        if sector:
            if sector not in SECTOR_BY_LABEL:
                error("sector", f"行业请写：{'、'.join(str(label) for label in Sector.labels)}。")
            else:
                data["sector"] = SECTOR_BY_LABEL[sector]
        headcount = cell("headcount")
        if headcount:
            if not headcount.isdigit() or int(headcount) > 100_000:
                error("headcount", "员工人数请写整数。")
            else:
                data["headcount"] = int(headcount)
        phone = check_phone(cell("phone"))
        if not phone.value:
            error("phone", "请填写联系电话。")
        elif not phone.ok:
            error("phone", phone.error)
        key = (
            ("code", data["credit_code"])
            if data.get("credit_code")
            else (
                "name",
                data.get("name"),
                data.get("mall", ""),
                data.get("shop_number", ""),
                getattr(data.get("building"), "pk", None),
            )
        )
        if len(result.errors) == before:
            if key in seen:
                error("credit_code" if key[0] == "code" else "name", f"与第 {seen[key]} 行是同一家企业，请合并成一行。")
            else:
                seen[key] = number
                result.rows.append(CheckedRow(number, data, phone if phone.value else None, key))
    return result


def _existing(job: EnterpriseImport, rows: list[CheckedRow]) -> dict[tuple, Enterprise]:
    codes = [r.key[1] for r in rows if r.key[0] == "code"]
    found: dict[tuple, Enterprise] = {
        ("code", e.credit_code): e for e in Enterprise.objects.filter(credit_code__in=codes)
    }
    names = [r.key[1] for r in rows if r.key[0] == "name"]
    for e in Enterprise.objects.filter(community=job.community, credit_code="", name__in=names):
        found[("name", e.name, e.mall, e.shop_number, e.building_id)] = e
    return found


def run_import(actor, job: EnterpriseImport, mapping: dict[str, int]) -> bool:
    """Check every row; write all of them in one transaction, or none when any row is wrong. True when done."""
    if job.status != ImportStatus.MAPPING:
        return False
    job.mapping = mapping
    try:
        table = open_table(_file_of(job), SYNONYMS, header_row=job.header_row)
        table.header_row = job.header_row
        checked = validate(job, table, actor)
        existing = _existing(job, checked.rows)
        for row in checked.rows:
            found = existing.get(row.key)
            if found is not None and found.community_id != job.community_id:
                checked.errors.append([row.row, "统一社会信用代码", "这家企业已登记在另一个社区，不能导入到这里。"])
    except TabularError as problem:
        _finish(job, ImportStatus.FAILED, str(problem))
        return False
    if checked.errors:
        job.errors = checked.errors[:2000]
        rows = len({e[0] for e in checked.errors})
        _finish(
            job,
            ImportStatus.INVALID,
            f"{rows} 行有错误，未导入任何数据。请下载错误报告，改正后重新导入。",
            keep_file=True,
        )
        return False
    created = updated = 0
    with transaction.atomic():
        for row in checked.rows:
            enterprise = existing.get(row.key)
            before = enterprise.updated_at if enterprise else None
            saved = actions.save_enterprise(actor, enterprise, row.data, row.phone)
            if enterprise is None:
                created += 1
            elif saved.updated_at != before:
                updated += 1
        record_event(
            actor,
            "enterprise.import",
            job.community,
            label=job.file_name,
            row_count=len(checked.rows),
            detail={"import": job.pk, "sha256": job.file_sha256, "created": created, "updated": updated},
        )
    _finish(job, ImportStatus.DONE, f"已导入：新增 {created} 家，更新 {updated} 家，其余与名单相同，未重复添加。")
    return True


def discard(job: EnterpriseImport) -> None:
    _finish(job, ImportStatus.DISCARDED, "已放弃，上传的文件已删除。")


def purge_stale(now=None) -> int:
    """Delete uploads kept longer than UPLOAD_KEEP (waiting for a mapping, or for their error report)."""
    cutoff = (now or timezone.now()) - UPLOAD_KEEP
    stale = list(EnterpriseImport.objects.exclude(file_path="").filter(updated_at__lt=cutoff))
    for job in stale:
        _finish(job, ImportStatus.DISCARDED if job.status == ImportStatus.MAPPING else job.status, job.message)
    known = set(EnterpriseImport.objects.exclude(file_path="").values_list("file_path", flat=True))
    return len(stale) + remove_orphan_uploads(upload_dir(), known, cutoff)


def error_report(job: EnterpriseImport) -> XlsxResult:
    """The file's rows as they were, each with what is wrong in it, to fix and import again."""
    table = open_table(_file_of(job), SYNONYMS, header_row=job.header_row)
    table.header_row = job.header_row
    by_row: dict[int, list[str]] = {}
    for row, column, message in job.errors:
        by_row.setdefault(row, []).append(f"{column}：{message}")
    header = table.header()
    columns = [Column(ERROR_COLUMN, width=40), Column(ROW_COLUMN, width=8)] + [
        Column(header[i] if i < len(header) and header[i] else f"第{i + 1}列", width=16) for i in range(table.width)
    ]
    rows = (["；".join(by_row.get(n, [])), str(n), *(cell_text(c) for c in cells)] for n, cells in table.data_rows())
    return write_xlsx(rows, columns, sheet_name="错误报告", title=f"{job.file_name} 导入错误报告")
