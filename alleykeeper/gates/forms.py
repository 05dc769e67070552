"""Forms for enclosures, gates and rosters. Choices are always the user's scope (extra posted values fail)."""

from datetime import date, datetime, timedelta

from django import forms
from django.utils import timezone

from alleykeeper.core.widgets import DateInput, Textarea, TimeInput
from alleykeeper.gates import rules
from alleykeeper.gates.models import Enclosure, Gate
from alleykeeper.registry.models import Building


class EnclosureForm(forms.ModelForm):
    class Meta:
        model = Enclosure
        fields = ["community", "name", "notes"]
        widgets = {"notes": Textarea(attrs={"rows": 2})}
        labels = {"community": "社区"}

    def __init__(self, *args, communities=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].error_messages["invalid_choice"] = "所选社区不在您管理的范围内。"
        if self.instance.pk:
            # An enclosure does not move between communities: its buildings and gates stay where they are.
            del self.fields["community"]
        elif communities is not None and len(only := list(communities[:2])) == 1:
            self.fields["community"].initial = only[0].pk
            self.fields["community"].widget = forms.HiddenInput()

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("请填写片区名称，如 东片区。")
        return name

    def clean(self) -> dict:
        data = super().clean()
        community = data.get("community") or (self.instance.community if self.instance.pk else None)
        if community and data.get("name"):
            clash = Enclosure.objects.filter(community=community, name=data["name"]).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", "本社区已有同名片区，请换一个名称。")
        return data


class EnclosureBuildingsForm(forms.Form):
    buildings = forms.ModelMultipleChoiceField(
        label="楼栋", queryset=Building.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, buildings=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["buildings"].queryset = buildings
        self.fields["buildings"].error_messages["invalid_choice"] = "所选楼栋不在本社区，请刷新页面后重新选择。"


class GateForm(forms.ModelForm):
    class Meta:
        model = Gate
        fields = ["enclosure", "name", "location", "state", "opens_at", "closes_at", "shift_pattern"]
        widgets = {"opens_at": TimeInput(), "closes_at": TimeInput()}
        help_texts = {"opens_at": "留空表示全天开放。", "closes_at": "早于开放时间表示次日关闭（通宵）。"}

    def __init__(self, *args, enclosures=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enclosure"].queryset = enclosures
        self.fields["enclosure"].error_messages["invalid_choice"] = "所选片区不在您管理的范围内。"

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("请填写卡口名称，如 东门。")
        return name

    def clean_shift_pattern(self) -> str:
        text = self.cleaned_data["shift_pattern"]
        try:
            slots = rules.parse_pattern(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return ",".join(f"{s.start:%H:%M}-{s.end:%H:%M}" for s in slots)

    def clean(self) -> dict:
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if (opens is None) != (closes is None):
            self.add_error("closes_at" if opens else "opens_at", "开放和关闭时间请同时填写，或同时留空（全天）。")
        elif opens is not None and opens == closes:
            self.add_error("closes_at", "关闭时间与开放时间相同；全天开放请两项都留空。")
        enclosure, name = data.get("enclosure"), data.get("name")
        if enclosure and name and Gate.objects.filter(enclosure=enclosure, name=name).exclude(pk=self.instance.pk):
            self.add_error("name", "这个片区已有同名卡口，请换一个名称。")
        return data


class RotateTokenForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, required=False, help_text="如：二维码被转发到群里。")


class AddMemberForm(forms.Form):
    user = forms.ModelChoiceField(label="人员", queryset=None, empty_label="选择人员…")
    leader = forms.BooleanField(label="设为带班负责人", required=False)

    def __init__(self, *args, staff=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff
        self.fields["user"].error_messages["invalid_choice"] = "所选人员不是本社区的工作人员或志愿者。"
        self.fields["user"].error_messages["required"] = "请选择要排班的人员。"


PLANNING_DAYS = 3660  # rosters are planned within ten years of today (9999-12-31 would overflow a shift's end)


class ShiftForm(forms.Form):
    day = forms.DateField(label="日期", widget=DateInput)
    start = forms.TimeField(label="开始", widget=TimeInput())
    end = forms.TimeField(label="结束", widget=TimeInput(), help_text="早于开始时间表示次日。")
    min_strength = forms.IntegerField(label="最少人数", min_value=1, max_value=20, initial=rules.DEFAULT_MIN_STRENGTH)

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        if abs((day - timezone.localdate()).days) > PLANNING_DAYS:
            raise forms.ValidationError("日期离今天太远（前后十年内），请核对年份。")
        return day

    def clean(self) -> dict:
        data = super().clean()
        if data.get("day") and data.get("start") and data.get("end"):
            if data["start"] == data["end"]:
                self.add_error("end", "结束时间与开始时间相同，请修改。")
            else:
                data["starts_at"], data["ends_at"] = rules.Slot(data["start"], data["end"]).on(data["day"])
        return data


def monday_of(raw: str | None) -> date:
    """The Monday of the week named by ?week=YYYY-MM-DD (any day of it); this week when absent or bad."""
    try:
        day = datetime.strptime(str(raw or ""), "%Y-%m-%d").date()
    except ValueError:
        day = timezone.localdate()
    if abs((day - timezone.localdate()).days) > PLANNING_DAYS:
        day = timezone.localdate()
    return rules.week_start(day)


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]
