"""The record lists a report format may include (the health office's per-person table, the police's
push-list feedback): masked, read from the same records as the figures, at the report's cutoff.

A list names people, so showing it in a print or an XLSX is audited with a purpose (reports.actions). Lists are
read from the records when shown, not frozen into the signed report: a signed report keeps its figures; a list
shows the people behind them as the records stand (a released person still shows as under observation at the
cutoff, read from history; someone deleted after the retention period is gone).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Prefetch

from alleykeeper.core.spreadsheets import DATE, Column
from alleykeeper.observation.models import FollowUp, Symptom
from alleykeeper.pushlist.models import PushedPerson
from alleykeeper.reports.figures import FIGURES
from alleykeeper.reports.measures import Area, Window, local_zone

ADDRESS = ("household__building__alley", "household__unit", "grid")
SYMPTOMS = dict(Symptom.choices)


def _time(moment) -> str:
    return moment.astimezone(local_zone()).strftime("%m-%d %H:%M") if moment else ""


def _address(household) -> str:
    return household.address if household is not None else ""


@dataclass(frozen=True)
class RecordList:
    columns: list[Column]
    rows: Callable[[Area, Window], Iterator[tuple]]


def _readings(case) -> list[FollowUp]:
    return [f for f in case.window_followups if f.temperature is not None]


def _observation_people(area: Area, window: Window) -> Iterator[tuple]:
    """Everyone under observation at the cutoff, with the period's temperatures and symptoms."""
    followups = FollowUp.objects.between(window.start, window.end).order_by("recorded_at")
    cases = (
        FIGURES["observation_current"]
        .records(area, window)
        .select_related(*ADDRESS)
        .prefetch_related(Prefetch("followups", queryset=followups, to_attr="window_followups"))
        .order_by("grid_id", "planned_end", "id")
    )
    for case in cases:
        readings = _readings(case)
        symptoms = sorted({SYMPTOMS.get(s, s) for f in case.window_followups for s in f.symptoms})
        yield (
            case.name,
            case.grid.name,
            _address(case.household),
            case.get_reason_display(),
            case.started_on,
            case.planned_end,
            "；".join(f"{_time(f.recorded_at)} {f.temperature}℃{'（发热）' if f.is_fever else ''}" for f in readings),
            "、".join(symptoms) or "无",
            case.phone_masked,
        )


def _fevers(area: Area, window: Window) -> Iterator[tuple]:
    """People with a fever reading in the period, each reading, and what was done (reported upward or not)."""
    fevers = FollowUp.objects.fevers().between(window.start, window.end).order_by("recorded_at")
    cases = (
        FIGURES["fevers_found"]
        .records(area, window)
        .select_related(*ADDRESS)
        .prefetch_related(Prefetch("followups", queryset=fevers, to_attr="window_followups"))
        .order_by("grid_id", "id")
    )
    for case in cases:
        escalated = case.escalated_at is not None and window.start <= case.escalated_at < window.end
        yield (
            case.name,
            case.grid.name,
            _address(case.household),
            "；".join(
                f"{_time(f.recorded_at)} {f.temperature}℃{'（复测）' if f.is_retest else ''}" for f in _readings(case)
            ),
            f"{_time(case.escalated_at)} 已上报：{case.escalation_reason}" if escalated else "待复测或观察中",
        )


def _push_outcomes(area: Area, window: Window) -> Iterator[tuple]:
    people = area.narrow(PushedPerson.objects.settled_between(window.start, window.end), "community_id", "grid_id")
    for person in people.select_related("batch").order_by("batch__received_on", "row_number"):
        yield (
            person.name,
            person.doc_number_masked,
            person.phone_masked,
            person.batch.received_on,
            person.row_number,
            person.get_outcome_display(),
            person.outcome_note,
        )


def _local_not_listed(area: Area, window: Window) -> Iterator[tuple]:
    people = FIGURES["local_not_on_push_list"].records(area, window)
    for person in people.select_related("origin", *ADDRESS).order_by("created_at", "id"):
        yield (
            person.name,
            person.doc_number_masked,
            person.phone_masked,
            person.origin.name if person.origin_id else "",
            person.arrival_date,
            person.get_source_display(),
            _address(person.household),
        )


LISTS: dict[str, RecordList] = {
    "observation_people": RecordList(
        [
            Column("姓名", width=10),
            Column("网格", width=12),
            Column("住址", width=20),
            Column("观察原因", width=14),
            Column("开始日期", DATE, width=12),
            Column("计划解除", DATE, width=12),
            Column("本期体温", width=40),
            Column("症状", width=14),
            Column("电话", width=14),
        ],
        _observation_people,
    ),
    "fevers": RecordList(
        [
            Column("姓名", width=10),
            Column("网格", width=12),
            Column("住址", width=20),
            Column("发热体温", width=40),
            Column("处置", width=40),
        ],
        _fevers,
    ),
    "push_outcomes": RecordList(
        [
            Column("姓名", width=10),
            Column("证件号码", width=22),
            Column("电话", width=14),
            Column("名单日期", DATE, width=12),
            Column("名单行号", width=8),
            Column("核查结果", width=12),
            Column("核查说明", width=30),
        ],
        _push_outcomes,
    ),
    "local_not_listed": RecordList(
        [
            Column("姓名", width=10),
            Column("证件号码", width=22),
            Column("电话", width=14),
            Column("来自", width=14),
            Column("抵达日期", DATE, width=12),
            Column("发现途径", width=14),
            Column("住址", width=20),
        ],
        _local_not_listed,
    ),
}
