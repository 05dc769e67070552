"""Day counting and due times in Asia/Shanghai, whatever zone the process or the request runs in."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from alleykeeper.observation import schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_2330_shanghai_is_1530_utc_and_counts_as_the_same_local_day():
    moment = utc(2020, 2, 4, 15, 30)
    assert moment.astimezone(SHANGHAI).hour == 23
    assert schedule.local_date(moment) == date(2020, 2, 4)
    # Half past midnight in Shanghai is still 4 February in UTC: the local date wins.
    assert schedule.local_date(utc(2020, 2, 4, 16, 30)) == date(2020, 2, 5)


@pytest.mark.parametrize(
    ("basis_date", "moment", "day"),
    [
        (date(2020, 2, 4), utc(2020, 2, 4, 15, 30), 0),  # arrival at 23:30 local: still day 0
        (date(2020, 2, 4), utc(2020, 2, 4, 16, 30), 1),  # 00:30 local next day: day 1
        (date(2020, 2, 1), utc(2020, 2, 4, 1, 0), 3),  # departure from the key area three days before
        (date(2020, 1, 28), utc(2020, 2, 11, 15, 59), 14),  # last exposure: 23:59 local on day 14
    ],
)
def test_observation_day_for_each_basis(basis_date, moment, day):
    assert schedule.observation_day(basis_date, moment) == day


def test_planned_end_is_day_zero_plus_setting(settings):
    assert schedule.planned_end(date(2020, 2, 4)) == date(2020, 2, 18)
    settings.OBSERVATION_DAYS = 21
    assert schedule.planned_end(date(2020, 2, 4)) == date(2020, 2, 25)


def test_active_request_time_zone_does_not_change_the_count():
    moment = utc(2020, 2, 4, 15, 30)
    with timezone.override(ZoneInfo("America/New_York")):
        assert schedule.local_date(moment) == date(2020, 2, 4)
        assert schedule.due_times_on(date(2020, 2, 5))[0] == datetime(2020, 2, 5, 1, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        schedule.local_date(datetime(2020, 2, 4, 23, 30))  # deliberately naive
    with pytest.raises(ValueError):
        schedule.current_slot(datetime(2020, 2, 4, 9, 0))


def test_twice_daily_due_times_in_local_time():
    dues = schedule.due_times_on(date(2020, 2, 5))
    assert [d.astimezone(SHANGHAI).time() for d in dues] == [time(9, 0), time(17, 0)]
    assert dues[0] == utc(2020, 2, 5, 1, 0) and dues[1] == utc(2020, 2, 5, 9, 0)


def test_due_times_after_an_opening_at_2330():
    opened = utc(2020, 2, 4, 15, 30)  # 23:30 Shanghai
    dues = schedule.due_times_between(opened, date(2020, 2, 6))
    local = [d.astimezone(SHANGHAI).strftime("%m-%d %H:%M") for d in dues]
    assert local == ["02-05 09:00", "02-05 17:00", "02-06 09:00", "02-06 17:00"]


def test_each_instant_belongs_to_the_nearest_slot():
    # 09:00 and 17:00: the morning window is [01:00, 13:00), the evening one [13:00, 01:00 next day).
    morning = schedule.slot_times(datetime(2020, 2, 5, 9, 0, tzinfo=SHANGHAI))
    assert morning.opens_at == datetime(2020, 2, 5, 1, 0, tzinfo=SHANGHAI)
    assert morning.closes_at == datetime(2020, 2, 5, 13, 0, tzinfo=SHANGHAI)
    cases = {
        (2020, 2, 5, 7, 30): (5, 9),
        (2020, 2, 5, 12, 59): (5, 9),
        (2020, 2, 5, 13, 0): (5, 17),
        (2020, 2, 5, 23, 30): (5, 17),
        (2020, 2, 6, 0, 59): (5, 17),
        (2020, 2, 6, 1, 0): (6, 9),
    }
    for local, (day, hour) in cases.items():
        slot = schedule.current_slot(datetime(*local, tzinfo=SHANGHAI))
        assert slot.due_at == datetime(2020, 2, day, hour, 0, tzinfo=SHANGHAI), local


def test_follow_up_times_are_a_setting(settings):
    settings.OBSERVATION_FOLLOWUP_TIMES = ["08:00", "12:30", "20:00"]
    dues = schedule.due_times_on(date(2020, 2, 5))
    assert [d.astimezone(SHANGHAI).strftime("%H:%M") for d in dues] == ["08:00", "12:30", "20:00"]
    settings.OBSERVATION_FOLLOWUP_TIMES = ["9点"]
    with pytest.raises(ImproperlyConfigured):
        schedule.followup_times()


def test_overdue_after_uses_the_grace(settings):
    due = utc(2020, 2, 5, 1, 0)
    settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES = 0
    assert schedule.overdue_after(due) == due
    settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES = 90
    assert schedule.overdue_after(due) == due + timedelta(minutes=90)
