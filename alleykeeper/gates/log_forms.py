"""The gate log screen: one form, many big buttons. Each button posts `tap` = "<direction>:<kind>[:<resident id>]"."""

import re

from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from alleykeeper.core.identity import clean_text
from alleykeeper.core.widgets import NoteField
from alleykeeper.gates import checks
from alleykeeper.gates.models import Direction, Gate, PassageKind
from alleykeeper.registry.models import Resident

LOOKUP_LIMIT = 20
_TAP = re.compile(r"^(in|out):(resident|visitor|vehicle|courier)(?::(\d{1,18}))?$")
FIND = "find"  # the first submit button: Enter in any field looks residents up, it never logs anyone
_BUILDING_ROOM = re.compile(r"^(.+?[楼号栋幢座])(\d+.*)$")


class GateLogForm(forms.Form):
    tap = forms.CharField(max_length=40)
    q = forms.CharField(label="找居民", max_length=40, required=False)
    temperature = forms.CharField(label="体温 ℃", max_length=12, required=False)
    visitor_code = forms.CharField(label="访客登记码", max_length=20, required=False)
    plate = forms.CharField(label="车牌号", max_length=20, required=False)
    note = NoteField(label="备注", max_length=100, required=False)

    def clean_tap(self) -> tuple[str, str, int | None] | str:
        if self.cleaned_data["tap"] == FIND:
            return FIND
        match = _TAP.match(self.cleaned_data["tap"])
        if not match:
            raise forms.ValidationError("请点“进”或“出”按钮登记。")
        direction, kind, resident = match.groups()
        if kind == PassageKind.RESIDENT and not resident:
            raise forms.ValidationError("请先找到这位居民（按姓名或门牌）。")
        return Direction(direction), PassageKind(kind), int(resident) if resident else None

    def clean_temperature(self):
        try:
            return checks.check_temperature(self.cleaned_data["temperature"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self) -> dict:
        data = super().clean()
        tap = data.get("tap")
        if not tap or tap == FIND:
            return data
        kind = tap[1]
        try:
            if kind == PassageKind.VEHICLE:
                data["plate"] = checks.check_plate(data.get("plate", ""))
            elif kind == PassageKind.VISITOR:
                data["visitor_code"] = checks.check_visitor_code(data.get("visitor_code", ""))
        except ValueError as error:
            self.add_error("plate" if kind == PassageKind.VEHICLE else "visitor_code", str(error))
        return data


class LookupForm(forms.Form):
    q = forms.CharField(label="找居民", max_length=40, required=False)


def find_residents(user, gate: Gate, query: str) -> list[Resident]:
    """Residents of the gate's community in the user's scope, by name, pinyin initials or address;
    residents of the gate's own enclosure first."""
    text = clean_text(query)
    if not text:
        return []
    residents = Resident.objects.visible_to(user).filter(household__community_id=gate.enclosure.community_id)
    if re.fullmatch(r"[A-Za-z]+", text):
        key = text.lower()
        found = residents.filter(Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key))
    elif re.fullmatch(r"\d+", text):
        found = residents.filter(household__room__startswith=text)
    elif match := _BUILDING_ROOM.match(text):
        found = residents.filter(household__building__name__startswith=match[1], household__room__startswith=match[2])
    else:
        found = residents.filter(
            Q(name__startswith=text)
            | Q(household__building__name__startswith=text)
            | Q(household__building__alley__name__startswith=text)
        )
    return list(_ordered(found, gate)[:LOOKUP_LIMIT])


def _ordered(residents: QuerySet[Resident], gate: Gate) -> QuerySet[Resident]:
    own = Case(
        When(household__enclosure_id=gate.enclosure_id, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        residents.select_related("household__building__alley", "household__unit")
        .annotate(elsewhere=own)
        .order_by("elsewhere", "household__building__name", "household__room", "name")
    )
