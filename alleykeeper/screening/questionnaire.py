"""The questionnaire: the default questions (三连问 and what follows them) and how one answer is checked.

Answers are stored as text in one normal form per kind: "yes"/"no", an ISO date, a division code, a
decimal number, an option's text, or free text. Errors say what to fix, in Chinese.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from alleykeeper.core.identity import clean_text
from alleykeeper.places.models import Division
from alleykeeper.screening.models import Question, QuestionKind, QuestionRole, division_label

YES, NO = "yes", "no"
YES_NO_LABELS = {YES: "是", NO: "否"}
MAX_TEXT = 200

DEFAULT_QUESTIONS: list[dict] = [
    {
        "role": QuestionRole.ARRIVED,
        "kind": QuestionKind.YES_NO,
        "text": "近期是否有从重点地区来鲤人员？",
        "required": True,
        "key_answers": [YES],
    },
    {
        "role": QuestionRole.TRAVEL,
        "kind": QuestionKind.YES_NO,
        "text": "家人或朋友是否有重点地区出行史？",
        "required": True,
        "key_answers": [YES],
    },
    {
        "role": QuestionRole.CONTACT,
        "kind": QuestionKind.YES_NO,
        "text": "是否与重点地区人员接触过？",
        "required": True,
        "key_answers": [YES],
    },
    {"role": QuestionRole.ARRIVAL_DATE, "kind": QuestionKind.DATE, "text": "抵达日期"},
    {"role": QuestionRole.ORIGIN, "kind": QuestionKind.DIVISION, "text": "从哪里来（省/市/区县）"},
    {"role": QuestionRole.TRANSPORT, "kind": QuestionKind.TEXT, "text": "交通方式（车次或航班号）"},
]


@dataclass(frozen=True)
class Cleaned:
    value: str = ""
    error: str = ""


def parse_date(raw: str) -> date | None:
    """2020-02-05, 2020/2/5, 2020.2.5, 2020年2月5日 or 20200205; None when it is not a real date."""
    text = clean_text(raw)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _number_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def clean_answer(question: Question, raw: str) -> Cleaned:
    """Check one answer typed or tapped for `question` (not division answers: see clean_division)."""
    text = (raw or "").strip()
    if not text:
        return Cleaned()
    label = question.label
    if question.kind == QuestionKind.YES_NO:
        if text not in YES_NO_LABELS:
            return Cleaned(error=f"“{label}”请选择“是”或“否”。")
        return Cleaned(text)
    if question.kind == QuestionKind.CHOICE:
        if text not in question.options:
            return Cleaned(error=f"“{label}”请从给出的选项中选择。")
        return Cleaned(text)
    if question.kind == QuestionKind.DATE:
        day = parse_date(text)
        if day is None:
            return Cleaned(error=f"“{label}”的日期不对，请按 年-月-日 填写，如 2020-02-05。")
        if question.role == QuestionRole.ARRIVAL_DATE and day > timezone.localdate():
            return Cleaned(error=f"“{label}”晚于今天，请核对。")
        if day.year < 1900:
            return Cleaned(error=f"“{label}”的年份不对，请核对。")
        return Cleaned(day.isoformat())
    if question.kind == QuestionKind.NUMBER:
        try:
            number = Decimal(clean_text(text))
        except InvalidOperation:
            return Cleaned(error=f"“{label}”请填写数字，如 36.5。")
        if not number.is_finite():
            return Cleaned(error=f"“{label}”请填写数字，如 36.5。")
        low, high = question.min_value, question.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            bounds = (
                f"{_number_text(low) if low is not None else '…'} 到 {_number_text(high) if high is not None else '…'}"
            )
            return Cleaned(error=f"“{label}”应在 {bounds} 之间，请核对。")
        return Cleaned(_number_text(number))
    # Free text; a train or flight number is folded to upper case without spaces (g 1234 → G1234).
    if question.role == QuestionRole.TRANSPORT:
        text = clean_text(text).upper()
    text = " ".join(text.split())
    if len(text) > MAX_TEXT:
        return Cleaned(error=f"“{label}”太长了，请控制在 {MAX_TEXT} 字以内。")
    return Cleaned(text)


def clean_division(question: Question, code: str, known: dict[str, Division]) -> Cleaned:
    """The place picked (province, city or county) by its code; `known` holds the Division rows of every
    code posted in the form (one query for the whole form)."""
    if not code:
        return Cleaned()
    label = question.label
    if not re.fullmatch(r"\d{6}", code):
        return Cleaned(error=f"“{label}”的地区代码应为 6 位数字，请从列表中选择省、市、区县。")
    if code not in known:
        return Cleaned(error=f"“{label}”选择的地区不在行政区划表中，请重新选择。")
    return Cleaned(code)


def answer_label(question: Question, value: str, divisions: dict[str, Division] | None = None) -> str:
    if question.kind == QuestionKind.YES_NO:
        return YES_NO_LABELS.get(value, value)
    if question.kind == QuestionKind.DIVISION and divisions is not None and value in divisions:
        return division_label(divisions[value])
    return value
