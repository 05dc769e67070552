"""Roster writes: shifts, their groups and leaders, fill gaps, copy last week. All rules come from gates/rules.py.

Each function raises RosterError (a Chinese message saying what to fix) and writes nothing when a rule
says no. Bookings of one person are serialised by locking that person's row, so two planners cannot
double-book someone at the same moment.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.audit.actions import record_event
from alleykeeper.gates import rules
from alleykeeper.gates.models import Gate, Shift, ShiftMember


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
    shift.save(update_fields=["starts_at", "ends_at", "min_strength"])
    after = rules.local_label(starts_at, ends_at)
    record_event(actor, "shift.update", shift, parent=shift.gate, detail={"before": before, "after": after})
    return shift


@transaction.atomic
def delete_shift(actor, shift: Shift) -> None:
    if shift.members.exists():
        raise RosterError("班次里还有人员，请先移除他们再删除班次。")
    record_event(actor, "shift.delete", shift, parent=shift.gate)
    shift.delete()


@transaction.atomic
def add_shift_member(actor, shift: Shift, user: User, *, leader: bool = False) -> ShiftMember:
    """Put `user` on `shift`. The first person of a shift becomes its leader; `leader=True` hands the
    leadership to the new person. Refused: double booking at any gate, too little rest."""
    _lock_person(user)
    shift = Shift.objects.select_for_update().select_related("gate").get(pk=shift.pk)
    if shift.members.filter(user=user).exists():
        raise RosterError(f"{user} 已在这个班次里。")
    problem = rules.booking_problem(user, shift)
    if problem:
        raise RosterError(problem)
    has_leader = shift.members.filter(is_leader=True).exists()
    if leader and has_leader:
        shift.members.filter(is_leader=True).update(is_leader=False)
    try:
        member = ShiftMember.objects.create(shift=shift, user=user, is_leader=leader or not has_leader)
    except IntegrityError:
        raise RosterError("排班刚被别人修改过，请刷新后重试。") from None
    record_event(actor, "shift.add_member", shift, parent=shift.gate, label=f"{shift} {user}", detail={"user": user.pk})
    return member


@transaction.atomic
def remove_shift_member(actor, member: ShiftMember) -> None:
    """Take someone off a shift. The leader can leave only last, or after handing over (set_shift_leader)."""
    shift = Shift.objects.select_for_update().select_related("gate").get(pk=member.shift_id)
    if member.is_leader and shift.members.exclude(pk=member.pk).exists():
        raise RosterError(f"{member.user} 是带班负责人，请先把负责人换成其他人，再移除。")
    member.delete()
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
