"""Which answers point to a key area, and what a finding tells the key-person record.

Flags come from what people answered (came from, passed through, contact), never from an ID number's
address code (GUIDE.md section 3). A "where from" answer points to a key area when places.KeyArea says
that division (or its city or province) was a key area in the look-back window before arrival.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings

from alleykeeper.places.models import Division, key_area_hits
from alleykeeper.screening.models import Question, QuestionKind, QuestionRole, division_label
from alleykeeper.screening.questionnaire import YES, answer_label


@dataclass
class Finding:
    """What one person's answers say: per-question key-area flags, and the facts for the key person."""

    flags: dict[int, bool] = field(default_factory=dict)
    origin: Division | None = None
    arrival_date: date | None = None
    transport: str = ""
    travel_history: list[dict] = field(default_factory=list)
    contact_note: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def points_to_key_area(self) -> bool:
        return any(self.flags.values())


def evaluate(
    questions: dict[int, Question], values: dict[int, str], divisions: dict[str, Division], on: date
) -> Finding:
    """Judge one person's answers given on day `on`."""
    finding = Finding()
    by_role = {questions[qid].role: value for qid, value in values.items() if questions[qid].role}
    if by_role.get(QuestionRole.ARRIVAL_DATE):
        finding.arrival_date = date.fromisoformat(by_role[QuestionRole.ARRIVAL_DATE])
    finding.transport = by_role.get(QuestionRole.TRANSPORT, "")
    until = finding.arrival_date or on
    window_start = until - timedelta(days=settings.KEY_AREA_LOOKBACK_DAYS)
    for qid, value in values.items():
        question = questions[qid]
        if question.kind == QuestionKind.DIVISION:
            division = divisions.get(value)
            hits = key_area_hits(division, window_start, until) if division is not None else []
            finding.flags[qid] = bool(hits)
            if division is not None and question.role == QuestionRole.ORIGIN:
                finding.origin = division
            if division is not None:
                finding.travel_history.append(
                    {
                        "name": division_label(division),
                        "code": division.code,
                        "until": until.isoformat(),
                        "key_area": bool(hits),
                        "source": "screening",
                    }
                )
            if hits:
                finding.reasons.append(f"{division_label(division)} 在 {window_start}～{until} 期间为重点地区")
            continue
        flagged = question.points_to_key_area(value)
        finding.flags[qid] = flagged
        if not flagged:
            continue
        finding.reasons.append(f"{question.label}：{answer_label(question, value)}")
        if question.role == QuestionRole.CONTACT and value == YES:
            finding.contact_note = "排查中回答：与重点地区人员接触过"
        elif question.role == QuestionRole.TRAVEL and value == YES:
            finding.travel_history.append({"note": "排查中回答：有重点地区出行史", "source": "screening"})
    return finding
