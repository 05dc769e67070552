"""Forms of returning staff, the admin's decision on a block, reopening slots and the daily health report."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from alleykeeper.core.identity import DocumentType, check_document, check_phone, document_type_of, person_name
from alleykeeper.core.widgets import DateInput, NoteField, Textarea
from alleykeeper.reopening.models import HealthState, ReopeningSlot
from alleykeeper.reopening.staff import StaffEntry
from alleykeeper.visitors.forms import DivisionField

PASSED_FIELDS = ("passed_1", "passed_2", "passed_3")
RETURN_AHEAD_DAYS = 30  # staff may be listed before they are back, up to a month ahead


def check_returned_on(value: date) -> date:
    today = timezone.localdate()
    if value > today + timedelta(days=RETURN_AHEAD_DAYS):
        raise forms.ValidationError(f"返回日期太远了，请填写 {RETURN_AHEAD_DAYS} 天以内的日期。")
    if value < today - timedelta(days=366):
        raise forms.ValidationError("返回日期早于一年前，请核对年份。")
    return value


class StaffForm(forms.Form):
    """One returning person. Plain fields: posted extras change nothing."""

    name = forms.CharField(label="姓名", max_length=50)
    doc_type = forms.ChoiceField(label="证件类型", choices=DocumentType.choices, initial=DocumentType.ID_CARD)
    doc_number = forms.CharField(label="证件号码", max_length=40)
    phone = forms.CharField(label="手机号码", max_length=30)
    origin = DivisionField(label="从哪里返回（省 / 市）")
    passed_1 = DivisionField(label="途经地 1（可不填）", required=False)
    passed_2 = DivisionField(label="途经地 2（可不填）", required=False)
    passed_3 = DivisionField(label="途经地 3（可不填）", required=False)
    returned_on = forms.DateField(label="返回本地日期", widget=DateInput)
    health_state = forms.ChoiceField(label="健康状况", choices=HealthState.choices, initial=HealthState.HEALTHY)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        messages = {
            "name": "请填写姓名。",
            "doc_number": "请填写证件号码。",
            "phone": "请填写手机号码。",
            "origin": "请选择从哪里返回。",
            "returned_on": "请填写返回本地的日期。",
        }
        for name, message in messages.items():
            self.fields[name].error_messages["required"] = message
        self.fields["returned_on"].error_messages["invalid"] = "请按“年-月-日”填写日期，如 2020-02-10。"
        self.fields["doc_type"].error_messages["invalid_choice"] = "请从列表中选择证件类型。"
        self.fields["health_state"].error_messages["invalid_choice"] = "请从列表中选择健康状况。"
        self.fields["doc_number"].widget.attrs.update(autocomplete="off", autocapitalize="characters")
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.fields["passed_1"].help_text = "返回前 14 天内经过、停留过的地方。"
        self.entry: StaffEntry | None = None

    def clean_name(self) -> str:
        return person_name(self.cleaned_data["name"])

    def clean_returned_on(self) -> date:
        return check_returned_on(self.cleaned_data["returned_on"])

    def clean(self) -> dict:
        data = super().clean()
        doc = phone = None
        if "doc_number" in data:
            doc = check_document(data.get("doc_type") or DocumentType.ID_CARD, data["doc_number"])
            if not doc.ok:
                self.add_error("doc_number", doc.error)
            elif data.get("doc_type") == DocumentType.ID_CARD:
                data["doc_type"] = document_type_of(doc.value)
        if "phone" in data:
            phone = check_phone(data["phone"])
            if not phone.ok:
                self.add_error("phone", phone.error)
        if not self.errors and doc is not None and data.get("origin") is not None:
            passed = {d.code: d for d in (data.get(n) for n in PASSED_FIELDS) if d is not None}
            self.entry = StaffEntry(
                data={k: data[k] for k in ("name", "doc_type", "returned_on", "health_state")},
                doc=doc,
                phone=phone,
                origin=data["origin"],
                passed=list(passed.values()),
            )
        return data


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label="返岗人员表格（.xlsx 或 .csv）",
        help_text="表头如：姓名、证件号码、手机号码、从哪里返回、途经地、返回日期、健康状况。",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages.update({"required": "请选择文件。", "empty": "文件是空的，请重新选择。"})
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"


class BlockDecisionForm(forms.Form):
    reason = NoteField(
        label="处理决定及理由",
        max_length=300,
        widget=Textarea(attrs={"rows": 2}),
        help_text="如：经核实未到过重点地区；已在外地完成 14 天隔离，有证明。",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "请写明处理决定和理由。"


class SlotsForm(forms.Form):
    """Open reopening slots: each day of a range, for each place listed, with the same capacity."""

    first_day = forms.DateField(label="从", widget=DateInput)
    last_day = forms.DateField(label="到", widget=DateInput)
    places = forms.CharField(
        label="商场和楼层",
        max_length=500,
        widget=Textarea(attrs={"rows": 3}),
        help_text="一行一个，如“开元盛世广场 1F”；沿街商铺写“沿街商铺”。",
    )
    capacity = forms.IntegerField(label="每个时段可复工企业数", min_value=1, max_value=500)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, message in {
            "first_day": "请填写开始日期。",
            "last_day": "请填写结束日期。",
            "places": "请填写商场和楼层。",
            "capacity": "请填写每个时段可复工的企业数。",
        }.items():
            self.fields[name].error_messages["required"] = message
        for name in ("first_day", "last_day"):
            self.fields[name].error_messages["invalid"] = "请按“年-月-日”填写日期。"
        self.fields["capacity"].error_messages.update(
            {"invalid": "请填写整数。", "min_value": "至少 1 家。", "max_value": "不能超过 500 家。"}
        )

    def clean_places(self) -> list[tuple[str, str]]:
        places: list[tuple[str, str]] = []
        for line in self.cleaned_data["places"].splitlines():
            parts = line.split()
            if not parts:
                continue
            if parts == ["沿街商铺"]:
                place = ("", "")
            elif len(parts) == 2 and len(parts[0]) <= 60 and len(parts[1]) <= 10:
                place = (parts[0], parts[1])
            else:
                raise forms.ValidationError(f"“{line.strip()[:30]}”看不懂：请写成“商场名 楼层”，或“沿街商铺”。")
            if place not in places:
                places.append(place)
        if not places:
            raise forms.ValidationError("请填写商场和楼层。")
        return places

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", "结束日期不能早于开始日期。")
            elif (last - first).days > 60:
                self.add_error("last_day", "一次最多 60 天。")
            elif first < timezone.localdate():
                self.add_error("first_day", "不能为已经过去的日期开设时段。")
        return data


class SlotChoiceForm(forms.Form):
    slot = forms.ModelChoiceField(label="复工时段", queryset=ReopeningSlot.objects.none(), empty_label="请选择")

    def __init__(self, *args, slots=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if slots is not None:
            self.fields["slot"].queryset = slots
        self.fields["slot"].label_from_instance = lambda s: (
            f"{s.day:%m月%d日} {s.place}（余 {s.capacity - s.taken} 家）"
        )
        self.fields["slot"].error_messages.update(
            {"required": "请选择复工时段。", "invalid_choice": "这个时段不能选，请重新选择。"}
        )


class DailyReportForm(forms.Form):
    staff_present = forms.IntegerField(label="今日到岗人数", min_value=0, max_value=100_000)
    unwell = forms.IntegerField(
        label="发热或有咳嗽等症状的人数", min_value=0, max_value=100_000, initial=0, help_text="没有请填 0（零报告）。"
    )
    unwell_note = NoteField(
        label="症状与处置", max_length=300, required=False, widget=Textarea(attrs={"rows": 2}),
        help_text="有人发热或有症状时填写：谁、体温、已如何处置。",
    )  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("staff_present", "unwell"):
            field = self.fields[name]
            field.widget.attrs["inputmode"] = "numeric"
            field.error_messages.update(
                {"required": "请填写人数，没有请填 0。", "invalid": "请填写整数。", "min_value": "不能是负数。"}
            )
            field.error_messages["max_value"] = "人数太大，请核对。"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("unwell") and not (data.get("unwell_note") or "").strip():
            self.add_error("unwell_note", "有人发热或有症状，请写明是谁、体温和处置情况。")
        return data
