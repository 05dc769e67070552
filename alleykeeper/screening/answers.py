"""The attempt form: channel, outcome, note, and answers per person (few taps on a phone).

Field names carry the person and the question: `p<resident id>-q<question id>` for a registered resident,
`new<n>-q<question id>` for a person found at the door who is not in the register yet (`new<n>-name`,
`new<n>-phone`). A division answer comes from the shared places picker (selects `..._1`, `_2`, `_3`).
`p<id>-allno` answers "no" to the three screening questions in one tap.
"""

import re
import uuid
from dataclasses import dataclass, field

from django import forms

from alleykeeper.core.identity import Checked, check_phone
from alleykeeper.core.widgets import NoteField, Textarea
from alleykeeper.places.forms import chosen_code
from alleykeeper.places.models import Division
from alleykeeper.registry.models import Resident
from alleykeeper.screening.models import Channel, Outcome, Question, QuestionKind, QuestionRole
from alleykeeper.screening.questionnaire import NO, YES, Cleaned, clean_answer, clean_division

NEW_PERSON_SLOTS = 2
THREE_QUESTIONS = (QuestionRole.ARRIVED, QuestionRole.TRAVEL, QuestionRole.CONTACT)
_RESIDENT_KEY = re.compile(r"^p(\d+)-")


@dataclass
class PersonSlot:
    """One person's block in the form: who, what was posted (for re-display) and what it means."""

    key: str
    resident: Resident | None
    name: str = ""
    phone_raw: str = ""
    phone: Checked | None = None
    all_no: bool = False
    posted: dict[int, object] = field(default_factory=dict)
    values: dict[int, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.resident is None

    @property
    def answered(self) -> bool:
        return bool(self.values)

    def field_name(self, question: Question) -> str:
        return f"{self.key}-q{question.pk}"


class AttemptForm(forms.Form):
    channel = forms.ChoiceField(
        label="联系方式",
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择联系方式：电话或上门。", "invalid_choice": "请选择联系方式：电话或上门。"},
    )
    outcome = forms.ChoiceField(
        label="结果",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择这次联系的结果。", "invalid_choice": "请从列出的结果中选择一项。"},
    )
    note = NoteField(label="备注", required=False, max_length=500, widget=Textarea(attrs={"rows": 2}))
    token = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, data=None, *, residents: list[Resident], questions: list[Question], **kwargs) -> None:
        super().__init__(data, **kwargs)
        if data is None:
            self.initial.setdefault("token", uuid.uuid4().hex)
        self.questions = questions
        self.questions_by_id = {q.pk: q for q in questions}
        self.residents = residents
        self.slots = [PersonSlot(key=f"p{r.pk}", resident=r, name=r.name) for r in residents]
        self.new_slots = [PersonSlot(key=f"new{n}", resident=None) for n in range(NEW_PERSON_SLOTS)]
        self.divisions: dict[str, Division] = {}

    @property
    def all_slots(self) -> list[PersonSlot]:
        return [*self.slots, *self.new_slots]

    def people(self) -> list[PersonSlot]:
        """The people this attempt answers for, or adds to the register (after is_valid)."""
        return [s for s in self.slots if s.answered] + [s for s in self.new_slots if s.name]

    def _read_posted(self) -> None:
        division_codes: set[str] = set()
        for slot in self.all_slots:
            if slot.is_new:
                slot.name = " ".join(str(self.data.get(f"{slot.key}-name", "")).split())[:50]
                slot.phone_raw = str(self.data.get(f"{slot.key}-phone", "")).strip()[:30]
            slot.all_no = self.data.get(f"{slot.key}-allno") in ("on", "1", "true")
            for question in self.questions:
                name = slot.field_name(question)
                if question.kind == QuestionKind.DIVISION:
                    code = chosen_code(self.data, name)[:12]
                    slot.posted[question.pk] = code
                    if code:
                        division_codes.add(code)
                else:
                    slot.posted[question.pk] = str(self.data.get(name, "")).strip()
        if division_codes:
            found = Division.objects.filter(code__in=division_codes).select_related("parent__parent")
            self.divisions = {d.code: d for d in found}

    def _clean_slot(self, slot: PersonSlot) -> None:
        who = slot.name or "未登记人员"
        for question in self.questions:
            raw = slot.posted[question.pk]
            if question.kind == QuestionKind.DIVISION:
                cleaned = clean_division(question, raw, self.divisions)
            else:
                cleaned = clean_answer(question, raw)
            if not cleaned.value and not cleaned.error and slot.all_no and question.role in THREE_QUESTIONS:
                cleaned = Cleaned(NO)
            if cleaned.error:
                slot.errors.append(f"{who}：{cleaned.error}")
            elif cleaned.value:
                slot.values[question.pk] = cleaned.value
        has_input = bool(slot.values or slot.errors)
        if slot.is_new:
            if (has_input or slot.phone_raw) and not slot.name:
                slot.errors.append("请填写未登记人员的姓名（上门发现、台账中没有的人）。")
            if slot.phone_raw:
                slot.phone = check_phone(slot.phone_raw)
                if not slot.phone.ok:
                    slot.errors.append(f"{who}：{slot.phone.error}")
        if not slot.values:
            return
        missing = [q.text for q in self.questions if q.required and q.pk not in slot.values]
        for text in missing:
            slot.errors.append(f"{who}：请回答“{text}”。")
        arrived = next((q for q in self.questions if q.role == QuestionRole.ARRIVED), None)
        origin = next((q for q in self.questions if q.role == QuestionRole.ORIGIN), None)
        if arrived and origin and slot.values.get(arrived.pk) == YES and origin.pk not in slot.values:
            slot.errors.append(f"{who}：回答了近期从重点地区来鲤，请选择从哪里来（至少选到省份）。")

    def clean(self) -> dict:
        data = super().clean()
        own = {str(r.pk) for r in self.residents}
        strangers = {m[1] for key in self.data for m in [_RESIDENT_KEY.match(key)] if m and m[1] not in own}
        if strangers:
            raise forms.ValidationError("提交的答案中有不属于本户的人员，请刷新页面后重新填写。")
        self._read_posted()
        for slot in self.all_slots:
            self._clean_slot(slot)
        if any(slot.errors for slot in self.all_slots):
            raise forms.ValidationError("有答案需要更正，请看下面标红的提示。")
        outcome = data.get("outcome")
        anyone = any(s.answered for s in self.slots) or any(s.name for s in self.new_slots)
        if outcome and outcome != Outcome.REACHED and anyone:
            label = Outcome(outcome).label
            self.add_error("outcome", f"结果是“{label}”，却填写了人员或答案。请把结果改为“已接通/已见面”，或清空答案。")
        if outcome == Outcome.REACHED and not anyone and self.residents:
            self.add_error("outcome", "已接通时请至少为一人填写答案（全部为否可点“三问均否”）。")
        return data
