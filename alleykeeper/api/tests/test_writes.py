"""Writes through the API go through the pages' forms and actions: the same checks, the same records."""

import pytest
from django.utils import timezone

from alleykeeper.api.tests.conftest import api_for
from alleykeeper.gates.models import Enclosure, Gate, GateLogEntry
from alleykeeper.observation.models import FollowUp
from alleykeeper.observation.tests.conftest import open_case_for
from alleykeeper.screening.models import Attempt, QuestionRole
from alleykeeper.screening.tests.conftest import question_id, start_campaign
from alleykeeper.visitors.tests.conftest import put_on_duty

pytestmark = pytest.mark.django_db
ARRIVED, TRAVEL, CONTACT = QuestionRole.ARRIVED, QuestionRole.TRAVEL, QuestionRole.CONTACT


def test_follow_up_call_through_the_call_form(world):
    case = open_case_for(world, world.household_a, world.worker_a)
    client = api_for(world.worker_a, "write")
    path = f"/api/v1/observation/cases/{case.pk}/follow-ups"
    # Bad bodies tried: reached without a temperature, a temperature without its decimal point, a word, an
    # unknown symptom, a wrong type for the list.
    for bad, field in (
        ({"reached": True}, "temperature"),
        ({"reached": True, "temperature": "365"}, "temperature"),
        ({"reached": True, "temperature": "hot"}, "temperature"),
        ({"reached": True, "temperature": "36.5", "symptoms": ["zombie"]}, "symptoms"),
    ):
        response = client.post(path, bad)
        assert response.status_code == 422, bad
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert client.post(path, {"symptoms": "cough"}).status_code == 422
    assert not FollowUp.objects.exists()
    response = client.post(path, {"reached": True, "temperature": "36.6", "note": "一切正常"})
    assert response.status_code == 201
    followup = FollowUp.objects.get()
    assert response.json()["id"] == followup.pk and followup.recorded_by == world.worker_a
    assert str(followup.temperature) == "36.6"
    case.refresh_from_db()
    assert case.last_followup_at is not None


def test_follow_up_out_of_scope_or_read_only(world):
    case = open_case_for(world, world.household_a, world.worker_a)
    path = f"/api/v1/observation/cases/{case.pk}/follow-ups"
    body = {"reached": True, "temperature": "36.6"}
    assert api_for(world.worker_b, "write").post(path, body).status_code == 404
    assert api_for(world.worker_a, "read").post(path, body).status_code == 403
    assert not FollowUp.objects.exists()


def test_screening_attempt_through_the_attempt_form(world):
    campaign = start_campaign(world.admin, [world.grid_a, world.grid_b])
    client = api_for(world.worker_a, "write")
    path = f"/api/v1/screening/campaigns/{campaign.pk}/households/{world.household_a.pk}/attempts"
    bad = client.post(path, {"channel": "pigeon", "outcome": "reached"})
    assert bad.status_code == 422 and "channel" in {e["field"] for e in bad.json()["errors"]}
    body = {"channel": "phone", "outcome": "no_answer", "token": "app-0001"}
    first = client.post(path, body)
    assert first.status_code == 201, first.json()
    again = client.post(path, body)  # the app retried: one record
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Attempt.objects.filter(household=world.household_a).count() == 1
    other = f"/api/v1/screening/campaigns/{campaign.pk}/households/{world.household_b.pk}/attempts"
    assert client.post(other, body).status_code == 404


def test_screening_attempt_answers_per_person_through_the_attempt_form(world):
    campaign = start_campaign(world.admin, [world.grid_a, world.grid_b])
    client = api_for(world.worker_a, "write")
    path = f"/api/v1/screening/campaigns/{campaign.pk}/households/{world.household_a.pk}/attempts"
    mine, stranger = world.household_a.residents.get(), world.household_b.residents.first()
    arrived, travel, contact = (question_id(campaign, role) for role in (ARRIVED, TRAVEL, CONTACT))
    three_no = {arrived: "no", travel: "no", contact: "no"}
    reached = {"channel": "door", "outcome": "reached"}
    # Bad bodies tried: reached with nobody answering, another household's resident, a required question
    # unanswered, arrived without where from, answers with the outcome "no answer", three people not in the
    # register at once, a question id that is not a number.
    for bad, words in (
        ({}, "至少为一人填写答案"),
        ({"people": [{"resident_id": stranger.pk, "all_no": True}]}, "不属于本户"),
        ({"people": [{"resident_id": mine.pk, "answers": {arrived: "no"}}]}, "请回答"),
        ({"people": [{"resident_id": mine.pk, "answers": {**three_no, arrived: "yes"}}]}, "从哪里来"),
        ({"outcome": "no_answer", "people": [{"resident_id": mine.pk, "all_no": True}]}, "却填写了人员或答案"),
        ({"people": [{"name": f"新人{n}", "all_no": True} for n in range(3)]}, "最多登记 2 位"),
        ({"people": [{"resident_id": mine.pk, "answers": {"arrived": "no"}}]}, "people"),
    ):
        response = client.post(path, {**reached, **bad})
        assert response.status_code == 422, bad
        assert words in response.json()["message"], (bad, response.json())
    assert not Attempt.objects.exists()
    body = {
        **reached,
        "people": [
            {"resident_id": mine.pk, "all_no": True},
            {"name": "李租客", "phone": "13912340000", "answers": three_no},
        ],
    }
    response = client.post(path, body)
    assert response.status_code == 201, response.json()
    attempt = Attempt.objects.get()
    assert {a.person_name for a in attempt.answers.all()} == {mine.name, "李租客"}
    assert world.household_a.residents.filter(name="李租客").exists()


def test_visitor_entry_through_the_gate_log_action(world):
    from alleykeeper.api.tests.builders import _registration

    gate = Gate.objects.create(
        enclosure=Enclosure.objects.create(community=world.community, name="东片区"), name="东门"
    )
    registration = _registration(gate, "A1B2C3")
    path = f"/api/v1/visitor-registrations/{registration.pk}/entries"
    duty = api_for(world.duty, "write")
    assert duty.post(path, {"temperature": "36.5"}).status_code == 404  # not on duty at this gate now
    put_on_duty(world.duty, gate)
    refused = duty.post(path, {"temperature": "52"})
    assert refused.status_code == 422 and refused.json()["message"]
    response = duty.post(path, {"temperature": "36.5"})
    assert response.status_code == 201
    entry = GateLogEntry.objects.get()
    assert entry.visitor_code == "A1B2C3" and entry.recorded_by == world.duty and entry.at <= timezone.now()
