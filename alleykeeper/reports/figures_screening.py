"""The figures of screening and key persons (排查、重点人员), joined to reports.figures' catalogue with one line.

Households and persons screened in the running campaign are read from the first-screening tables that
screening.actions.keep_first_screening keeps (ScreenedHousehold, ScreenedPerson): a row per household or person
and campaign, not every call."""

from django.db.models import QuerySet

from alleykeeper.registry.models import Household, Resident
from alleykeeper.reports.measures import (
    ANSWER,
    ATTEMPT,
    FLOW,
    HOUSEHOLD,
    KEY_PERSON,
    RESIDENT,
    SCREENED_PERSON,
    SEE_PEOPLE,
    SEE_REGISTER,
    STOCK,
    Area,
    Figure,
    Window,
)
from alleykeeper.screening.models import Answer, Attempt, Campaign, KeyPerson, ScreenedHousehold, ScreenedPerson


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


SCREENING_FIGURES = [
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
]
