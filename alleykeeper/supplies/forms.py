"""Forms of the supplies pages: an item, stock in, stock out, a stocktake correction."""

from decimal import Decimal

from django import forms
from django.db.models import QuerySet

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.core.widgets import NoteField
from alleykeeper.gates.models import Gate
from alleykeeper.observation.models import ObservationCase
from alleykeeper.registry.models import Household
from alleykeeper.supplies.actions import whole_units_problem
from alleykeeper.supplies.models import HAND_OUT_KINDS, IN_KINDS, MoveKind, SupplyItem, amount_text

MAX_QUANTITY = Decimal("1000000")


def quantity_field(label: str, *, required: bool = True, allow_zero: bool = False) -> forms.DecimalField:
    least = Decimal("0") if allow_zero else Decimal("0.01")
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=least,
        max_value=MAX_QUANTITY,
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}请填数字，如 5 或 2.5。",
            "min_value": f"{label}应{'不小于 0' if allow_zero else '大于 0'}。",
            "max_value": f"{label}太大了，请核对。",
            "max_decimal_places": f"{label}最多两位小数。",
            "max_digits": f"{label}太大了，请核对。",
        },
    )


class ItemForm(forms.ModelForm):
    low_threshold = quantity_field("低库存提醒线", allow_zero=True)

    class Meta:
        model = SupplyItem
        fields = ["name", "kind", "unit", "low_threshold"]

    community = forms.ModelChoiceField(label="社区", queryset=None, empty_label=None, required=False)

    def __init__(self, *args, communities=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.community = self.instance.community if self.instance.pk else None
        if self.instance.pk or communities is None:
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities
            self.fields["community"].required = True
            self.fields["community"].error_messages["invalid_choice"] = "所选社区不在您管理的范围内。"
            self.order_fields(["community"])
            if self.is_bound:
                try:
                    self.community = communities.filter(pk=int(self.data.get("community", ""))).first()
                except ValueError:
                    self.community = None
        self.fields["low_threshold"].help_text = "库存不高于此数时提醒补货。"
        self.fields["kind"].error_messages["invalid_choice"] = "请从列表中选择类别。"

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].replace("\x00", "").split())
        if not name:
            raise forms.ValidationError("请填写物资名称，如 84消毒液。")
        taken = SupplyItem.objects.filter(community=self.community, name=name).exclude(pk=self.instance.pk)
        if self.community is not None and taken.exists():
            raise forms.ValidationError("本社区已有同名物资，请直接在该物资下入库。")
        return name

    def clean_unit(self) -> str:
        unit = " ".join(self.cleaned_data["unit"].replace("\x00", "").split())
        if not unit:
            raise forms.ValidationError("请填写单位，如 瓶、个、副。")
        on_hand = self.instance.on_hand if self.instance.pk else Decimal("0")
        if unit != self.instance.unit and whole_units_problem("", unit, on_hand):
            raise forms.ValidationError(
                f"现有库存 {amount_text(on_hand)} 不是整数，不能改为按“{unit}”计；请先盘点更正为整数。"
            )
        return unit

    def clean(self) -> dict:
        data = super().clean()
        threshold, unit = data.get("low_threshold"), data.get("unit")
        changed = (unit, threshold) != (self.instance.unit, self.instance.low_threshold)  # an old line may stay
        if changed and threshold is not None and unit and whole_units_problem("", unit, threshold):
            self.add_error("low_threshold", f"按“{unit}”计的物资，提醒线要填整数。")
        return data


def _text(value: str) -> str:
    return " ".join((value or "").replace("\x00", "").split())


class ReceiveForm(forms.Form):
    kind = forms.ChoiceField(
        label="入库类型",
        choices=[(k.value, k.label) for k in IN_KINDS],
        error_messages={"invalid_choice": "请选择采购、捐赠或街道调拨。", "required": "请选择入库类型。"},
    )
    quantity = quantity_field("数量")
    source = forms.CharField(label="来源", max_length=100, required=False, help_text="供货单位、捐赠人或调拨文号")
    note = NoteField(label="说明", max_length=300, required=False)

    def clean_source(self) -> str:
        return _text(self.cleaned_data["source"])

    def clean_note(self) -> str:
        return _text(self.cleaned_data["note"])


def recipients_of(item: SupplyItem) -> QuerySet[User]:
    """Who may receive supplies of this item: the community's active cleaners and volunteers."""
    return (
        User.objects.filter(is_active=True, role__in=[Role.CLEANER, Role.VOLUNTEER], communities=item.community_id)
        .distinct()
        .order_by("role", "display_name", "username")
    )


def observed_households_of(item: SupplyItem) -> QuerySet[Household]:
    cases = ObservationCase.objects.open().filter(community_id=item.community_id)
    return (
        Household.objects.filter(pk__in=cases.values("household_id"))
        .select_related("building__alley", "unit")
        .order_by("building__alley__name", "building__name", "room")
    )


class HouseholdChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Household) -> str:
        return obj.address


class DrawForm(forms.Form):
    kind = forms.ChoiceField(
        label="发放给",
        choices=[(k.value, k.label) for k in HAND_OUT_KINDS],
        error_messages={"invalid_choice": "请从列表中选择发放去向。", "required": "请选择发放去向。"},
    )
    quantity = quantity_field("数量")
    recipient = forms.ModelChoiceField(label="领用人", queryset=User.objects.none(), required=False)
    gate = forms.ModelChoiceField(label="卡口", queryset=Gate.objects.none(), required=False)
    household = HouseholdChoice(label="居家观察户", queryset=Household.objects.none(), required=False)
    note = NoteField(label="说明", max_length=300, required=False)

    def __init__(self, *args, item: SupplyItem, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients_of(item)
        self.fields["gate"].queryset = Gate.objects.filter(enclosure__community_id=item.community_id).order_by("name")
        self.fields["household"].queryset = observed_households_of(item)
        for name in ("recipient", "gate", "household"):
            self.fields[name].error_messages["invalid_choice"] = "所选对象不在本社区，请从列表中选择。"
        self.fields["recipient"].help_text = "发给保洁/消杀员或志愿者时选择。"

    def clean_note(self) -> str:
        return _text(self.cleaned_data["note"])

    def clean(self) -> dict:
        data = super().clean()
        kind, recipient = data.get("kind"), data.get("recipient")
        needs = {
            MoveKind.TO_GATE: ("gate", "请选择发放到哪个卡口。"),
            MoveKind.TO_HOUSEHOLD: ("household", "请选择发放给哪一户居家观察户。"),
            MoveKind.TO_CLEANER: ("recipient", "请选择领用的保洁/消杀员。"),
            MoveKind.TO_VOLUNTEER: ("recipient", "请选择领用的志愿者。"),
        }
        if kind in needs:
            field, message = needs[kind]
            if not data.get(field) and field not in self.errors:
                self.add_error(field, message)
        wanted = {MoveKind.TO_CLEANER: Role.CLEANER, MoveKind.TO_VOLUNTEER: Role.VOLUNTEER}.get(kind)
        if recipient is not None and wanted and recipient.role != wanted:
            self.add_error("recipient", f"{recipient} 不是{Role(wanted).label}，请重新选择。")
        for field in ("recipient", "gate", "household"):
            if needs.get(kind, ("",))[0] != field:
                data[field] = None  # only the one the kind names is kept
        return data


class CorrectForm(forms.Form):
    counted = quantity_field("盘点实有数量", allow_zero=True)
    reason = NoteField(label="更正原因", max_length=300, help_text="如：盘点发现破损 2 瓶、过期报废。")

    def clean_reason(self) -> str:
        reason = _text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError("请填写更正原因。")
        return reason

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "请填写更正原因。"
