"""Recording an attempt through HTTP: good input, bad input (nothing saved, message says what to fix)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.registry.models import ResidenceStatus, Resident
from alleykeeper.screening.models import Answer, Attempt, HouseholdStatus, KeyPerson, QuestionRole
from alleykeeper.screening.tests.conftest import answers_for, attempt_url, question_id, state_of
from testkit.world import add_resident, make_id

pytestmark = pytest.mark.django_db


def test_reached_with_all_no_covers_the_household(world, campaign, as_worker_a):
    resident = world.household_a.residents.get()
    data = {"channel": "phone", "outcome": "reached", "note": "本人接听", **answers_for(campaign, resident)}
    response = as_worker_a.post(attempt_url(campaign, world.household_a), data)
    assert response.status_code == 302
    attempt = Attempt.objects.get()
    assert (attempt.worker, attempt.channel, attempt.outcome, attempt.note) == (
        world.worker_a,
        "phone",
        "reached",
        "本人接听",
    )
    assert Answer.objects.filter(attempt=attempt, resident=resident).count() == 3
    state = state_of(campaign, world.household_a)
    assert (state.status, state.attempt_count, state.accounted_count, state.resident_count) == ("covered", 1, 1, 1)
    assert state.last_attempt == attempt and state.reached
    assert AuditEvent.objects.filter(action="screening.attempt", object_id=attempt.pk).exists()
    assert not KeyPerson.objects.exists()


def test_all_no_shortcut_answers_the_three_questions(world, campaign, as_worker_a):
    resident = world.household_a.residents.get()
    data = {"channel": "door", "outcome": "reached", f"p{resident.pk}-allno": "on"}
    assert as_worker_a.post(attempt_url(campaign, world.household_a), data).status_code == 302
    assert sorted(Answer.objects.values_list("value", flat=True)) == ["no", "no", "no"]


def test_missing_outcome_saves_nothing(world, campaign, as_worker_a):
    resident = world.household_a.residents.get()
    response = as_worker_a.post(
        attempt_url(campaign, world.household_a), {"channel": "phone", **answers_for(campaign, resident)}
    )
    assert response.status_code == 400
    assert "请选择这次联系的结果" in response.content.decode()
    assert not Attempt.objects.exists() and not Answer.objects.exists()
    # What was typed is still on the page.
    page = response.content.decode()
    assert re.search(r'name="channel" value="phone"[^>]*checked', page)
    assert re.search(rf'name="p{resident.pk}-q\d+" value="no" checked', page)


@pytest.mark.parametrize("bad_outcome", ["", "maybe", "reached'--"])
def test_bad_outcome_values(world, campaign, as_worker_a, bad_outcome):
    data = {"channel": "phone", "outcome": bad_outcome}
    assert as_worker_a.post(attempt_url(campaign, world.household_a), data).status_code == 400
    assert not Attempt.objects.exists()


def test_answers_for_a_resident_of_another_household_are_refused(world, campaign, as_worker_a):
    mine = world.household_a.residents.get()
    stranger = world.household_b.residents.get()
    data = {"channel": "phone", "outcome": "reached", **answers_for(campaign, mine), **answers_for(campaign, stranger)}
    response = as_worker_a.post(attempt_url(campaign, world.household_a), data)
    assert response.status_code == 400
    assert "不属于本户" in response.content.decode()
    assert not Attempt.objects.exists() and not Answer.objects.exists()


@pytest.mark.parametrize("bad_date", ["2020-13-45", "昨天", "2020-02-30", "31/01/2020"])
def test_bad_arrival_date(world, campaign, as_worker_a, places, bad_date):
    resident = world.household_a.residents.get()
    answers = answers_for(campaign, resident, arrived="yes", origin=["420000"], arrival_date=bad_date)
    response = as_worker_a.post(
        attempt_url(campaign, world.household_a), {"channel": "phone", "outcome": "reached", **answers}
    )
    assert response.status_code == 400
    assert "日期不对" in response.content.decode()
    assert not Attempt.objects.exists() and not KeyPerson.objects.exists()


def test_arrival_date_in_the_future_is_refused(world, campaign, as_worker_a, places):
    resident = world.household_a.residents.get()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    answers = answers_for(campaign, resident, arrived="yes", origin=["420000"], arrival_date=tomorrow)
    response = as_worker_a.post(
        attempt_url(campaign, world.household_a), {"channel": "phone", "outcome": "reached", **answers}
    )
    assert response.status_code == 400 and "晚于今天" in response.content.decode()


def test_arrived_yes_needs_where_from(world, campaign, as_worker_a):
    resident = world.household_a.residents.get()
    answers = answers_for(campaign, resident, arrived="yes")
    response = as_worker_a.post(
        attempt_url(campaign, world.household_a), {"channel": "phone", "outcome": "reached", **answers}
    )
    assert response.status_code == 400 and "请选择从哪里来" in response.content.decode()
    assert not Attempt.objects.exists()


def test_unknown_division_is_refused_and_a_stale_city_is_ignored(world, campaign, as_worker_a, places):
    resident = world.household_a.residents.get()
    url = attempt_url(campaign, world.household_a)
    answers = answers_for(campaign, resident, arrived="yes", origin=["999999"])
    response = as_worker_a.post(url, {"channel": "phone", "outcome": "reached", **answers})
    assert response.status_code == 400 and "不在行政区划表中" in response.content.decode()
    answers = answers_for(campaign, resident, arrived="yes", origin=["42"])
    response = as_worker_a.post(url, {"channel": "phone", "outcome": "reached", **answers})
    assert response.status_code == 400 and "请选择从哪里来" in response.content.decode()
    assert not Attempt.objects.exists()
    # Wuhan left over from an earlier pick, under Fujian (possible without JavaScript): the answer is Fujian.
    answers = answers_for(campaign, resident, arrived="yes", origin=["350000", "420100"])
    assert as_worker_a.post(url, {"channel": "phone", "outcome": "reached", **answers}).status_code == 302
    origin = campaign.questions.get(role=QuestionRole.ORIGIN)
    assert Answer.objects.get(question=origin).value == "350000"


def test_partial_answers_name_the_missing_question(world, campaign, as_worker_a):
    resident = world.household_a.residents.get()
    data = {
        "channel": "phone",
        "outcome": "reached",
        f"p{resident.pk}-q{question_id(campaign, QuestionRole.ARRIVED)}": "no",
    }
    response = as_worker_a.post(attempt_url(campaign, world.household_a), data)
    assert response.status_code == 400 and "请回答“是否与重点地区人员接触过？”" in response.content.decode()


def test_answers_with_an_unreached_outcome_are_refused_not_dropped(world, campaign, as_worker_a):
    resident = world.household_a.residents.get()
    data = {"channel": "phone", "outcome": "no_answer", **answers_for(campaign, resident)}
    response = as_worker_a.post(attempt_url(campaign, world.household_a), data)
    assert response.status_code == 400 and "无人接听" in response.content.decode()
    assert not Attempt.objects.exists()


def test_reached_without_any_answer_is_refused(world, campaign, as_worker_a):
    response = as_worker_a.post(attempt_url(campaign, world.household_a), {"channel": "phone", "outcome": "reached"})
    assert response.status_code == 400 and "至少为一人填写答案" in response.content.decode()


def test_no_answer_goes_to_the_revisit_queue(world, campaign, as_worker_a):
    response = as_worker_a.post(attempt_url(campaign, world.household_a), {"channel": "phone", "outcome": "no_answer"})
    assert response.status_code == 302
    state = state_of(campaign, world.household_a)
    assert (state.status, state.attempt_count, state.reached, state.last_outcome) == ("revisit", 1, False, "no_answer")


def test_person_found_at_the_door_joins_the_register_and_is_accounted(world, campaign, as_worker_a):
    resident = world.household_a.residents.get()
    arrived = question_id(campaign, QuestionRole.ARRIVED)
    data = {
        "channel": "door",
        "outcome": "reached",
        **answers_for(campaign, resident),
        "new0-name": " 林  小梅 ",
        "new0-phone": "+86 138-5990-7777",
        "new0-allno": "on",
    }
    response = as_worker_a.post(attempt_url(campaign, world.household_a), data)
    assert response.status_code == 302
    newcomer = Resident.objects.get(name="林 小梅")
    assert newcomer.household == world.household_a and newcomer.status == ResidenceStatus.TEMPORARY
    assert newcomer.phone_masked == "138****7777" and "13859907777" not in newcomer.phone_enc
    assert Answer.objects.get(resident=newcomer, question_id=arrived).value == "no"
    state = state_of(campaign, world.household_a)
    assert (state.status, state.resident_count, state.accounted_count) == ("covered", 2, 2)


def test_door_person_needs_a_name_and_a_sane_phone(world, campaign, as_worker_a):
    resident = world.household_a.residents.get()
    base = {"channel": "door", "outcome": "reached", **answers_for(campaign, resident)}
    response = as_worker_a.post(attempt_url(campaign, world.household_a), {**base, "new0-allno": "on"})
    assert response.status_code == 400 and "请填写未登记人员的姓名" in response.content.decode()
    response = as_worker_a.post(
        attempt_url(campaign, world.household_a), {**base, "new0-name": "林小梅", "new0-phone": "电话abc"}
    )
    assert response.status_code == 400 and "电话号码只能包含数字" in response.content.decode()
    assert not Resident.objects.filter(name="林小梅").exists() and not Attempt.objects.exists()


def test_covered_only_when_every_resident_is_accounted_for(world, campaign, as_worker_a):
    first = world.household_a.residents.get()
    second = add_resident(world.household_a, "王小宝")
    url = attempt_url(campaign, world.household_a)
    assert (
        as_worker_a.post(url, {"channel": "phone", "outcome": "reached", **answers_for(campaign, first)}).status_code
        == 302
    )
    state = state_of(campaign, world.household_a)
    assert (state.status, state.accounted_count, state.resident_count) == ("revisit", 1, 2)
    # The second call reaches the other resident: now everyone is accounted for.
    assert (
        as_worker_a.post(url, {"channel": "phone", "outcome": "reached", **answers_for(campaign, second)}).status_code
        == 302
    )
    state.refresh_from_db()
    assert (state.status, state.accounted_count, state.attempt_count) == ("covered", 2, 2)
    assert state.covered_at is not None


def test_vacant_household_is_covered(world, campaign, as_worker_a):
    assert (
        as_worker_a.post(attempt_url(campaign, world.household_a), {"channel": "door", "outcome": "vacant"}).status_code
        == 302
    )
    assert state_of(campaign, world.household_a).status == HouseholdStatus.COVERED


def test_double_submission_records_one_attempt(world, campaign, as_worker_a):
    resident = world.household_a.residents.get()
    data = {"channel": "phone", "outcome": "reached", "token": "abc123", **answers_for(campaign, resident)}
    url = attempt_url(campaign, world.household_a)
    assert as_worker_a.post(url, data).status_code == 302
    assert as_worker_a.post(url, data, follow=True).status_code == 200
    assert Attempt.objects.count() == 1 and state_of(campaign, world.household_a).attempt_count == 1


def test_closed_campaign_refuses_new_attempts(world, campaign, as_worker_a):
    campaign.end_date = campaign.start_date
    campaign.save(update_fields=["end_date"])
    response = as_worker_a.post(attempt_url(campaign, world.household_a), {"channel": "phone", "outcome": "no_answer"})
    assert response.status_code == 400 and "不在进行中" in response.content.decode()
    assert not Attempt.objects.exists()


def test_worker_cannot_record_for_another_grid(world, campaign, as_worker_a, as_duty):
    data = {"channel": "phone", "outcome": "no_answer"}
    assert as_worker_a.post(attempt_url(campaign, world.household_b), data).status_code == 404
    assert as_worker_a.get(attempt_url(campaign, world.household_b)).status_code == 404
    assert as_worker_a.post(attempt_url(campaign, world.household_other), data).status_code == 404
    assert as_duty.post(attempt_url(campaign, world.household_a), data).status_code == 403
    assert not Attempt.objects.exists()


def test_attempt_page_masks_phones(world, campaign, as_worker_a):
    page = as_worker_a.get(attempt_url(campaign, world.household_a)).content.decode()
    assert "138****1234" in page and "13859901234" not in page


def test_phone_or_id_typed_into_a_note_is_masked(world, campaign, as_worker_a):
    data = {"channel": "phone", "outcome": "wrong_number", "note": "家属说新号码 13912345678，身份证 " + make_id()}
    assert as_worker_a.post(attempt_url(campaign, world.household_a), data).status_code == 302
    note = Attempt.objects.get().note
    assert "139****5678" in note and "13912345678" not in note and make_id() not in note
