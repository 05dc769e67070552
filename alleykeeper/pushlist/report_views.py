"""The reconciliation report of a batch and its export, the feedback file for the street office."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from alleykeeper.accounts.scope import scope_of
from alleykeeper.core.spreadsheets import csv_chunks, write_xlsx
from alleykeeper.pushlist import access, actions
from alleykeeper.pushlist.forms import ExportForm
from alleykeeper.pushlist.models import BatchStatus
from alleykeeper.pushlist.report import FEEDBACK_COLUMNS, ROWS_ON_PAGE, build_report, feedback_rows

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_label(user, batch) -> str:
    if scope_of(user).grid_ids is not None:
        return f"{batch.community.name}（本人负责的网格）"
    return batch.community.name


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user)
    batch = access.batch_for(request.user, pk)
    result = build_report(request.user, batch) if batch.status == BatchStatus.DONE else None
    context = {
        "batch": batch,
        "report": result,
        "rows_on_page": ROWS_ON_PAGE,
        "matched": list(result.matched.order_by("row_number")[:ROWS_ON_PAGE]) if result else [],
        "settled": list(result.settled.order_by("row_number")[:ROWS_ON_PAGE]) if result else [],
        "open": list(result.open.order_by("row_number")[:ROWS_ON_PAGE]) if result else [],
        "local": list(result.local[:ROWS_ON_PAGE]) if result else [],
        "form": ExportForm(),
    }
    return render(request, "pushlist/report.html", context)


@login_required
@require_POST
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The feedback file: masked, formula-safe, IDs and phones as text; the purpose is recorded."""
    access.require(request.user)
    batch = access.batch_for(request.user, pk)
    form = ExportForm(request.POST)
    if batch.status != BatchStatus.DONE or not form.is_valid():
        return HttpResponse("请选择导出用途和格式。", status=400, content_type="text/plain; charset=utf-8")
    result = build_report(request.user, batch)
    purpose, file_format = form.cleaned_data["purpose"], form.cleaned_data["format"]
    name = f"推送名单反馈表-{batch.community.name}-{batch.received_on:%Y%m%d}.{file_format}"
    row_count = result.counts["total"] + result.counts["local"]
    scope = _scope_label(request.user, batch)
    if file_format == "csv":
        actions.record_feedback_export(
            request.user, batch, purpose=purpose, file_format="csv", row_count=row_count, scope=scope
        )
        response = StreamingHttpResponse(
            csv_chunks(feedback_rows(result), FEEDBACK_COLUMNS), content_type="text/csv; charset=utf-8"
        )
    else:
        written = write_xlsx(feedback_rows(result), FEEDBACK_COLUMNS, sheet_name="反馈表", title=name)
        actions.record_feedback_export(
            request.user, batch, purpose=purpose, file_format="xlsx", row_count=written.row_count, scope=scope
        )
        response = FileResponse(written.file, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response
