"""Reopening forms: the enterprise, the policy call, the application and its materials, review decisions,
the inspection checklist, the overview's filters and the export."""

from django import forms
from django.utils import timezone

from alleykeeper.audit.models import Purpose
from alleykeeper.core.credit_code import check_credit_code
from alleykeeper.core.identity import Checked, check_phone
from alleykeeper.core.widgets import DateInput, NoteField, Textarea, TimeInput
from alleykeeper.registry.forms import offer_buildings
from alleykeeper.registry.models import Grid
from alleykeeper.reopening.models import (
    Application,
    CallChannel,
    ChecklistItem,
    Enterprise,
    EnterpriseState,
    InspectorUnit,
    PreventionGate,
)

PASS, FAIL = "pass", "fail"


def _phone(raw: str, *, required: bool) -> Checked | None:
    checked = check_phone(raw)
    if not checked.value:
        if required:
            raise forms.ValidationError("请填写联系电话。")
        return None
    if not checked.ok:
        raise forms.ValidationError(checked.error)
    return checked


class EnterpriseForm(forms.ModelForm):
    phone = forms.CharField(label="联系电话", max_length=30, required=False)

    class Meta:
        model = Enterprise
        fields = [
            "name",
            "credit_code",
            "no_credit_code",
            "sector",
            "mall",
            "floor",
            "shop_number",
            "building",
            "grid",
            "contact_name",
            "headcount",
        ]
        labels = {"grid": "网格", "building": "所在楼栋（不在商场内时选择）"}

    def __init__(self, *args, grids=None, buildings=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids if grids is not None else Grid.objects.none()
        self.fields["grid"].required = False
        self.fields["grid"].label_from_instance = lambda g: f"{g.community.name} · {g.name}"
        offer_buildings(self.fields["building"], buildings)
        self.fields["credit_code"].required = False
        self.fields["credit_code"].help_text = "18 位，如 91440300708461136T；个体工商户没有的，勾选下一项。"
        self.fields["name"].error_messages["required"] = "请填写企业名称。"
        self.fields["contact_name"].error_messages["required"] = "请填写联系人。"
        self.fields["headcount"].error_messages["invalid"] = "员工人数请填写整数。"
        self.fields["headcount"].widget.attrs["inputmode"] = "numeric"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        if self.instance.pk:
            self.fields["phone"].help_text = f"现存 {self.instance.phone_masked or '（无）'}；不改请留空。"
        self.phone_checked: Checked | None = None
        self.warnings: list[str] = []

    def clean_credit_code(self) -> str:
        raw = self.cleaned_data.get("credit_code", "")
        if self.data.get(self.add_prefix("no_credit_code")) in ("on", "true", "1", "True"):
            return ""
        checked = check_credit_code(raw)
        if not checked.ok:
            raise forms.ValidationError(checked.error)
        others = Enterprise.objects.filter(credit_code=checked.value).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                "这个统一社会信用代码已经登记过另一家企业，请核对，或在名单中找到那家企业修改。"
            )
        return checked.value

    def clean_headcount(self) -> int:
        value = self.cleaned_data.get("headcount")
        if value is None:
            return 0
        if value > 100_000:
            raise forms.ValidationError("员工人数太大，请核对。")
        return value

    def clean(self) -> dict:
        data = super().clean()
        self.phone_checked = None
        try:
            self.phone_checked = _phone(data.get("phone", ""), required=self.instance.pk is None)
        except forms.ValidationError as error:
            self.add_error("phone", error)
        if self.phone_checked is not None:
            self.warnings += self.phone_checked.warnings
        building, mall = data.get("building"), data.get("mall", "")
        if building is None and not mall:
            self.add_error("mall", "请填写所在商场（和楼层、铺位号），或选择所在楼栋。")
        if mall and not data.get("shop_number"):
            self.add_error("shop_number", "在商场内的企业请填写铺位号。")
        if building is None and data.get("grid") is None and "grid" not in self.errors:
            self.add_error("grid", "请选择企业所在的网格（选了楼栋时按楼栋的网格）。")
        return data


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(label="用途", choices=[("", "请选择"), *Purpose.choices])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].error_messages["required"] = "请选择用途。"
        self.fields["purpose"].error_messages["invalid_choice"] = "请从列表中选择用途。"


class PolicyCallForm(forms.Form):
    channel = forms.ChoiceField(label="告知方式", choices=CallChannel.choices, initial=CallChannel.PHONE)
    note = NoteField(label="备注", max_length=300, required=False, help_text="如：已发防疫要求和申请表")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].error_messages["invalid_choice"] = "请选择电话或上门。"


class ApplicationForm(forms.ModelForm):
    contact_phone = forms.CharField(label="防疫联系人电话", max_length=30)

    class Meta:
        model = Application
        fields = [
            "planned_date",
            "planned_start",
            "planned_end",
            "measures_publicity",
            "measures_entry",
            "measures_disinfection",
            "measures_supervision",
            "contact_name",
        ]
        widgets = {
            "planned_date": DateInput,
            "planned_start": TimeInput,
            "planned_end": TimeInput,
            "measures_publicity": Textarea(attrs={"rows": 3}),
            "measures_entry": Textarea(attrs={"rows": 3}),
            "measures_disinfection": Textarea(attrs={"rows": 3}),
            "measures_supervision": Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["planned_date"].error_messages.update(
            {"required": "请填写计划复工日期。", "invalid": "请按“年-月-日”填写日期，如 2020-02-20。"}
        )
        for name in ("planned_start", "planned_end"):
            self.fields[name].error_messages["invalid"] = "请按“时:分”填写时间，如 09:00。"
        self.fields["contact_name"].error_messages["required"] = "请填写防疫联系人。"
        self.fields["contact_phone"].error_messages["required"] = "请填写防疫联系人电话。"
        self.fields["contact_phone"].widget.attrs["inputmode"] = "tel"
        for name in ("measures_publicity", "measures_entry", "measures_disinfection", "measures_supervision"):
            self.fields[name].max_length = 2000
            self.fields[name].widget.attrs["maxlength"] = 2000
        if self.instance.pk and self.instance.contact_phone_masked:
            self.fields["contact_phone"].required = False
            self.fields["contact_phone"].help_text = f"现存 {self.instance.contact_phone_masked}；不改请留空。"
        self.phone_checked: Checked | None = None

    def clean_planned_date(self):
        planned = self.cleaned_data["planned_date"]
        today = timezone.localdate()
        if planned < today and (self.instance.pk is None or planned != self.instance.planned_date):
            raise forms.ValidationError("计划复工日期不能早于今天。")
        if (planned - today).days > 366:
            raise forms.ValidationError("计划复工日期太远了，请填写一年以内的日期。")
        return planned

    def clean(self) -> dict:
        data = super().clean()
        for name in ("measures_publicity", "measures_entry", "measures_disinfection", "measures_supervision"):
            if len(data.get(name) or "") > 2000:
                self.add_error(name, "请精简到 2000 字以内。")
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", "营业结束时间应晚于开始时间。")
        try:
            self.phone_checked = _phone(data.get("contact_phone", ""), required=self.fields["contact_phone"].required)
        except forms.ValidationError as error:
            self.add_error("contact_phone", error)
        return data


class MaterialForm(forms.Form):
    title = forms.CharField(label="材料名称", max_length=100, help_text="如：复工申请表、防疫制度、消毒记录")
    file = forms.FileField(label="文件", help_text="PDF、JPG 或 PNG；照片会去掉拍摄地点等信息。")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "请填写材料名称。"
        self.fields["file"].error_messages.update({"required": "请选择文件。", "empty": "文件是空的，请重新选择。"})
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class DecisionForm(forms.Form):
    reason = NoteField(label="原因", max_length=500, widget=Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "请写明原因，告诉企业需要改什么。"


class OpenForm(forms.Form):
    opened_on = forms.DateField(label="复工日期", widget=DateInput)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"opened_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["opened_on"].error_messages.update(
            {"required": "请填写复工日期。", "invalid": "请按“年-月-日”填写日期，如 2020-02-20。"}
        )

    def clean_opened_on(self):
        opened = self.cleaned_data["opened_on"]
        if opened > timezone.localdate():
            raise forms.ValidationError("复工日期不能晚于今天：复工当天再登记。")
        return opened


class InspectionForm(forms.Form):
    """The joint inspection: who and which units, then every item of the four gates passed or failed."""

    inspected_on = forms.DateField(label="核查日期", widget=DateInput)
    inspectors = forms.CharField(label="核查人员", max_length=200, help_text="如：黄银红（社区）、陈某（市场监督所）")
    units = forms.MultipleChoiceField(
        label="参加单位", choices=InspectorUnit.choices, widget=forms.CheckboxSelectMultiple
    )
    note = NoteField(label="核查意见", max_length=500, required=False, widget=Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items: list[ChecklistItem], reinspection: bool = False, **kwargs) -> None:
        kwargs.setdefault("initial", {"inspected_on": timezone.localdate(), "units": [InspectorUnit.COMMUNITY]})
        super().__init__(*args, **kwargs)
        self.items = items
        self.reinspection = reinspection
        self.fields["inspected_on"].error_messages.update(
            {"required": "请填写核查日期。", "invalid": "请按“年-月-日”填写日期。"}
        )
        self.fields["inspectors"].error_messages["required"] = "请填写核查人员。"
        self.fields["units"].error_messages.update(
            {"required": "请勾选参加核查的单位。", "invalid_choice": "请从列表中勾选单位。"}
        )
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=[(PASS, "通过"), (FAIL, "未通过")],
                widget=forms.RadioSelect,
                error_messages={"required": f"请选择“{item.text}”是否通过。", "invalid_choice": "请选择通过或未通过。"},
            )
            self.fields[f"note_{item.pk}"] = NoteField(label="说明", max_length=300, required=False)
            self.fields[f"photo_{item.pk}"] = forms.FileField(label="照片", required=False)
            self.fields[f"photo_{item.pk}"].widget.attrs["accept"] = "image/jpeg,image/png"
        if reinspection:
            self.fields["suspend_reason"] = NoteField(
                label="暂停营业原因",
                max_length=300,
                required=False,
                help_text="复查未通过、需要暂停营业时填写；不填则只记录复查结果。",
            )

    def clean_inspected_on(self):
        value = self.cleaned_data["inspected_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("核查日期不能晚于今天。")
        return value

    def clean(self) -> dict:
        data = super().clean()
        for item in self.items:
            if data.get(f"item_{item.pk}") == FAIL and not data.get(f"note_{item.pk}"):
                self.add_error(f"note_{item.pk}", f"“{item.text}”未通过，请写明问题。")
        failed = any(data.get(f"item_{item.pk}") == FAIL for item in self.items)
        if data.get("suspend_reason") and not failed and not self.errors:
            self.add_error("suspend_reason", "复查全部通过，不能暂停营业。")
        return data

    def rows(self) -> list[tuple[ChecklistItem, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (item, self[f"item_{item.pk}"], self[f"note_{item.pk}"], self[f"photo_{item.pk}"]) for item in self.items
        ]


GATE_FILTERS = [("", "全部")] + [(f"{g.value}:no", f"{g.label}未落实") for g in PreventionGate]
# What waits for the community at an enterprise (the overview's counts open these).
PENDING_FILTERS = [("", "全部"), ("waiting", "申请待审核"), ("blocking", "返岗人员未解除限制")]


class OverviewForm(forms.Form):
    state = forms.ChoiceField(label="状态", choices=[("", "全部"), *EnterpriseState.choices], required=False)
    gate = forms.ChoiceField(label="四关", choices=GATE_FILTERS, required=False)
    pending = forms.ChoiceField(label="待办", choices=PENDING_FILTERS, required=False)
    grid = forms.ModelChoiceField(label="网格", queryset=Grid.objects.none(), required=False, empty_label="全部")
    q = forms.CharField(label="搜索", max_length=60, required=False, help_text="企业名称，或完整的统一社会信用代码")

    def __init__(self, *args, grids=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if grids is not None:
            self.fields["grid"].queryset = grids


class ExportForm(forms.Form):
    purpose = forms.ChoiceField(label="导出用途", choices=[("", "请选择"), *Purpose.choices])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].error_messages["required"] = "请选择导出用途。"
        self.fields["purpose"].error_messages["invalid_choice"] = "请从列表中选择导出用途。"
