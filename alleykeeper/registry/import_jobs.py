"""Running a register import as a job: upload, analyse (headers and mapping), check, write, report.

The page and `manage.py import_register` call the same functions; the page runs them as django-tasks
tasks (registry.tasks) so a large file never holds a web worker. Progress is written to the ImportJob row
outside the import's transaction, so that the page can poll it while the job runs.
"""

import io
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from alleykeeper.core.batch import cyclic_gc_paused
from alleykeeper.core.logging import redact
from alleykeeper.core.spreadsheets import Column, XlsxResult, write_xlsx
from alleykeeper.core.stale_uploads import remove_orphan_uploads
from alleykeeper.core.tabular import (
    HeaderRowMissing,
    Table,
    TabularError,
    cell_text,
    open_table,
    remove_upload,
    sniff_kind,
    store_upload,
)
from alleykeeper.registry import actions
from alleykeeper.registry.import_fields import CHOICE_FIELDS, FIELDS, SYNONYMS, missing_fields
from alleykeeper.registry.imports import RowError, validate
from alleykeeper.registry.models import Community, Grid, ImportJob, ImportStatus

log = logging.getLogger(__name__)

UPLOAD_KEEP = timedelta(hours=24)  # a file waiting for its mapping or its error report, at most
MAX_STORED_ERRORS = 20_000
ERROR_COLUMN = "导入错误"
ROW_COLUMN = "原行号"
CONFLICT_MESSAGE = "导入时台账被同时修改（例如有人刚登记了同一证件号码），未导入任何数据。请重新导入这个文件。"


def upload_dir() -> Path:
    return Path(settings.PRIVATE_UPLOAD_ROOT) / "imports"


def file_of(job: ImportJob) -> Path:
    if not job.file_path:
        raise TabularError("上传的文件已删除（导入完成或超过 24 小时）。请重新上传。")
    return upload_dir() / job.file_path


def delete_file(job: ImportJob) -> None:
    if job.file_path:
        remove_upload(upload_dir() / job.file_path)
        job.file_path = ""


def create_job(
    actor,
    community: Community,
    chunks: Iterable[bytes],
    file_name: str,
    *,
    default_grid: Grid | None = None,
    dry_run: bool = False,
) -> ImportJob:
    """Store the upload privately and refuse at once what is plainly not a spreadsheet (TabularError)."""
    stored = store_upload(chunks, upload_dir())
    try:
        with open(stored.path, "rb") as handle:
            kind = sniff_kind(handle.read(16))
    except TabularError:
        stored.path.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        community=community,
        default_grid=default_grid,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        dry_run=dry_run,
        file_name=Path(file_name).name[:200] or "upload",
        file_path=stored.path.name,
        file_sha256=stored.sha256,
        file_size=stored.size,
        file_kind=kind,
    )


def grids_for(job: ImportJob) -> QuerySet:
    """The grids rows may land in: the job's community, narrowed to what the importing user can see."""
    grids = Grid.objects.filter(community=job.community)
    return grids & Grid.objects.visible_to(job.created_by) if job.created_by_id else grids


def _finish(job: ImportJob, status: str, message: str = "", *, keep_file: bool = False) -> None:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    if not keep_file:
        delete_file(job)
    job.save()


def fail(job: ImportJob, message: str) -> None:
    _finish(job, ImportStatus.FAILED, message)


def _set_status(job: ImportJob, status: str) -> None:
    job.status = status
    job.save(update_fields=["status", "updated_at"])


def analyse(job: ImportJob, *, header_row: int | None = None, keep_parsed: bool = True) -> Table | None:
    """Read the file safely, find its header row and guess the column mapping; the job then waits for the
    user to confirm the mapping (status MAPPING). Returns the table for callers that go on at once.

    The cells read are kept beside the upload (core.tabular.parsed_copy), so that the import, run later
    by the db_worker in another process, does not parse the file again; a caller that hands the returned
    table straight to `execute` (the command) needs no copy kept."""
    _set_status(job, ImportStatus.ANALYSING)
    try:
        table = open_table(file_of(job), SYNONYMS, header_row=header_row, keep_parsed=keep_parsed)
    except HeaderRowMissing as problem:  # a row number typed at the mapping step: the columns read stay
        job.status = ImportStatus.MAPPING
        job.message = str(problem)
        job.save(update_fields=["status", "message", "updated_at"])
        return None
    except TabularError as problem:
        fail(job, str(problem))
        return None
    except Exception:
        log.exception("register import job %s: the file could not be read", job.pk)
        fail(job, "无法读取这个文件。请用 Excel 打开后另存为 .xlsx 再导入；如仍失败，请联系系统管理员。")
        return None
    job.file_kind, job.encoding, job.sheet = table.kind, table.encoding, table.sheet[:100]
    job.header_row = table.header_row
    job.columns = [cell_text(h)[:60] for h in table.header()] if table.header_row is not None else []
    job.mapping = table.mapping
    job.rows_total, job.rows_done = table.data_count(), 0
    job.status = ImportStatus.MAPPING
    job.message = "" if table.header_row is not None else "没有认出表头行，请在下面指定表头在第几行。"
    job.save()
    return table


def confirm_mapping(job: ImportJob, mapping: dict[str, int]) -> bool:
    """Accept the user's mapping once; False when the job was already started (a double click)."""
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.MAPPING).update(
        mapping=mapping, status=ImportStatus.QUEUED, updated_at=timezone.now()
    )
    job.refresh_from_db()
    return bool(updated)


def _progress(job: ImportJob, also: Callable[[int], None] | None) -> Callable[[int], None]:
    """Write progress at most twice a second: the page polls every second, and each write is a commit."""
    last = [0.0]

    def report(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done >= job.rows_total:
            last[0] = now
            ImportJob.objects.filter(pk=job.pk).update(rows_done=done, updated_at=timezone.now())
        if also is not None:
            also(done)

    return report


@cyclic_gc_paused()  # ~10% of a 100,000-row import otherwise goes to the collector's scans
def execute(job: ImportJob, *, table: Table | None = None, progress: Callable[[int], None] | None = None) -> None:
    """Check every row, then write all of them in one transaction, or none when any row is wrong."""
    _set_status(job, ImportStatus.VALIDATING)
    try:
        if table is None:
            table = open_table(file_of(job), SYNONYMS, header_row=job.header_row)
        table.header_row = job.header_row
        missing = missing_fields(job.mapping, has_default_grid=job.default_grid_id is not None)
        if missing:
            raise TabularError(f"没有为这些字段选择列：{'、'.join(missing)}。")
        mapping = {key: int(index) for key, index in job.mapping.items()}
        rows_total = table.data_count()  # counted before validate uses the table's cells up
        checked = validate(
            table,
            mapping,
            community=job.community,
            grids=grids_for(job),
            default_grid=job.default_grid,
            progress=_progress(job, progress),
        )
        job.rows_total = job.rows_done = rows_total
        if checked.errors:
            job.error_count = len(checked.errors)
            # Messages quote cells (“…”不是有效的…): an ID or phone typed in the wrong column is masked.
            job.errors = [[e.row, redact(e.column), redact(e.message)] for e in checked.errors[:MAX_STORED_ERRORS]]
            rows_with_errors = len({e.row for e in checked.errors})
            message = f"{rows_with_errors} 行有错误，共 {job.error_count} 处，未导入任何数据。请下载错误报告，改正后重新导入。"
            _finish(job, ImportStatus.INVALID, message, keep_file=True)
            return
        _set_status(job, ImportStatus.WRITING)
        with transaction.atomic():
            counts = actions.import_rows(
                job.created_by,
                job.community,
                checked.rows,
                label=job.file_name,
                detail={"job": job.pk, "sha256": job.file_sha256, "dry_run": job.dry_run},
            )
            if job.dry_run:
                transaction.set_rollback(True)
        job.result = asdict(counts)
        _finish(job, ImportStatus.DONE, summary(job))
    except TabularError as problem:
        fail(job, str(problem))
    except IntegrityError:
        fail(job, CONFLICT_MESSAGE)
    except Exception:
        log.exception("register import job %s failed", job.pk)
        fail(job, "导入时出现意外错误，未导入任何数据。请稍后重试；如仍失败，请联系系统管理员。")


def summary(job: ImportJob) -> str:
    r = job.result
    prefix = "检查通过（仅检查，未写入）：将" if job.dry_run else "已导入："
    return (
        f"{prefix}新增住户 {r.get('households_created', 0)} 户、更新 {r.get('households_updated', 0)} 户，"
        f"新增居民 {r.get('residents_created', 0)} 人、更新 {r.get('residents_updated', 0)} 人；"
        f"其余与台账相同，未重复添加。"
    )


def discard(job: ImportJob) -> None:
    _finish(job, ImportStatus.DISCARDED, "已放弃，上传的文件已删除。")


def purge_stale(now=None) -> int:
    """Delete uploads kept longer than UPLOAD_KEEP (waiting for a mapping, or for their error report)."""
    cutoff = (now or timezone.now()) - UPLOAD_KEEP
    stale = ImportJob.objects.exclude(file_path="").filter(updated_at__lt=cutoff)
    count = 0
    for job in stale:
        if job.status in (ImportStatus.MAPPING, ImportStatus.INVALID):
            _finish(job, ImportStatus.DISCARDED if job.status == ImportStatus.MAPPING else job.status, job.message)
        else:
            _finish(job, ImportStatus.FAILED, "任务中断，上传的文件已删除。请重新导入。")
        count += 1
    known = set(ImportJob.objects.exclude(file_path="").values_list("file_path", flat=True))
    return count + remove_orphan_uploads(upload_dir(), known, cutoff)


def errors_of(job: ImportJob) -> list[RowError]:
    return [RowError(row, column, message) for row, column, message in job.errors]


def error_report(job: ImportJob) -> XlsxResult:
    """The file's rows as they were, each with what is wrong in it, to fix and import again."""
    table = open_table(file_of(job), SYNONYMS, header_row=job.header_row)
    table.header_row = job.header_row
    by_row: dict[int, list[str]] = {}
    for error in errors_of(job):
        by_row.setdefault(error.row, []).append(f"{error.column}：{error.message}")
    header = table.header() if table.header_row is not None else []
    width = table.width
    columns = [Column(ERROR_COLUMN, width=40), Column(ROW_COLUMN, width=8)] + [
        Column((header[i] if i < len(header) and header[i] else f"第{i + 1}列"), width=16) for i in range(width)
    ]

    def rows() -> Iterable[list]:
        for number, cells in table.data_rows():
            yield ["；".join(by_row.get(number, [])), str(number), *(cell_text(c) for c in cells)]

    return write_xlsx(rows(), columns, sheet_name="错误报告", title=f"{job.file_name} 导入错误报告")


TEMPLATE_NOTES = {
    "grid": "必填（或在导入页面选择默认网格）。须是本社区已有的网格名称。",
    "alley": "必填。没有的小巷会自动新建。",
    "building": "必填，如 3号楼。",
    "unit": "可不填。",
    "room": "必填，如 302。同一网格、小巷、楼栋、单元、房号视为同一户。",
    "kind": "自住、出租、空置、商铺（“是否出租”填 是/否 也可）。",
    "tenancy": "可写“2020-01-01至2020-12-31”，或用下面两列。",
    "name": "必填。",
    "doc_type": "不填则按居民身份证。",
    "doc_number": "请保持“文本”格式：被 Excel 转成数字（如 3.5E+17）的号码会报错，不会导入。",
    "phone": "手机 11 位，座机带区号。",
    "birth_date": "写成 2020-01-05；有身份证号时以号码为准。",
    "relation": "户主、配偶、子女、父母、孙辈、兄弟姐妹、租客、其他。",
    "status": "常住、暂住、外出。",
}


def template_xlsx() -> bytes:
    """The downloadable template: our headers, every column formatted as text, lists for the choices."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    text = workbook.add_format({"num_format": "@"})
    head = workbook.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1, "num_format": "@"})
    sheet = workbook.add_worksheet("台账")
    notes = workbook.add_worksheet("填写说明")
    columns = [f for f in FIELDS if f.key != "tenancy"]
    for index, item in enumerate(columns):
        sheet.set_column(index, index, 18 if item.key == "doc_number" else 12, text)
        sheet.write_string(0, index, item.label + ("*" if item.required or item.key == "grid" else ""), head)
        if item.key in CHOICE_FIELDS:
            labels = [str(label) for label in CHOICE_FIELDS[item.key][1].labels]
            sheet.data_validation(
                1, index, 100_000, index, {"validate": "list", "source": labels, "ignore_blank": True}
            )
    sheet.freeze_panes(1, 0)
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 80)
    notes.write_row(0, 0, ["列", "怎么填"], head)
    for row, item in enumerate(FIELDS, start=1):
        notes.write_string(row, 0, item.label)
        notes.write_string(row, 1, TEMPLATE_NOTES.get(item.key, "可不填。"))
    notes.write_string(len(FIELDS) + 2, 0, "说明")
    notes.write_string(
        len(FIELDS) + 2,
        1,
        "每行一位居民；同一户的几个人写几行，地址相同。整张表要么全部导入，要么一行都不导入；"
        "重复导入同一个文件不会重复添加。表头可以用你们自己的叫法，导入时可以调整对应关系。",
    )
    workbook.close()
    return buffer.getvalue()
