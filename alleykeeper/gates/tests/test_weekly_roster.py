"""The weekly roster (每周排班): its shifts made ahead by `generate_shifts`, twice, after a missed day, across
month, year and leap-day ends, with exceptions (a cancelled shift, a swapped person) surviving the next run;
the pattern pages and their refusals. The clock is always set (time-machine), never read."""

from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.roles import Role
from alleykeeper.audit.models import AuditEvent
from alleykeeper.gates import actions, roster
from alleykeeper.gates.models import Gate, RosterEntry, Shift, SkippedShift
from alleykeeper.gates.tests.conftest import client_for
from testkit.world import make_user

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
HTMX = {"HTTP_HX_REQUEST": "true"}
EVERY_DAY = "0123456"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def gate(world) -> Gate:
    enclosure = actions.create_enclosure(None, world.community, {"name": "东片区"})
    return actions.create_gate(None, {"enclosure": enclosure, "name": "东门"})


def add_entry(gate: Gate, weekdays: str, starts: str, ends: str, leader=None, crew=(), min_strength: int = 2):
    """A line of the roster as stored (the pages add it through the form, tested below): nothing made yet."""
    entry = RosterEntry.objects.create(
        gate=gate,
        weekdays=weekdays,
        starts=time.fromisoformat(starts),
        ends=time.fromisoformat(ends),
        min_strength=min_strength,
        leader=leader,
    )
    entry.crew.set(crew)
    return entry


def run(days: int = 14) -> str:
    out = StringIO()
    call_command("generate_shifts", "--days", str(days), stdout=out)
    return out.getvalue()


def starts(gate: Gate) -> list[str]:
    return [f"{timezone.localtime(s):%m-%d %H:%M}" for s in gate.shifts.values_list("starts_at", flat=True)]


def group(shift: Shift) -> list[tuple[str, bool]]:
    return [(m.user.username, m.is_leader) for m in shift.members.select_related("user")]


@pytest.fixture
def day_and_evening(world, gate, time_machine):
    """Monday 2 March 2026, 10:00: every day 08:00–16:00 led by duty with the volunteer, 16:00–00:00 led
    by worker_a (nobody in both: 16 hours of rest)."""
    time_machine.move_to(at(2026, 3, 2, 10), tick=False)
    add_entry(gate, EVERY_DAY, "08:00", "16:00", leader=world.duty, crew=[world.volunteer])
    add_entry(gate, EVERY_DAY, "16:00", "00:00", leader=world.worker_a)
    assert "shifts=28" in run()
    return gate


def test_generated_twice_makes_each_shift_once(world, day_and_evening):
    gate = day_and_evening
    # The coming fortnight: today's day shift (running) on, nothing past.
    assert gate.shifts.count() == 28
    assert starts(gate)[:3] == ["03-02 08:00", "03-02 16:00", "03-03 08:00"]
    assert starts(gate)[-1] == "03-15 16:00"
    out = run()
    assert "shifts=0" in out and "notes=0" in out
    run()
    assert gate.shifts.count() == 28
    day = gate.shifts.get(starts_at=at(2026, 3, 2, 8))
    assert group(day) == [("duty", True), ("volunteer", False)]
    assert day.roster_entry.leader == world.duty and not day.changed_by_hand
    evening = gate.shifts.get(starts_at=at(2026, 3, 2, 16))
    assert evening.ends_at == at(2026, 3, 3, 0) and group(evening) == [("worker_a", True)]
    assert Shift.objects.covering(at(2026, 3, 2, 10)).get() == day


def test_a_missed_week_is_filled_from_now_not_the_past(world, day_and_evening, time_machine):
    gate = day_and_evening
    time_machine.move_to(at(2026, 3, 25, 20, 30), tick=False)  # the timer stopped for ten days
    out = run()
    assert "shifts=27" in out  # today's evening shift (running) and thirteen more days; no morning
    made = gate.shifts.filter(starts_at__gte=at(2026, 3, 16))
    assert timezone.localtime(made.first().starts_at) == at(2026, 3, 25, 16)
    assert not gate.shifts.filter(starts_at__gte=at(2026, 3, 16), starts_at__lt=at(2026, 3, 25, 16)).exists()
    on_duty = Shift.objects.covering(at(2026, 3, 25, 20, 30)).get()
    assert group(on_duty) == [("worker_a", True)]


def test_a_cancelled_and_a_swapped_shift_survive_the_next_run_and_a_pattern_change(world, day_and_evening):
    gate = day_and_evening
    as_admin = client_for(world.admin)
    cancelled = gate.shifts.get(starts_at=at(2026, 3, 4, 8))
    response = as_admin.post(reverse("gates:shift_cancel", args=[cancelled.pk]), {"reason": "卡口当天关闭"}, **HTMX)
    assert response.status_code == 200 and "已取消" in response.content.decode()
    skip = SkippedShift.objects.get()
    assert (skip.day, skip.reason, skip.cancelled_by) == (date(2026, 3, 4), "卡口当天关闭", world.admin)
    assert AuditEvent.objects.filter(action="shift.cancel", reason="卡口当天关闭").exists()
    # The swap: the volunteer off Thursday's day shift, worker_b on it, through the roster page.
    swapped = gate.shifts.get(starts_at=at(2026, 3, 5, 8))
    volunteer = swapped.members.get(user=world.volunteer)
    as_admin.post(reverse("gates:member_remove", args=[volunteer.pk]), **HTMX)
    as_admin.post(reverse("gates:shift_add_member", args=[swapped.pk]), {"user": world.worker_b.pk}, **HTMX)
    run()
    run()
    assert not gate.shifts.filter(starts_at=at(2026, 3, 4, 8)).exists()
    swapped.refresh_from_db()
    assert swapped.changed_by_hand and group(swapped) == [("duty", True), ("worker_b", False)]
    # The pattern changes: the officer replaces the volunteer. Untouched future shifts are made again with
    # the new group; the swapped one, the cancelled day and today's running shift stay as they were.
    entry = RosterEntry.objects.get(starts=time(8))
    data = {"weekdays": list(EVERY_DAY), "starts": "08:00", "ends": "16:00", "min_strength": 2, "leader": world.duty.pk,
            "crew": [world.officer.pk]}  # fmt: skip
    response = as_admin.post(reverse("gates:weekly_entry_edit", args=[entry.pk]), data)
    assert response.status_code == 302
    assert group(gate.shifts.get(starts_at=at(2026, 3, 6, 8))) == [("duty", True), ("officer", False)]
    assert group(gate.shifts.get(starts_at=at(2026, 3, 2, 8))) == [("duty", True), ("volunteer", False)]
    assert group(gate.shifts.get(pk=swapped.pk)) == [("duty", True), ("worker_b", False)]
    assert not gate.shifts.filter(starts_at=at(2026, 3, 4, 8)).exists()
    assert gate.shifts.count() == 27
    # Deleting the line takes its untouched future shifts away and keeps the rest, unlinked.
    as_admin.post(reverse("gates:weekly_entry_delete", args=[entry.pk]))
    mornings = {s.pk for s in gate.shifts.all() if timezone.localtime(s.starts_at).hour == 8}
    assert mornings == {gate.shifts.get(starts_at=at(2026, 3, 2, 8)).pk, swapped.pk}
    assert not SkippedShift.objects.exists()  # gone with its line


def test_month_end(world, gate, time_machine):
    time_machine.move_to(at(2026, 1, 31, 23, 30), tick=False)
    add_entry(gate, EVERY_DAY, "16:00", "00:00", leader=world.duty)
    add_entry(gate, EVERY_DAY, "00:00", "08:00", leader=world.worker_a)
    run(days=2)
    assert starts(gate) == ["01-31 16:00", "02-01 00:00", "02-01 16:00"]
    time_machine.move_to(at(2026, 2, 1, 0, 30), tick=False)
    run(days=2)
    run(days=2)
    assert starts(gate) == ["01-31 16:00", "02-01 00:00", "02-01 16:00", "02-02 00:00", "02-02 16:00"]
    assert group(Shift.objects.covering(timezone.now()).get()) == [("worker_a", True)]


def test_year_end_with_an_overnight_shift(world, gate, time_machine):
    time_machine.move_to(at(2026, 12, 31, 23, 59), tick=False)
    add_entry(gate, EVERY_DAY, "22:00", "06:00", leader=world.duty)
    add_entry(gate, "4", "09:00", "17:00", leader=world.worker_a)  # Fridays: 1 January 2027 is one
    run(days=3)
    assert starts(gate) == ["12-31 22:00", "01-01 09:00", "01-01 22:00", "01-02 22:00"]
    new_year = gate.shifts.get(starts_at=at(2026, 12, 31, 22))
    assert new_year.ends_at == at(2027, 1, 1, 6) and Shift.objects.covering(timezone.now()).get() == new_year


def test_leap_day(world, gate, time_machine):
    time_machine.move_to(at(2028, 2, 28, 12), tick=False)
    add_entry(gate, "1", "08:00", "16:00", leader=world.duty)  # Tuesdays: 29 February 2028
    add_entry(gate, "2", "08:00", "16:00", leader=world.duty)  # Wednesdays: 1 March
    run(days=3)
    assert starts(gate) == ["02-29 08:00", "03-01 08:00"]


def test_people_left_out_are_noted_and_the_rest_booked(world, gate, time_machine):
    """An inactive leader, a person double-booked at another gate: left out of that one shift, noted; the
    first person booked leads; the command carries on."""
    time_machine.move_to(at(2026, 3, 2, 6), tick=False)
    north = actions.create_gate(None, {"enclosure": gate.enclosure, "name": "北门"})
    elsewhere = roster.create_shift(None, north, at(2026, 3, 3, 7), at(2026, 3, 3, 12))
    roster.add_shift_member(None, elsewhere, world.volunteer)
    add_entry(gate, "01", "08:00", "16:00", leader=world.duty, crew=[world.volunteer, world.worker_a])
    world.duty.is_active = False
    world.duty.save(update_fields=["is_active"])
    out = run(days=2)
    assert "已停用或不再是本社区的值守人员" in out and "时间重叠" in out and "notes=3" in out
    assert group(gate.shifts.get(starts_at=at(2026, 3, 2, 8))) == [("worker_a", True), ("volunteer", False)]
    assert group(gate.shifts.get(starts_at=at(2026, 3, 3, 8))) == [("worker_a", True)]


def test_a_paused_roster_makes_nothing(world, gate, time_machine):
    time_machine.move_to(at(2026, 3, 2, 6), tick=False)
    as_admin = client_for(world.admin)
    as_admin.post(reverse("gates:weekly_active", args=[gate.pk]), {"active": "0"})
    add_entry(gate, EVERY_DAY, "08:00", "16:00", leader=world.duty)
    assert not gate.shifts.exists() and "shifts=0" in run()
    page = as_admin.post(reverse("gates:weekly_generate", args=[gate.pk]), follow=True).content.decode()
    assert "已暂停" in page and not gate.shifts.exists()
    as_admin.post(reverse("gates:weekly_active", args=[gate.pk]), {"active": "1"})
    page = as_admin.post(reverse("gates:weekly_generate", args=[gate.pk]), follow=True).content.decode()
    assert "已生成 14 个班次" in page and gate.shifts.count() == 14


def test_the_pattern_page_lists_the_week(world, day_and_evening):
    page = client_for(world.admin).get(reverse("gates:weekly", args=[day_and_evening.pk])).content.decode()
    assert "周一" in page and "08:00–16:00" in page and "16:00–00:00" in page and "带班" in page
    gate_page = client_for(world.admin).get(reverse("gates:gate", args=[day_and_evening.pk])).content.decode()
    assert reverse("gates:weekly", args=[day_and_evening.pk]) in gate_page


VALID = {"weekdays": ["0"], "starts": "08:00", "ends": "16:00", "min_strength": "3"}
BAD_INPUTS = {
    "end before start": ({"starts": "16:00", "ends": "08:00"}, "勾选“次日结束”"),
    "end equals start": ({"starts": "08:00", "ends": "08:00"}, "结束时间与开始时间相同"),
    "next day ticked, end after start": ({"overnight": "on"}, "结束时间应早于开始时间"),
    "longer than 16 hours": ({"starts": "06:00", "ends": "23:00"}, "不能超过 16 小时"),
    "zero strength": ({"min_strength": "0"}, "最少人数至少为 1"),
    "no weekday": ({"weekdays": []}, "请至少选择一天"),
    "weekday 7": ({"weekdays": ["7"]}, "星期只能选周一到周日"),
    "no time": ({"starts": "早上"}, "请填写开始时间"),
    "crew without a leader": ({"crew": "DUTY"}, "请指定其中一位为带班负责人"),
    "another community's person": ({"leader": "OUTSIDER"}, "不是本社区在岗的工作人员"),
    "a cleaner": ({"leader": "CLEANER"}, "不是本社区在岗的工作人员"),
    "overlapping Monday's 06:00–10:00": ({"starts": "09:00", "ends": "12:00"}, "时间重叠"),
    "Sunday night into Monday": (
        {"weekdays": ["6"], "starts": "22:00", "ends": "07:00", "overnight": "on"},
        "时间重叠",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_pattern_form_refuses_with_a_message(world, gate, case):
    add_entry(gate, "0", "06:00", "10:00")
    outsider = make_user("outsider", Role.DUTY_STAFF, communities=[world.other_community])
    cleaner = make_user("cleaner", Role.CLEANER, communities=[world.community])
    people = {"DUTY": world.duty.pk, "OUTSIDER": outsider.pk, "CLEANER": cleaner.pk}
    changes, message = BAD_INPUTS[case]
    data = {**VALID, **{k: people.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}}
    response = client_for(world.admin).post(reverse("gates:weekly_entry_new", args=[gate.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert RosterEntry.objects.count() == 1


def test_night_shifts_as_entered(world, gate, time_machine):
    """16:00–00:00 ends at midnight, 00:00–08:00 belongs to the day it starts; with the day shift they
    fill the day without overlapping; 22:00–06:00 needs the box."""
    time_machine.move_to(at(2026, 3, 2, 6), tick=False)
    url = reverse("gates:weekly_entry_new", args=[gate.pk])
    as_admin = client_for(world.admin)
    for starts_, ends in (("00:00", "08:00"), ("08:00", "16:00"), ("16:00", "00:00")):
        data = {"weekdays": list("0123456"), "starts": starts_, "ends": ends, "min_strength": "3"}
        assert as_admin.post(url, data).status_code == 302, (starts_, ends)
    assert gate.shifts.count() == 3 * 14
    other = actions.create_gate(None, {"enclosure": gate.enclosure, "name": "北门"})
    url = reverse("gates:weekly_entry_new", args=[other.pk])
    data = {"weekdays": ["4"], "starts": "22:00", "ends": "06:00", "overnight": "on", "min_strength": "2"}
    assert as_admin.post(url, data).status_code == 302
    friday = other.shifts.first()
    assert (friday.starts_at, friday.ends_at) == (at(2026, 3, 6, 22), at(2026, 3, 7, 6))
    edit = as_admin.get(reverse("gates:weekly_entry_edit", args=[friday.roster_entry_id])).content.decode()
    assert 'name="overnight"' in edit and "checked" in edit.split('name="overnight"')[1].split(">")[0]


def test_only_the_communitys_managers_reach_the_pattern(world, gate):
    entry = add_entry(gate, "0", "08:00", "16:00")
    other_admin = make_user("other_admin", Role.ADMIN, communities=[world.other_community])
    urls = [reverse("gates:weekly", args=[gate.pk]), reverse("gates:weekly_entry_edit", args=[entry.pk])]
    for url in urls:
        assert client_for(world.worker_a).get(url).status_code == 403
        assert client_for(other_admin).get(url).status_code == 404
    response = client_for(other_admin).post(reverse("gates:weekly_entry_delete", args=[entry.pk]))
    assert response.status_code == 404 and RosterEntry.objects.filter(pk=entry.pk).exists()


def test_a_shift_moved_or_deleted_by_hand_is_not_made_again(world, day_and_evening):
    gate = day_and_evening
    as_admin = client_for(world.admin)
    moved = gate.shifts.get(starts_at=at(2026, 3, 6, 16))
    data = {"day": "2026-03-06", "start": "17:00", "end": "01:00", "min_strength": 1}
    assert as_admin.post(reverse("gates:shift_edit", args=[moved.pk]), data).status_code == 302
    empty = gate.shifts.get(starts_at=at(2026, 3, 7, 8))
    for member in empty.members.order_by("is_leader"):
        roster.remove_shift_member(world.admin, member)
    as_admin.post(reverse("gates:shift_delete", args=[empty.pk]), **HTMX)
    out = run()
    assert "shifts=0" in out and "notes=0" in out
    moved.refresh_from_db()
    assert moved.changed_by_hand and moved.starts_at == at(2026, 3, 6, 17)
    assert not gate.shifts.filter(starts_at=at(2026, 3, 7, 8)).exists()
    assert SkippedShift.objects.get().day == date(2026, 3, 7)


def test_cancel_reason_too_long_is_refused(world, day_and_evening):
    shift = day_and_evening.shifts.get(starts_at=at(2026, 3, 4, 8))
    url = reverse("gates:shift_cancel", args=[shift.pk])
    page = client_for(world.admin).post(url, {"reason": "长" * 101}, follow=True).content.decode()
    assert "原因最多 100 个字" in page and Shift.objects.filter(pk=shift.pk).exists()
