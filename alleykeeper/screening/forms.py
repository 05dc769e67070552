"""Campaign and question forms. The attempt form (answers per person) lives in answers.py."""

from django import forms

from alleykeeper.audit.models import Purpose
from alleykeeper.core.widgets import DateInput, NoteField, Textarea
from alleykeeper.registry.models import Grid
from alleykeeper.screening.models import Campaign, Question, QuestionKind
from alleykeeper.screening.questionnaire import YES


class CampaignForm(forms.ModelForm):
    grids = forms.ModelMultipleChoiceField(
        label="网格",
        queryset=Grid.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个网格。"},
    )

    class Meta:
        model = Campaign
        fields = ["name", "start_date", "end_date", "grids", "household_filter", "notes"]
        widgets = {"start_date": DateInput, "end_date": DateInput, "notes": Textarea(attrs={"rows": 2})}
        field_classes = {"notes": NoteField}
        error_messages = {
            "name": {"required": "请填写活动名称，如“2月第二轮出租户排查”。"},
            "start_date": {"required": "请填写开始日期。", "invalid": "开始日期格式不对，请按 年-月-日 填写。"},
            "end_date": {"invalid": "结束日期格式不对，请按 年-月-日 填写。"},
        }

    def __init__(self, *args, grids=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grids"].queryset = grids if grids is not None else Grid.objects.none()
        self.fields["grids"].label_from_instance = lambda grid: f"{grid.community.name} · {grid.name}"

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期早于开始日期，请核对。")
        grids = data.get("grids")
        if grids and len({grid.community_id for grid in grids}) > 1:
            self.add_error("grids", "一次活动只能包含同一个社区的网格，请分开建立。")
        return data


class QuestionForm(forms.ModelForm):
    options_text = forms.CharField(label="选项（单选题，每行一个）", required=False, widget=Textarea(attrs={"rows": 3}))
    yes_points_to_key_area = forms.BooleanField(label="回答“是”表示涉及重点地区（是/否题）", required=False)
    key_options_text = forms.CharField(
        label="表示涉及重点地区的选项（单选题，每行一个）", required=False, widget=Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Question
        fields = ["text", "kind", "required", "order", "min_value", "max_value"]
        error_messages = {"text": {"required": "请填写问题。"}, "kind": {"required": "请选择问题类型。"}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in QuestionKind.choices if c[0] != QuestionKind.DIVISION]
        self.fields["order"].required = False
        self.fields["order"].help_text = "数字小的排在前面；留空则排在最后。"
        self.fields["min_value"].help_text = self.fields["max_value"].help_text = "仅数字题：超出范围的回答不能保存。"

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        options = [line.strip() for line in data.get("options_text", "").splitlines() if line.strip()]
        key_options = [line.strip() for line in data.get("key_options_text", "").splitlines() if line.strip()]
        data["options"], data["key_answers"] = [], []
        if kind == QuestionKind.CHOICE:
            if len(options) < 2 or len(set(options)) != len(options):
                self.add_error("options_text", "单选题至少要有两个不同的选项，每行写一个。")
            unknown = [o for o in key_options if o not in options]
            if unknown:
                self.add_error("key_options_text", f"这些选项不在上面的选项中：{'、'.join(unknown)}。")
            data["options"], data["key_answers"] = options, key_options
        elif kind == QuestionKind.YES_NO:
            data["key_answers"] = [YES] if data.get("yes_points_to_key_area") else []
        low, high = data.get("min_value"), data.get("max_value")
        if kind != QuestionKind.NUMBER and (low is not None or high is not None):
            self.add_error("min_value", "最小值、最大值只用于数字题，请清空。")
        elif low is not None and high is not None and low > high:
            self.add_error("max_value", "最大值小于最小值，请核对。")
        return data


class ExportForm(forms.Form):
    FORMATS = [("xlsx", "Excel (xlsx)"), ("csv", "CSV")]
    purpose = forms.ChoiceField(
        label="导出用途", choices=Purpose.choices, error_messages={"required": "请选择导出用途。"}
    )
    format = forms.ChoiceField(label="格式", choices=FORMATS, initial="xlsx")
