"""Opening cases (from a key person, directly, a household at once), extension, transfer, release."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.observation import schedule
from alleykeeper.observation.actions import (
    CaseError,
    CaseTerms,
    Person,
    add_note,
    extend_case,
    open_cases,
    release_case,
    transfer_case,
)
from alleykeeper.observation.followups import Report, record_followup
from alleykeeper.observation.models import CaseStatus, FollowUpSlot, ObservationCase, Reason, SlotStatus
from alleykeeper.screening.actions import record_key_person
from alleykeeper.screening.models import KeyPerson, KeyPersonStatus
from testkit.world import add_resident, make_id

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _terms(world, **overrides) -> CaseTerms:
    values = {
        "reason": Reason.KEY_AREA,
        "day_zero_basis": "arrival",
        "day_zero": date(2020, 2, 4),
        "assigned_worker": world.worker_a,
    }
    return CaseTerms(**(values | overrides))


def test_case_opened_at_2330_shanghai_starts_that_day_and_first_call_is_next_morning(world):
    resident = world.household_a.residents.get()
    opened = datetime(2020, 2, 4, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    case = open_cases(world.admin, world.household_a, [Person(resident.name, resident)], _terms(world), now=opened)[0]
    assert case.started_on == date(2020, 2, 4)
    assert case.planned_end == date(2020, 2, 18)
    slots = list(case.slots.order_by("due_at"))
    assert slots[0].due_at == datetime(2020, 2, 5, 9, 0, tzinfo=SHANGHAI)
    assert slots[-1].due_at == datetime(2020, 2, 18, 17, 0, tzinfo=SHANGHAI)
    assert len(slots) == 14 * 2
    assert {s.status for s in slots} == {SlotStatus.PENDING}


@pytest.mark.parametrize("basis", ["arrival", "departure", "last_exposure"])
def test_the_basis_of_day_zero_is_stored_and_sets_the_end(world, basis):
    resident = world.household_a.residents.get()
    day_zero = date(2020, 2, 1)
    opened = datetime(2020, 2, 4, 2, 0, tzinfo=UTC)
    terms = _terms(world, day_zero_basis=basis, day_zero=day_zero)
    case = open_cases(world.admin, world.household_a, [Person(resident.name, resident)], terms, now=opened)[0]
    case.refresh_from_db()
    assert case.day_zero_basis == basis and case.day_zero == day_zero
    assert case.planned_end == date(2020, 2, 15) and case.started_on == date(2020, 2, 4)
    assert schedule.observation_day(case.day_zero, opened) == 3


def test_day_zero_in_the_future_is_refused(world):
    resident = world.household_a.residents.get()
    opened = datetime(2020, 2, 4, 2, 0, tzinfo=UTC)
    with pytest.raises(CaseError):
        open_cases(
            world.admin,
            world.household_a,
            [Person("x", resident)],
            _terms(world, day_zero=date(2020, 2, 5)),
            now=opened,
        )
    assert not ObservationCase.objects.exists()


def test_open_from_key_person_marks_it_observing_and_audits(world, as_admin):
    resident = world.household_a.residents.get()
    person = record_key_person(
        world.admin, community=world.community, name=resident.name, source="manual", resident=resident
    )
    url = reverse("observation:case_open") + f"?key_person={person.pk}"
    page = as_admin.get(url)
    assert page.status_code == 200 and resident.name in page.content.decode()
    today = schedule.local_date(timezone.now())
    data = {
        "residents": [resident.pk],
        "reason": "key_area",
        "day_zero_basis": "arrival",
        "day_zero": (today - timedelta(days=1)).isoformat(),
        "assigned_worker": world.worker_a.pk,
    }
    response = as_admin.post(url, data)
    case = ObservationCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("observation:case", args=[case.pk])
    assert case.key_person_id == person.pk and case.resident_id == resident.pk
    assert case.phone_masked == resident.phone_masked and case.phone_enc
    assert KeyPerson.objects.get(pk=person.pk).status == KeyPersonStatus.OBSERVING
    assert AuditEvent.objects.filter(action="observation.open", object_id=case.pk).exists()
    assert AuditEvent.objects.filter(action="observation.key_person_status", object_id=case.pk).exists()


def test_open_several_people_of_a_household_in_one_step(world, as_admin):
    add_resident(world.household_a, "小花", make_id(born="20100601", order="222"), relation="child")
    ids = list(world.household_a.residents.values_list("pk", flat=True))
    url = reverse("observation:case_open") + f"?household={world.household_a.pk}"
    data = {
        "residents": ids,
        "reason": "close_contact",
        "day_zero_basis": "last_exposure",
        "day_zero": schedule.local_date(timezone.now()).isoformat(),
        "assigned_worker": world.worker_a.pk,
    }
    response = as_admin.post(url, data)
    assert response.status_code == 302
    cases = ObservationCase.objects.filter(household=world.household_a)
    assert cases.count() == 2 and {c.reason for c in cases} == {"close_contact"}
    # Submitting again (double tap) opens nothing more: those people are already under observation.
    as_admin.get(reverse("observation:household", args=[world.household_a.pk]))  # shows the flash message
    page = as_admin.get(url).content.decode()
    assert 'name="residents"' not in page and "本户人员都已在居家观察中" in page
    response = as_admin.post(url, data)
    assert response.status_code == 200 and cases.count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"residents": []}, "请至少勾选一位观察对象"),
        ({"day_zero": "2999-01-01"}, "第0天不能晚于今天"),
        ({"day_zero": "not a date"}, "有效的日期"),
        ({"reason": "other"}, "请写明原因"),
        ({"assigned_worker": "999999"}, "选择一个有效的选项"),
    ],
)
def test_open_form_bad_inputs_say_what_to_fix(world, as_admin, change, message):
    resident = world.household_a.residents.get()
    url = reverse("observation:case_open") + f"?household={world.household_a.pk}"
    data = {
        "residents": [resident.pk],
        "reason": "key_area",
        "day_zero_basis": "arrival",
        "day_zero": schedule.local_date(timezone.now()).isoformat(),
        "assigned_worker": world.worker_a.pk,
    } | change
    response = as_admin.post(url, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not ObservationCase.objects.exists()


def test_workers_cannot_open_cases_and_nobody_opens_out_of_scope(world, as_worker_a, as_admin):
    url = reverse("observation:case_open") + f"?household={world.household_a.pk}"
    assert as_worker_a.get(url).status_code == 403
    url = reverse("observation:case_open") + f"?household={world.household_other.pk}"
    assert as_admin.get(url).status_code == 404


def test_extension_needs_a_reason_and_a_later_date_and_adds_slots(world, case_a):
    with pytest.raises(CaseError):
        extend_case(world.admin, case_a, case_a.planned_end + timedelta(days=7), "  ")
    with pytest.raises(CaseError):
        extend_case(world.admin, case_a, case_a.planned_end, "复查")
    before = case_a.slots.count()
    old_end = case_a.planned_end
    extend_case(world.admin, case_a, old_end + timedelta(days=7), "同住人员出现症状")
    case_a.refresh_from_db()
    assert case_a.status == CaseStatus.EXTENDED and case_a.planned_end == old_end + timedelta(days=7)
    assert case_a.slots.count() == before + 14
    event = AuditEvent.objects.get(action="observation.extend", object_id=case_a.pk)
    assert event.reason == "同住人员出现症状" and event.detail["to"] == str(old_end + timedelta(days=7))


def test_extension_through_the_page(world, as_admin, as_worker_a, case_a):
    url = reverse("observation:extend", args=[case_a.pk])
    assert as_worker_a.get(url).status_code == 403
    new_end = (case_a.planned_end + timedelta(days=3)).isoformat()
    response = as_admin.post(url, {"new_end": new_end, "reason": ""})
    assert response.status_code == 200 and "请填写原因" in response.content.decode()
    assert as_admin.post(url, {"new_end": new_end, "reason": "核酸结果未出"}).status_code == 302
    case_a.refresh_from_db()
    assert case_a.status == CaseStatus.EXTENDED and case_a.extension_reason == "核酸结果未出"


def test_transfer_needs_a_reason_is_audited_and_ends_the_case(world, as_admin, case_a):
    resident = case_a.resident
    person = record_key_person(
        world.admin, community=world.community, name=resident.name, source="manual", resident=resident
    )
    ObservationCase.objects.filter(pk=case_a.pk).update(key_person=person)
    case_a.refresh_from_db()
    url = reverse("observation:transfer", args=[case_a.pk])
    response = as_admin.post(url, {"destination": "hospital", "reason": ""})
    assert response.status_code == 200 and "请填写原因" in response.content.decode()
    assert ObservationCase.objects.get(pk=case_a.pk).status == CaseStatus.ACTIVE
    assert as_admin.post(url, {"destination": "hospital", "reason": "复测 38.2℃，120 转运"}).status_code == 302
    case_a.refresh_from_db()
    assert case_a.status == CaseStatus.TRANSFERRED and case_a.transfer_destination == "hospital"
    assert case_a.closed_by == world.admin and case_a.closed_at is not None
    assert not case_a.slots.filter(status__in=[SlotStatus.PENDING, SlotStatus.OVERDUE]).exists()
    assert not case_a.slots.filter(due_at__gt=timezone.now()).exists()
    event = AuditEvent.objects.get(action="observation.transfer", object_id=case_a.pk)
    assert event.reason == "复测 38.2℃，120 转运" and event.actor == world.admin
    assert KeyPerson.objects.get(pk=person.pk).status == KeyPersonStatus.TRANSFERRED


def test_release_records_who_and_when_and_notes_still_allowed(world, as_admin, as_worker_a, case_a):
    when = timezone.now()
    release_case(world.admin, case_a, "期满无异常", now=when)
    case_a.refresh_from_db()
    assert case_a.status == CaseStatus.RELEASED and case_a.closed_by == world.admin and case_a.closed_at == when
    assert AuditEvent.objects.filter(action="observation.release", object_id=case_a.pk, actor=world.admin).exists()
    # After release: a note yes, a follow-up no.
    response = as_worker_a.post(reverse("observation:note", args=[case_a.pk]), {"text": "解除后回访，情况良好"})
    assert response.status_code == 302 and case_a.notes.get().text == "解除后回访，情况良好"
    with pytest.raises(CaseError):
        record_followup(world.worker_a, case_a, Report(temperature=None, reached=False))
    response = as_worker_a.get(reverse("observation:call", args=[case_a.pk]))
    assert response.status_code == 302
    with pytest.raises(CaseError):
        release_case(world.admin, case_a)
    add_note(world.worker_a, case_a, "再记一条")
    assert case_a.notes.count() == 2


def test_release_is_proposed_at_the_planned_end(world, as_admin):
    resident = world.household_a.residents.get()
    today = schedule.local_date(timezone.now())
    terms = _terms(world, day_zero=today - timedelta(days=14))
    case = open_cases(world.admin, world.household_a, [Person(resident.name, resident)], terms)[0]
    assert case.planned_end == today
    page = as_admin.get(reverse("observation:today")).content.decode()
    assert "期满，建议解除（1）" in page and resident.name in page
    page = as_admin.get(reverse("observation:case", args=[case.pk])).content.decode()
    assert "期满，建议解除" in page
    assert as_admin.post(reverse("observation:release", args=[case.pk]), {"note": ""}).status_code == 302
    assert ObservationCase.objects.get(pk=case.pk).status == CaseStatus.RELEASED


def test_slots_of_a_closed_case_are_not_left_pending(world, case_a):
    transfer_case(world.admin, case_a, "central_isolation", "密接转集中隔离")
    assert not FollowUpSlot.objects.filter(case=case_a, status=SlotStatus.PENDING).exists()
