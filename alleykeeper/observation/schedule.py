"""Observation calendar: day 0, planned end, the twice-daily due times and their windows.

Pure functions, no database. Every date is a date in settings.TIME_ZONE (Asia/Shanghai), read from
the setting itself rather than the currently active time zone, so that a request that activated another
zone, or a server process running in UTC, counts the same days. Only aware datetimes are accepted.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Observation times must be aware datetimes (USE_TZ); got a naive datetime.")


def local_date(moment: datetime) -> date:
    """The calendar date of an instant in the community's time zone (23:30 Shanghai is 15:30 UTC, same day)."""
    _require_aware(moment)
    return moment.astimezone(local_zone()).date()


def local_midnight(on: date) -> datetime:
    return datetime.combine(on, time(0, 0), tzinfo=local_zone())


def planned_end(day_zero: date, days: int | None = None) -> date:
    """Day 0 plus OBSERVATION_DAYS (14): the day the observation is due to end and release is proposed."""
    return day_zero + timedelta(days=settings.OBSERVATION_DAYS if days is None else days)


def observation_day(day_zero: date, moment: datetime) -> int:
    """Which day of observation `moment` falls on (day 0 is the day of arrival, departure or exposure)."""
    return (local_date(moment) - day_zero).days


@cache
def _parse_times(raw: tuple[str, ...]) -> tuple[time, ...]:
    parsed = []
    for text in raw:
        try:
            hours, minutes = text.strip().split(":")
            parsed.append(time(int(hours), int(minutes)))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"OBSERVATION_FOLLOWUP_TIMES: {text!r} is not a time like 09:00 (comma-separated, e.g. 09:00,17:00)."
            ) from error
    if not parsed:
        raise ImproperlyConfigured("OBSERVATION_FOLLOWUP_TIMES must name at least one time, e.g. 09:00,17:00.")
    return tuple(sorted(set(parsed)))


def followup_times() -> tuple[time, ...]:
    raw = settings.OBSERVATION_FOLLOWUP_TIMES
    if isinstance(raw, str):
        raw = raw.split(",")
    return _parse_times(tuple(t for t in raw if t.strip()))


def due_times_on(on: date) -> list[datetime]:
    zone = local_zone()
    return [datetime.combine(on, t, tzinfo=zone) for t in followup_times()]


@dataclass(frozen=True)
class SlotTimes:
    """One follow-up: due at `due_at`; its window runs from halfway after the previous due time to
    halfway before the next one, so every instant belongs to exactly one slot (the nearest due time)."""

    due_at: datetime
    opens_at: datetime
    closes_at: datetime


def _around(moment: datetime) -> list[datetime]:
    day = local_date(moment)
    return [due for offset in (-1, 0, 1, 2) for due in due_times_on(day + timedelta(days=offset))]


def slot_times(due_at: datetime) -> SlotTimes:
    _require_aware(due_at)
    dues = _around(due_at)
    index = next(i for i, due in enumerate(dues) if due == due_at)
    previous, following = dues[index - 1], dues[index + 1]
    return SlotTimes(due_at, previous + (due_at - previous) / 2, due_at + (following - due_at) / 2)


def current_slot(moment: datetime) -> SlotTimes:
    """The slot a report made at `moment` counts for: the one whose due time is nearest."""
    _require_aware(moment)
    nearest = min(_around(moment), key=lambda due: (abs(due - moment), due))
    slot = slot_times(nearest)
    # A moment exactly on a window boundary belongs to the later slot (windows are [opens, closes)).
    if moment >= slot.closes_at:
        dues = _around(moment)
        slot = slot_times(dues[dues.index(nearest) + 1])
    return slot


def due_times_between(start: datetime, last_day: date) -> list[datetime]:
    """Due times strictly after `start` up to and including every due time on `last_day`."""
    _require_aware(start)
    day = local_date(start)
    dues: list[datetime] = []
    while day <= last_day:
        dues += [due for due in due_times_on(day) if due > start]
        day += timedelta(days=1)
    return dues


def overdue_after(due_at: datetime) -> datetime:
    """A follow-up not done by its time (plus the grace, OBSERVATION_FOLLOWUP_GRACE_MINUTES) is overdue."""
    return due_at + timedelta(minutes=settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES)
