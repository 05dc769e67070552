"""Forms for enclosures, gates and rosters. Choices are always the user's scope (extra posted values fail)."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone

from alleykeeper.core.widgets import DateInput, NoteField, Textarea, TimeInput
from alleykeeper.gates import rules
from alleykeeper.gates.models import Enclosure, Gate, RosterEntry
from alleykeeper.registry.models import Building


class EnclosureForm(forms.ModelForm):
    class Meta:
        model = Enclosure
        fields = ["community", "name", "notes"]
        widgets = {"notes": Textarea(attrs={"rows": 2})}
        field_classes = {"notes": NoteField}
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
    reason = NoteField(label="原因", max_length=200, required=False, help_text="如：二维码被转发到群里。")


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


WEEK_MINUTES = 7 * 24 * 60


def week_minutes(weekdays: str, starts: time, ends: time) -> list[tuple[int, int]]:
    """The entry's periods as minutes from Monday 00:00 (an overnight end runs into the next day)."""
    start = starts.hour * 60 + starts.minute
    end = ends.hour * 60 + ends.minute
    length = end - start if end > start else end + 24 * 60 - start
    return [(int(d) * 24 * 60 + start, int(d) * 24 * 60 + start + length) for d in weekdays]


def weekly_overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    """Two weekly patterns overlap, Sunday night running into Monday morning included."""
    return any(
        s1 < e2 + wrap and s2 + wrap < e1 for s1, e1 in a for s2, e2 in b for wrap in (-WEEK_MINUTES, 0, WEEK_MINUTES)
    )


class RosterEntryForm(forms.Form):
    """One line of a gate's weekly roster. An end at or before the start is the next day only when
    "次日结束" is ticked, or when it is 00:00 (midnight: 16:00–00:00); 00:00–08:00 is the night shift of
    the day it starts on."""

    weekdays = forms.MultipleChoiceField(
        label="星期",
        choices=[(str(n), f"周{name}") for n, name in enumerate(rules.WEEKDAYS)],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一天。", "invalid_choice": "星期只能选周一到周日。"},
    )
    starts = forms.TimeField(label="开始", widget=TimeInput(), error_messages={"invalid": "请填写开始时间，如 08:00。"})
    ends = forms.TimeField(
        label="结束",
        widget=TimeInput(),
        help_text="到午夜结束请填 00:00。",
        error_messages={"invalid": "请填写结束时间，如 16:00。"},
    )
    overnight = forms.BooleanField(label="次日结束（跨夜班次，如 22:00–次日06:00）", required=False)
    min_strength = forms.IntegerField(
        label="最少人数",
        min_value=1,
        max_value=20,
        initial=rules.DEFAULT_MIN_STRENGTH,
        error_messages={"min_value": "最少人数至少为 1。", "max_value": "最少人数不超过 20。"},
    )
    leader = forms.ModelChoiceField(label="带班负责人", queryset=None, required=False, empty_label="（暂不指定）")
    crew = forms.ModelMultipleChoiceField(
        label="组员", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, gate: Gate, staff=None, entry: RosterEntry | None = None, **kwargs) -> None:
        if entry is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "weekdays": list(entry.weekdays),
                "starts": entry.starts,
                "ends": entry.ends,
                "overnight": entry.overnight and entry.ends != time(0),
                "min_strength": entry.min_strength,
                "leader": entry.leader_id,
                "crew": [p.pk for p in entry.crew.all()],
            }
        super().__init__(*args, **kwargs)
        self.gate, self.entry = gate, entry
        unknown = "所选人员不是本社区在岗的工作人员或志愿者，请重新选择。"
        for name in ("leader", "crew"):
            self.fields[name].queryset = staff
            self.fields[name].error_messages.update(invalid_choice=unknown, invalid_pk_value=unknown)

    def clean(self) -> dict:
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if "weekdays" in data:
            data["weekdays"] = "".join(sorted(set(data["weekdays"])))
        if starts is None or ends is None:
            return data
        if starts == ends:
            self.add_error("ends", "结束时间与开始时间相同，请修改。")
        elif ends < starts and ends != time(0) and not data.get("overnight"):
            self.add_error("ends", "结束时间早于开始时间。跨夜的班次请勾选“次日结束”；到午夜结束的请填 00:00。")
        elif ends > starts and data.get("overnight"):
            self.add_error("overnight", "勾选了“次日结束”，结束时间应早于开始时间（如 22:00–06:00）。")
        else:
            start, end = rules.Slot(starts, ends).on(date(2020, 1, 6))
            if end - start > timedelta(hours=rules.MAX_SHIFT_HOURS):
                self.add_error("ends", f"一个班次不能超过 {rules.MAX_SHIFT_HOURS} 小时，请拆成两个班次。")
            elif data.get("weekdays"):
                self._check_overlap(data)
        crew = list(data.get("crew") or [])
        if data.get("leader") is not None:
            data["crew"] = [p for p in crew if p.pk != data["leader"].pk]
        elif crew:
            self.add_error("leader", "已选了组员，请指定其中一位为带班负责人。")
        return data

    def _check_overlap(self, data: dict) -> None:
        mine = week_minutes(data["weekdays"], data["starts"], data["ends"])
        others = RosterEntry.objects.filter(gate=self.gate).exclude(pk=getattr(self.entry, "pk", None))
        for other in others:
            if weekly_overlap(mine, week_minutes(other.weekdays, other.starts, other.ends)):
                self.add_error(
                    None,
                    f"与本卡口已有的每周排班“{other.weekdays_label} {other.starts:%H:%M}–{other.ends:%H:%M}”"
                    "时间重叠，请调整时间或星期。",
                )
                return


class CancelShiftForm(forms.Form):
    reason = NoteField(label="原因", max_length=100, required=False, help_text="如：卡口当天关闭。")


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
