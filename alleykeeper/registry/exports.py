"""Exports of the register: scoped to the user, masked, audited, streamed with a fixed number of queries.

Identity columns come from the stored *_masked columns: an export never decrypts anything; a birth date is
written as the age (it would complete the masked ID number). Rows are read
with values_list(...).iterator(), one query (one server-side cursor on PostgreSQL) whatever the row count.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.identity import DocumentType, age_on
from alleykeeper.core.spreadsheets import DATE, NUMBER, Column, XlsxResult, csv_chunks, write_xlsx
from alleykeeper.registry.models import (
    Grid,
    HouseholdKind,
    RelationToHead,
    ResidenceStatus,
    Resident,
    ResidentQuerySet,
    Sex,
)

CHUNK_SIZE = 2000

# (column, the value read for it): one list so that headers and values cannot drift apart.
_REGISTER_LAYOUT: list[tuple[Column, str]] = [
    (Column("网格", width=14), "household__grid__name"),
    (Column("小巷", width=14), "household__building__alley__name"),
    (Column("楼栋", width=10), "household__building__name"),
    (Column("单元", width=8), "household__unit__name"),
    (Column("门牌/房号", width=10), "household__room"),
    (Column("住户类型", width=8), "household__kind"),
    (Column("姓名", width=12), "name"),
    (Column("性别", width=6), "sex"),
    (Column("年龄", kind=NUMBER, width=6), "birth_date"),  # the age on the day: see core.identity.age_on
    (Column("与户主关系", width=10), "relation"),
    (Column("居住状态", width=8), "status"),
    (Column("证件类型", width=14), "doc_type"),
    (Column("证件号码（脱敏）", width=22), "doc_number_masked"),
    (Column("电话（脱敏）", width=16), "phone_masked"),
    (Column("备注", width=24), "notes"),
    (Column("房东姓名", width=10), "household__landlord_name"),
    (Column("房东电话（脱敏）", width=16), "household__landlord_phone_masked"),
    (Column("租期开始", kind=DATE, width=12), "household__tenancy_start"),
    (Column("租期结束", kind=DATE, width=12), "household__tenancy_end"),
]
REGISTER_COLUMNS: list[Column] = [column for column, _ in _REGISTER_LAYOUT]
REGISTER_FIELDS: list[str] = [field for _, field in _REGISTER_LAYOUT]
# Stored codes shown with their Chinese labels.
_LABELS: dict[str, dict[str, str]] = {
    "household__kind": dict(HouseholdKind.choices),
    "sex": dict(Sex.choices),
    "relation": dict(RelationToHead.choices),
    "status": dict(ResidenceStatus.choices),
    "doc_type": dict(DocumentType.choices),
}


@dataclass(frozen=True)
class RegisterFilters:
    """What part of the user's scope to export: one grid (already access-checked) and a household kind."""

    grid: Grid | None = None
    kind: str = ""


def register_queryset(user, filters: RegisterFilters) -> ResidentQuerySet:
    """Residents the user may see, narrowed by the filters, in address order."""
    residents = Resident.objects.visible_to(user)
    if filters.grid is not None:
        residents = residents.filter(household__grid=filters.grid)
    if filters.kind in HouseholdKind.values:
        residents = residents.filter(household__kind=filters.kind)
    return residents.order_by("household__grid", "household__building_id", "household__room", "household_id", "id")


def register_rows(user, filters: RegisterFilters) -> Iterator[tuple]:
    """Export rows: one query, streamed in chunks; coded values replaced by their labels."""
    label_columns = [(REGISTER_FIELDS.index(field), labels) for field, labels in _LABELS.items()]
    born, today = REGISTER_FIELDS.index("birth_date"), timezone.localdate()
    rows = register_queryset(user, filters).values_list(*REGISTER_FIELDS).iterator(chunk_size=CHUNK_SIZE)
    for values in rows:
        row = list(values)
        for index, labels in label_columns:
            row[index] = labels.get(row[index], row[index])
        if row[born] is not None:
            row[born] = age_on(row[born], today)
        yield row


def describe_scope(user, filters: RegisterFilters, visible_grids: list[Grid]) -> str:
    """The audit record's scope: which grids and which filters, in words."""
    if filters.grid is not None:
        parts = [f"网格：{filters.grid.name}"]
    else:
        names = "、".join(grid.name for grid in visible_grids[:20])
        more = f"等 {len(visible_grids)} 个" if len(visible_grids) > 20 else ""
        parts = [f"可见的全部网格（{names or '无'}{more}）"]
    if filters.kind in HouseholdKind.values:
        parts.append(f"住户类型：{HouseholdKind(filters.kind).label}")
    return "；".join(parts)


def _audit(user, filters: RegisterFilters, purpose: str, scope: str, fmt: str, rows: int, client_ip: str | None):
    record_event(
        user,
        "register.export",
        purpose=purpose,
        scope=scope,
        row_count=rows,
        client_ip=client_ip,
        label="居民台账导出",
        detail={"format": fmt, "grid": filters.grid.pk if filters.grid else None, "kind": filters.kind},
    )


class TooManyRows(Exception):
    """An XLSX export larger than EXPORT_XLSX_MAX_ROWS: nothing was written or audited."""

    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(
            f"这次导出有 {rows:,} 行，超过 Excel 导出的上限 {limit:,} 行。"
            "请按网格或住户类型分批导出，或选择 CSV 格式（不限行数，边读边下载）。"
        )


def export_register_xlsx(
    user, filters: RegisterFilters, *, purpose: str, scope: str, client_ip: str | None = None
) -> XlsxResult:
    """Write the workbook to a temporary file, then audit it with its exact row count before it is sent.

    An XLSX is built whole before the first byte leaves, so its size is bounded (TooManyRows)."""
    limit = settings.EXPORT_XLSX_MAX_ROWS
    rows = register_queryset(user, filters).count()
    if rows > limit:
        raise TooManyRows(rows, limit)
    result = write_xlsx(register_rows(user, filters), REGISTER_COLUMNS, sheet_name="居民台账", title="居民台账")
    _audit(user, filters, purpose, scope, "xlsx", result.row_count, client_ip)
    return result


def export_register_csv(
    user, filters: RegisterFilters, *, purpose: str, scope: str, client_ip: str | None = None
) -> tuple[Iterator[bytes], int]:
    """Count and audit first (nothing leaves unaudited), then stream the CSV as it is read."""
    count = register_queryset(user, filters).count()
    _audit(user, filters, purpose, scope, "csv", count, client_ip)
    return csv_chunks(register_rows(user, filters), REGISTER_COLUMNS), count


def export_filename(extension: str) -> str:
    return f"居民台账-{timezone.localdate():%Y%m%d}.{extension}"
