"""A gate's log of some days as CSV (for reporting upward or checking a case's movements): masked,
formula-safe, audited. The purpose, the days and the audit line are audit.exports', as for visitors."""

from collections.abc import Iterator
from datetime import date

from django.utils import timezone

from alleykeeper.audit.exports import audited_csv, day_range, scope_label
from alleykeeper.core.spreadsheets import NUMBER, Column
from alleykeeper.gates.models import Gate, GateLogEntry

COLUMNS = [
    Column("时间", width=16),
    Column("卡口", width=12),
    Column("方向", width=6),
    Column("类别", width=10),
    Column("居民姓名", width=10),
    Column("证件号码（部分隐藏）", width=22),
    Column("住址", width=20),
    Column("登记码", width=9),
    Column("车牌", width=10),
    Column("体温", NUMBER, width=6),
    Column("标记", width=16),
    Column("备注", width=20),
    Column("登记人", width=10),
]


def _row(entry: GateLogEntry) -> tuple:
    resident = entry.resident  # None for visitors, couriers, vehicles, and residents since deleted
    household = resident.household if resident is not None else None
    recorder = entry.recorded_by  # None when the account was deleted
    return (
        timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M"),
        entry.gate.name,
        entry.get_direction_display(),
        entry.get_kind_display(),
        resident.name if resident is not None else "",
        resident.doc_number_masked if resident is not None else "",
        household.address if household is not None else "",
        entry.visitor_code,
        entry.plate,
        entry.temperature,
        "、".join(entry.flag_labels),
        entry.note,
        str(recorder) if recorder is not None else "",
    )


def export_log(
    actor, gate: Gate, start: date, end: date, purpose: str, client_ip: str | None = None
) -> Iterator[bytes]:
    """The passages at `gate` from `start` to `end`, oldest first, streamed (a busy gate's quarter is tens of
    thousands of rows), audited with purpose and row count before the first byte."""
    since, until = day_range(start, end)
    entries = GateLogEntry.objects.filter(gate=gate, at__gte=since, at__lt=until)
    rows = (
        _row(entry)
        for entry in entries.select_related(
            "gate", "resident__household__building__alley", "resident__household__unit", "recorded_by"
        )
        .order_by("at", "id")
        .iterator(chunk_size=2000)
    )
    return audited_csv(
        actor,
        "gatelog.export",
        gate,
        parent=gate.enclosure,
        rows=rows,
        row_count=entries.count(),
        columns=COLUMNS,
        purpose=purpose,
        scope=scope_label(gate.name, start, end),
        client_ip=client_ip,
    )
