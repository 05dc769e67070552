"""Register import pages: upload, confirm the column mapping, follow progress, fetch the error report."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.audit.actions import record_event
from alleykeeper.audit.models import Purpose
from alleykeeper.core.net import client_ip
from alleykeeper.core.tabular import TabularError, human_size
from alleykeeper.registry import access, import_jobs, tasks
from alleykeeper.registry.import_fields import FIELD_BY_KEY
from alleykeeper.registry.import_forms import ImportMappingForm, ImportUploadForm, column_letter
from alleykeeper.registry.models import Community, Grid, ImportJob, ImportStatus

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_ON_PAGE = 200
# Multipart framing around the file: a body larger than the file limit plus this is refused unread.
UPLOAD_OVERHEAD = 64 * 1024


def _communities(user) -> QuerySet:
    return Community.objects.visible_to(user).order_by("name")


def _upload_page(request: HttpRequest, form: ImportUploadForm, status: int = 200) -> HttpResponse:
    recent = ImportJob.objects.visible_to(request.user).select_related("community", "created_by")[:10]
    return render(request, "registry/import_start.html", {"form": form, "recent": recent}, status=status)


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.IMPORT_REGISTER)
    communities = _communities(request.user)
    grids = Grid.objects.visible_to(request.user).filter(community__in=communities).select_related("community")
    options = {"communities": communities, "grids": grids}
    if request.method != "POST":
        return _upload_page(request, ImportUploadForm(**options))
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.IMPORT_MAX_BYTES + UPLOAD_OVERHEAD:
        # Refused before Django reads the body into a temporary file.
        form = ImportUploadForm(**options)
        form.cleaned_data = {}
        form.add_error(
            None, f"文件太大，单次导入上限是 {human_size(settings.IMPORT_MAX_BYTES)}。请拆分成几个文件分别导入。"
        )
        return _upload_page(request, form, status=413)
    form = ImportUploadForm(request.POST, request.FILES, **options)
    if form.is_valid():
        data = form.cleaned_data
        import_jobs.purge_stale()
        try:
            job = import_jobs.create_job(
                request.user,
                data["community"],
                data["file"].chunks(),
                data["file"].name,
                default_grid=data["default_grid"],
            )
        except TabularError as problem:
            form.add_error("file", str(problem))
        else:
            tasks.analyse_import.enqueue(job.pk)
            return redirect("registry:import_job", job.pk)
    return _upload_page(request, form, status=400)


def _job_context(request: HttpRequest, job: ImportJob, form: ImportMappingForm | None = None) -> dict:
    columns = [(column_letter(i), name) for i, name in enumerate(job.columns)]
    mapped = [
        (FIELD_BY_KEY[key].label, column_letter(index)) for key, index in job.mapping.items() if key in FIELD_BY_KEY
    ]
    return {
        "job": job,
        "form": form,
        "columns": columns,
        "mapped": mapped,
        "errors": job.errors[:ERRORS_ON_PAGE],
        "more_errors": max(0, job.error_count - ERRORS_ON_PAGE),
        "can_download_errors": job.status == ImportStatus.INVALID and bool(job.file_path),
    }


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.IMPORT_REGISTER)
    job = access.import_job_for(request.user, pk)
    form = None
    if job.status == ImportStatus.MAPPING:
        form = ImportMappingForm(request.POST or None, job=job)
        if request.method == "POST" and form.is_valid():
            if form.header_row_changed():
                job.status = ImportStatus.QUEUED
                job.save(update_fields=["status", "updated_at"])
                tasks.analyse_import.enqueue(job.pk, form.cleaned_data["header_row"] - 1)
            elif import_jobs.confirm_mapping(job, form.mapping()):
                tasks.run_import.enqueue(job.pk)
            return redirect("registry:import_job", job.pk)
    status = 400 if form is not None and form.errors else 200
    return render(request, "registry/import_job.html", _job_context(request, job, form), status=status)


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; once the job has stopped running, the whole page reloads."""
    access.require(request.user, Capability.IMPORT_REGISTER)
    job = access.import_job_for(request.user, pk)
    response = render(request, "registry/_import_progress.html", {"job": job})
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.IMPORT_REGISTER)
    job = access.import_job_for(request.user, pk)
    if not job.is_running and job.file_path:
        import_jobs.discard(job)
        messages.success(request, "已删除上传的文件。")
    return redirect("registry:import")


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The error report: the uploaded rows with what is wrong in each. It holds the rows in clear, as the
    user uploaded them (full ID numbers and phones included), so it needs the reveal permission too and
    is audited like an export."""
    access.require(request.user, Capability.IMPORT_REGISTER)
    access.require(request.user, Capability.REVEAL_IDENTITY)
    job = access.import_job_for(request.user, pk)
    if job.status != ImportStatus.INVALID or not job.file_path:
        messages.error(request, "这个导入没有可下载的错误报告（文件已删除或没有错误）。请重新上传。")
        return redirect("registry:import_job", job.pk)
    try:
        report = import_jobs.error_report(job)
    except TabularError as problem:
        messages.error(request, str(problem))
        return redirect("registry:import_job", job.pk)
    record_event(
        request.user,
        "register.import_errors",
        job.community,
        label=job.file_name,
        purpose=Purpose.DATA_CORRECTION,
        scope=job.community.name,
        row_count=report.row_count,
        client_ip=client_ip(request),
        detail={"job": job.pk},
    )
    name = f"导入错误报告-{job.pk}.xlsx"
    response = FileResponse(report.file, as_attachment=True, filename=name, content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.IMPORT_REGISTER)
    response = HttpResponse(import_jobs.template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "小巷管家-台账导入模板.xlsx")
    return response
