"""The one way a gate's lists of people leave as a file (the visitor registrations, the gate log): a
purpose from the fixed list, the days it covers, one audit line (who, when, scope, row count, purpose),
then a formula-safe CSV from core.spreadsheets (masked values are the caller's columns). GUIDE.md section 4."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta

from django import forms
from django.db import models
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from alleykeeper.audit.actions import record_event
from alleykeeper.audit.models import Purpose
from alleykeeper.core.net import client_ip
from alleykeeper.core.spreadsheets import Column, XlsxResult, csv_chunks, write_xlsx
from alleykeeper.core.widgets import DateInput

MAX_DAYS = 92  # a quarter at most in one file: enough for any report, not the whole history at once


class ExportForm(forms.Form):
    """From which day to which day (local calendar days, both included), and why."""

    start = forms.DateField(label="从", widget=DateInput)
    end = forms.DateField(label="到", widget=DateInput)
    purpose = forms.ChoiceField(label="导出用途", choices=[("", "请选择"), *Purpose.choices])

    def __init__(self, *args, **kwargs) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"start": today, "end": today})
        super().__init__(*args, **kwargs)
        for name, label in (("start", "开始日期"), ("end", "结束日期")):
            self.fields[name].error_messages["required"] = f"请填写{label}。"
            self.fields[name].error_messages["invalid"] = f"请按“年-月-日”填写{label}，如 2020-02-10。"
        self.fields["purpose"].error_messages["required"] = "请选择导出用途。"
        self.fields["purpose"].error_messages["invalid_choice"] = "请从列表中选择导出用途。"

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end > timezone.localdate():
                self.add_error("end", "结束日期不能晚于今天。")
            elif end < start:
                self.add_error("end", "结束日期早于开始日期，请核对。")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", f"一次最多导出 {MAX_DAYS} 天，请缩短日期范围。")
        return data


def day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """The aware instants from the start of `start` to the end of `end`, local time (an index-friendly range)."""
    first = timezone.make_aware(datetime.combine(start, time.min))
    return first, timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))


def scope_label(name: str, start: date, end: date) -> str:
    days = start.isoformat() if start == end else f"{start.isoformat()}至{end.isoformat()}"
    return f"{name} {days}"


def audited_csv(
    actor,
    action: str,
    obj: models.Model,
    *,
    parent: models.Model | None,
    rows: Iterable[Sequence],
    row_count: int,
    columns: Sequence[Column],
    purpose: str,
    scope: str,
    client_ip: str | None,
) -> Iterator[bytes]:
    """Record the export (before a byte is sent), then the rows as CSV chunks."""
    record_event(
        actor, action, obj, parent=parent, purpose=purpose, scope=scope, row_count=row_count, client_ip=client_ip
    )
    return csv_chunks(rows, columns)


def audited_xlsx(
    actor,
    action: str,
    obj: models.Model | None,
    *,
    rows: Iterable[Sequence],
    row_count: int,
    columns: Sequence[Column],
    purpose: str,
    scope: str,
    client_ip: str | None,
    title: str,
) -> XlsxResult:
    """Record the export (before a byte is written), then the rows as a formula-safe XLSX."""
    record_event(actor, action, obj, purpose=purpose, scope=scope, row_count=row_count, client_ip=client_ip)
    return write_xlsx(rows, columns, sheet_name=title, title=title)


def csv_download(chunks: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


# export(actor, start, end, purpose, client_ip) -> CSV chunks, already audited
Export = Callable[..., Iterator[bytes]]


def export_page(
    request: HttpRequest, export: Export, *, title: str, name: str, template: str, context: dict
) -> HttpResponse:
    """The export page of a view that has checked access: the form, then the audited CSV named
    "<title>-<name>-<days>.csv"."""
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        chunks = export(request.user, start, end, form.cleaned_data["purpose"], client_ip(request))
        return csv_download(chunks, f"{title}-{scope_label(name, start, end).replace(' ', '-')}.csv")
    return render(request, template, {**context, "form": form})
