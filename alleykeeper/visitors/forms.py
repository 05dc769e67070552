"""The public registration form. A plain Form with explicit fields: posted extras change nothing."""

import re
import secrets
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from alleykeeper.core.identity import DocumentType, check_document, check_phone, document_type_of, person_name
from alleykeeper.core.widgets import DateInput, NoteField
from alleykeeper.places.models import Division, DivisionLevel
from alleykeeper.visitors.models import NUMBERED_TRANSPORTS, Transport

SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
PASSED_FIELDS = ("passed_1", "passed_2", "passed_3")
UNREACHABLE_PHONE = "请填写能打通的号码：手机号 11 位（如 139 0595 1234），座机请带区号，境外号码以 + 和国家代码开头。"


def new_submission_key() -> str:
    return secrets.token_urlsafe(18)


class GroupedDivisionIterator(ModelChoiceIterator):
    """Provinces and cities in one select, grouped by province (an <optgroup> each): works without JS."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: list[tuple[str, list]] = []
        for division in self.queryset.order_by("code"):
            if division.level == DivisionLevel.PROVINCE:
                groups.append((division.name, [(division.code, f"{division.name}（全省 / 不确定哪个市）")]))
            elif groups:
                groups[-1][1].append((division.code, division.name))
        yield from groups


class DivisionField(forms.ModelChoiceField):
    iterator = GroupedDivisionIterator

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(queryset=Division.objects.filter(level__lte=DivisionLevel.CITY), **kwargs)
        self.error_messages["invalid_choice"] = "所选地区不在列表中，请重新选择。"


def _text(max_length: int, label: str, required: bool = True, **attrs: str) -> forms.CharField:
    field = forms.CharField(label=label, max_length=max_length, required=required)
    field.widget.attrs.update(attrs)
    return field


class RegistrationForm(forms.Form):
    name = _text(50, "姓名", autocomplete="name")
    doc_type = forms.ChoiceField(label="证件类型", choices=DocumentType.choices, initial=DocumentType.ID_CARD)
    doc_number = _text(40, "证件号码", autocomplete="off", autocapitalize="characters", spellcheck="false")
    phone = _text(30, "手机号码", inputmode="tel", autocomplete="tel")
    arrival_date = forms.DateField(label="来鲤日期", widget=DateInput, help_text="到达本市的日期。")
    origin = DivisionField(label="从哪里来（省 / 市）")
    origin_county = forms.ModelChoiceField(
        label="区县（可不选）",
        queryset=Division.objects.none(),
        required=False,
        empty_label="不选 / 不清楚",
        help_text="选好城市后可再选区县。",
    )
    passed_1 = DivisionField(label="途经地 1（可不填）", required=False)
    passed_2 = DivisionField(label="途经地 2（可不填）", required=False)
    passed_3 = DivisionField(label="途经地 3（可不填）", required=False)
    transport = forms.ChoiceField(label="交通方式", choices=[("", "请选择"), *Transport.choices])
    transport_number = _text(20, "车次 / 航班号", required=False, autocapitalize="characters")
    # Free text: a host's phone written here is masked.
    reason = NoteField(
        label="来访事由",
        max_length=100,
        help_text="",
        widget=forms.TextInput(attrs={"placeholder": "如：探亲、送物资、维修"}),
    )
    host_address = _text(100, "被访住户地址", placeholder="如：3号楼302")
    host_name = _text(50, "被访人姓名")
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, counties_url: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if counties_url:  # with JavaScript, htmx fills the county list as soon as a city is chosen
            self.fields["origin"].widget.attrs.update(
                {"hx-get": counties_url, "hx-target": "#id_origin_county", "hx-swap": "outerHTML"}
            )
        self.doc_checked = None
        self.phone_checked = None
        self.fields["passed_1"].help_text = f"最近 {_lookback_days()} 天内经过、停留过的地方。"
        self.fields["origin"].error_messages["required"] = "请选择从哪里来。"
        self.fields["origin_county"].error_messages["invalid_choice"] = "所选区县不属于所选城市，请重新选择。"
        city = self.data.get(self.add_prefix("origin")) if self.is_bound else self.initial.get("origin")
        if city and str(city).isdigit() and len(str(city)) == 6:
            self.fields["origin_county"].queryset = counties_of(str(city))
        for name, message in REQUIRED_MESSAGES.items():
            self.fields[name].error_messages["required"] = message
        self.fields["arrival_date"].error_messages["invalid"] = "请按“年-月-日”填写来鲤日期，如 2020-02-10。"

    def clean_name(self) -> str:
        return person_name(self.cleaned_data["name"])

    def clean_host_name(self) -> str:
        return person_name(self.cleaned_data["host_name"])

    def clean_arrival_date(self) -> date:
        arrival = self.cleaned_data["arrival_date"]
        today = timezone.localdate()
        if arrival > today:
            raise forms.ValidationError("来鲤日期不能晚于今天，请填写已经到达的日期。")
        if arrival < today - timedelta(days=366):
            raise forms.ValidationError("来鲤日期早于一年前，请核对年份。")
        return arrival

    def clean_submission_key(self) -> str:
        key = self.cleaned_data["submission_key"]
        if not SUBMISSION_KEY.fullmatch(key):
            raise forms.ValidationError("页面已过期，请重新提交一次。")
        return key

    def clean(self) -> dict:
        data = super().clean()
        if "doc_number" in data:
            checked = check_document(data.get("doc_type") or DocumentType.ID_CARD, data["doc_number"])
            if not checked.ok:
                self.add_error("doc_number", checked.error)
            else:
                self.doc_checked = checked
                if data.get("doc_type") == DocumentType.ID_CARD:
                    data["doc_type"] = document_type_of(checked.value)
        if "phone" in data:
            checked = check_phone(data["phone"])
            if not checked.ok:
                self.add_error("phone", checked.error)
            elif checked.warnings and not data["phone"].strip().startswith("+"):
                # Staff typing from paper may keep an odd number (a warning); a visitor types their own, and the
                # gate must be able to call it back.
                self.add_error("phone", UNREACHABLE_PHONE)
            else:
                self.phone_checked = checked
        transport = data.get("transport")
        number = re.sub(r"\s+", "", data.get("transport_number", "")).upper()
        data["transport_number"] = number
        if transport in NUMBERED_TRANSPORTS:
            label = NUMBERED_TRANSPORTS[transport]
            if not number:
                self.add_error("transport_number", f"乘坐{Transport(transport).label}请填写{label}，如 G1234、MU5301。")
            elif not re.fullmatch(r"[A-Z0-9]{2,10}", number):
                self.add_error("transport_number", f"{label}只能是字母和数字，如 G1234、MU5301。")
        if data.get("origin_county") and data.get("origin") and data["origin_county"].parent_id != data["origin"].code:
            self.add_error("origin_county", "所选区县不属于所选城市，请重新选择。")
        return data

    @property
    def origin_division(self) -> Division:
        """The finest place the visitor named: the county when chosen, else the city or province."""
        return self.cleaned_data.get("origin_county") or self.cleaned_data["origin"]

    @property
    def passed_divisions(self) -> list[Division]:
        seen: dict[str, Division] = {}
        for name in PASSED_FIELDS:
            division = self.cleaned_data.get(name)
            if division is not None:
                seen.setdefault(division.code, division)
        return list(seen.values())


REQUIRED_MESSAGES = {
    "name": "请填写姓名。",
    "doc_number": "请填写证件号码。",
    "phone": "请填写手机号码，方便工作人员联系您。",
    "arrival_date": "请填写来鲤日期。",
    "transport": "请选择交通方式。",
    "reason": "请填写来访事由。",
    "host_address": "请填写被访住户的地址，如 3号楼302。",
    "host_name": "请填写被访人的姓名。",
    "submission_key": "页面已过期，请重新提交一次。",
}


def counties_of(city_code: str):
    return Division.objects.filter(parent_id=city_code, level=DivisionLevel.COUNTY).order_by("code")


def _lookback_days() -> int:
    return settings.KEY_AREA_LOOKBACK_DAYS
