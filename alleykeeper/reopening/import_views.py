"""Importing an enterprise list: upload, confirm the mapping of the file's columns, fetch the error report.
The reading is core.tabular's, as for the register (see importing.py)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.audit.actions import record_event
from alleykeeper.audit.models import Purpose
from alleykeeper.core.net import client_ip
from alleykeeper.core.tabular import TabularError, human_size
from alleykeeper.core.widgets import HeaderRowField
from alleykeeper.registry.import_forms import column_letter
from alleykeeper.registry.models import Community
from alleykeeper.reopening import access, importing
from alleykeeper.reopening.models import EnterpriseImport, ImportStatus

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_OVERHEAD = 64 * 1024


class UploadForm(forms.Form):
    community = forms.ModelChoiceField(label="导入到社区", queryset=Community.objects.none(), empty_label=None)
    file = forms.FileField(
        label="企业名单",
        help_text=f"Excel（.xlsx）或 CSV（UTF-8 或 GBK），不超过 {human_size(settings.IMPORT_MAX_BYTES)}。",
        error_messages={"required": "请选择要导入的文件。", "empty": "文件是空的，请重新选择文件。"},
    )

    def __init__(self, *args, communities=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].error_messages["invalid_choice"] = "请选择您负责的社区。"
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv,.txt"


class MappingForm(forms.Form):
    header_row = HeaderRowField()

    def __init__(self, *args, job: EnterpriseImport, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        self.fields["header_row"].initial = (job.header_row or 0) + 1
        choices = [("", "（不导入）")] + [
            (str(i), f"{column_letter(i)} 列：{name or '（无表头）'}") for i, name in enumerate(job.columns)
        ]
        for item in importing.FIELDS:
            self.fields[f"map_{item.key}"] = forms.ChoiceField(
                label=item.label + (" *" if item.required else ""),
                choices=choices,
                required=False,
                initial=str(job.mapping[item.key]) if item.key in job.mapping else "",
            )

    def header_row_changed(self) -> bool:
        return self.cleaned_data["header_row"] - 1 != self.job.header_row

    def mapping(self) -> dict[str, int]:
        return {
            f.key: int(self.cleaned_data[f"map_{f.key}"])
            for f in importing.FIELDS
            if self.cleaned_data.get(f"map_{f.key}")
        }

    def clean(self) -> dict:
        data = super().clean()
        if self.errors or self.header_row_changed():
            return data
        used: dict[int, str] = {}
        for item in importing.FIELDS:
            column = data.get(f"map_{item.key}")
            if column and int(column) in used:
                self.add_error(f"map_{item.key}", f"这一列已经对应到“{used[int(column)]}”，一列只能对应一个字段。")
            elif column:
                used[int(column)] = item.label
        missing = importing.missing_fields(self.mapping())
        if missing:
            raise forms.ValidationError(f"请为这些必填字段选择列：{'、'.join(missing)}。")
        return data


def _require(user) -> None:
    access.require(user, Capability.IMPORT_REGISTER)
    access.require(user, Capability.MANAGE_REOPENING)


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    _require(request.user)
    communities = Community.objects.visible_to(request.user).order_by("name")
    form = UploadForm(request.POST or None, request.FILES or None, communities=communities)
    recent = EnterpriseImport.objects.visible_to(request.user).select_related("community")[:10]
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.IMPORT_MAX_BYTES + UPLOAD_OVERHEAD:
            form = UploadForm(communities=communities)
            form.cleaned_data = {}
            form.add_error(None, f"文件太大，单次导入上限是 {human_size(settings.IMPORT_MAX_BYTES)}。")
            return render(request, "reopening/import_start.html", {"form": form, "recent": recent}, status=413)
        if form.is_valid():
            importing.purge_stale()
            try:
                job = importing.create_import(
                    request.user,
                    form.cleaned_data["community"],
                    form.cleaned_data["file"].chunks(),
                    form.cleaned_data["file"].name,
                )
            except TabularError as problem:
                form.add_error("file", str(problem))
            else:
                return redirect("reopening:import_job", job.pk)
    status = 400 if form.errors else 200
    return render(request, "reopening/import_start.html", {"form": form, "recent": recent}, status=status)


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user)
    job = access.import_for(request.user, pk)
    form = MappingForm(request.POST or None, job=job) if job.status == ImportStatus.MAPPING else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            if form.header_row_changed():
                importing.change_header_row(job, form.cleaned_data["header_row"] - 1)
            else:
                importing.run_import(request.user, job, form.mapping())
        except TabularError as problem:
            messages.error(request, str(problem))
        return redirect("reopening:import_job", job.pk)
    context = {
        "job": job,
        "form": form,
        "errors": job.errors[:200],
        "fields": [(f.label, column_letter(job.mapping[f.key])) for f in importing.FIELDS if f.key in job.mapping],
    }
    return render(
        request, "reopening/import_job.html", context, status=400 if form is not None and form.errors else 200
    )


@login_required
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user)
    job = access.import_for(request.user, pk)
    if job.file_path:
        importing.discard(job)
        messages.success(request, "已删除上传的文件。")
    return redirect("reopening:import")


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows as uploaded (phones in clear) with what is wrong: reveal permission, audited like an export."""
    _require(request.user)
    access.require(request.user, Capability.REVEAL_IDENTITY)
    job = access.import_for(request.user, pk)
    if job.status != ImportStatus.INVALID or not job.file_path:
        messages.error(request, "这个导入没有可下载的错误报告（文件已删除或没有错误）。请重新上传。")
        return redirect("reopening:import_job", job.pk)
    report = importing.error_report(job)
    record_event(
        request.user,
        "enterprise.import_errors",
        job.community,
        label=job.file_name,
        purpose=Purpose.DATA_CORRECTION,
        scope=job.community.name,
        row_count=report.row_count,
        client_ip=client_ip(request),
        detail={"import": job.pk},
    )
    response = FileResponse(
        report.file, as_attachment=True, filename=f"企业导入错误报告-{job.pk}.xlsx", content_type=XLSX_TYPE
    )
    response["Cache-Control"] = "no-store"
    return response
