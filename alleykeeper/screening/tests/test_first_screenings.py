"""When a household and a person were first screened in a campaign (ScreenedHousehold, ScreenedPerson): kept
by record_attempt with every call, the earliest time staying, as the figures of the running campaign need."""

from datetime import datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps

from alleykeeper.screening.actions import record_attempt
from alleykeeper.screening.answers import PersonSlot
from alleykeeper.screening.models import QuestionRole, ScreenedHousehold, ScreenedPerson
from alleykeeper.screening.tests.conftest import answers_for, attempt_url, question_id, start_campaign
from testkit.world import make_household

pytestmark = pytest.mark.django_db
MORNING = datetime(2020, 2, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _firsts(campaign) -> tuple[dict, dict]:
    households = dict(ScreenedHousehold.objects.filter(campaign=campaign).values_list("household_id", "at"))
    persons = dict(ScreenedPerson.objects.filter(campaign=campaign).values_list("resident_id", "at"))
    return households, persons


def _rows() -> tuple[set, set]:
    return (
        set(ScreenedHousehold.objects.values_list("campaign_id", "household_id", "at")),
        set(ScreenedPerson.objects.values_list("campaign_id", "resident_id", "at")),
    )


def test_the_first_reached_call_and_answer_are_kept_and_only_an_earlier_one_moves_them(world, places, as_worker_a):
    resident = world.household_a.residents.get()
    with time_machine.travel(MORNING, tick=False) as clock:
        campaign = start_campaign(world.admin, [world.grid_a])
        url = attempt_url(campaign, world.household_a)
        assert as_worker_a.post(url, {"channel": "phone", "outcome": "no_answer"}).status_code == 302
        assert _firsts(campaign) == ({}, {})  # nobody reached: not screened yet
        clock.shift(timedelta(hours=1))
        data = {"channel": "phone", "outcome": "reached", **answers_for(campaign, resident)}
        assert as_worker_a.post(url, data).status_code == 302
        reached = MORNING + timedelta(hours=1)
        assert _firsts(campaign) == ({world.household_a.pk: reached}, {resident.pk: reached})
        clock.shift(timedelta(hours=1))
        assert as_worker_a.post(url, data).status_code == 302
        assert _firsts(campaign) == ({world.household_a.pk: reached}, {resident.pk: reached})  # a later call: as was
        # A call entered late for an earlier moment of the campaign is the first one now.
        earlier = MORNING + timedelta(minutes=30)
        questions = {question.pk: question for question in campaign.questions.all()}
        slot = PersonSlot(
            key=f"p{resident.pk}", resident=resident, values={question_id(campaign, QuestionRole.ARRIVED): "no"}
        )
        record_attempt(
            world.worker_a,
            campaign,
            world.household_a,
            channel="door",
            outcome="reached",
            people=[slot],
            questions=questions,
            at=earlier,
        )
        assert _firsts(campaign) == ({world.household_a.pk: earlier}, {resident.pk: earlier})


def test_a_vacant_household_is_screened_with_nobody_answering(world, places, as_worker_a):
    with time_machine.travel(MORNING, tick=False):
        household = make_household(world.grid_a, "9号楼", "302")
        campaign = start_campaign(world.admin, [world.grid_a])
        response = as_worker_a.post(attempt_url(campaign, household), {"channel": "door", "outcome": "vacant"})
        assert response.status_code == 302
        assert _firsts(campaign) == ({household.pk: MORNING}, {})


def test_the_migration_fills_what_the_action_keeps(world, places, as_worker_a):
    """Migration 0005 fills the rows from the calls and answers already recorded: the same rows."""
    resident = world.household_a.residents.get()
    with time_machine.travel(MORNING, tick=False) as clock:
        campaign = start_campaign(world.admin, [world.grid_a])
        url = attempt_url(campaign, world.household_a)
        for outcome in ("no_answer", "reached", "reached"):
            data = {"channel": "phone", "outcome": outcome}
            if outcome == "reached":
                data.update(answers_for(campaign, resident))
            assert as_worker_a.post(url, data).status_code == 302
            clock.shift(timedelta(hours=1))
        vacant = make_household(world.grid_a, "9号楼", "302")
        second = start_campaign(world.admin, [world.grid_a], name="三月排查")
        response = as_worker_a.post(attempt_url(second, vacant), {"channel": "door", "outcome": "vacant"})
        assert response.status_code == 302
    kept = _rows()
    assert len(kept[0]) == 2 and len(kept[1]) == 1
    ScreenedHousehold.objects.all().delete()
    ScreenedPerson.objects.all().delete()
    import_module("alleykeeper.screening.migrations.0005_first_screenings").fill_first_screenings(django_apps, None)
    assert _rows() == kept
