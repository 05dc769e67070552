"""The daily report's forms: generate a day, sign, correct, export or print with a purpose."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from alleykeeper.audit.models import Purpose
from alleykeeper.core.widgets import DateInput, NoteField
from alleykeeper.reports.figures import Window

MAX_DAYS_BACK = 31  # a missed day can be made afterwards, within a month
PURPOSES = [("", "请选择"), *Purpose.choices]


def _reason(label: str, required: bool) -> forms.CharField:
    field = NoteField(label=label, max_length=300, required=required, widget=forms.Textarea(attrs={"rows": 2}))
    field.error_messages["required"] = f"请填写{label}。"
    field.error_messages["max_length"] = f"{label}最多 300 个字。"
    return field


def _no_nul(value: str, label: str) -> str:
    if "\x00" in value:
        raise forms.ValidationError(f"{label}中有无法保存的字符，请重新输入。")
    return value


class GenerateForm(forms.Form):
    """Which report day: the last one whose cutoff has passed (default), or a missed day before it."""

    day = forms.DateField(label="日期", widget=DateInput)

    def __init__(self, *args, **kwargs) -> None:
        self.last_day = Window.last_report_day(timezone.now())
        kwargs.setdefault("initial", {"day": self.last_day})
        super().__init__(*args, **kwargs)
        self.fields["day"].error_messages["required"] = "请填写日期。"
        self.fields["day"].error_messages["invalid"] = "请按“年-月-日”填写日期，如 2020-02-10。"

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > self.last_day:
            raise forms.ValidationError(f"这一天的截止时间还没到；最近可生成的是 {self.last_day:%Y-%m-%d} 的日报。")
        if day < self.last_day - timedelta(days=MAX_DAYS_BACK):
            raise forms.ValidationError(f"只能补生成最近 {MAX_DAYS_BACK} 天的日报。")
        return day


class SignForm(forms.Form):
    prefix = "sign"  # several forms share the report's page: their fields' ids must differ
    decrease_reason = _reason("累计数减少的说明", required=False)

    def clean_decrease_reason(self) -> str:
        return _no_nul(self.cleaned_data["decrease_reason"], "说明")


class CorrectionForm(forms.Form):
    prefix = "fix"
    reason = _reason("更正原因", required=True)

    def clean_reason(self) -> str:
        return _no_nul(self.cleaned_data["reason"], "更正原因")


class ExportForm(forms.Form):
    """Which office's format, and why (every export is audited with its purpose)."""

    prefix = "export"

    format = forms.ChoiceField(label="格式")
    purpose = forms.ChoiceField(label="导出用途", choices=PURPOSES)

    def __init__(self, *args, formats: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(f.slug, f"{f.office}：{f.title}") for f in formats]
        self.fields["format"].error_messages["required"] = "请选择格式。"
        self.fields["format"].error_messages["invalid_choice"] = "请从列表中选择格式。"
        self.fields["purpose"].error_messages["required"] = "请选择导出用途。"
        self.fields["purpose"].error_messages["invalid_choice"] = "请从列表中选择导出用途。"


class PrintForm(forms.Form):
    """Printing a format that lists people asks why, like an export (GET: the print page is a page)."""

    purpose = forms.ChoiceField(label="打印用途", choices=PURPOSES)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].error_messages["required"] = "请选择打印用途。"
        self.fields["purpose"].error_messages["invalid_choice"] = "请从列表中选择打印用途。"
