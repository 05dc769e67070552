"""A community at work for the home pages and the dashboard: cases, calls due and overdue, a fever, deliveries, a
campaign with a revisit, a push list, key persons, gates with and without duty, gate-log entries and visitors.

Everything is written at HOME_MOMENT (a Wednesday, 10:30 Beijing time: the morning call of 09:00 is overdue, the
evening one due) through the apps' own actions, except push-list rows and visitor registrations, which are
made directly (their imports and public form are tested in their apps)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.gates import actions as gate_actions
from alleykeeper.gates import roster
from alleykeeper.gates.models import Gate, GateState, PassageKind
from alleykeeper.observation import deliveries, schedule
from alleykeeper.observation.actions import CaseTerms, Person, open_cases
from alleykeeper.observation.followups import Report, record_followup, tick
from alleykeeper.observation.models import ObservationCase, Reason
from alleykeeper.places.models import Division, DivisionLevel
from alleykeeper.pushlist.models import BatchStatus, MatchState, Outcome, PushBatch, PushedPerson
from alleykeeper.registry.models import Household
from alleykeeper.screening import actions as screening_actions
from alleykeeper.screening.models import Campaign, KeyPerson, KeyPersonSource
from alleykeeper.screening.models import Outcome as CallOutcome
from alleykeeper.visitors.models import CODE_ALPHABET, Registration
from testkit.world import World, add_resident, make_household, make_user

HOME_MOMENT = datetime(2026, 3, 11, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
_serial = count(1)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_case(world: World, household: Household, worker: User, name: str) -> ObservationCase:
    resident = add_resident(household, name)
    opened = HOME_MOMENT - timedelta(days=2)
    terms = CaseTerms(Reason.KEY_AREA, "arrival", schedule.local_date(opened), assigned_worker=worker)
    return open_cases(world.admin, household, [Person(name, resident=resident)], terms, now=opened)[0]


def push_person(batch: PushBatch, name: str, *, grid=None, outcome: str = "") -> PushedPerson:
    state = MatchState.MATCHED if grid is not None else MatchState.UNMATCHED
    return PushedPerson.objects.create(
        batch=batch,
        community=batch.community,
        row_number=next(_serial),
        name=name,
        grid=grid,
        match_state=state,
        outcome=outcome,
    )


def new_batch(world: World, received_on: date) -> PushBatch:
    serial = next(_serial)
    return PushBatch.objects.create(
        community=world.community,
        received_on=received_on,
        source="区指挥部",
        file_name=f"推送{serial}.csv",
        file_sha256=f"{serial:064d}",
        status=BatchStatus.DONE,
    )


def key_person(world: World, grid, name: str) -> KeyPerson:
    return KeyPerson.objects.create(community=world.community, grid=grid, name=name, source=KeyPersonSource.MANUAL)


def visitor(gate: Gate, origin: Division, name: str) -> Registration:
    serial = next(_serial)
    return Registration.objects.create(
        gate=gate,
        submission_key=f"key-{serial}",
        code="".join(CODE_ALPHABET[(serial // len(CODE_ALPHABET) ** i) % len(CODE_ALPHABET)] for i in range(6)),
        name=name,
        arrival_date=HOME_MOMENT.date(),
        origin=origin,
        transport="car",
        reason="探亲",
        host_address="3号楼302",
        host_name="王翠琳",
        created_at=HOME_MOMENT - timedelta(minutes=serial),
    )


@dataclass
class Busy:
    world: World
    case_a: ObservationCase  # worker A's, its 09:00 call overdue
    fever_a: ObservationCase  # worker A's, 37.8 °C this morning: retest due
    case_b: ObservationCase  # worker B's
    campaign: Campaign
    batch: PushBatch
    gate: Gate  # the duty staff (leader) and worker A are on duty now
    empty_gate: Gate  # open, nobody on duty
    closed_gate: Gate  # closed: needs nobody
    cleaner: User
    origin: Division


def build_busy(world: World) -> Busy:
    admin = world.admin
    case_a = open_case(world, world.household_a, world.worker_a, "林小花")
    fever_a = open_case(world, world.household_a, world.worker_a, "林大强")
    case_b = open_case(world, world.household_b, world.worker_b, "吴小强")
    tick(HOME_MOMENT)  # the 09:00 calls are overdue
    record_followup(
        world.worker_a, fever_a, Report(temperature=Decimal("37.8")), now=HOME_MOMENT - timedelta(minutes=1)
    )
    # Deliveries: one for the volunteer (late), one for worker A, one requested but not assigned in grid B.
    late = deliveries.create_request(admin, case_a, "groceries", now=HOME_MOMENT - timedelta(hours=13))
    deliveries.assign_request(admin, late, world.volunteer, now=HOME_MOMENT - timedelta(hours=12))
    mine = deliveries.create_request(admin, fever_a, "medicine", now=HOME_MOMENT)
    deliveries.assign_request(admin, mine, world.worker_a, now=HOME_MOMENT)
    deliveries.create_request(admin, case_b, "masks", now=HOME_MOMENT)

    make_household(world.grid_a, "5号楼", "101")  # never contacted
    # Screening: every household of both grids in a running campaign; grid A's household did not answer.
    campaign = screening_actions.create_campaign(
        admin,
        {
            "name": "出租户再排查",
            "start_date": HOME_MOMENT.date() - timedelta(days=1),
            "end_date": HOME_MOMENT.date() + timedelta(days=10),
            "grids": [world.grid_a, world.grid_b],
            "household_filter": "all",
            "notes": "",
        },
    )
    screening_actions.record_attempt(
        world.worker_a, campaign, world.household_a, channel="phone", outcome=CallOutcome.NO_ANSWER, at=HOME_MOMENT
    )

    # A push list: two people in grid A (one settled), one in grid B, one matched to nobody.
    batch = new_batch(world, HOME_MOMENT.date() - timedelta(days=1))
    push_person(batch, "张三", grid=world.grid_a)
    push_person(batch, "李四", grid=world.grid_a, outcome=Outcome.NOT_LIVING_HERE)
    push_person(batch, "王五", grid=world.grid_b)
    push_person(batch, "赵六")
    key_person(world, world.grid_a, "钱七")  # found here, on no push list, waiting for observation

    # Gates: one staffed now (duty leads, worker A with him), one open with nobody, one closed.
    enclosure = gate_actions.create_enclosure(None, world.community, {"name": "东片区"})
    gate = gate_actions.create_gate(None, {"enclosure": enclosure, "name": "东门"})
    empty_gate = gate_actions.create_gate(None, {"enclosure": enclosure, "name": "北门"})
    closed_gate = gate_actions.create_gate(None, {"enclosure": enclosure, "name": "西门"})
    Gate.objects.filter(pk=closed_gate.pk).update(state=GateState.CLOSED)
    shift = roster.create_shift(
        None, gate, HOME_MOMENT - timedelta(hours=2, minutes=30), HOME_MOMENT + timedelta(hours=5, minutes=30)
    )
    roster.add_shift_member(None, shift, world.duty)
    roster.add_shift_member(None, shift, world.worker_a)
    tomorrow = roster.create_shift(
        None,
        gate,
        HOME_MOMENT + timedelta(days=1) - timedelta(hours=2, minutes=30),
        HOME_MOMENT + timedelta(days=1, hours=5, minutes=30),
    )
    roster.add_shift_member(None, tomorrow, world.duty)
    gate_actions.log_gate_passage(
        world.duty,
        gate,
        direction="in",
        kind=PassageKind.VEHICLE,
        plate="粤B12345",
        at=HOME_MOMENT - timedelta(minutes=5),
    )
    gate_actions.log_gate_passage(
        world.duty, gate, direction="in", kind=PassageKind.COURIER, at=HOME_MOMENT - timedelta(minutes=4)
    )
    origin = Division.objects.create(code="420100", name="武汉市", level=DivisionLevel.CITY)
    visitor(gate, origin, "访客甲")
    cleaner = make_user("cleaner", Role.CLEANER, communities=[world.community])
    return Busy(world, case_a, fever_a, case_b, campaign, batch, gate, empty_gate, closed_gate, cleaner, origin)


def add_more(busy: Busy, rounds: int = 3) -> None:
    """Three times as much of everything that is counted, in more campaigns, batches, grids and gates."""
    world = busy.world
    for n in range(rounds):
        case = open_case(world, world.household_a, world.worker_a, f"林{n}号")
        open_case(world, world.household_b, world.worker_b, f"吴{n}号")
        request = deliveries.create_request(world.admin, case, "groceries", now=HOME_MOMENT)
        deliveries.assign_request(world.admin, request, world.volunteer, now=HOME_MOMENT)
        make_household(world.grid_a, f"{n + 10}号楼", "101")
        campaign = screening_actions.create_campaign(
            world.admin,
            {
                "name": f"第{n}轮排查",
                "start_date": HOME_MOMENT.date(),
                "end_date": None,
                "grids": [world.grid_a, world.grid_b],
                "household_filter": "all",
                "notes": "",
            },
        )
        screening_actions.record_attempt(
            world.worker_a, campaign, world.household_a, channel="door", outcome=CallOutcome.REFUSED, at=HOME_MOMENT
        )
        batch = new_batch(world, HOME_MOMENT.date() - timedelta(days=n + 2))
        for grid in (world.grid_a, world.grid_b, None):
            push_person(batch, f"推{n}", grid=grid)
        key_person(world, world.grid_b, f"重点{n}")
        gate = gate_actions.create_gate(None, {"enclosure": busy.gate.enclosure, "name": f"{n}号门"})
        shift = roster.create_shift(
            None, gate, HOME_MOMENT + timedelta(days=3 + n), HOME_MOMENT + timedelta(days=3 + n, hours=8)
        )
        roster.add_shift_member(None, shift, world.duty)
        resident = world.household_a.residents.first()
        gate_actions.log_gate_passage(
            world.duty, busy.gate, direction="out", kind=PassageKind.RESIDENT, resident=resident, at=HOME_MOMENT
        )
        visitor(busy.gate, busy.origin, f"访客{n}")
    tick(HOME_MOMENT)


@pytest.fixture(autouse=True)
def _before_the_moment(time_machine) -> None:
    """The world's register is made an hour before HOME_MOMENT (figures count what existed then)."""
    time_machine.move_to(HOME_MOMENT - timedelta(hours=1), tick=False)


@pytest.fixture
def busy(world: World, time_machine) -> Busy:
    time_machine.move_to(HOME_MOMENT - timedelta(minutes=10), tick=False)
    made = build_busy(world)
    time_machine.move_to(HOME_MOMENT, tick=False)
    return made
