"""The division picker for any form: province → city → county, rendered on the server.

Without JavaScript it is a plain select of provinces (a province is a valid answer). With htmx, choosing
a province or city asks `places:children` for the next select. A flat API call may send the code
itself (`origin=420102`): the same field validates both.
"""

import re

from django import forms
from django.urls import reverse

from alleykeeper.places.models import Division, DivisionLevel

LEVEL_NAMES = {DivisionLevel.PROVINCE: "省份", DivisionLevel.CITY: "城市", DivisionLevel.COUNTY: "区县"}
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,60}$")


def chosen_code(data, name: str, depth: int = 3) -> str:
    """The most specific consistent choice among the picker's selects (or the flat `name` value).

    A city left over from an earlier province (possible without JavaScript) is ignored."""
    if data.get(name):
        return str(data.get(name)).strip()
    code = ""
    for step in range(1, depth + 1):
        value = str(data.get(f"{name}_{step}") or "").strip()
        if not re.fullmatch(r"\d{6}", value):
            break
        # GB/T 2260 codes nest by prefix: a province's places share 2 digits, a city's 4.
        width = 2 if step == 2 else 4
        if code and value[:width] != code[:width]:
            break
        code = value
    return code


class DivisionPicker(forms.Widget):
    template_name = "places/division_picker.html"

    def __init__(self, attrs: dict | None = None, depth: int = 3) -> None:
        super().__init__(attrs)
        self.depth = depth

    def value_from_datadict(self, data, files, name: str) -> str:
        return chosen_code(data, name, self.depth)

    def value_omitted_from_data(self, data, files, name: str) -> bool:
        return name not in data and f"{name}_1" not in data

    def format_value(self, value) -> str:
        if isinstance(value, Division):
            return value.code
        return str(value or "")

    def get_context(self, name: str, value, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        context["widget"].update(picker_context(name, self.format_value(value), self.depth, context["widget"]["attrs"]))
        return context


def provinces() -> list[Division]:
    return list(Division.objects.filter(level=DivisionLevel.PROVINCE).only("code", "name", "level"))


def picker_context(
    name: str, code: str, depth: int, attrs: dict | None = None, *, province_list: list[Division] | None = None
) -> dict:
    """Selects for each step: the provinces, then the children of each chosen division (a few queries).
    A page with many pickers reads `province_list` once and passes it to each."""
    attrs = attrs or {}
    base_id = attrs.get("id") or f"id_{name}"
    chosen: list[Division] = []
    if re.fullmatch(r"\d{6}", code or ""):
        lineage = [code[:2] + "0000", code[:4] + "00", code]
        found = {d.code: d for d in Division.objects.filter(code__in=lineage)}
        division = found.get(code)
        while division is not None:
            chosen.insert(0, division)
            division = found.get(division.parent_id) if division.parent_id else None
    steps = []
    options = province_list if province_list is not None else provinces()
    for step in range(1, depth + 1):
        if step > 1 and not options:
            break
        selected = chosen[step - 1].code if len(chosen) >= step else ""
        steps.append(
            {
                "name": f"{name}_{step}",
                # The first select carries the field's own id, so that the form's <label for> finds it.
                "id": base_id if step == 1 else f"{base_id}_{step}",
                "label": LEVEL_NAMES.get(options[0].level, "下级") if options else "省份",
                "options": options,
                "selected": selected,
            }
        )
        if not selected:
            break
        options = list(Division.objects.filter(parent_id=selected).only("code", "name", "level"))
    return {
        "steps": steps,
        "picker_id": f"{base_id}_picker",
        "base_id": base_id,
        "required": bool(attrs.get("required")),
        "children_url": reverse("places:children"),
        "field_name": name,
        "depth": depth,
        "empty": not steps[0]["options"] if steps else True,
    }


class DivisionChoiceField(forms.Field):
    """A province, city or county by its GB/T 2260 code; `min_level` asks for at least that level
    where the chosen place has subdivisions (a municipality's district, a city's county)."""

    widget = DivisionPicker
    default_error_messages = {
        "invalid": "地区代码应为 6 位数字（如 420102），或从列表中选择省、市、区县。",
        "unknown": "找不到地区代码 %(code)s，请从列表中重新选择。",
        "too_coarse": "请继续选择到%(level)s一级。",
        "required": "请选择地区（至少选省份）。",
    }

    def __init__(self, *, min_level: int = DivisionLevel.PROVINCE, depth: int = 3, **kwargs) -> None:
        self.min_level = min_level
        kwargs.setdefault("widget", DivisionPicker(depth=depth))
        kwargs.setdefault("label", "地区")
        super().__init__(**kwargs)

    def prepare_value(self, value) -> str:
        return value.code if isinstance(value, Division) else str(value or "")

    def to_python(self, value) -> Division | None:
        if isinstance(value, Division):
            return value
        code = re.sub(r"\s", "", str(value or ""))
        if code in self.empty_values:
            return None
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        division = Division.objects.filter(code=code).select_related("parent__parent").first()
        if division is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"code": code})
        return division

    def validate(self, value: Division | None) -> None:
        super().validate(value)
        if value is not None and value.level < self.min_level and value.children.exists():
            level = DivisionLevel(self.min_level).label
            raise forms.ValidationError(self.error_messages["too_coarse"], code="too_coarse", params={"level": level})
