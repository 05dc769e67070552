"""Each day's disinfection tasks, made from the plans and from home observation by
`manage.py generate_disinfection_tasks` (a timer runs it every hour; `make run` after loading the demo).

- Plan tasks: one per plan and due time on each day the plan occurs (daily, several times a day, every N
  days counted from its start date, or given weekdays), from the day the plan was made on.
- Observation tasks: the stairwell of every building with a household whose home-observation case was open
  at that day's stairwell time (SANITATION_STAIRWELL_TIME, read from the case's opening and closing times),
  one a day per building; unassigned, so every cleaner of the community sees it. Sanitation reads
  observation's records; observation knows nothing of sanitation (it is a lower layer). Once no case of the
  building is open any more, its stairwell tasks not yet done from then on are withdrawn.
- Safe to run twice (unique constraints, rows inserted with ignore_conflicts), after missed days (today and
  the SANITATION_CATCH_UP_DAYS before are made; a day in the past is overdue from the start, which is what
  happened), across month and year ends (calendar days of the local date).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.observation.models import ObservationCase
from alleykeeper.registry.models import Building
from alleykeeper.sanitation.models import DisinfectionTask, Place, PlaceKind, Plan, Surface, TaskSource

STAIRWELL_SURFACES = [Surface.HANDLES, Surface.SWITCHES, Surface.HANDRAILS, Surface.FLOORS]
STAIRWELL_AGENT, STAIRWELL_DILUTION = "84消毒液", "1:100"


def grace() -> timedelta:
    return timedelta(minutes=settings.SANITATION_GRACE_MINUTES)


def stairwell_time() -> time:
    hours, minutes = settings.SANITATION_STAIRWELL_TIME.split(":")
    return time(int(hours), int(minutes))


def at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def parse_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass
class Generated:
    plan_tasks: int = 0
    observation_tasks: int = 0
    withdrawn: int = 0
    days: int = 0


def plan_tasks_for(plan: Plan, day: date) -> list[DisinfectionTask]:
    if not plan.occurs_on(day) or day < timezone.localdate(plan.created_at):
        return []
    tasks = []
    for text in plan.times:
        due = at(day, parse_time(text))
        tasks.append(
            DisinfectionTask(
                community_id=plan.community_id,
                place_id=plan.place_id,
                source=TaskSource.PLAN,
                plan=plan,
                day=day,
                due_at=due,
                overdue_at=due + grace(),
                cleaner_id=plan.cleaner_id,
                surfaces=plan.surfaces,
                agent=plan.agent,
                dilution=plan.dilution,
            )
        )
    return tasks


def observed_buildings(day: date) -> dict[int, int]:
    """{building id: community id} of the buildings with a case open at `day`'s stairwell time."""
    cases = ObservationCase.objects.open_at(at(day, stairwell_time()))
    return dict(cases.order_by().values_list("household__building_id", "community_id").distinct())


def _stairwells(buildings: dict[int, int]) -> dict[int, int]:
    """{building id: place id} of their stairwells, made where missing."""
    found = dict(
        Place.objects.filter(kind=PlaceKind.STAIRWELL, building_id__in=buildings).values_list("building_id", "pk")
    )
    missing = [b for b in buildings if b not in found]
    if missing:
        alleys = dict(Building.objects.filter(pk__in=missing).values_list("pk", "alley_id"))
        Place.objects.bulk_create(
            [
                Place(community_id=buildings[b], kind=PlaceKind.STAIRWELL, building_id=b, alley_id=alleys[b])
                for b in missing
            ],
            ignore_conflicts=True,
        )
        found = dict(
            Place.objects.filter(kind=PlaceKind.STAIRWELL, building_id__in=buildings).values_list("building_id", "pk")
        )
    return found


def observation_tasks_for(day: date) -> list[DisinfectionTask]:
    buildings = observed_buildings(day)
    places = _stairwells(buildings)
    due = at(day, stairwell_time())
    return [
        DisinfectionTask(
            community_id=community_id,
            place_id=places[building_id],
            source=TaskSource.OBSERVATION,
            day=day,
            due_at=due,
            overdue_at=due + grace(),
            surfaces=list(STAIRWELL_SURFACES),
            agent=STAIRWELL_AGENT,
            dilution=STAIRWELL_DILUTION,
        )
        for building_id, community_id in buildings.items()
    ]


def _counts(first: date) -> dict[str, int]:
    rows = DisinfectionTask.objects.filter(day__gte=first).order_by().values_list("source").annotate(n=Count("id"))
    return dict(rows)


@transaction.atomic
def generate_tasks(actor=None, *, now: datetime | None = None, catch_up: int | None = None) -> Generated:
    """Make today's tasks (and those of the missed days before it); withdraw the stairwell tasks of buildings
    whose observation has ended. Safe to run twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    catch_up = settings.SANITATION_CATCH_UP_DAYS if catch_up is None else catch_up
    days = [today - timedelta(days=n) for n in range(max(catch_up, 0), -1, -1)]
    before = _counts(days[0])
    plans = list(Plan.objects.filter(active=True, starts_on__lte=today))
    rows: list[DisinfectionTask] = []
    for day in days:
        rows += [task for plan in plans for task in plan_tasks_for(plan, day)]
        rows += observation_tasks_for(day)
    DisinfectionTask.objects.bulk_create(rows, ignore_conflicts=True)
    after = _counts(days[0])
    result = Generated(days=len(days))
    result.plan_tasks = after.get(TaskSource.PLAN, 0) - before.get(TaskSource.PLAN, 0)
    result.observation_tasks = after.get(TaskSource.OBSERVATION, 0) - before.get(TaskSource.OBSERVATION, 0)
    # The observation ended: the building's stairwell tasks not done and due from now on are withdrawn.
    still = observed_buildings(today)
    ended = DisinfectionTask.objects.filter(source=TaskSource.OBSERVATION, done_at__isnull=True, due_at__gte=now)
    result.withdrawn, _ = ended.exclude(place__building_id__in=list(still)).delete()
    if result.plan_tasks or result.observation_tasks or result.withdrawn:
        record_event(
            actor,
            "sanitation.generate",
            None,
            row_count=result.plan_tasks + result.observation_tasks,
            detail={"from": days[0].isoformat(), "to": today.isoformat(), "withdrawn": result.withdrawn},
        )
    return result


def regenerate_plan(plan: Plan, now: datetime) -> int:
    """After a plan is saved: its tasks not done and not yet due are remade from it (today onward)."""
    DisinfectionTask.objects.filter(plan=plan, done_at__isnull=True, due_at__gt=now).delete()
    today = timezone.localdate(now)
    rows = [t for t in plan_tasks_for(plan, today) if t.due_at > now]
    DisinfectionTask.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
