"""Calls, overdue computation by the tick, the fever → retest → escalation path, plausibility flags."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.observation.actions import CaseError, CaseTerms, Person, escalate_fever, open_cases, release_case
from alleykeeper.observation.followups import Report, plausibility_flags, record_followup, tick
from alleykeeper.observation.models import FeverState, Flag, FollowUp, FollowUpSlot, ObservationCase, SlotStatus

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def feb_case(world) -> ObservationCase:
    """Opened 4 February 2020 at 08:00 Shanghai: slots from 09:00 that day to 17:00 on 18 February."""
    resident = world.household_a.residents.get()
    terms = CaseTerms(
        reason="key_area", day_zero_basis="arrival", day_zero=date(2020, 2, 4), assigned_worker=world.worker_a
    )
    return open_cases(
        world.admin, world.household_a, [Person(resident.name, resident)], terms, now=local(2020, 2, 4, 8)
    )[0]


def _statuses(case: ObservationCase, day: int) -> list[str]:
    return list(case.slots.filter(due_at__date=date(2020, 2, day)).order_by("due_at").values_list("status", flat=True))


def test_overdue_then_missed_and_twice_is_the_same(world, feb_case, settings):
    settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES = 60
    first = tick(local(2020, 2, 4, 9, 30))  # within the grace: still pending
    assert first.overdue == 0 and _statuses(feb_case, 4) == ["pending", "pending"]
    result = tick(local(2020, 2, 4, 10, 1))
    assert result.overdue == 1 and _statuses(feb_case, 4) == ["overdue", "pending"]
    again = tick(local(2020, 2, 4, 10, 1))
    assert (again.overdue, again.missed, again.created) == (0, 0, 0)
    assert _statuses(feb_case, 4) == ["overdue", "pending"]
    tick(local(2020, 2, 4, 13, 0))  # the morning window closed at 13:00
    assert _statuses(feb_case, 4) == ["missed", "pending"]
    snapshot = list(FollowUpSlot.objects.order_by("id").values_list("id", "status"))
    tick(local(2020, 2, 4, 13, 0))
    assert list(FollowUpSlot.objects.order_by("id").values_list("id", "status")) == snapshot


def test_tick_command_is_safe_to_run_twice(world, case_a):
    out = StringIO()
    call_command("observation_tick", stdout=out)
    call_command("observation_tick", stdout=out)
    first, second = out.getvalue().strip().splitlines()
    assert second == "observation_tick: created=0 overdue=0 missed=0"
    assert first.startswith("observation_tick:")


def test_done_slot_is_never_overdue(world, feb_case):
    record_followup(world.worker_a, feb_case, Report(temperature=Decimal("36.5")), now=local(2020, 2, 4, 8, 40))
    tick(local(2020, 2, 4, 14))
    assert _statuses(feb_case, 4) == ["done", "pending"]


def test_unreached_call_counts_an_attempt_and_leaves_the_slot_open(world, feb_case):
    record_followup(world.worker_a, feb_case, Report(reached=False), now=local(2020, 2, 4, 9, 5))
    slot = feb_case.slots.get(due_at=local(2020, 2, 4, 9))
    assert slot.status == SlotStatus.PENDING and slot.attempts == 1
    record_followup(world.worker_a, feb_case, Report(temperature=Decimal("36.6")), now=local(2020, 2, 4, 9, 40))
    slot.refresh_from_db()
    assert slot.status == SlotStatus.DONE and slot.attempts == 1


def test_tick_keeps_slots_ahead_for_a_case_past_its_end(world, feb_case):
    assert not feb_case.slots.filter(due_at__date=date(2020, 2, 19)).exists()
    result = tick(local(2020, 2, 19, 8))
    assert result.created == 4  # 19 and 20 February, 09:00 and 17:00
    assert tick(local(2020, 2, 19, 8)).created == 0
    release_case(world.admin, feb_case, now=local(2020, 2, 19, 10))
    assert not feb_case.slots.filter(due_at__gt=local(2020, 2, 19, 10)).exists()


def test_fever_asks_for_retest_then_escalation_with_reason(world, feb_case, settings):
    settings.OBSERVATION_RETEST_MINUTES = 30
    at = local(2020, 2, 5, 9, 2)
    first = record_followup(world.worker_a, feb_case, Report(temperature=Decimal("37.3")), now=at)
    feb_case.refresh_from_db()
    assert first.is_fever and not first.is_retest
    assert feb_case.fever_state == FeverState.RETEST_DUE and feb_case.retest_due_at == at + timedelta(minutes=30)
    retest = record_followup(
        world.worker_a, feb_case, Report(temperature=Decimal("37.8")), now=at + timedelta(minutes=31)
    )
    feb_case.refresh_from_db()
    assert retest.is_retest and retest.is_fever and feb_case.fever_state == FeverState.FEVER
    assert AuditEvent.objects.filter(action="observation.fever", object_id=feb_case.pk).count() == 2
    with pytest.raises(CaseError):
        escalate_fever(world.admin, feb_case, "")
    with pytest.raises(CaseError):
        release_case(world.admin, feb_case)  # a fever not handled blocks release
    escalate_fever(world.admin, feb_case, "复测仍 37.8℃，已报社区卫生服务中心")
    feb_case.refresh_from_db()
    assert feb_case.fever_state == FeverState.ESCALATED and feb_case.escalated_at
    event = AuditEvent.objects.get(action="observation.escalate", object_id=feb_case.pk)
    assert event.reason.startswith("复测仍") and event.actor == world.admin


def test_normal_retest_clears_the_alert_and_below_threshold_is_no_fever(world, feb_case):
    low = record_followup(world.worker_a, feb_case, Report(temperature=Decimal("37.2")), now=local(2020, 2, 5, 9))
    feb_case.refresh_from_db()
    assert not low.is_fever and feb_case.fever_state == FeverState.NONE
    record_followup(world.worker_a, feb_case, Report(temperature=Decimal("38.0")), now=local(2020, 2, 5, 17))
    record_followup(world.worker_a, feb_case, Report(temperature=Decimal("36.9")), now=local(2020, 2, 5, 17, 35))
    feb_case.refresh_from_db()
    assert feb_case.fever_state == FeverState.NONE and feb_case.retest_due_at is None


def test_threshold_is_a_setting(world, feb_case, settings):
    settings.FEVER_THRESHOLD = 37.5
    result = record_followup(world.worker_a, feb_case, Report(temperature=Decimal("37.4")), now=local(2020, 2, 5, 9))
    assert not result.is_fever


def test_escalation_page_requires_a_reason_and_the_capability(world, as_admin, as_worker_a, feb_case):
    record_followup(world.worker_a, feb_case, Report(temperature=Decimal("38.1")), now=timezone.now())
    url = reverse("observation:escalate", args=[feb_case.pk])
    assert as_worker_a.post(url, {"reason": "x"}).status_code == 403
    response = as_admin.post(url, {"reason": "   "})
    assert response.status_code == 200 and "请填写原因" in response.content.decode()
    assert ObservationCase.objects.get(pk=feb_case.pk).fever_state == FeverState.RETEST_DUE
    assert as_admin.post(url, {"reason": "高热，联系120"}).status_code == 302
    assert ObservationCase.objects.get(pk=feb_case.pk).fever_state == FeverState.ESCALATED


def _reading(temperature: str, at: datetime) -> FollowUp:
    return FollowUp(temperature=Decimal(temperature), recorded_at=at)


def test_plausibility_out_of_range():
    at = local(2020, 2, 5, 9, 3)
    assert plausibility_flags(Decimal("33.9"), at, []) == [Flag.OUT_OF_RANGE]
    assert plausibility_flags(Decimal("43.1"), at, []) == [Flag.OUT_OF_RANGE]
    assert plausibility_flags(Decimal("34.0"), at, []) == []
    assert plausibility_flags(Decimal("43.0"), at, []) == []
    assert plausibility_flags(None, at, []) == []


def test_plausibility_same_value_many_times_in_a_row():
    base = local(2020, 2, 1, 9, 0)
    previous = [_reading("36.5", base + timedelta(hours=8 * i, minutes=i)) for i in range(5)]
    at = local(2020, 2, 5, 9, 41)
    assert Flag.REPEATED in plausibility_flags(Decimal("36.5"), at, previous)
    assert Flag.REPEATED not in plausibility_flags(Decimal("36.5"), at, previous[:4])
    broken = [previous[0], _reading("36.6", base), *previous[2:]]
    assert Flag.REPEATED not in plausibility_flags(Decimal("36.5"), at, broken)


def test_plausibility_always_at_the_same_minute():
    previous = [_reading(t, local(2020, 2, d, h, 7)) for t, d, h in (("36.4", 5, 9), ("36.6", 4, 17), ("36.5", 4, 9))]
    assert plausibility_flags(Decimal("36.7"), local(2020, 2, 5, 17, 7), previous) == [Flag.SAME_MINUTE]
    assert plausibility_flags(Decimal("36.7"), local(2020, 2, 5, 17, 8), previous) == []


def test_flagged_report_is_stored_retested_and_listed(world, as_worker_a, feb_case):
    implausible = record_followup(world.worker_a, feb_case, Report(temperature=Decimal("43.5")), now=timezone.now())
    feb_case.refresh_from_db()
    assert implausible.flagged and implausible.flags == ["out_of_range"] and not implausible.is_fever
    assert feb_case.fever_state == FeverState.RETEST_DUE  # an implausible value is measured again
    page = as_worker_a.get(reverse("observation:today")).content.decode()
    assert "存疑上报" in page and "体温超出合理范围" in page


@pytest.mark.parametrize(
    ("temperature", "message"),
    [
        ("365", "是不是少了小数点"),
        ("abc", "体温请填数字"),
        ("50", "30 到 45"),
        ("", "接通时请填写体温"),
        ("NaN", "体温请填数字"),
    ],
)
def test_call_form_bad_temperatures_keep_the_input_and_save_nothing(world, as_worker_a, case_a, temperature, message):
    url = reverse("observation:call", args=[case_a.pk])
    response = as_worker_a.post(url, {"reached": "1", "temperature": temperature, "note": "记得买菜"})
    body = response.content.decode()
    assert response.status_code == 200 and message in body and "记得买菜" in body
    assert not FollowUp.objects.exists()


def test_call_in_a_few_taps(world, as_worker_a, case_a):
    url = reverse("observation:call", args=[case_a.pk])
    page = as_worker_a.get(url).content.decode()
    assert 'inputmode="decimal"' in page and "已接通" in page
    response = as_worker_a.post(url, {"reached": "1", "temperature": "36,6℃", "mood": "good", "symptoms": ["cough"]})
    assert response.status_code == 302 and response["Location"] == reverse("observation:today")
    followup = FollowUp.objects.get()
    assert (
        followup.temperature == Decimal("36.6")
        and followup.symptoms == ["cough"]
        and followup.recorded_by == world.worker_a
    )
    assert AuditEvent.objects.filter(action="observation.followup", object_id=case_a.pk).exists()
    response = as_worker_a.post(url, {"reached": "0", "temperature": ""})
    assert response.status_code == 302 and FollowUp.objects.filter(reached=False).count() == 1


def test_followup_times_setting_drives_slots(world, settings):
    settings.OBSERVATION_FOLLOWUP_TIMES = ["08:00", "14:00", "20:00"]
    resident = world.household_a.residents.get()
    terms = CaseTerms(
        reason="other", day_zero_basis="arrival", day_zero=date(2020, 2, 4), assigned_worker=world.worker_a
    )
    case = open_cases(
        world.admin,
        world.household_a,
        [Person(resident.name, resident)],
        terms,
        now=datetime(2020, 2, 4, 0, 30, tzinfo=UTC),
    )[0]
    assert case.slots.count() == 2 + 14 * 3  # 08:30 opening: 14:00 and 20:00 that day, then 14 full days
    assert case.slots.order_by("due_at").first().due_at == local(2020, 2, 4, 14)
