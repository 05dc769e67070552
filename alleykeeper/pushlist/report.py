"""The reconciliation report of a batch, and the feedback file for the street office built from it.

Sections: matched; on the list but not yet reached; found locally but not on any push list (the case
that must be reported upward); plus people not found here whom a worker has already settled.
Everything is scoped by `visible_to(user)` and masked.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from alleykeeper.core.spreadsheets import DATE, Column
from alleykeeper.pushlist.models import MatchState, Outcome, PushBatch, PushedPerson
from alleykeeper.screening.models import KeyPerson

SECTION_MATCHED = "已比对上"
SECTION_SETTLED = "已核实，未在本地找到"
SECTION_OPEN = "名单内尚未落实"
SECTION_LOCAL = "本地发现、不在推送名单"
ROWS_ON_PAGE = 200

FEEDBACK_COLUMNS = [
    Column("分类", width=20),
    Column("名单行号", width=8),
    Column("姓名", width=10),
    Column("证件号码", width=22),
    Column("电话", width=15),
    Column("来源地", width=18),
    Column("抵达日期", kind=DATE, width=12),
    Column("比对依据", width=10),
    Column("比对说明", width=30),
    Column("网格", width=12),
    Column("台账住址", width=20),
    Column("核查结果", width=12),
    Column("核查说明", width=30),
    Column("建议结果", width=12),
    Column("数据问题", width=40),
]
OUTCOME_LABELS = dict(Outcome.choices)


@dataclass
class Report:
    batch: PushBatch
    matched: QuerySet
    settled: QuerySet
    open: QuerySet
    local: QuerySet
    counts: dict
    outcome_counts: list[tuple[str, int]]


def _people(user, batch: PushBatch) -> QuerySet:
    return PushedPerson.objects.visible_to(user).filter(batch=batch)


def local_not_listed(user, batch: PushBatch) -> QuerySet:
    """Key persons of the batch's community whom no push list names: report them upward."""
    return (
        KeyPerson.objects.visible_to(user)
        .filter(community_id=batch.community_id, on_push_list=False)
        .select_related("grid", "household__building__alley", "household__unit", "origin")
        .order_by("-created_at", "-id")
    )


def build_report(user, batch: PushBatch) -> Report:
    people = _people(user, batch).select_related("grid", "household__building__alley", "household__unit", "origin")
    not_matched = ~Q(match_state=MatchState.MATCHED)
    counts = _people(user, batch).aggregate(
        total=Count("id"),
        matched=Count("id", filter=Q(match_state=MatchState.MATCHED)),
        review=Count("id", filter=Q(match_state=MatchState.REVIEW)),
        open=Count("id", filter=not_matched & Q(outcome="")),
        settled=Count("id", filter=not_matched & ~Q(outcome="")),
        done=Count("id", filter=~Q(outcome="")),
        **{f"outcome_{value}": Count("id", filter=Q(outcome=value)) for value in Outcome.values},
    )
    local = local_not_listed(user, batch)
    counts["local"] = local.count()
    outcome_counts = [(label, counts[f"outcome_{value}"]) for value, label in Outcome.choices]
    return Report(
        batch=batch,
        matched=people.filter(match_state=MatchState.MATCHED),
        settled=people.filter(not_matched).exclude(outcome=""),
        open=people.filter(not_matched, outcome=""),
        local=local,
        counts=counts,
        outcome_counts=outcome_counts,
    )


def _address(household) -> str:
    return household.address if household is not None else ""


def _person_row(section: str, person: PushedPerson) -> tuple:
    return (
        section,
        person.row_number,
        person.name,
        person.doc_number_masked,
        person.phone_masked,
        person.origin.name if person.origin_id else person.origin_text,
        person.arrival_date,
        person.get_match_rule_display() if person.match_rule else "",
        person.match_reason,
        person.grid.name if person.grid_id else "",
        _address(person.household),
        OUTCOME_LABELS.get(person.outcome, "待核实"),
        person.outcome_note,
        OUTCOME_LABELS.get(person.proposed_outcome, ""),
        "；".join(person.problems),
    )


def feedback_rows(report: Report) -> Iterator[tuple]:
    """Rows of the feedback file, section by section, streamed (constant memory for 100,000 people)."""
    for section, queryset in (
        (SECTION_MATCHED, report.matched),
        (SECTION_SETTLED, report.settled),
        (SECTION_OPEN, report.open),
    ):
        for person in queryset.order_by("row_number").iterator(chunk_size=2000):
            yield _person_row(section, person)
    for key in report.local.iterator(chunk_size=2000):
        yield (
            SECTION_LOCAL,
            None,
            key.name,
            key.doc_number_masked,
            key.phone_masked,
            key.origin.name if key.origin_id else "",
            key.arrival_date,
            "",
            key.get_source_display(),
            key.grid.name if key.grid_id else "",
            _address(key.household),
            key.get_status_display(),
            key.notes[:300],
            "",
            "",
        )
