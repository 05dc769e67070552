"""The duty-roster rules, in one place: who may stand duty, no double booking, enough rest, shift patterns.

gates/roster.py (the pages, copy-last-week, fill-gaps) asks `booking_problem` before every booking (the
admin is read-only); the database holds what it can (one leader per shift, a person once per shift).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.gates.models import ShiftMember

# Staff and volunteers of the community who may be put on a gate's roster.
ROSTER_ROLES = (Role.DUTY_STAFF, Role.VOLUNTEER, Role.ADMIN, Role.GRID_WORKER, Role.STREET_OFFICER)
# The report: groups of three or four.
DEFAULT_MIN_STRENGTH = 3
MAX_SHIFT_HOURS = 16
WEEKDAYS = "一二三四五六日"


def min_rest() -> timedelta:
    return timedelta(hours=settings.ROSTER_MIN_REST_HOURS)


def eligible_staff(community_id: int) -> QuerySet[User]:
    """Active staff and volunteers of the community (by community, grid or street)."""
    from alleykeeper.registry.models import Community

    street_id = Community.objects.filter(pk=community_id).values_list("street_id", flat=True)
    in_community = Q(communities=community_id) | Q(grids__community=community_id) | Q(streets__in=street_id)
    ids = User.objects.filter(in_community, is_active=True, role__in=ROSTER_ROLES).values("id")
    return User.objects.filter(id__in=ids).order_by("display_name", "username")


def local_label(start: datetime, end: datetime) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    return f"{start:%m月%d日} 周{WEEKDAYS[start.weekday()]} {start:%H:%M}–{end:%H:%M}"


def clash(start: datetime, end: datetime, other_start: datetime, other_end: datetime, rest: timedelta) -> str:
    """'' when two periods of one person may both stand; 'overlap' or 'rest' otherwise."""
    if other_start < end and other_end > start:
        return "overlap"
    gap = start - other_end if other_end <= start else other_start - end
    return "rest" if gap < rest else ""


def describe_clash(kind: str, person: str, gate_name: str, start: datetime, end: datetime, rest: timedelta) -> str:
    when = local_label(start, end)
    if kind == "overlap":
        return f"{person} 已排在 {gate_name} {when} 的班次，时间重叠，不能重复排班。请换一位人员。"
    hours = int(rest.total_seconds() // 3600)
    return f"{person} 在 {gate_name} {when} 还有班次，两班之间不足 {hours} 小时休息。请换一位人员或调整班次。"


def booking_problem(user: User, shift) -> str:
    """Why `user` may not join `shift` ('' if they may): their other shifts at ANY gate must neither
    overlap it nor leave less than ROSTER_MIN_REST_HOURS between them."""
    rest = min_rest()
    nearby = (
        ShiftMember.objects.filter(
            user=user, shift__starts_at__lt=shift.ends_at + rest, shift__ends_at__gt=shift.starts_at - rest
        )
        .exclude(shift_id=shift.pk)
        .select_related("shift__gate")
        .order_by("shift__starts_at")
    )
    for member in nearby:
        other = member.shift
        kind = clash(shift.starts_at, shift.ends_at, other.starts_at, other.ends_at, rest)
        if kind:
            return describe_clash(kind, str(user), other.gate.name, other.starts_at, other.ends_at, rest)
    return ""


@dataclass(frozen=True)
class Slot:
    start: time
    end: time

    def on(self, day: date) -> tuple[datetime, datetime]:
        """Aware start and end on `day`; an end at or before the start falls on the next day."""
        start = timezone.make_aware(datetime.combine(day, self.start))
        end_day = day + timedelta(days=1) if self.end <= self.start else day
        return start, timezone.make_aware(datetime.combine(end_day, self.end))


_SLOT = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})$")


def parse_pattern(text: str) -> list[Slot]:
    """'00:00-08:00,08:00-16:00,16:00-00:00' → slots; raises ValueError with a message saying what to fix."""
    slots = []
    for part in re.split(r"[,，;；\s]+", text.strip()):
        if not part:
            continue
        match = _SLOT.match(part.replace("：", ":"))
        if not match:
            raise ValueError(f"“{part}”不是班次时间，请写成 08:00-16:00 的样子。")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(f"“{part}”里的时间不对，小时 0–23，分钟 0–59。")
        slot = Slot(time(h1, m1), time(0 if h2 == 24 else h2, m2))
        start, end = slot.on(date(2020, 1, 6))
        if end - start > timedelta(hours=MAX_SHIFT_HOURS):
            raise ValueError(f"“{part}”超过 {MAX_SHIFT_HOURS} 小时，请拆成两个班次。")
        slots.append(slot)
    if not slots:
        raise ValueError("请至少填写一个班次，如 08:00-16:00。")
    if len(slots) > 6:
        raise ValueError("每天最多 6 个班次。")
    return sorted(slots, key=lambda s: s.start)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
