"""The admin: reports are read, never typed (generated from the records; signed ones are immutable); a format
is edited by saving a new version, which keeps every earlier one."""

import json

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from alleykeeper.core.admin import ScopedReadOnlyAdmin
from alleykeeper.reports import actions
from alleykeeper.reports.formats import check_spec
from alleykeeper.reports.models import DailyReport, ReportFormat


@admin.register(DailyReport)
class DailyReportAdmin(ScopedReadOnlyAdmin):
    """Read only, scoped, never deleted: signing and corrections are on the report's page (reports.actions)."""

    list_display = ("day", "community", "version", "is_zero", "signed_at", "signed_by")
    list_filter = ("day", "is_zero")
    readonly_fields = [f.name for f in DailyReport._meta.fields]


class FormatForm(forms.ModelForm):
    spec = forms.JSONField(label="格式（JSON）", widget=forms.Textarea(attrs={"rows": 24, "cols": 100}))

    class Meta:
        model = ReportFormat
        fields = ("slug", "position", "title", "office", "spec", "change_note")

    def clean_spec(self):
        _, errors = check_spec(self.cleaned_data["spec"])
        if errors:
            raise forms.ValidationError(errors)
        return self.cleaned_data["spec"]


@admin.register(ReportFormat)
class ReportFormatAdmin(admin.ModelAdmin):
    """Saving a format, new or changed, makes its next version (reports.actions.save_format): the version
    shown is never overwritten, and reports read in it can still be shown as they were."""

    form = FormatForm
    list_display = ("office", "title", "slug", "version", "created_at", "created_by")
    list_filter = ("slug",)
    readonly_fields = ("version", "created_at", "created_by")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ReportFormat, form, change: bool) -> None:
        saved = actions.save_format(
            request.user,
            slug=obj.slug,
            title=obj.title,
            office=obj.office,
            spec=json.loads(json.dumps(obj.spec)),
            position=obj.position,
            note=obj.change_note,
        )
        obj.pk, obj.version = saved.pk, saved.version  # the admin's "saved" message and redirect name the new one
        messages.info(request, f"已保存为第 {saved.version} 版；之前的版本保留不变。")
