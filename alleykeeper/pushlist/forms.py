"""Push-list forms: upload, column mapping, review decisions, outcomes, reveal and export."""

from django import forms
from django.utils import timezone

from alleykeeper.audit.models import Purpose
from alleykeeper.core.widgets import DateInput, HeaderRowField, NoteField, Textarea
from alleykeeper.pushlist.columns import FIELD_LABELS
from alleykeeper.pushlist.models import Outcome
from alleykeeper.registry.models import Community


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class UploadForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=None, empty_label=None)
    received_on = forms.DateField(label="收到日期", widget=DateInput)
    source = forms.CharField(label="推送单位", max_length=100, required=False, help_text="如：区疫情防控指挥部大数据组")
    note = NoteField(label="备注", max_length=200, required=False)
    file = forms.FileField(
        label="名单文件",
        help_text="Excel（.xlsx）或 CSV（GBK 或 UTF-8 均可）。表头上方的标题行、身份证号被存成数字等问题会逐行列出。",
    )

    def __init__(self, *args, communities=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(pk__in=[c.pk for c in communities])
        self.fields["received_on"].initial = timezone.localdate()
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk
            self.fields["community"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv,.txt"

    def clean_received_on(self):
        received = self.cleaned_data["received_on"]
        if received > timezone.localdate():
            raise forms.ValidationError("收到日期不能晚于今天，请核对。")
        return received


class MappingForm(forms.Form):
    """One select per field, listing the file's own columns; plus the header row, if it was guessed wrong."""

    header_row = HeaderRowField()

    def __init__(self, *args, batch=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batch = batch
        columns = [("", "（没有这一列）")] + [
            (str(i), f"{column_letter(i)} 列：{name or '（无表头）'}") for i, name in enumerate(batch.columns)
        ]
        self.fields["header_row"].initial = (batch.header_row or 0) + 1
        for key, label in FIELD_LABELS.items():
            initial = batch.mapping.get(key)
            self.fields[f"col_{key}"] = forms.ChoiceField(
                label=label, choices=columns, required=False, initial="" if initial is None else str(initial)
            )

    def header_row_changed(self) -> bool:
        return self.cleaned_data.get("header_row") is not None and (
            self.cleaned_data["header_row"] - 1 != self.batch.header_row
        )

    def mapping(self) -> dict[str, int]:
        return {
            key: int(self.cleaned_data[f"col_{key}"]) for key in FIELD_LABELS if self.cleaned_data.get(f"col_{key}")
        }

    def clean(self) -> dict:
        data = super().clean()
        if self.header_row_changed():
            return data  # the columns will be read again from the new header row
        chosen = self.mapping()
        if "name" not in chosen or not ({"doc", "phone"} & set(chosen)):
            raise forms.ValidationError("请至少指定“姓名”一列，以及“证件号码”或“电话”中的一列，才能比对。")
        used: dict[int, str] = {}
        for key, index in chosen.items():
            if index in used:
                self.add_error(f"col_{key}", f"这一列已经用作“{FIELD_LABELS[used[index]]}”，请换一列。")
            used[index] = key
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "是同一人"), ("reject", "不是同一人")])
    note = NoteField(label="说明", max_length=300, required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="核查结果", choices=[("", "请选择"), *Outcome.choices])
    note = NoteField(label="说明", max_length=300, required=False, widget=Textarea(attrs={"rows": 2}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("outcome") in (Outcome.WRONG_INFO, Outcome.NOT_LIVING_HERE) and not data.get("note"):
            self.add_error("note", "请写明依据，如“电话核实已于 2 月 1 日离开”或“号码与本人不符”。")
        return data


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("doc", "证件号码"), ("phone", "电话")])
    purpose = forms.ChoiceField(label="用途", choices=Purpose.choices)


class ExportForm(forms.Form):
    FORMATS = [("xlsx", "Excel (xlsx)"), ("csv", "CSV")]
    purpose = forms.ChoiceField(label="导出用途", choices=Purpose.choices, initial=Purpose.REPORT_UPWARD)
    format = forms.ChoiceField(label="格式", choices=FORMATS, initial="xlsx")
