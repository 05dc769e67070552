"""Findings: answers that point to a key area create or update one key person, linked to the resident."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.screening.actions import record_key_person
from alleykeeper.screening.models import Answer, Attempt, KeyPerson, KeyPersonSource, KeyPersonStatus
from alleykeeper.screening.tests.conftest import answers_for, attempt_url
from testkit.world import add_resident, make_household

pytestmark = pytest.mark.django_db


def _post(client, campaign, household, answers: dict, outcome: str = "reached"):
    return client.post(attempt_url(campaign, household), {"channel": "phone", "outcome": outcome, **answers})


def test_arrival_from_a_key_area_creates_a_key_person(world, campaign, as_worker_a, places):
    resident = world.household_a.residents.get()
    arrived = (timezone.localdate() - timedelta(days=3)).isoformat()
    answers = answers_for(
        campaign,
        resident,
        arrived="yes",
        origin=["420000", "420100", "420103"],
        arrival_date=arrived,
        transport="g 1234",
    )
    assert _post(as_worker_a, campaign, world.household_a, answers).status_code == 302
    person = KeyPerson.objects.get()
    attempt = Attempt.objects.get()
    assert person.resident == resident and person.household == world.household_a and person.grid == world.grid_a
    assert person.origin == places.jianghan and person.arrival_date.isoformat() == arrived
    assert person.transport == "G1234" and person.source == KeyPersonSource.SCREENING
    assert person.status == KeyPersonStatus.NEW and person.attempt == attempt
    assert f"排查活动#{campaign.pk}" in person.source_ref and f"记录#{attempt.pk}" in person.source_ref
    assert person.travel_history[0]["name"] == "湖北省武汉市江汉区" and person.travel_history[0]["key_area"] is True
    # The masked phone is copied from the register; the clear one never is.
    assert person.phone_masked == "138****1234" and person.phone_index == resident.phone_index
    flagged = Answer.objects.filter(points_to_key_area=True).values_list("question__role", flat=True)
    assert set(flagged) == {"arrived", "origin"}
    assert AuditEvent.objects.filter(action="key_person.create", object_id=person.pk).exists()


def test_the_same_person_found_twice_is_still_one_key_person(world, campaign, as_worker_a, places):
    resident = world.household_a.residents.get()
    answers = answers_for(campaign, resident, arrived="yes", origin=["420000", "420100"])
    assert _post(as_worker_a, campaign, world.household_a, answers).status_code == 302
    answers = answers_for(campaign, resident, contact="yes", arrived="yes", origin=["420000", "420100"])
    assert _post(as_worker_a, campaign, world.household_a, answers).status_code == 302
    person = KeyPerson.objects.get()
    assert person.contact_note and person.attempt == Attempt.objects.order_by("at", "id").first()
    assert "另见" in person.notes
    assert AuditEvent.objects.filter(action="key_person.update", object_id=person.pk).count() == 1


def test_origin_outside_key_areas_is_not_a_finding(world, campaign, as_worker_a, places):
    resident = world.household_a.residents.get()
    answers = answers_for(campaign, resident, origin=["350000", "350500", "350502"])
    assert _post(as_worker_a, campaign, world.household_a, answers).status_code == 302
    assert not KeyPerson.objects.exists()


def test_key_area_status_follows_its_dates(world, campaign, as_worker_a, places):
    """Wuhan stopped being a key area 30 days ago: an arrival 3 days ago from there is no finding,
    an arrival 35 days ago (within the look-back window of the key period) is."""
    places.key_area.end = timezone.localdate() - timedelta(days=30)
    places.key_area.save(update_fields=["end"])
    resident = world.household_a.residents.get()
    recent = (timezone.localdate() - timedelta(days=3)).isoformat()
    answers = answers_for(campaign, resident, origin=["420000", "420100"], arrival_date=recent)
    assert _post(as_worker_a, campaign, world.household_a, answers).status_code == 302
    assert not KeyPerson.objects.exists()
    earlier = (timezone.localdate() - timedelta(days=35)).isoformat()
    answers = answers_for(campaign, resident, origin=["420000", "420100"], arrival_date=earlier)
    assert _post(as_worker_a, campaign, world.household_a, answers).status_code == 302
    assert KeyPerson.objects.get().origin == places.wuhan


def test_a_yes_to_contact_alone_is_a_finding(world, campaign, as_worker_b):
    resident = world.household_b.residents.get()
    assert (
        _post(as_worker_b, campaign, world.household_b, answers_for(campaign, resident, contact="yes")).status_code
        == 302
    )
    person = KeyPerson.objects.get()
    assert person.grid == world.grid_b and "接触" in person.contact_note and person.origin is None


def test_key_person_list_and_detail_are_scoped(world, campaign, as_worker_a, as_worker_b, as_officer, as_duty, places):
    resident = world.household_b.residents.get()
    answers = answers_for(campaign, resident, arrived="yes", origin=["420000", "420100"])
    assert _post(as_worker_b, campaign, world.household_b, answers).status_code == 302
    person = KeyPerson.objects.get()
    page = as_worker_b.get(reverse("screening:key_persons")).content.decode()
    assert person.name in page and "湖北省武汉市" in page and "待处置" in page
    assert person.name not in as_worker_a.get(reverse("screening:key_persons")).content.decode()
    detail = reverse("screening:key_person", args=[person.pk])
    assert as_worker_a.get(detail).status_code == 404
    assert as_duty.get(detail).status_code == 403
    page = as_officer.get(detail).content.decode()
    assert "湖北省武汉市" in page and campaign.name in page and "尚未开始居家观察" in page
    assert resident.full_phone() not in page and resident.full_document_number() not in page
    filtered = as_worker_b.get(reverse("screening:key_persons") + "?status=observing").content.decode()
    assert person.name not in filtered


def test_key_person_page_hands_over_to_home_observation(world, campaign, as_admin, as_worker_b, places):
    resident = world.household_b.residents.get()
    answers = answers_for(campaign, resident, arrived="yes", origin=["420000", "420100"])
    assert _post(as_worker_b, campaign, world.household_b, answers).status_code == 302
    person = KeyPerson.objects.get()
    event = AuditEvent.objects.get(action="screening.attempt")
    assert any("湖北省武汉市" in reason for reason in event.detail["findings"][str(resident.pk)])
    try:
        open_url = reverse("observation:case_open") + f"?key_person={person.pk}"
    except NoReverseMatch:  # the observation pages are not installed: no button, nothing breaks
        open_url = None
    page = as_admin.get(reverse("screening:key_person", args=[person.pk])).content.decode()
    if open_url:
        assert open_url in page
    # A grid worker (no MANAGE_OBSERVATION) reads the record but is not offered to open a case.
    page = as_worker_b.get(reverse("screening:key_person", args=[person.pk])).content.decode()
    assert "为此人开始居家观察" not in page


def test_key_person_list_runs_a_fixed_number_of_queries(world, campaign, as_admin, places):
    def found(n: int) -> None:
        household = make_household(world.grid_a, f"{n + 30}号楼", "101")
        resident = add_resident(household, f"来鲤{n}", phone=f"1370000{n:04d}")
        record_key_person(
            world.admin, community=world.community, name=resident.name, source=KeyPersonSource.MANUAL,
            resident=resident, origin=places.jianghan,
        )  # fmt: skip

    found(0)
    url = reverse("screening:key_persons")
    with CaptureQueriesContext(connection) as small:
        assert as_admin.get(url).status_code == 200
    for n in range(1, 9):
        found(n)
    with CaptureQueriesContext(connection) as large:
        page = as_admin.get(url).content.decode()
    assert len(large) == len(small) and page.count("湖北省武汉市江汉区") == 9
