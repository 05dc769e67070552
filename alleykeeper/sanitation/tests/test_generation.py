"""Task generation: from the plans (twice, a missed day, month and year ends, frequencies) and from home
observation (the stairwell task starts with the case and stops when it ends)."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from alleykeeper.observation.actions import release_case
from alleykeeper.observation.tests.conftest import open_case_for
from alleykeeper.sanitation.generation import generate_tasks
from alleykeeper.sanitation.models import DisinfectionTask, Frequency, PlaceKind, TaskSource
from alleykeeper.sanitation.tests.conftest import MORNING, ZONE, make_plan
from testkit.world import add_resident

pytestmark = pytest.mark.django_db


def test_running_twice_makes_each_task_once(world, cleaner):
    make_plan(world, cleaner, now=MORNING - timedelta(days=1), times=["08:00", "14:00"], frequency=Frequency.TIMES)
    first = generate_tasks(now=MORNING, catch_up=0)
    second = generate_tasks(now=MORNING, catch_up=0)
    assert (first.plan_tasks, second.plan_tasks) == (2, 0)
    tasks = DisinfectionTask.objects.filter(day=MORNING.date()).order_by("due_at")
    assert [t.due_at.astimezone(ZONE).strftime("%H:%M") for t in tasks] == ["08:00", "14:00"]
    assert all(t.cleaner == cleaner and t.overdue_at - t.due_at == timedelta(hours=2) for t in tasks)


def test_the_command_is_safe_to_run_twice(world, cleaner):
    make_plan(world, cleaner, now=MORNING - timedelta(days=1))
    with time_machine.travel(MORNING, tick=False):
        call_command("generate_disinfection_tasks", "--catch-up", "0")
        call_command("generate_disinfection_tasks", "--catch-up", "0")
    assert DisinfectionTask.objects.count() == 1


def test_a_missed_day_is_caught_up(world, cleaner):
    make_plan(world, cleaner, now=MORNING - timedelta(days=5), starts_on=MORNING.date() - timedelta(days=5))
    generate_tasks(now=MORNING - timedelta(days=2), catch_up=0)
    generate_tasks(now=MORNING, catch_up=3)  # the timer missed yesterday
    days = sorted(DisinfectionTask.objects.values_list("day", flat=True))
    # Saving the plan made its first day's task; the 6th was missed beyond the three days caught up.
    assert days == [MORNING.date() - timedelta(days=n) for n in (5, 3, 2, 1, 0)]


def test_no_task_before_the_plan_was_made(world, cleaner):
    make_plan(world, cleaner, now=MORNING, starts_on=MORNING.date() - timedelta(days=10))
    generate_tasks(now=MORNING, catch_up=3)
    assert list(DisinfectionTask.objects.values_list("day", flat=True)) == [MORNING.date()]


@pytest.mark.parametrize("today", [date(2026, 12, 31), date(2027, 1, 1), date(2028, 2, 29), date(2026, 4, 1)])
def test_across_month_and_year_ends(world, cleaner, today):
    start = datetime.combine(today - timedelta(days=5), datetime.min.time(), ZONE)
    make_plan(world, cleaner, now=start, starts_on=start.date())
    generate_tasks(now=datetime.combine(today, datetime.min.time(), ZONE).replace(hour=23, minute=59), catch_up=2)
    made = DisinfectionTask.objects.filter(day__gt=start.date()).values_list(
        "day", flat=True
    )  # the run's, not the save's
    assert sorted(made) == [today - timedelta(days=n) for n in (2, 1, 0)]


def test_every_n_days_and_weekdays(world, cleaner):
    start = MORNING - timedelta(days=10)
    make_plan(world, cleaner, now=start, starts_on=start.date(), frequency=Frequency.EVERY_N_DAYS, every_n_days=3)
    make_plan(
        world,
        cleaner,
        now=start,
        starts_on=start.date(),
        place_kind=PlaceKind.STAIRWELL,
        frequency=Frequency.WEEKDAYS,
        weekdays=[0],  # Mondays
    )
    generate_tasks(now=MORNING, catch_up=6)
    run = DisinfectionTask.objects.filter(day__gt=start.date())  # the run's, not the save's
    lift = sorted(run.filter(place__kind=PlaceKind.LIFT).values_list("day", flat=True))
    stairs = list(run.filter(place__kind=PlaceKind.STAIRWELL).values_list("day", flat=True))
    assert lift == [start.date() + timedelta(days=n) for n in (6, 9)]  # every third day from the start
    assert stairs == [date(2026, 3, 9)]  # the Monday


def test_an_observation_case_makes_a_daily_stairwell_task_until_it_ends(world):
    case = open_case_for(world, world.household_a, world.worker_a, days_ago=1, now=MORNING)
    generate_tasks(now=MORNING, catch_up=0)
    task = DisinfectionTask.objects.get()
    assert task.source == TaskSource.OBSERVATION and task.place.kind == PlaceKind.STAIRWELL
    assert task.place.building == world.household_a.building and task.cleaner is None
    generate_tasks(now=MORNING + timedelta(days=1), catch_up=0)
    assert DisinfectionTask.objects.count() == 2
    # Released the next morning before the stairwell time: that day's task is withdrawn, no more are made.
    release_case(world.admin, case, "期满解除", now=MORNING + timedelta(days=1, hours=1))
    done = generate_tasks(now=MORNING + timedelta(days=1, hours=1), catch_up=0)
    assert done.withdrawn == 1
    generate_tasks(now=MORNING + timedelta(days=2), catch_up=0)
    assert list(DisinfectionTask.objects.values_list("day", flat=True)) == [MORNING.date()]


def test_one_stairwell_task_per_building_whatever_the_cases(world):
    open_case_for(world, world.household_a, world.worker_a, days_ago=1, now=MORNING)
    second = add_resident(world.household_a, "王小明")
    open_case_for(world, world.household_a, world.worker_a, days_ago=1, now=MORNING, resident=second)
    generate_tasks(now=MORNING, catch_up=0)
    generate_tasks(now=MORNING, catch_up=0)
    assert DisinfectionTask.objects.filter(source=TaskSource.OBSERVATION).count() == 1


def test_a_case_opened_after_the_stairwell_time_starts_the_next_day(world):
    open_case_for(world, world.household_b, world.worker_b, days_ago=0, now=MORNING.replace(hour=15))
    generate_tasks(now=MORNING.replace(hour=15, minute=5), catch_up=0)
    assert not DisinfectionTask.objects.exists()
    generate_tasks(now=MORNING + timedelta(days=1), catch_up=0)
    assert DisinfectionTask.objects.get().day == MORNING.date() + timedelta(days=1)
