"""Forms of the register import: the upload, and the mapping of the file's columns to our fields."""

from django import forms
from django.conf import settings

from alleykeeper.core.tabular import human_size
from alleykeeper.core.widgets import HeaderRowField
from alleykeeper.registry.import_fields import FIELDS, missing_fields
from alleykeeper.registry.models import Community, Grid, ImportJob


def column_letter(index: int) -> str:
    """Excel's name of a column: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="台账文件",
        help_text=f"Excel（.xlsx）或 CSV（UTF-8 或 GBK），不超过 {human_size(settings.IMPORT_MAX_BYTES)}、"
        f"{settings.IMPORT_MAX_ROWS} 行。",
        error_messages={"required": "请选择要导入的文件。", "empty": "文件是空的，请重新选择文件。"},
    )
    community = forms.ModelChoiceField(
        label="导入到社区", queryset=Community.objects.none(), error_messages={"required": "请选择社区。"}
    )
    default_grid = forms.ModelChoiceField(
        label="默认网格",
        queryset=Grid.objects.none(),
        required=False,
        empty_label="按文件中的“网格”列",
        help_text="文件没有“网格”列，或某些行没填网格时，导入到这个网格。",
    )

    def __init__(self, *args, communities=None, grids=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["default_grid"].queryset = grids
        self.fields["default_grid"].label_from_instance = lambda g: f"{g.community.name} · {g.name}"
        only = list(communities[:2]) if communities is not None else []
        # Most admins have one community: no question to answer then.
        self.single = only[0] if len(only) == 1 else None
        if self.single is not None:
            self.fields["community"].required = False
            self.fields["community"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv,.txt"

    def clean(self) -> dict:
        data = super().clean()
        if self.single is not None:
            data["community"] = self.single
        grid, community = data.get("default_grid"), data.get("community")
        if grid and community and grid.community_id != community.pk:
            self.add_error("default_grid", "默认网格不属于所选社区，请重新选择。")
        return data


class ImportMappingForm(forms.Form):
    """Which of the file's columns holds each of our fields; pre-filled with the guesses."""

    header_row = HeaderRowField()

    def __init__(self, *args, job: ImportJob, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        self.fields["header_row"].initial = (job.header_row or 0) + 1
        choices = [("", "（不导入）")] + [
            (str(i), f"{column_letter(i)} 列：{name or '（无表头）'}") for i, name in enumerate(job.columns)
        ]
        for item in FIELDS:
            name = f"map_{item.key}"
            self.fields[name] = forms.ChoiceField(
                label=item.label + (" *" if item.required else ""), choices=choices, required=False
            )
            if item.key in job.mapping:
                self.fields[name].initial = str(job.mapping[item.key])

    def header_row_changed(self) -> bool:
        return self.cleaned_data["header_row"] - 1 != (self.job.header_row or 0) or self.job.header_row is None

    def mapping(self) -> dict[str, int]:
        return {
            item.key: int(self.cleaned_data[f"map_{item.key}"])
            for item in FIELDS
            if self.cleaned_data.get(f"map_{item.key}")
        }

    def clean(self) -> dict:
        data = super().clean()
        if self.errors or "header_row" not in data or self.header_row_changed():
            return data
        used: dict[int, str] = {}
        for item in FIELDS:
            column = data.get(f"map_{item.key}")
            if not column:
                continue
            if int(column) in used:
                self.add_error(f"map_{item.key}", f"这一列已经对应到“{used[int(column)]}”，一列只能对应一个字段。")
            used[int(column)] = item.label
        missing = missing_fields(self.mapping(), has_default_grid=self.job.default_grid_id is not None)
        if missing:
            raise forms.ValidationError(f"请为这些必填字段选择列：{'、'.join(missing)}。")
        return data
