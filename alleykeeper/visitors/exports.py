"""A gate's registrations of some days as CSV (for reporting upward): masked, formula-safe, audited
(audit.exports: the purpose, the days and the audit line, shared with the gate log's export)."""

from collections.abc import Iterator
from datetime import date

from django.utils import timezone

from alleykeeper.audit.exports import audited_csv, day_range, scope_label
from alleykeeper.core.spreadsheets import DATE, Column
from alleykeeper.gates.models import Gate
from alleykeeper.visitors.flags import flag_key_areas
from alleykeeper.visitors.models import Registration

COLUMNS = [
    Column("登记码", width=9),
    Column("登记时间", width=16),
    Column("姓名", width=10),
    Column("证件类型", width=10),
    Column("证件号码（部分隐藏）", width=22),
    Column("电话（部分隐藏）", width=14),
    Column("来鲤日期", DATE, width=11),
    Column("从哪里来", width=12),
    Column("途经地", width=18),
    Column("交通方式", width=14),
    Column("来访事由", width=16),
    Column("被访住户", width=16),
    Column("被访人", width=10),
    Column("重点地区", width=14),
]


def _rows(registrations: list[Registration]) -> Iterator[tuple]:
    for r in registrations:
        transport = f"{r.get_transport_display()} {r.transport_number}".strip()
        yield (
            r.code,
            timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
            r.name,
            r.get_doc_type_display(),
            r.doc_number_masked,
            r.phone_masked,
            r.arrival_date,
            r.origin.name,
            r.places_passed_names,
            transport,
            r.reason,
            r.host_address,
            r.host_name,
            r.key_areas,
        )


def export_days(
    actor, gate: Gate, start: date, end: date, purpose: str, client_ip: str | None = None
) -> Iterator[bytes]:
    """The registrations at `gate` from `start` to `end` (the retention period keeps them few: they fit in
    memory), audited with purpose and row count."""
    since, until = day_range(start, end)
    registrations = list(
        Registration.objects.filter(gate=gate, created_at__gte=since, created_at__lt=until)
        .select_related("origin")
        .order_by("created_at", "id")
    )
    flag_key_areas(registrations)
    return audited_csv(
        actor,
        "visitor.export",
        gate,
        parent=gate.enclosure,
        rows=_rows(registrations),
        row_count=len(registrations),
        columns=COLUMNS,
        purpose=purpose,
        scope=scope_label(gate.name, start, end),
        client_ip=client_ip,
    )
