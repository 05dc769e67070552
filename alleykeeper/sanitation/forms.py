"""Forms of the disinfection pages: a plan (with its place) and a task done."""

import re
from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.core.widgets import DateInput, NoteField, TimeInput
from alleykeeper.gates.models import Gate
from alleykeeper.registry.forms import offer_buildings
from alleykeeper.registry.models import Alley, Building
from alleykeeper.sanitation.models import WEEKDAY_NAMES, Frequency, PlaceKind, Surface
from alleykeeper.supplies.actions import whole_units_problem
from alleykeeper.supplies.forms import quantity_field
from alleykeeper.supplies.models import SupplyItem

_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")
BUILDING_KINDS = (PlaceKind.STAIRWELL, PlaceKind.LIFT, PlaceKind.MALL)


def _text(value: str) -> str:
    return " ".join((value or "").replace("\x00", "").split())


class PlanForm(forms.Form):
    place_kind = forms.ChoiceField(label="场所类型", choices=PlaceKind.choices)
    building = forms.ModelChoiceField(label="楼栋", queryset=Building.objects.none(), required=False)
    gate = forms.ModelChoiceField(label="卡口", queryset=Gate.objects.none(), required=False)
    alley = forms.ModelChoiceField(label="小巷", queryset=Alley.objects.none(), required=False)
    description = forms.CharField(label="场所说明", max_length=100, required=False, help_text="如：县后街垃圾中转站")
    sequence = forms.IntegerField(
        label="巡查顺序号", min_value=0, max_value=9999, initial=100, help_text="小的先走；同号按小巷、楼栋排。"
    )
    surfaces = forms.MultipleChoiceField(
        label="消杀部位", choices=Surface.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    agent = forms.CharField(label="消毒剂", max_length=50, help_text="如：84消毒液、75%酒精")
    dilution = forms.CharField(label="配比/浓度", max_length=50, help_text="如：1:100、原液")
    supply_item = forms.ModelChoiceField(label="从哪种物资领用", queryset=SupplyItem.objects.none(), required=False)
    amount = quantity_field("每次用量", required=False)
    frequency = forms.ChoiceField(label="频次", choices=Frequency.choices)
    times = forms.CharField(
        label="时间", max_length=100, help_text="如 08:00；每天多次用空格或逗号分开，如 08:00 14:00"
    )
    every_n_days = forms.IntegerField(label="每隔几天", min_value=2, max_value=60, required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label="星期",
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    starts_on = forms.DateField(label="开始日期", widget=DateInput())
    cleaner = forms.ModelChoiceField(label="保洁/消杀员", queryset=User.objects.none())
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        offer_buildings(self.fields["building"], Building.objects.filter(alley__grid__community=community), label=str)
        self.fields["gate"].queryset = Gate.objects.filter(enclosure__community=community).order_by("name")
        self.fields["alley"].queryset = Alley.objects.filter(grid__community=community).order_by("name")
        self.fields["supply_item"].queryset = SupplyItem.objects.filter(community=community).order_by("name")
        self.fields["cleaner"].queryset = User.objects.filter(
            is_active=True, role=Role.CLEANER, communities=community
        ).order_by("display_name", "username")
        for name in ("building", "gate", "alley", "supply_item", "cleaner"):
            self.fields[name].error_messages["invalid_choice"] = "所选项不在本社区，请从列表中选择。"
        for name in ("place_kind", "frequency", "surfaces", "weekdays"):
            self.fields[name].error_messages["invalid_choice"] = "请从列表中选择。"
        self.fields["cleaner"].error_messages["required"] = "请选择负责的保洁/消杀员。"
        self.fields["dilution"].error_messages["required"] = "请填写配比或浓度，如 1:100；用原液请填“原液”。"
        self.fields["agent"].error_messages["required"] = "请填写消毒剂，如 84消毒液。"
        self.fields["times"].error_messages["required"] = "请填写时间，如 08:00。"
        self.fields["starts_on"].error_messages["required"] = "请填写开始日期。"
        self.fields["starts_on"].error_messages["invalid"] = "开始日期格式不对，如 2026-03-10。"

    def clean_agent(self) -> str:
        agent = _text(self.cleaned_data["agent"])
        if not agent:
            raise forms.ValidationError("请填写消毒剂，如 84消毒液。")
        return agent

    def clean_dilution(self) -> str:
        dilution = _text(self.cleaned_data["dilution"])
        if not dilution:
            raise forms.ValidationError("请填写配比或浓度，如 1:100；用原液请填“原液”。")
        return dilution

    def clean_description(self) -> str:
        return _text(self.cleaned_data["description"])

    def clean_times(self) -> list[str]:
        parts = [p for p in re.split(r"[\s,，、;；]+", self.cleaned_data["times"]) if p]
        found = []
        for part in parts:
            match = _TIME.match(part)
            if not match:
                raise forms.ValidationError(f"“{part[:10]}”不是时间，请写成 08:00 这样。")
            found.append(f"{int(match[1]):02d}:{match[2]}")
        if not found:
            raise forms.ValidationError("请填写时间，如 08:00。")
        if len(found) > 12:
            raise forms.ValidationError("一天最多 12 个时间。")
        return sorted(set(found))

    def clean_starts_on(self):
        day = self.cleaned_data["starts_on"]
        if day.year < 2000 or day.year > 2100:
            raise forms.ValidationError("开始日期不对，请核对。")
        if day > timezone.localdate() + timedelta(days=366):
            raise forms.ValidationError("开始日期在一年以后，请核对（计划从开始日期起才生成任务）。")
        return day

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("place_kind")
        if kind in BUILDING_KINDS and not data.get("building") and "building" not in self.errors:
            self.add_error("building", "请选择楼栋。")
        if kind == PlaceKind.GATE and not data.get("gate") and "gate" not in self.errors:
            self.add_error("gate", "请选择卡口。")
        if kind and kind not in BUILDING_KINDS and kind != PlaceKind.GATE:
            if not data.get("alley") and not data.get("description") and "alley" not in self.errors:
                self.add_error("description", "请选择小巷或写明场所，如 县后街垃圾中转站。")
        if kind not in BUILDING_KINDS:
            data["building"] = None
        if kind != PlaceKind.GATE:
            data["gate"] = None
        if kind in BUILDING_KINDS or kind == PlaceKind.GATE:
            data["alley"], data["description"] = None, ""
        frequency, times = data.get("frequency"), data.get("times") or []
        if frequency in (Frequency.DAILY, Frequency.EVERY_N_DAYS, Frequency.WEEKDAYS) and len(times) > 1:
            self.add_error("times", "这个频次每天只做一次，请只填一个时间；一天多次请选“每天多次”。")
        if frequency == Frequency.EVERY_N_DAYS and not data.get("every_n_days") and "every_n_days" not in self.errors:
            self.add_error("every_n_days", "请填写每隔几天（2 到 60）。")
        if frequency == Frequency.WEEKDAYS and not data.get("weekdays") and "weekdays" not in self.errors:
            self.add_error("weekdays", "请勾选星期几。")
        if frequency != Frequency.EVERY_N_DAYS:
            data["every_n_days"] = None
        if frequency != Frequency.WEEKDAYS:
            data["weekdays"] = []
        if data.get("amount") and not data.get("supply_item") and "supply_item" not in self.errors:
            self.add_error("supply_item", "填了每次用量，请选择从哪种物资领用。")
        item = data.get("supply_item")
        if data.get("amount") and item is not None:
            problem = whole_units_problem(item.name, item.unit, data["amount"])
            if problem:
                self.add_error("amount", problem)
        if not data.get("surfaces") and "surfaces" not in self.errors:
            self.add_error("surfaces", "请至少勾选一个消杀部位。")
        return data


class DoneForm(forms.Form):
    done_time = forms.TimeField(
        label="完成时间",
        required=False,
        widget=TimeInput(),
        help_text="留空为现在。",
        error_messages={"invalid": "完成时间格式不对，如 09:30。"},
    )
    agent_used = forms.CharField(label="实际用药及配比", max_length=50, required=False)
    item = forms.ModelChoiceField(label="用量从哪种物资扣除", queryset=SupplyItem.objects.none(), required=False)
    amount = quantity_field("用量", required=False, allow_zero=True)
    photo = forms.FileField(
        label="照片（可选）", required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
    note = NoteField(label="备注", max_length=300, required=False)

    def __init__(self, *args, task, now: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.task, self.now = task, now
        self.fields["item"].queryset = SupplyItem.objects.filter(community_id=task.community_id).order_by("name")
        self.fields["item"].error_messages["invalid_choice"] = "所选物资不属于本社区，请从列表中选择。"

    def clean_agent_used(self) -> str:
        return _text(self.cleaned_data["agent_used"])

    def clean_note(self) -> str:
        return _text(self.cleaned_data["note"])

    def clean(self) -> dict:
        data = super().clean()
        moment = data.get("done_time")
        if moment is not None:
            local = timezone.localtime(self.now)
            done_at = timezone.make_aware(datetime.combine(local.date(), time(moment.hour, moment.minute)))
            if done_at > self.now:
                self.add_error("done_time", "完成时间不能晚于现在。")
            data["done_at"] = done_at
        else:
            data["done_at"] = None
        if data.get("amount") and not data.get("item") and "item" not in self.errors:
            self.add_error("item", "填了用量，请选择从哪种物资扣除。")
        return data
