"""Register forms: the same validation serves the pages, the import and the API."""

from django import forms
from django.forms.models import ModelChoiceIterator

from alleykeeper.audit.models import Purpose
from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import (
    NUMBERS_WITH_BIRTH_DATE,
    DocumentType,
    check_document,
    check_phone,
    document_type_of,
    person_name,
)
from alleykeeper.core.widgets import DateInput, NoteField, Textarea
from alleykeeper.registry.models import Building, Grid, Household, HouseholdKind, RelationToHead, Resident, Sex, Unit


class BuildingIterator(ModelChoiceIterator):
    """A building dropdown in place order (Building.place_order: 2号楼 before 10号楼), sorted in Python."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for building in sorted(self.queryset.select_related("alley__grid"), key=Building.place_order):
            yield self.choice(building)


def building_label(building: Building) -> str:
    return f"{building.alley.grid.name} · {building.alley.name}{building.name}"


def offer_buildings(field: forms.ModelChoiceField, buildings, label=building_label) -> None:
    """Make `field` the one kind of building dropdown of the site: these buildings (none when None), in place
    order, each named with its grid and alley."""
    field.iterator = BuildingIterator  # before the queryset: setting it hands the widget its choices
    field.queryset = buildings if buildings is not None else Building.objects.none()
    field.label_from_instance = label


class ResidentForm(forms.ModelForm):
    """Document number and phone arrive in clear, are checked here and sealed by the action."""

    doc_number = forms.CharField(label="证件号码", required=False, max_length=40)
    phone = forms.CharField(label="电话", required=False, max_length=30)

    class Meta:
        model = Resident
        fields = ["name", "doc_type", "doc_number", "phone", "sex", "birth_date", "relation", "status", "notes"]
        widgets = {"birth_date": DateInput, "notes": Textarea(attrs={"rows": 2})}
        field_classes = {"notes": NoteField}

    def __init__(self, *args, household: Household | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []
        self.doc_checked = None
        self.phone_checked = None
        # The household's head, if it has one already (another person): a household has one head.
        heads = Resident.objects.filter(household=household, relation=RelationToHead.HEAD).exclude(pk=self.instance.pk)
        self.head = heads.only("name").first() if household is not None else None
        if self.head is not None and not self.instance.pk:
            # Not 户主 by default for a second member: the relation is chosen.
            self.fields["relation"].choices = [("", "请选择"), *RelationToHead.choices]
            self.fields["relation"].initial = ""
            self.fields["relation"].error_messages["required"] = "请选择与户主的关系。"
        if self.instance.pk:
            self.fields["doc_number"].help_text = f"已登记 {self.instance.doc_number_masked or '无'}；留空则不变。"
            self.fields["phone"].help_text = f"已登记 {self.instance.phone_masked or '无'}；留空则不变。"
            if self.instance.doc_number_index and self.instance.doc_type in NUMBERS_WITH_BIRTH_DATE:
                # Taken from the number on record, and beside its masked form the date would complete it
                # (core.identity.age_on): not shown; a new number brings its own.
                del self.fields["birth_date"]
        # Django's "---------" means nothing to a grid worker: say what an empty choice does.
        self.fields["sex"].choices = [("", "按证件号码自动填写"), *Sex.choices]
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["doc_number"].widget.attrs.update(autocomplete="off", inputmode="text")
        self.fields["phone"].widget.attrs.update(autocomplete="off", inputmode="tel")

    def clean_name(self) -> str:
        return person_name(self.cleaned_data["name"])

    def clean(self) -> dict:
        data = super().clean()
        if data.get("relation") == RelationToHead.HEAD and self.head is not None:
            self.add_error(
                "relation",
                f"这一户的户主是 {self.head.name}：请选择与户主的关系；要更换户主，请先把 {self.head.name} 改为其他关系。",
            )
        raw_doc = data.get("doc_number", "")
        if raw_doc:
            checked = check_document(data.get("doc_type") or DocumentType.ID_CARD, raw_doc)
            if not checked.ok:
                self.add_error("doc_number", checked.error)
            elif (
                Resident.objects.filter(doc_number_index=blind_index("doc", checked.value))
                .exclude(pk=self.instance.pk)
                .exists()
            ):
                self.add_error("doc_number", "这个证件号码已登记过。请先搜索此人；如已搬来，请用“迁移”把他迁到本户。")
            else:
                self.doc_checked = checked
                self.warnings += checked.warnings
                if data.get("doc_type") == DocumentType.ID_CARD:
                    data["doc_type"] = document_type_of(checked.value)
                if checked.birth_date:
                    if data.get("birth_date") and data["birth_date"] != checked.birth_date:
                        self.warnings.append("填写的出生日期与证件号码不一致，已按证件号码更正。")
                    data["birth_date"] = checked.birth_date
                    data["sex"] = checked.sex
        raw_phone = data.get("phone", "")
        if raw_phone:
            checked = check_phone(raw_phone)
            if not checked.ok:
                self.add_error("phone", checked.error)
            else:
                self.phone_checked = checked
                self.warnings += checked.warnings
        return data


class HouseholdForm(forms.ModelForm):
    landlord_phone = forms.CharField(label="房东电话", required=False, max_length=30)

    class Meta:
        model = Household
        fields = [
            "building",
            "unit",
            "room",
            "kind",
            "landlord_name",
            "landlord_phone",
            "tenancy_start",
            "tenancy_end",
            "notes",
        ]
        widgets = {"tenancy_start": DateInput, "tenancy_end": DateInput, "notes": Textarea(attrs={"rows": 2})}
        field_classes = {"notes": NoteField}

    def __init__(self, *args, buildings=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []
        self.phone_checked = None
        offer_buildings(self.fields["building"], buildings)
        self.fields["unit"].queryset = Unit.objects.filter(building__in=self.fields["building"].queryset)
        self.fields["unit"].required = False
        if self.instance.pk and self.instance.landlord_phone_masked:
            self.fields["landlord_phone"].help_text = f"已登记 {self.instance.landlord_phone_masked}；留空则不变。"

    def clean_landlord_name(self) -> str:
        name = self.cleaned_data["landlord_name"]
        return person_name(name) if name.strip() else ""

    def clean_room(self) -> str:
        room = self.cleaned_data["room"].strip()
        if not room:
            raise forms.ValidationError("请填写门牌或房号，如 302。")
        return room

    def clean(self) -> dict:
        data = super().clean()
        unit, building = data.get("unit"), data.get("building")
        if unit and building and unit.building_id != building.id:
            self.add_error("unit", "这个单元不属于所选楼栋，请重新选择。")
        start, end = data.get("tenancy_start"), data.get("tenancy_end")
        if start and end and end < start:
            self.add_error("tenancy_end", "租期结束日期早于开始日期，请核对。")
        if data.get("kind") != HouseholdKind.RENTAL and (data.get("landlord_name") or start or end):
            self.warnings.append("房东和租期只对出租户有意义。")
        raw_phone = data.get("landlord_phone", "")
        if raw_phone:
            checked = check_phone(raw_phone)
            if not checked.ok:
                self.add_error("landlord_phone", checked.error)
            else:
                self.phone_checked = checked
                self.warnings += checked.warnings
        if building and data.get("room"):
            clash = Household.objects.filter(building=building, unit=unit, room=data["room"])
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("room", "这个地址已经登记了一户，请在搜索中找到它，而不是重复登记。")
        return data


class MoveResidentForm(forms.Form):
    household = forms.ModelChoiceField(label="迁往住户", queryset=Household.objects.none())
    reason = NoteField(label="原因", max_length=200)

    def __init__(self, *args, households=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households if households is not None else Household.objects.none()


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("doc", "证件号码"), ("phone", "电话")])
    purpose = forms.ChoiceField(label="用途", choices=Purpose.choices)


class SearchForm(forms.Form):
    q = forms.CharField(label="搜索", max_length=60, strip=True)
    # Where the next page of results starts (registry.search's cursor), posted by the 更多结果 button.
    after = forms.CharField(required=False, widget=forms.HiddenInput)  # a bad one: the first page


class ExportForm(forms.Form):
    """What to export and why. The purpose has no default: the person exporting must choose one."""

    FORMATS = [("xlsx", "Excel 表格（xlsx）"), ("csv", "CSV（逗号分隔，Excel 可打开）")]
    purpose = forms.ChoiceField(
        label="导出用途",
        choices=[("", "请选择用途"), *Purpose.choices],
        error_messages={
            "required": "请选择导出用途：每次导出都会记录用途、范围和行数。",
            "invalid_choice": "请从列表中选择导出用途。",
        },
    )
    format = forms.ChoiceField(
        label="格式", choices=FORMATS, initial="xlsx", error_messages={"required": "请选择文件格式。"}
    )
    grid = forms.ModelChoiceField(
        label="网格",
        queryset=None,
        required=False,
        empty_label="我负责的全部网格",
        error_messages={"invalid_choice": "请从列表中选择网格。"},
    )
    kind = forms.ChoiceField(
        label="住户类型",
        choices=[("", "全部"), *HouseholdKind.choices],
        required=False,
        error_messages={"invalid_choice": "请从列表中选择住户类型。"},
    )

    def __init__(self, *args, grids=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids if grids is not None else Grid.objects.none()


SORT_NUMBER_MESSAGE = "排序号请填写 1 到 9999 的整数，或留空。"


class GridForm(forms.ModelForm):
    """A grid's name and its place in the community's list (the sort number)."""

    sort_number = forms.IntegerField(
        label="排序号",
        required=False,
        min_value=1,
        max_value=9999,
        help_text=Grid._meta.get_field("sort_number").help_text,
        error_messages={
            "invalid": SORT_NUMBER_MESSAGE,
            "min_value": SORT_NUMBER_MESSAGE,
            "max_value": SORT_NUMBER_MESSAGE,
        },
    )

    class Meta:
        model = Grid
        fields = ["name", "sort_number"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort_number"].widget.attrs["inputmode"] = "numeric"
        self.fields["name"].error_messages["required"] = "请填写网格名称，如 第一网格。"

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("请填写网格名称，如 第一网格。")
        clash = Grid.objects.filter(community=self.instance.community_id, name=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("本社区已有同名网格，请换一个名称。")
        return name
