"""The register export page: choose scope, filters and a purpose; get a masked, audited XLSX or CSV."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.net import client_ip
from alleykeeper.core.paging import int_or_none
from alleykeeper.core.replica import use_replica
from alleykeeper.registry import access, exports
from alleykeeper.registry.forms import ExportForm
from alleykeeper.registry.models import Grid

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@use_replica
def export(request: HttpRequest) -> HttpResponse:
    """GET shows the form; POST (never GET, so filters and purpose stay out of URLs and logs) exports."""
    access.require(request.user, Capability.EXPORT_REGISTER)
    grids = Grid.objects.visible_to(request.user).select_related("community")
    if request.method != "POST":
        return render(request, "registry/export.html", {"form": ExportForm(grids=grids)})
    raw_grid = request.POST.get("grid", "").strip()
    if raw_grid:
        access.grid_for(request.user, int_or_none(raw_grid) or 0)  # out of scope → 404, like every page
    form = ExportForm(request.POST, grids=grids)
    if not form.is_valid():
        return render(request, "registry/export.html", {"form": form}, status=400)
    data = form.cleaned_data
    filters = exports.RegisterFilters(grid=data["grid"], kind=data["kind"])
    scope = exports.describe_scope(request.user, filters, list(grids) if data["grid"] is None else [])
    options = {"purpose": data["purpose"], "scope": scope, "client_ip": client_ip(request)}
    if data["format"] == "csv":
        chunks, _ = exports.export_register_csv(request.user, filters, **options)
        response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, exports.export_filename("csv"))
    else:
        try:
            result = exports.export_register_xlsx(request.user, filters, **options)
        except exports.TooManyRows as too_many:
            form.add_error("format", str(too_many))
            return render(request, "registry/export.html", {"form": form}, status=400)
        response = FileResponse(
            result.file, as_attachment=True, filename=exports.export_filename("xlsx"), content_type=XLSX_TYPE
        )
    response["Cache-Control"] = "no-store"
    return response
