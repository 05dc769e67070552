"""A gate's registrations of one day as CSV (for reporting upward): masked, formula-safe, audited."""

from collections.abc import Iterator
from datetime import date

from django import forms
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.audit.models import Purpose
from alleykeeper.core.spreadsheets import DATE, Column, csv_chunks
from alleykeeper.core.widgets import DateInput
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


class ExportForm(forms.Form):
    day = forms.DateField(label="日期", widget=DateInput)
    purpose = forms.ChoiceField(label="导出用途", choices=Purpose.choices)

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError("日期不能晚于今天。")
        return day


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


def export_day(actor, gate: Gate, day: date, purpose: str, client_ip: str | None = None) -> Iterator[bytes]:
    """The day's registrations at `gate` (a gate's day fits in memory), audited with purpose and row count."""
    registrations = list(
        Registration.objects.filter(gate=gate).registered_on(day).select_related("origin").order_by("created_at")
    )
    flag_key_areas(registrations)
    record_event(
        actor,
        "visitor.export",
        gate,
        parent=gate.enclosure,
        purpose=purpose,
        scope=f"{gate.name} {day.isoformat()}",
        row_count=len(registrations),
        client_ip=client_ip,
    )
    return csv_chunks(_rows(registrations), COLUMNS)
