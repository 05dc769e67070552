"""Observation forms: few fields, large choices, errors that say what to fix."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone

from alleykeeper.audit.models import Purpose
from alleykeeper.core.temperature import implausible_message, plausible
from alleykeeper.core.widgets import DateInput, NoteField, Textarea
from alleykeeper.observation import schedule
from alleykeeper.observation.followups import Report
from alleykeeper.observation.models import (
    Channel,
    DayZeroBasis,
    Mood,
    NeedKind,
    Reason,
    ServiceRequest,
    Symptom,
    TransferDestination,
)
from alleykeeper.places.forms import DivisionChoiceField

# Needs a volunteer cannot fill without being told what: the call's 需求说明 (or a request's 说明) is then asked for.
SAY_WHAT = {NeedKind.GROCERIES, NeedKind.MEDICINE, NeedKind.OTHER}
NEEDS_WHAT = "请写明要买什么、多少，如：青菜一把、鸡蛋十个；药品写药名和数量。配送的人只看得到这一句。"

# Hard limits of what can be a body temperature typed on a phone; 34–43 is checked later as plausibility.
TEMPERATURE_MIN = Decimal("30.0")
TEMPERATURE_MAX = Decimal("45.0")


class Choices(forms.RadioSelect):
    """Radio buttons drawn as large chips (CSS block "Home observation" in app.css)."""

    def __init__(self, attrs: dict | None = None, choices=()) -> None:
        super().__init__({"class": "chips", **(attrs or {})}, choices)


class MultiChoices(forms.CheckboxSelectMultiple):
    def __init__(self, attrs: dict | None = None, choices=()) -> None:
        super().__init__({"class": "chips", **(attrs or {})}, choices)


def _today() -> date:
    return schedule.local_date(timezone.now())


class OpenCasesForm(forms.Form):
    residents = forms.ModelMultipleChoiceField(
        label="观察对象（同户可多选，一起观察）", queryset=None, required=False, widget=MultiChoices
    )
    include_key_person = forms.BooleanField(label="", required=False, initial=True)
    reason = forms.ChoiceField(label="观察原因", choices=Reason.choices, widget=Choices)
    reason_note = NoteField(label="原因说明", required=False, max_length=200)
    origin = DivisionChoiceField(label="来自（地区）", required=False)
    day_zero_basis = forms.ChoiceField(label="第0天按", choices=DayZeroBasis.choices, widget=Choices)
    day_zero = forms.DateField(label="第0天日期", widget=DateInput)
    started_on = forms.DateField(label="开始居家观察日期", required=False, widget=DateInput, help_text="留空即今天。")
    assigned_worker = forms.ModelChoiceField(label="责任网格员", queryset=None, empty_label=None)

    def __init__(self, *args, residents=None, workers=None, key_person=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.key_person = key_person
        self.fields["residents"].queryset = residents
        self.fields["residents"].label_from_instance = lambda r: f"{r.name}（{r.get_relation_display()}）"
        self.fields["assigned_worker"].queryset = workers
        if key_person is not None and key_person.resident_id is None:
            self.fields["include_key_person"].label = f"{key_person.name}（重点人员，未在台账）"
        else:
            del self.fields["include_key_person"]

    def clean_day_zero(self) -> date:
        day_zero = self.cleaned_data["day_zero"]
        if day_zero > _today():
            raise forms.ValidationError("第0天不能晚于今天：请填抵达、离开重点地区或末次接触的实际日期。")
        return day_zero

    def clean(self) -> dict:
        data = super().clean()
        chosen = list(data.get("residents") or [])
        if not chosen and not data.get("include_key_person"):
            self.add_error("residents", "请至少勾选一位观察对象。")
        if data.get("reason") == Reason.OTHER and not data.get("reason_note"):
            self.add_error("reason_note", "原因选“其他”时，请写明原因。")
        started, day_zero = data.get("started_on"), data.get("day_zero")
        if started and started > _today():
            self.add_error("started_on", "开始日期不能晚于今天。")
        if started and day_zero and started < day_zero:
            self.add_error("started_on", "开始居家观察的日期不能早于第0天。")
        return data


class CallForm(forms.Form):
    """The worker's call, meant to take a few taps on a phone."""

    reached = forms.TypedChoiceField(
        label="是否接通",
        choices=[("1", "已接通"), ("0", "未接通")],
        coerce=lambda v: v == "1",
        widget=Choices,
        initial="1",
    )
    temperature = forms.CharField(
        label="体温（℃）",
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "如 36.5", "autocomplete": "off"}),
    )
    symptoms = forms.MultipleChoiceField(
        label="症状（没有就不选）", choices=Symptom.choices, required=False, widget=MultiChoices
    )
    mood = forms.ChoiceField(label="情绪", choices=Mood.choices, required=False, widget=Choices)
    needs = forms.MultipleChoiceField(
        label="需要代购/配送", choices=NeedKind.choices, required=False, widget=MultiChoices
    )
    needs_note = NoteField(label="需求说明", required=False, max_length=200)
    note = NoteField(label="备注", required=False, max_length=300)

    def __init__(self, *args, delivered: list[ServiceRequest] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.delivered = list(delivered)
        for request in self.delivered:
            self.fields[f"confirm_{request.pk}"] = forms.ChoiceField(
                label=f"{request.get_kind_display()}已于 {timezone.localtime(request.delivered_at):%m-%d %H:%M} "
                f"放在“{request.left_at}”，家属收到了吗？",
                choices=[("", "没问"), ("yes", "已收到"), ("no", "没收到")],
                required=False,
                widget=Choices,
            )

    def clean_temperature(self) -> Decimal | None:
        """The worker on the phone can ask for another reading at once: an implausible one is refused
        (core.temperature), where a person's own report is kept and flagged."""
        value = parse_temperature(self.cleaned_data.get("temperature", ""))
        if value is not None and not plausible(value):
            raise forms.ValidationError(implausible_message(value).replace("请复测", "请让对方复测"))
        return value

    def clean(self) -> dict:
        data = super().clean()
        if data.get("reached") and data.get("temperature") is None and "temperature" not in self.errors:
            self.add_error("temperature", "接通时请填写体温，如 36.5；如对方没测，请让其测量后再填。")
        if SAY_WHAT & set(data.get("needs") or ()) and not data.get("needs_note", "").strip():
            self.add_error("needs_note", NEEDS_WHAT)
        return data

    def confirmations(self) -> dict[int, bool]:
        answers = {}
        for request in self.delivered:
            value = self.cleaned_data.get(f"confirm_{request.pk}")
            if value in ("yes", "no"):
                answers[request.pk] = value == "yes"
        return answers

    def report(self) -> Report:
        """The call as record_followup takes it (the page and the API's follow-up call post this form)."""
        data = self.cleaned_data
        return Report(
            channel=Channel.CALL,
            reached=data["reached"],
            temperature=data["temperature"],
            symptoms=data["symptoms"],
            mood=data["mood"],
            needs=data["needs"],
            needs_note=data["needs_note"],
            note=data["note"],
            confirmations=self.confirmations(),
        )


def parse_temperature(raw: object) -> Decimal | None:
    text = str(raw or "").strip().replace("，", ".").replace(",", ".").replace("。", ".").rstrip("℃度°Cc ")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise forms.ValidationError("体温请填数字，如 36.5。") from error
    if value.is_nan() or value.is_infinite():
        raise forms.ValidationError("体温请填数字，如 36.5。")
    if Decimal("300") <= value <= Decimal("450") and value == value.to_integral_value():
        raise forms.ValidationError(f"是不是少了小数点？请填如 {value / 10} 这样的体温。")
    if not TEMPERATURE_MIN <= value <= TEMPERATURE_MAX:
        raise forms.ValidationError("体温应在 30 到 45 ℃ 之间，请核对后重填（如 36.5）。")
    return value.quantize(Decimal("0.1"))


class SelfReportForm(forms.Form):
    temperature = forms.CharField(
        label="体温（℃）",
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "如 36.5", "autocomplete": "off"}),
        error_messages={"required": "请填写体温，如 36.5。"},
    )
    symptoms = forms.MultipleChoiceField(
        label="有没有以下不适（没有就不选）", choices=Symptom.choices, required=False, widget=MultiChoices
    )

    def clean_temperature(self) -> Decimal:
        value = parse_temperature(self.cleaned_data.get("temperature", ""))
        if value is None:
            raise forms.ValidationError("请填写体温，如 36.5。")
        return value


class ReasonForm(forms.Form):
    reason = NoteField(
        label="原因",
        max_length=300,
        widget=Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写原因：这项操作会影响观察对象，必须说明理由。"},
    )


class ExtendForm(ReasonForm):
    new_end = forms.DateField(label="延至", widget=DateInput)
    field_order = ["new_end", "reason"]


class TransferForm(ReasonForm):
    destination = forms.ChoiceField(label="转送去向", choices=TransferDestination.choices, widget=Choices)
    field_order = ["destination", "reason"]


class ReleaseForm(forms.Form):
    note = NoteField(label="说明（可不填）", required=False, max_length=300)


class NoteForm(forms.Form):
    text = NoteField(label="备注", max_length=500, widget=Textarea(attrs={"rows": 2}))


class RevealPhoneForm(forms.Form):
    purpose = forms.ChoiceField(label="用途", choices=Purpose.choices, initial=Purpose.FOLLOW_UP)


class WorkerForm(forms.Form):
    worker = forms.ModelChoiceField(label="改由", queryset=None, empty_label=None)

    def __init__(self, *args, workers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="物品", choices=NeedKind.choices, widget=Choices, error_messages={"required": "请选择要配送的物品。"}
    )
    detail = NoteField(label="说明（数量、品牌等）", required=False, max_length=200)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") in SAY_WHAT and not data.get("detail", "").strip():
            self.add_error("detail", NEEDS_WHAT)
        return data


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="配送人", queryset=None, empty_label=None)

    def __init__(self, *args, deliverers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = deliverers
        self.fields["assignee"].label_from_instance = lambda u: f"{u}（{u.get_role_display()}）"


PLACES = ["挂在门把手上", "放在门口", "放在门口的箱子里"]


class DeliverForm(forms.Form):
    place = forms.ChoiceField(
        label="放在哪里", choices=[(p, p) for p in PLACES] + [("other", "其他位置")], widget=Choices, initial=PLACES[0]
    )
    other_place = forms.CharField(
        label="其他位置", required=False, max_length=100, help_text="写了这里，就按这里写的记录放在哪里。"
    )
    delivered_at = forms.DateTimeField(
        label="送达时间",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="留空即现在。",
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("place") == "other" and not data.get("other_place", "").strip():
            self.add_error("other_place", "请写明放在哪里。")
        return data

    def left_at(self) -> str:
        """Where the things were left: the place written out, when one is (a volunteer who types 交给楼下邻居
        and leaves the first choice as it was means what they typed), else the choice."""
        data = self.cleaned_data
        return data["other_place"].strip() or data["place"]

    def when(self) -> datetime | None:
        return self.cleaned_data.get("delivered_at")
