"""The figures of the command center: one definition each, read from the records (一次录入，多表生成).

A figure is the records behind it, counted. `Figure.records(area, window)` builds those records from the
owning app's own QuerySet methods (observation's `open_at`, screening's `reached`, gates' `turned_back`…),
so that "a fever", "an overdue follow-up" or "released" mean the same thing on the dashboard, in the daily
report and on each app's own pages; `compute` counts exactly those records, so a figure and its list agree
by construction. Adding a figure is one entry in FIGURES.

- An **Area** is a part of the city inside the viewer's scope: communities, and optionally some of their grids.
- A **Window** is [start, end), aware datetimes. `Window.report_day(day)` is the 24 hours ending at that
  day's cutoff (setting REPORT_CUTOFF, local time in TIME_ZONE).
- A **flow** figure counts what happened in the window; a **stock** figure the state at `window.end`, read
  from history (opening and closing times, due and done times), never from today's status, so that
  yesterday's report can be regenerated. A **cumulative** figure counts from the beginning (or the current
  screening campaign) to `window.end`: it must never go down without a stated correction.
- Figures of gates and visitors belong to a community, not to a grid (`Figure.per_grid` is False): an
  area of grids has none of them.

What history cannot give, said once here: gate states (open, closed) have no history, so "gates in service"
is as now; a push-list outcome changed later counts when it was last set; rows deleted by the retention
commands (visitors and the gate log after VISITOR_RETENTION_DAYS, closed observation cases after
OBSERVATION_RETENTION_DAYS) are gone from figures regenerated later; an enterprise's reopening state, an
application's status and a returning person's block are as now (figures_reopening.py). A signed daily report
keeps the figures it had.
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, QuerySet

from alleykeeper.gates.models import Gate, GateLogEntry
from alleykeeper.observation.models import FollowUpSlot, ObservationCase
from alleykeeper.pushlist.models import Outcome, PushedPerson, found_locally_not_listed
from alleykeeper.registry.models import Grid, Household, Resident
from alleykeeper.reports.figures_publicity import PUBLICITY_FIGURES
from alleykeeper.reports.figures_reopening import REOPENING_FIGURES
from alleykeeper.reports.figures_sanitation import SANITATION_FIGURES
from alleykeeper.reports.measures import (
    ANSWER,
    ATTEMPT,
    CASE,
    EACH_WINDOW,
    FLOW,
    GATE,
    GATE_LOG,
    HOUSEHOLD,
    KEY_PERSON,
    PUSHED,
    REGISTRATION,
    RESIDENT,
    SCREENED_PERSON,
    SEE_GATES,
    SEE_PEOPLE,
    SEE_PUSH_LIST,
    SEE_REGISTER,
    SLOT,
    STOCK,
    Area,
    Figure,
    Select,
    Window,
    count_lines_in_windows,
    count_together,
    records_query,
    records_url,
)
from alleykeeper.screening.models import Answer, Attempt, Campaign, KeyPerson, ScreenedHousehold, ScreenedPerson
from alleykeeper.visitors.models import Registration

__all__ = [
    "FIGURES",
    "FLOW",
    "STOCK",
    "Area",
    "Figure",
    "Window",
    "compute",
    "records_query",
    "records_url",
    "series",
    "series_of",
]


def _households_with(attempts: QuerySet) -> QuerySet:
    return Household.objects.filter(pk__in=attempts.values("household_id"))


def _residents_with(answers: QuerySet) -> QuerySet:
    return Resident.objects.filter(pk__in=answers.exclude(resident=None).values("resident_id"))


def _current_campaigns(window: Window) -> QuerySet:
    """ "The current campaign": every screening campaign running on the window's last day."""
    return Campaign.objects.open_on(window.last_day)


def _screened(area: Area, w: Window) -> QuerySet:
    return _households_with(area.narrow(Attempt.objects.reached().between(w.start, w.end), *ATTEMPT))


def _screened_in_campaign(area: Area, w: Window) -> QuerySet:
    # Screened before the end = first screened before it (ScreenedHousehold keeps the first reached call's time):
    # a row per household and campaign to count, not every call of the campaign.
    first = ScreenedHousehold.objects.filter(at__lt=w.end, campaign__in=_current_campaigns(w))
    return _households_with(area.narrow(first, *ATTEMPT))


def _persons(area: Area, w: Window) -> QuerySet:
    return _residents_with(area.narrow(Answer.objects.given_between(w.start, w.end), *ANSWER))


def _persons_in_campaign(area: Area, w: Window) -> QuerySet:
    # As households: the resident's first answer in the campaign (ScreenedPerson), not every answer and its call.
    first = ScreenedPerson.objects.filter(at__lt=w.end, campaign__in=_current_campaigns(w))
    return Resident.objects.filter(pk__in=area.narrow(first, *SCREENED_PERSON).values("resident_id"))


def _outcome(outcome: str) -> Select:
    return lambda area, w: PushedPerson.objects.settled_between(w.start, w.end).filter(outcome=outcome)


_FIGURES = [
    # 排查 screening
    Figure(
        "households_registered",
        "在册户数",
        STOCK,
        "排查",
        "户",
        HOUSEHOLD,
        lambda area, w: Household.objects.registered_before(w.end),
        capabilities=SEE_REGISTER,
        note="截至时点已登记在台账中的住户。",
    ),
    Figure(
        "households_screened",
        "排查户数",
        FLOW,
        "排查",
        "户",
        HOUSEHOLD,
        _screened,
        capabilities=SEE_REGISTER,
        note="期间内有一次已接通/已见面或确认空置的排查记录的住户（同一户多次只计一次）。",
    ),
    Figure(
        "households_screened_total",
        "排查户数（本轮累计）",
        STOCK,
        "排查",
        "户",
        HOUSEHOLD,
        _screened_in_campaign,
        cumulative=True,
        capabilities=SEE_REGISTER,
        note="截至时点正在进行的排查活动中，已接通/已见面或确认空置的住户。",
    ),
    Figure(
        "persons_screened",
        "排查人数",
        FLOW,
        "排查",
        "人",
        RESIDENT,
        _persons,
        capabilities=SEE_REGISTER,
        note="期间内在排查中回答了问题的居民（同一人多次只计一次）。",
    ),
    Figure(
        "persons_screened_total",
        "排查人数（本轮累计）",
        STOCK,
        "排查",
        "人",
        RESIDENT,
        _persons_in_campaign,
        cumulative=True,
        capabilities=SEE_REGISTER,
        note="截至时点正在进行的排查活动中回答了问题的居民。",
    ),
    # 重点人员 key persons
    Figure(
        "key_persons_new",
        "重点地区来（返）人员 新增",
        FLOW,
        "重点人员",
        "人",
        KEY_PERSON,
        lambda area, w: KeyPerson.objects.found_between(w.start, w.end),
        capabilities=SEE_PEOPLE,
        note="期间内新登记的重点人员（排查、推送名单、来访登记、手工登记）。",
    ),
    Figure(
        "key_persons_total",
        "重点地区来（返）人员 累计",
        STOCK,
        "重点人员",
        "人",
        KEY_PERSON,
        lambda area, w: KeyPerson.objects.found_between(None, w.end),
        cumulative=True,
        capabilities=SEE_PEOPLE,
        note="截至时点登记过的全部重点人员。",
    ),
    # 居家观察 home observation
    Figure(
        "observation_current",
        "居家医学观察 现有",
        STOCK,
        "居家观察",
        "人",
        CASE,
        lambda area, w: ObservationCase.objects.open_at(w.end),
        capabilities=SEE_PEOPLE,
        note="截至时点已开始、尚未解除或转送的居家观察。",
    ),
    Figure(
        "observation_opened",
        "居家医学观察 新增",
        FLOW,
        "居家观察",
        "人",
        CASE,
        lambda area, w: ObservationCase.objects.opened_between(w.start, w.end),
        capabilities=SEE_PEOPLE,
        note="期间内开始的居家观察。",
    ),
    Figure(
        "observation_opened_total",
        "居家医学观察 累计",
        STOCK,
        "居家观察",
        "人",
        CASE,
        lambda area, w: ObservationCase.objects.opened_between(None, w.end),
        cumulative=True,
        capabilities=SEE_PEOPLE,
        note="截至时点开始过的全部居家观察（保留期内）。",
    ),
    Figure(
        "observation_released",
        "解除观察",
        FLOW,
        "居家观察",
        "人",
        CASE,
        lambda area, w: ObservationCase.objects.released_between(w.start, w.end),
        capabilities=SEE_PEOPLE,
        note="期间内解除的居家观察。",
    ),
    Figure(
        "observation_released_total",
        "解除观察 累计",
        STOCK,
        "居家观察",
        "人",
        CASE,
        lambda area, w: ObservationCase.objects.released_between(None, w.end),
        cumulative=True,
        capabilities=SEE_PEOPLE,
        note="截至时点解除过的全部居家观察（保留期内）。",
    ),
    Figure(
        "observation_transferred",
        "转送定点医院/集中隔离",
        FLOW,
        "居家观察",
        "人",
        CASE,
        lambda area, w: ObservationCase.objects.transferred_between(w.start, w.end),
        capabilities=SEE_PEOPLE,
        note="期间内转送定点医院或集中隔离点的观察对象。",
    ),
    Figure(
        "fevers_found",
        "发热人员",
        FLOW,
        "居家观察",
        "人",
        CASE,
        lambda area, w: ObservationCase.objects.with_fever_between(w.start, w.end),
        capabilities=SEE_PEOPLE,
        note="期间内有一次体温达到发热标准（含复测）的观察对象。",
    ),
    Figure(
        "fevers_escalated",
        "发热已上报（送诊）",
        FLOW,
        "居家观察",
        "人",
        CASE,
        lambda area, w: ObservationCase.objects.escalated_between(w.start, w.end),
        capabilities=SEE_PEOPLE,
        note="期间内上报社区卫生服务中心、送发热门诊的观察对象。",
    ),
    Figure(
        "followups_overdue",
        "随访逾期",
        STOCK,
        "居家观察",
        "次",
        SLOT,
        lambda area, w: FollowUpSlot.objects.overdue_at(w.end),
        capabilities=SEE_PEOPLE,
        note="截至时点已过随访时间（含宽限）、仍未完成的随访。",
    ),
    Figure(
        "followups_missed",
        "随访未完成",
        FLOW,
        "居家观察",
        "次",
        SLOT,
        lambda area, w: FollowUpSlot.objects.missed_between(w.start, w.end),
        capabilities=SEE_PEOPLE,
        note="期间内时段已结束、没有接通的随访。",
    ),
    # 推送比对 push list
    Figure(
        "pushlist_received",
        "推送名单人数",
        FLOW,
        "推送比对",
        "人",
        PUSHED,
        lambda area, w: PushedPerson.objects.received_between(w.start, w.end),
        capabilities=SEE_PUSH_LIST,
        note="期间内导入的推送名单上的人员。",
    ),
    *[
        Figure(
            f"pushlist_{value}",
            f"核查结果：{label}",
            FLOW,
            "推送比对",
            "人",
            PUSHED,
            _outcome(value),
            capabilities=SEE_PUSH_LIST,
            note=f"期间内核查结果登记为“{label}”的推送人员。",
        )
        for value, label in Outcome.choices
    ],
    Figure(
        "local_not_on_push_list",
        "本地发现、不在推送名单",
        STOCK,
        "推送比对",
        "人",
        KEY_PERSON,
        lambda area, w: found_locally_not_listed(KeyPerson.objects.all(), w.end),
        capabilities=SEE_PUSH_LIST,
        note="截至时点登记的重点人员中，任何已导入的推送名单都没有的人（须向上报告）。",
    ),
    # 来访与卡口 visitors and gates (a community's, not a grid's)
    Figure(
        "visitors_registered",
        "来访登记",
        FLOW,
        "来访与卡口",
        "人次",
        REGISTRATION,
        lambda area, w: Registration.objects.between(w.start, w.end),
        capabilities=SEE_GATES,
        note="期间内扫码登记的来访人员。",
    ),
    Figure(
        "visitors_from_key_area",
        "来访登记：来自重点地区",
        FLOW,
        "来访与卡口",
        "人次",
        REGISTRATION,
        lambda area, w: Registration.objects.between(w.start, w.end).from_key_area(),
        capabilities=SEE_GATES,
        note="期间内来访登记中，出发地或途经地为重点地区的。",
    ),
    Figure(
        "gate_entries",
        "卡口进入登记",
        FLOW,
        "来访与卡口",
        "人次",
        GATE_LOG,
        lambda area, w: GateLogEntry.objects.between(w.start, w.end).entries(),
        capabilities=SEE_GATES,
        note="期间内卡口登记进入的人员和车辆（不含劝返）。",
    ),
    Figure(
        "gate_turned_back",
        "卡口劝返",
        FLOW,
        "来访与卡口",
        "人次",
        GATE_LOG,
        lambda area, w: GateLogEntry.objects.between(w.start, w.end).turned_back(),
        capabilities=SEE_GATES,
        note="期间内拦于门外的人员（含快递外卖）。",
    ),
    Figure(
        "gates_in_service",
        "卡口数（开放）",
        STOCK,
        "来访与卡口",
        "个",
        GATE,
        lambda area, w: Gate.objects.in_service(),
        capabilities=SEE_GATES,
        note="未关闭的卡口（卡口状态没有历史记录，按当前状态）。",
    ),
    Figure(
        "gates_staffed",
        "卡口有人值守",
        STOCK,
        "来访与卡口",
        "个",
        GATE,
        lambda area, w: Gate.objects.in_service().staffed_at(w.end),
        capabilities=SEE_GATES,
        note="截至时点有班次且有人在岗的开放卡口。",
    ),
    Figure(
        "gates_unstaffed",
        "卡口无人值守",
        STOCK,
        "来访与卡口",
        "个",
        GATE,
        lambda area, w: Gate.objects.unstaffed_at(w.end),
        capabilities=SEE_GATES,
        note="截至时点在开放时间内、没有班次或班次无人的开放卡口（开放时间以外的卡口不计）。",
    ),
    *REOPENING_FIGURES,  # 复工复产 enterprise reopening
    *PUBLICITY_FIGURES,  # 宣传 publicity
    *SANITATION_FIGURES,  # 消杀与物资 disinfection and supplies
]


# In display order.
FIGURES: dict[str, Figure] = {figure.key: figure for figure in _FIGURES}


def figures_for(area: Area, keys: Iterable[str] | None = None) -> list[Figure]:
    """The figures (all, or those named, in FIGURES order) that an area has. Unknown keys: KeyError."""
    if keys is None:
        chosen = list(FIGURES.values())
    else:
        wanted = set(keys)
        if unknown := wanted - FIGURES.keys():
            raise KeyError(f"unknown figures: {sorted(unknown)}")
        chosen = [figure for key, figure in FIGURES.items() if key in wanted]
    return [figure for figure in chosen if figure.applies_to(area)]


def compute(area: Area, window: Window, keys: list[str] | None = None, by: str | None = None) -> dict:
    """Count the figures. `by=None`: {key: int}. `by="grid"` or `"community"`: {group id: {key: int}} for
    every grid or community of the area (zeros included; grids have only per-grid figures).

    `by=None`: one query for all the figures asked for (their counts as scalar subqueries); grouped: one GROUP BY
    query per figure, plus one for the grids. The number of queries does not depend on the data. Figures an area does not have are left out."""
    figures = figures_for(area, keys)
    if by is None:
        counts = count_together([figure.records(area, window) for figure in figures])
        return {figure.key: n for figure, n in zip(figures, counts, strict=True)}
    if by == "grid":
        grids = Grid.objects.filter(community_id__in=area.community_ids)
        if area.grid_ids is not None:
            grids = grids.filter(pk__in=area.grid_ids)
        figures = [figure for figure in figures if figure.per_grid]
        groups, path_of = list(grids.values_list("pk", flat=True)), lambda figure: figure.paths[1]
    elif by == "community":
        groups, path_of = sorted(area.community_ids), lambda figure: figure.paths[0]
    else:
        raise ValueError(f"by must be None, 'grid' or 'community', not {by!r}")
    result = {group: dict.fromkeys((figure.key for figure in figures), 0) for group in groups}
    # A query per figure: joined by UNION ALL in one statement, the street's 40 GROUP BYs took twice as long
    # on PostgreSQL (measured on the benchmark's street: 4.3–5.2 s against 1.7–2.4 s).
    for figure in figures:
        path = path_of(figure)
        counted = figure.records(area, window).order_by().values(path).annotate(n=Count("*")).values_list(path, "n")
        for group, n in counted:
            if group in result:
                result[group][figure.key] = n
    return result


def series(key: str, area: Area, days: list[date]) -> list[int]:
    """The figure at each report day's cutoff (one value per day, for trend charts), in one query whatever
    the number of days: each day's records are counted with the figure's own definition (built once for
    every day, measures.count_in_windows), so that every value equals compute(area, Window.report_day(day))[key]."""
    return series_of([key], area, days)[key]


def series_of(keys: list[str], area: Area, days: list[date]) -> dict[str, list[int]]:
    """series() of several figures in one query (every trend line of a page): {key: a value per day}."""
    lines = [key for key in keys if FIGURES[key].applies_to(area)]
    found = dict.fromkeys(keys, [0] * len(days))
    if days and lines:
        windows = [Window.report_day(day) for day in days]
        counted = count_lines_in_windows([FIGURES[key].records(area, EACH_WINDOW) for key in lines], windows)
        found.update(zip(lines, counted, strict=True))
    return found
