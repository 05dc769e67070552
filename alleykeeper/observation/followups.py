"""Follow-ups: recording a call or a self-report, plausibility flags, the fever state, and the tick.

The fever state of a case: a temperature at or above FEVER_THRESHOLD (or an implausible one) asks for a
retest within OBSERVATION_RETEST_MINUTES; a retest still at or above the threshold leaves the case waiting
for an escalation (actions.escalate_fever, reason required); a normal retest clears it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.temperature import plausible
from alleykeeper.observation import schedule
from alleykeeper.observation.actions import CaseError, slots_for
from alleykeeper.observation.deliveries import open_requests_for_needs, settle_confirmations
from alleykeeper.observation.models import (
    Channel,
    FeverState,
    Flag,
    FollowUp,
    FollowUpSlot,
    ObservationCase,
    SlotStatus,
)

# Six identical readings in a row (three days) or four reports at the same minute past the hour are
# unlikely from a real thermometer and a real person: flagged for the worker to check, never refused.
REPEAT_RUN = 6
SAME_MINUTE_RUN = 4


def fever_threshold() -> Decimal:
    return Decimal(str(settings.FEVER_THRESHOLD))


@dataclass
class Report:
    """What a call or a self-report says. `confirmations` maps delivered request ids to True (received)
    or False (not received)."""

    channel: str = Channel.CALL
    reached: bool = True
    temperature: Decimal | None = None
    symptoms: list[str] = field(default_factory=list)
    mood: str = ""
    needs: list[str] = field(default_factory=list)
    needs_note: str = ""
    note: str = ""
    confirmations: dict[int, bool] = field(default_factory=dict)


def plausibility_flags(temperature: Decimal | None, at: datetime, previous: list[FollowUp]) -> list[str]:
    """Flags for one reading, given the case's previous readings (newest first, temperatures only)."""
    if temperature is None:
        return []
    flags = []
    if not plausible(temperature):  # a typo or a broken thermometer (core.temperature): flagged, retested
        flags.append(Flag.OUT_OF_RANGE)
    run = previous[: REPEAT_RUN - 1]
    if len(run) == REPEAT_RUN - 1 and all(p.temperature == temperature for p in run):
        flags.append(Flag.REPEATED)
    run = previous[: SAME_MINUTE_RUN - 1]
    if len(run) == SAME_MINUTE_RUN - 1 and all(p.recorded_at.minute == at.minute for p in run):
        flags.append(Flag.SAME_MINUTE)
    return flags


def current_slot_of(case: ObservationCase, now: datetime, *, lock: bool = False) -> FollowUpSlot | None:
    slot_due = schedule.current_slot(now).due_at
    queryset = FollowUpSlot.objects.filter(case=case, due_at=slot_due)
    if lock:
        queryset = queryset.select_for_update()
    return queryset.first()


def _apply_fever(case: ObservationCase, temperature: Decimal, implausible: bool, now: datetime) -> tuple[bool, bool]:
    """Move the case's fever state; returns (is_retest, is_fever)."""
    is_fever = temperature >= fever_threshold() and not implausible
    retest_due = now + timedelta(minutes=settings.OBSERVATION_RETEST_MINUTES)
    if case.fever_state == FeverState.RETEST_DUE:
        if is_fever:
            case.fever_state, case.retest_due_at = FeverState.FEVER, None
        elif implausible:
            case.retest_due_at = retest_due
        else:
            case.fever_state, case.retest_due_at = FeverState.NONE, None
        return True, is_fever
    if case.fever_state == FeverState.NONE and (is_fever or implausible):
        case.fever_state, case.retest_due_at = FeverState.RETEST_DUE, retest_due
    return False, is_fever


@transaction.atomic
def record_followup(actor, case: ObservationCase, report: Report, *, now: datetime | None = None) -> FollowUp:
    """Record one call, visit or self-report; fills the current slot when the person was reached."""
    now = now or timezone.now()
    case = ObservationCase.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise CaseError("这个观察已经结束，不能再登记随访；如需记录情况请添加备注。")
    slot = current_slot_of(case, now, lock=True)
    if report.channel == Channel.SELF and (slot is None or slot.status == SlotStatus.DONE):
        if case.fever_state != FeverState.RETEST_DUE:
            raise CaseError("本时段已经上报过了，请在下一个上报时间再报。")
    previous = list(
        FollowUp.objects.filter(case=case, temperature__isnull=False)
        .only("temperature", "recorded_at")
        .order_by("-recorded_at", "-id")[: max(REPEAT_RUN, SAME_MINUTE_RUN)]
    )
    temperature = report.temperature if report.reached else None
    flags = plausibility_flags(temperature, now, previous)
    followup = FollowUp(
        case=case,
        slot=slot,
        channel=report.channel,
        reached=report.reached,
        temperature=temperature,
        symptoms=sorted(set(report.symptoms)) if report.reached else [],
        mood=report.mood if report.reached else "",
        needs=sorted(set(report.needs)) if report.reached else [],
        note=report.note[:300],
        flags=[str(f) for f in flags],
        flagged=bool(flags),
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
        recorded_at=now,
    )
    fields = ["updated_at"]
    if temperature is not None:
        followup.is_retest, followup.is_fever = _apply_fever(case, temperature, Flag.OUT_OF_RANGE in flags, now)
        case.last_temperature = temperature
        fields += ["fever_state", "retest_due_at", "last_temperature"]
    if report.reached:
        case.last_followup_at = now
        fields.append("last_followup_at")
    followup.save()
    case.save(update_fields=fields)
    if slot is not None and slot.status != SlotStatus.DONE:
        if report.reached:
            slot.status, slot.done_at = SlotStatus.DONE, now
            slot.save(update_fields=["status", "done_at"])
        else:
            slot.attempts += 1
            slot.save(update_fields=["attempts"])
    if report.reached:
        open_requests_for_needs(actor, case, followup.needs, report.needs_note, now=now)
        settle_confirmations(actor, case, followup, report.confirmations, now=now)
    record_event(
        actor,
        "observation.self_report" if report.channel == Channel.SELF else "observation.followup",
        case,
        parent=case.household,
        detail={"slot": slot.pk if slot else None, "reached": report.reached, "flags": followup.flags},
    )
    if followup.is_fever:
        record_event(actor, "observation.fever", case, parent=case.household, detail={"retest": followup.is_retest})
    return followup


@dataclass(frozen=True)
class TickResult:
    created: int
    overdue: int
    missed: int


def _slots_ahead_for_overrun_cases(now: datetime, today: date, tomorrow: date) -> list[FollowUpSlot]:
    """Slots of today and tomorrow, still open, for cases not released by their planned end (the person
    is still observed until someone releases them). Slots that exist already are left alone."""
    overrun = list(ObservationCase.objects.open().filter(planned_end__lt=tomorrow).only("pk", "opened_at"))
    if not overrun:
        return []
    start = schedule.local_midnight(today) - timedelta(seconds=1)
    existing = set(
        FollowUpSlot.objects.filter(case__in=[c.pk for c in overrun], due_at__gt=start).values_list("case_id", "due_at")
    )
    fresh = []
    for case in overrun:
        for slot in slots_for(case, max(start, case.opened_at), tomorrow):
            if slot.closes_at > now and (case.pk, slot.due_at) not in existing:
                fresh.append(slot)
    return fresh


def tick(now: datetime | None = None) -> TickResult:
    """Store the overdue and missed states and keep slots ahead for cases open past their planned end.

    Three set-based statements whose outcome depends only on `now` and the stored rows: running it twice
    changes nothing the second time."""
    now = now or timezone.now()
    today = schedule.local_date(now)
    tomorrow = today + timedelta(days=1)
    grace = timedelta(minutes=settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES)
    with transaction.atomic():
        fresh = _slots_ahead_for_overrun_cases(now, today, tomorrow)
        FollowUpSlot.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=2000)
        missed = FollowUpSlot.objects.filter(
            status__in=[SlotStatus.PENDING, SlotStatus.OVERDUE], closes_at__lte=now
        ).update(status=SlotStatus.MISSED)
        overdue = FollowUpSlot.objects.filter(status=SlotStatus.PENDING, due_at__lte=now - grace).update(
            status=SlotStatus.OVERDUE
        )
    return TickResult(created=len(fresh), overdue=overdue, missed=missed)
