"""Publicity forms: a material (with its optional file), a channel, a distribution, a building's posting
sheet and its floors. Every bad input gets a message saying what to fix."""

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from alleykeeper.core.widgets import DateInput, NoteField, Textarea
from alleykeeper.publicity.models import MAX_FLOORS, Channel, ChannelKind, Material, MaterialKind, ReachUnit
from alleykeeper.registry.forms import offer_buildings
from alleykeeper.registry.models import Alley, Building, Community, Grid

BAD_DATE = "日期格式不对，请按 2020-02-10 的格式填写（或用日期选择器）。"
BAD_MOMENT = "时间格式不对，请按 2020-02-10 09:30 的格式填写（或用日期时间选择器）。"
FILE_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _community_field(form: forms.Form, communities) -> None:
    field = form.fields["community"]
    field.queryset = communities
    field.empty_label = None
    field.error_messages["invalid_choice"] = "请选择您负责的社区。"


def _dates(form: forms.Form, *names: str) -> None:
    for name in names:
        form.fields[name].error_messages["invalid"] = BAD_DATE


class MaterialForm(forms.ModelForm):
    file = forms.FileField(
        label="文件（可不传）",
        required=False,
        help_text="海报图片或通知的 PDF：PDF、JPG 或 PNG，按内容识别；照片会去掉拍摄地点等信息。短视频请填链接。",
    )
    link = forms.URLField(label="视频或文章链接", max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Material
        fields = ["community", "kind", "title", "description", "link", "start_date", "end_date"]
        widgets = {"start_date": DateInput, "end_date": DateInput, "description": Textarea(attrs={"rows": 3})}

    def __init__(self, *args, communities=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _community_field(self, communities if communities is not None else Community.objects.none())
        if self.instance.pk:
            del self.fields["community"]
        else:
            self.fields["start_date"].initial = timezone.localdate()
        self.fields["title"].error_messages["required"] = "请填写标题，如：勤洗手，多开窗，戴口罩。"
        self.fields["kind"].error_messages["required"] = "请选择材料类型。"
        self.fields["start_date"].error_messages["required"] = "请填写开始使用的日期。"
        self.fields["link"].error_messages["invalid"] = "链接格式不对，请填写以 http:// 或 https:// 开头的完整地址。"
        self.fields["file"].widget.attrs["accept"] = FILE_TYPES
        _dates(self, "start_date", "end_date")

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("请填写标题，如：勤洗手，多开窗，戴口罩。")
        return title

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "停止使用日期不能早于开始日期。")
        if data.get("kind") == MaterialKind.VIDEO and not (data.get("link") or data.get("description", "").strip()):
            self.add_error("link", "短视频请填写链接，或在内容简介里写明在哪里能看到。")
        return data


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ["community", "kind", "name", "building", "grid", "alley", "place", "members", "active"]
        labels = {
            "building": "楼栋（楼栋群、楼栋宣传栏）",
            "grid": "网格（网格群）",
            "alley": "小巷（流动喇叭、巷口宣传栏）",
        }

    def __init__(self, *args, communities=None, buildings=None, grids=None, alleys=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _community_field(self, communities if communities is not None else Community.objects.none())
        if self.instance.pk:
            del self.fields["community"]
        offer_buildings(self.fields["building"], buildings)
        self.fields["grid"].queryset = grids if grids is not None else Grid.objects.none()
        self.fields["alley"].queryset = alleys if alleys is not None else Alley.objects.none()
        self.fields["alley"].label_from_instance = lambda a: f"{a.grid.name} · {a.name}"
        self.fields["name"].error_messages["required"] = "请填写渠道名称，如：开元社区党员群。"
        self.fields["kind"].error_messages["required"] = "请选择渠道类型。"
        self.fields["members"].error_messages["min_value"] = "人数不能是负数。"
        self.fields["members"].error_messages["invalid"] = "人数请填整数。"
        for name in ("building", "grid", "alley"):
            self.fields[name].error_messages["invalid_choice"] = "请从列表中选择本社区的楼栋、网格或小巷。"

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("请填写渠道名称，如：开元社区党员群。")
        return name

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        needs = {
            ChannelKind.BUILDING_GROUP: ("building", "楼栋群请选择楼栋。"),
            ChannelKind.GRID_GROUP: ("grid", "网格群请选择网格。"),
            ChannelKind.LOUDSPEAKER: ("alley", "流动喇叭请选择它走的小巷。"),
        }
        if kind in needs and not data.get(needs[kind][0]) and needs[kind][0] not in self.errors:
            self.add_error(needs[kind][0], needs[kind][1])
        if kind == ChannelKind.NOTICE_BOARD and not (data.get("place") or data.get("building") or data.get("alley")):
            self.add_error("place", "宣传栏请写明位置，或选择所在的楼栋或小巷。")
        community = data.get("community") or (self.instance.community if self.instance.pk else None)
        if community is not None:
            for name, of in (
                ("building", lambda b: b.alley.grid.community_id),
                ("grid", lambda g: g.community_id),
                ("alley", lambda a: a.grid.community_id),
            ):
                if data.get(name) is not None and of(data[name]) != community.pk:
                    self.add_error(name, "请选择本社区的楼栋、网格或小巷。")
        return data


class DistributionForm(forms.Form):
    channel = forms.ModelChoiceField(label="渠道", queryset=Channel.objects.none(), required=False)
    building = forms.ModelChoiceField(label="或：张贴的楼栋", queryset=Building.objects.none(), required=False)
    alley = forms.ModelChoiceField(label="或：张贴/广播的小巷", queryset=Alley.objects.none(), required=False)
    at = forms.DateTimeField(
        label="时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reach = forms.IntegerField(label="覆盖数", required=False, min_value=0, max_value=10_000_000)
    reach_unit = forms.ChoiceField(label="覆盖单位", choices=[("", "—"), *ReachUnit.choices], required=False)
    note = NoteField(label="备注", max_length=200, required=False)

    def __init__(self, *args, channels=None, buildings=None, alleys=None, **kwargs) -> None:
        kwargs.setdefault("initial", {"at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels if channels is not None else Channel.objects.none()
        offer_buildings(self.fields["building"], buildings)
        self.fields["alley"].queryset = alleys if alleys is not None else Alley.objects.none()
        self.fields["alley"].label_from_instance = lambda a: f"{a.grid.name} · {a.name}"
        for name in ("channel", "building", "alley"):
            self.fields[name].error_messages["invalid_choice"] = "请从列表中选择本社区的渠道、楼栋或小巷。"
        self.fields["at"].error_messages.update({"required": "请填写发布时间。", "invalid": BAD_MOMENT})
        self.fields["reach"].error_messages.update(
            {
                "min_value": "覆盖数不能是负数：没有统计就留空。",
                "max_value": "覆盖数太大了，请核对。",
                "invalid": "覆盖数请填整数，如：120。",
            }
        )
        self.fields["reach_unit"].error_messages["invalid_choice"] = "请从列表中选择覆盖单位。"

    def clean_at(self) -> datetime:
        at = self.cleaned_data["at"]
        if at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("发布时间不能晚于现在：请在发布后再登记。")
        if at.year < 2000:
            raise forms.ValidationError(BAD_MOMENT)
        return at

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("channel") or data.get("building") or data.get("alley")) and not (
            {"channel", "building", "alley"} & set(self.errors)
        ):
            self.add_error("channel", "请选择发布渠道，或张贴的楼栋/小巷。")
        if data.get("reach") is not None and not data.get("reach_unit") and "reach_unit" not in self.errors:
            self.add_error("reach_unit", "填了覆盖数，请选择单位（群成员、阅读次数、户或人）。")
        return data


class WithdrawForm(forms.Form):
    """Why a distribution is taken back (the audit keeps it)."""

    reason = NoteField(
        label="撤销原因", max_length=300, error_messages={"required": "请写明撤销的原因，例如：重复登记、渠道选错。"}
    )


class SheetForm(forms.Form):
    building = forms.ModelChoiceField(label="楼栋", queryset=Building.objects.none())
    floors = forms.IntegerField(label="楼层数", min_value=1, max_value=MAX_FLOORS)

    def __init__(self, *args, buildings=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offer_buildings(self.fields["building"], buildings)
        self.fields["building"].error_messages.update(
            {"required": "请选择楼栋。", "invalid_choice": "请从列表中选择您负责的、还没有清单的楼栋。"}
        )
        self.fields["floors"].error_messages.update(
            {
                "required": "请填写这栋楼有几层。",
                "min_value": "楼层数至少是 1。",
                "max_value": f"楼层数不能超过 {MAX_FLOORS}，请核对。",
                "invalid": "楼层数请填整数，如：6。",
            }
        )


class FloorsForm(forms.Form):
    """The floors ticked on a sheet. A floor the building does not have is refused with the building's count."""

    floor = forms.TypedMultipleChoiceField(
        label="已张贴的楼层", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, floors: int = 1, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["floor"]
        field.choices = [(n, f"{n} 层") for n in range(1, floors + 1)]
        field.error_messages["invalid_choice"] = f"没有第 %(value)s 层：这栋楼只有 {floors} 层。请只勾选存在的楼层。"
