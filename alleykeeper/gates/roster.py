"""Roster writes: shifts, their groups and leaders, fill gaps, copy last week. All rules come from gates/rules.py.

Each function raises RosterError (a Chinese message saying what to fix) and writes nothing when a rule
says no. Bookings of one person are serialised by locking that person's row, so two planners cannot
double-book someone at the same moment.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.audit.actions import record_event
from alleykeeper.gates import rules
from alleykeeper.gates.models import Gate, RosterEntry, Shift, ShiftMember, SkippedShift


class RosterError(ValueError):
    """A roster change the rules refuse; the message says what to fix."""


def _lock_person(user: User) -> None:
    User.objects.select_for_update().filter(pk=user.pk).first()


def _check_gate_free(gate: Gate, start: datetime, end: datetime, exclude: int | None = None) -> None:
    clash = Shift.objects.filter(gate=gate).overlapping(start, end).exclude(pk=exclude).first()
    if clash:
        raise RosterError(f"本卡口 {rules.local_label(clash.starts_at, clash.ends_at)} 已有班次，与新班次时间重叠。")


def _check_times(starts_at: datetime, ends_at: datetime, min_strength: int) -> None:
    if ends_at <= starts_at:
        raise RosterError("班次结束时间要晚于开始时间。")
    if ends_at - starts_at > timedelta(hours=rules.MAX_SHIFT_HOURS):
        raise RosterError(f"一个班次不能超过 {rules.MAX_SHIFT_HOURS} 小时，请拆成两个班次。")
    if min_strength < 1:
        raise RosterError("最少人数至少为 1。")


@transaction.atomic
def create_shift(
    actor, gate: Gate, starts_at: datetime, ends_at: datetime, min_strength: int = rules.DEFAULT_MIN_STRENGTH
) -> Shift:
    _check_times(starts_at, ends_at, min_strength)
    Gate.objects.select_for_update().filter(pk=gate.pk).first()
    _check_gate_free(gate, starts_at, ends_at)
    shift = Shift.objects.create(gate=gate, starts_at=starts_at, ends_at=ends_at, min_strength=min_strength)
    record_event(actor, "shift.create", shift, parent=gate)
    return shift


@transaction.atomic
def update_shift(actor, shift: Shift, starts_at: datetime, ends_at: datetime, min_strength: int) -> Shift:
    """New times (and strength) for a shift, its group kept: the same rules as a new shift at this gate, and
    every member's other shifts checked again (no double booking, the minimum rest)."""
    _check_times(starts_at, ends_at, min_strength)
    Gate.objects.select_for_update().filter(pk=shift.gate_id).first()
    shift = Shift.objects.select_for_update().select_related("gate").get(pk=shift.pk)
    before = rules.local_label(shift.starts_at, shift.ends_at)
    _check_gate_free(shift.gate, starts_at, ends_at, exclude=shift.pk)
    shift.starts_at, shift.ends_at, shift.min_strength = starts_at, ends_at, min_strength
    for member in shift.members.select_related("user").order_by("user_id"):
        _lock_person(member.user)
        problem = rules.booking_problem(member.user, shift)
        if problem:
            raise RosterError(problem)
    shift.changed_by_hand = bool(shift.roster_entry_id)
    shift.save(update_fields=["starts_at", "ends_at", "min_strength", "changed_by_hand"])
    after = rules.local_label(starts_at, ends_at)
    record_event(actor, "shift.update", shift, parent=shift.gate, detail={"before": before, "after": after})
    return shift


def _skip(actor, shift: Shift, reason: str) -> None:
    """A generated shift taken away by hand: remembered, so that the generator does not make it again."""
    if shift.roster_entry_id:
        SkippedShift.objects.get_or_create(
            entry_id=shift.roster_entry_id,
            day=timezone.localdate(shift.starts_at),
            defaults={"reason": reason[:100], "cancelled_at": timezone.now(), "cancelled_by": actor},
        )


@transaction.atomic
def delete_shift(actor, shift: Shift) -> None:
    if shift.members.exists():
        raise RosterError("班次里还有人员，请先移除他们再删除班次。")
    _skip(actor, shift, "删除")
    record_event(actor, "shift.delete", shift, parent=shift.gate)
    shift.delete()


@transaction.atomic
def cancel_shift(actor, shift: Shift, reason: str = "") -> None:
    """Cancel one shift with its group (one day off the weekly roster, a gate closed that day): the shift and
    its bookings go, and for a generated shift the day is kept as skipped so the generator leaves it out."""
    shift = Shift.objects.select_for_update().select_related("gate").get(pk=shift.pk)
    people = [str(m.user) for m in shift.members.select_related("user")]
    _skip(actor, shift, reason or "取消")
    detail = {"people": len(people), "from_roster": bool(shift.roster_entry_id)}
    record_event(actor, "shift.cancel", shift, parent=shift.gate, reason=reason, detail=detail)
    shift.members.all().delete()
    shift.delete()


def _book(shift: Shift, user: User, *, leader: bool = False) -> ShiftMember:
    """Put `user` on `shift` (locked by the caller) if the rules allow: the one booking path, for the pages
    and for the generator. The first person of a shift becomes its leader; `leader=True` takes it over."""
    _lock_person(user)
    if shift.members.filter(user=user).exists():
        raise RosterError(f"{user} 已在这个班次里。")
    problem = rules.booking_problem(user, shift)
    if problem:
        raise RosterError(problem)
    has_leader = shift.members.filter(is_leader=True).exists()
    if leader and has_leader:
        shift.members.filter(is_leader=True).update(is_leader=False)
    try:
        with transaction.atomic():
            return ShiftMember.objects.create(shift=shift, user=user, is_leader=leader or not has_leader)
    except IntegrityError:
        raise RosterError("排班刚被别人修改过，请刷新后重试。") from None


def _mark_by_hand(shift: Shift) -> None:
    """A generated shift changed by hand: a later change of its weekly roster leaves it alone."""
    if shift.roster_entry_id and not shift.changed_by_hand:
        shift.changed_by_hand = True
        shift.save(update_fields=["changed_by_hand"])


@transaction.atomic
def add_shift_member(actor, shift: Shift, user: User, *, leader: bool = False) -> ShiftMember:
    """Put `user` on `shift`. The first person of a shift becomes its leader; `leader=True` hands the
    leadership to the new person. Refused: double booking at any gate, too little rest."""
    shift = Shift.objects.select_for_update().select_related("gate").get(pk=shift.pk)
    member = _book(shift, user, leader=leader)
    _mark_by_hand(shift)
    record_event(actor, "shift.add_member", shift, parent=shift.gate, label=f"{shift} {user}", detail={"user": user.pk})
    return member


@transaction.atomic
def remove_shift_member(actor, member: ShiftMember) -> None:
    """Take someone off a shift. The leader can leave only last, or after handing over (set_shift_leader)."""
    shift = Shift.objects.select_for_update().select_related("gate").get(pk=member.shift_id)
    if member.is_leader and shift.members.exclude(pk=member.pk).exists():
        raise RosterError(f"{member.user} 是带班负责人，请先把负责人换成其他人，再移除。")
    member.delete()
    _mark_by_hand(shift)
    record_event(
        actor,
        "shift.remove_member",
        shift,
        parent=shift.gate,
        label=f"{shift} {member.user}",
        detail={"user": member.user_id},
    )


@transaction.atomic
def set_shift_leader(actor, member: ShiftMember) -> ShiftMember:
    """Make `member` the one leader of their shift."""
    shift = Shift.objects.select_for_update().select_related("gate").get(pk=member.shift_id)
    shift.members.filter(is_leader=True).exclude(pk=member.pk).update(is_leader=False)
    if not member.is_leader:
        member.is_leader = True
        member.save(update_fields=["is_leader"])
        _mark_by_hand(shift)
        record_event(
            actor,
            "shift.set_leader",
            shift,
            parent=shift.gate,
            label=f"{shift} {member.user}",
            detail={"user": member.user_id},
        )
    return member


def _week_bounds(monday: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(monday, datetime.min.time()))
    return start, start + timedelta(days=7)


@transaction.atomic
def fill_week(actor, gate: Gate, monday: date) -> list[Shift]:
    """Create the shifts of the gate's pattern that the week lacks (existing ones stay as they are)."""
    slots = rules.parse_pattern(gate.shift_pattern)
    Gate.objects.select_for_update().filter(pk=gate.pk).first()
    start, end = _week_bounds(monday)
    existing = list(Shift.objects.filter(gate=gate).overlapping(start, end + timedelta(days=1)))
    created = []
    for offset in range(7):
        for slot in slots:
            s, e = slot.on(monday + timedelta(days=offset))
            if any(x.starts_at < e and x.ends_at > s for x in existing):
                continue
            shift = Shift.objects.create(gate=gate, starts_at=s, ends_at=e)
            existing.append(shift)
            created.append(shift)
    if created:
        record_event(actor, "roster.fill_week", gate, row_count=len(created), detail={"week": monday.isoformat()})
    return created


@dataclass
class CopyResult:
    shifts: int = 0
    members: int = 0
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def copy_previous_week(actor, gate: Gate, monday: date) -> CopyResult:
    """Copy last week's shifts and groups into the week starting `monday`. Shifts that already exist
    (same start) keep their people and get the missing ones; anyone the rules refuse is skipped and
    named in `skipped`. A group whose leader was skipped gets its first copied person as leader."""
    Gate.objects.select_for_update().filter(pk=gate.pk).first()
    start, end = _week_bounds(monday - timedelta(days=7))
    source = (
        Shift.objects.filter(gate=gate, starts_at__gte=start, starts_at__lt=end)
        .prefetch_related("members__user")
        .order_by("starts_at")
    )
    result = CopyResult()
    week = timedelta(days=7)
    for old in source:
        target = Shift.objects.filter(gate=gate, starts_at=old.starts_at + week).first()
        if target is None:
            if Shift.objects.filter(gate=gate).overlapping(old.starts_at + week, old.ends_at + week).exists():
                result.skipped.append(
                    f"{rules.local_label(old.starts_at + week, old.ends_at + week)}：与已有班次重叠，未复制"
                )
                continue
            target = Shift.objects.create(
                gate=gate, starts_at=old.starts_at + week, ends_at=old.ends_at + week, min_strength=old.min_strength
            )
            result.shifts += 1
        for member in sorted(old.members.all(), key=lambda m: not m.is_leader):
            if not member.user.is_active or target.members.filter(user=member.user).exists():
                continue
            _lock_person(member.user)
            problem = rules.booking_problem(member.user, target)
            if problem:
                result.skipped.append(problem)
                continue
            has_leader = target.members.filter(is_leader=True).exists()
            ShiftMember.objects.create(shift=target, user=member.user, is_leader=not has_leader)
            result.members += 1
    if result.shifts or result.members:
        record_event(
            actor,
            "roster.copy_week",
            gate,
            row_count=result.shifts + result.members,
            detail={"week": monday.isoformat(), "shifts": result.shifts, "members": result.members},
        )
    return result


# -- the weekly roster: generating its shifts ahead -----------------------------------------------------------

GENERATE_DAYS = 14  # how far ahead the daily timer keeps every weekly roster's shifts


@dataclass
class Generated:
    """What one run of generate_shifts did: counts, and a note (Chinese, for the admin) per person or
    shift left out."""

    shifts: int = 0
    members: int = 0
    gates: int = 0
    notes: list[str] = field(default_factory=list)


def generate_shifts(
    actor, *, days: int = GENERATE_DAYS, now: datetime | None = None, gates: list[Gate] | None = None
) -> Generated:
    """Make the shifts of every active weekly roster (or of `gates`) that start from today to `days` days
    ahead, with their groups, through the same booking rules as the pages. Safe to run twice (a shift at
    the gate's start time is there: left as it is), after a missed day (the gap is filled from now on; a
    shift already over is not made), across month and year ends (calendar days of the local date).
    A day cancelled by hand (SkippedShift) is not made again; a person no longer eligible (inactive, not
    the community's staff) or refused by the rules (double-booked, too little rest) is left out of that
    one shift and noted. One transaction per gate."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Yesterday too: its overnight shift may still be running (the timer missed it).
    dates = [today + timedelta(days=n) for n in range(-1, max(days, 1))]
    result = Generated()
    queryset = Gate.objects.filter(weekly_roster_active=True, roster_entries__isnull=False).distinct()
    if gates is not None:
        queryset = queryset.filter(pk__in=[g.pk for g in gates])
    for gate in queryset.select_related("enclosure").order_by("pk"):
        made = _generate_for_gate(gate, dates, now, result)
        result.gates += 1
        if made:
            record_event(
                actor,
                "roster.generate",
                gate,
                row_count=made,
                detail={"from": today.isoformat(), "days": days, "notes": len(result.notes)},
            )
    return result


@transaction.atomic
def _generate_for_gate(gate: Gate, dates: list[date], now: datetime, result: Generated) -> int:
    Gate.objects.select_for_update().filter(pk=gate.pk).first()
    entries = list(gate.roster_entries.select_related("leader").prefetch_related("crew").order_by("starts", "pk"))
    eligible = set(rules.eligible_staff(gate.enclosure.community_id).values_list("pk", flat=True))
    first = timezone.make_aware(datetime.combine(dates[0], time.min))
    last = timezone.make_aware(datetime.combine(dates[-1] + timedelta(days=2), time.min))
    existing = list(Shift.objects.filter(gate=gate).overlapping(first, last))
    skipped = set(SkippedShift.objects.filter(entry__gate=gate, day__gte=dates[0]).values_list("entry_id", "day"))
    made_from = {(x.roster_entry_id, timezone.localdate(x.starts_at)) for x in existing if x.roster_entry_id}
    made = 0
    for day in dates:
        for entry in entries:
            if day.weekday() not in entry.days or (entry.pk, day) in skipped:
                continue
            start, end = rules.Slot(entry.starts, entry.ends).on(day)
            if end <= now or (entry.pk, day) in made_from or any(x.starts_at == start for x in existing):
                continue  # over already, made before (and maybe moved by hand since), or planned by hand
            if any(x.starts_at < end and x.ends_at > start for x in existing):
                when = rules.local_label(start, end)
                result.notes.append(f"{gate.name} {when}：与已有班次时间重叠，未生成。")
                continue
            shift = Shift.objects.create(
                gate=gate, starts_at=start, ends_at=end, min_strength=entry.min_strength, roster_entry=entry
            )
            existing.append(shift)
            made += 1
            result.members += _staff(shift, entry, eligible, result.notes)
    result.shifts += made
    return made


def _staff(shift: Shift, entry: RosterEntry, eligible: set[int], notes: list[str]) -> int:
    """The entry's group on the new shift, its leader first; anyone ineligible or refused is noted."""
    group = ([entry.leader] if entry.leader else []) + sorted(
        (p for p in entry.crew.all() if p.pk != entry.leader_id), key=lambda p: p.pk
    )
    where = f"{shift.gate.name} {rules.local_label(shift.starts_at, shift.ends_at)}"
    booked = 0
    for person in group:
        if person.pk not in eligible:
            notes.append(f"{where}：{person} 已停用或不再是本社区的值守人员，未排入。请修改每周排班。")
            continue
        try:
            _book(shift, person, leader=person.pk == entry.leader_id)
        except RosterError as error:
            notes.append(f"{where}：{person} 未排入。{error}")
            continue
        booked += 1
    return booked


# -- the weekly roster: editing it ----------------------------------------------------------------------------


def _drop_untouched(entry: RosterEntry, now: datetime) -> int:
    """The entry's generated shifts not yet started and not changed by hand: made again from the new entry
    (or not at all, the entry gone). Shifts changed by hand, and those running or over, stay as they are."""
    shifts = Shift.objects.filter(roster_entry=entry, changed_by_hand=False, starts_at__gt=now)
    ShiftMember.objects.filter(shift__in=shifts).delete()
    return shifts.delete()[1].get(Shift._meta.label, 0)


def _entry_state(entry: RosterEntry) -> tuple:
    crew = sorted(entry.crew.values_list("pk", flat=True))
    return entry.weekdays, entry.starts, entry.ends, entry.min_strength, entry.leader_id, crew


@transaction.atomic
def save_roster_entry(actor, gate: Gate, entry: RosterEntry | None, data: dict, *, now: datetime | None = None):
    """Add (`entry` None) or change one line of the gate's weekly roster (a RosterEntryForm's cleaned data),
    then bring the coming shifts in line: untouched future shifts of the entry are made again, shifts
    changed by hand are kept. Returns (entry, Generated)."""
    now = now or timezone.now()
    Gate.objects.select_for_update().filter(pk=gate.pk).first()
    fields = ("weekdays", "starts", "ends", "min_strength", "leader")
    entry = entry or RosterEntry(gate=gate)
    was = _entry_state(entry) if entry.pk else None
    for name in fields:
        setattr(entry, name, data[name])
    entry.save()
    entry.crew.set(data["crew"])
    if was != _entry_state(entry):  # saved unchanged: the shifts made from it stay as they are
        dropped = _drop_untouched(entry, now) if was else 0
        record_event(
            actor,
            "roster.entry_update" if was else "roster.entry_create",
            entry,
            parent=gate,
            detail={"after": str(entry), "remade": dropped},
        )
    return entry, generate_shifts(actor, now=now, gates=[gate])


@transaction.atomic
def delete_roster_entry(actor, entry: RosterEntry, *, now: datetime | None = None) -> int:
    """Take a line off the weekly roster: its untouched future shifts go, the rest stay (unlinked)."""
    dropped = _drop_untouched(entry, now or timezone.now())
    record_event(
        actor, "roster.entry_delete", entry, parent=entry.gate, detail={"entry": str(entry), "shifts": dropped}
    )
    entry.delete()
    return dropped


@transaction.atomic
def set_weekly_roster_active(actor, gate: Gate, active: bool) -> None:
    """Pause or resume the generator for one gate; shifts already made stay."""
    gate.weekly_roster_active = active
    gate.save(update_fields=["weekly_roster_active", "updated_at"])
    record_event(actor, "roster.resume" if active else "roster.pause", gate)
