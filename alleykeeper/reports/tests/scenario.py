"""Test helpers: one record of every kind a figure counts, at a moment chosen by the test (the cutoff's
edges). Rows are written through the owning apps' actions where the moment can be given, directly otherwise."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from alleykeeper.gates import actions as gate_actions
from alleykeeper.gates.models import Gate, GateLogEntry, Shift, ShiftMember
from alleykeeper.observation.actions import CaseTerms, Person, escalate_fever, open_cases, release_case, transfer_case
from alleykeeper.observation.followups import Report, record_followup
from alleykeeper.observation.models import FollowUpSlot, ObservationCase
from alleykeeper.places.models import Division
from alleykeeper.pushlist.models import BatchStatus, Outcome, PushBatch, PushedPerson
from alleykeeper.registry.models import Grid, Household, Resident
from alleykeeper.screening.actions import create_campaign, keep_first_screening, record_key_person
from alleykeeper.screening.models import Answer, Attempt, Campaign, KeyPersonSource
from alleykeeper.screening.models import Outcome as CallOutcome
from alleykeeper.visitors.models import Registration
from testkit.world import World, add_resident, make_household

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2020, 2, 10)  # the report day of the tests: with a 15:00 cutoff, 9 Feb 15:00 to 10 Feb 15:00
CUTOFF = datetime(2020, 2, 10, 15, 0, tzinfo=SHANGHAI)
BEFORE = CUTOFF - timedelta(seconds=1)  # the last second of DAY's report
AT = CUTOFF  # the first second of the next day's report


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def campaign_for(world: World, start: date = date(2020, 2, 1)) -> Campaign:
    campaign = Campaign.objects.filter(community=world.community).first()
    if campaign is None:
        with time_machine.travel(local(2020, 2, 1, 8), tick=False):
            campaign = create_campaign(
                world.admin, {"name": "春节返乡排查", "start_date": start, "grids": [world.grid_a, world.grid_b]}
            )
    return campaign


def gate_for(world: World) -> Gate:
    gate = Gate.objects.filter(enclosure__community=world.community).first()
    if gate is None:
        enclosure = gate_actions.create_enclosure(None, world.community, {"name": "东片区"})
        gate = gate_actions.create_gate(None, {"enclosure": enclosure, "name": "东门"})
    return gate


def wuhan() -> Division:
    province, _ = Division.objects.get_or_create(code="420000", defaults={"name": "湖北省", "level": 1})
    city, _ = Division.objects.get_or_create(code="420100", defaults={"name": "武汉市", "level": 2, "parent": province})
    return city


@dataclass
class Made:
    household: Household
    resident: Resident
    case: ObservationCase


def everything_at(world: World, at: datetime, tag: str, grid: Grid | None = None) -> Made:
    """At `at`: a new household and resident (registered), screened (a reached call with answers) with a
    call that did not reach anyone beside it, a key person found, a case opened with a fever found and
    escalated, a case released and one transferred (both opened two days before), a follow-up whose window
    closes (missed), a push-list batch imported with one person of each outcome set, a key person found here
    and on no list, a visitor (from a key area), a gate entry and a courier turned back."""
    grid = grid or world.grid_a
    campaign = campaign_for(world)
    question = campaign.questions.order_by("order").first()
    with time_machine.travel(at, tick=False):
        household = make_household(grid, f"{tag}号楼", "101")
        resident = add_resident(household, f"张{tag}")
        second = add_resident(household, f"李{tag}")
        attempt = Attempt.objects.create(
            campaign=campaign, household=household, worker=world.worker_a, at=at, channel="phone", outcome="reached"
        )
        Answer.objects.create(
            attempt=attempt, resident=resident, person_name=resident.name, question=question, value="否"
        )
        Answer.objects.create(attempt=attempt, resident=second, person_name=second.name, question=question, value="否")
        keep_first_screening(attempt, [resident.pk, second.pk])  # what record_attempt keeps with a call
        unreached = make_household(grid, f"{tag}号楼", "102")
        Attempt.objects.create(
            campaign=campaign,
            household=unreached,
            worker=world.worker_a,
            at=at,
            channel="phone",
            outcome=CallOutcome.NO_ANSWER,
        )
        key_person = record_key_person(
            world.worker_a,
            community=world.community,
            name=resident.name,
            source=KeyPersonSource.SCREENING,
            resident=resident,
            origin=wuhan(),
            arrival_date=at.date(),
        )
    terms = CaseTerms("key_area", "arrival", at.date() - timedelta(days=3), assigned_worker=world.worker_a)
    case = open_cases(world.admin, household, [Person(resident.name, resident, key_person)], terms, now=at)[0]
    record_followup(world.worker_a, case, Report(temperature=Decimal("38.2")), now=at)
    escalate_fever(world.admin, case, "复测仍发热，送发热门诊", now=at)
    earlier = at - timedelta(days=2)
    released = open_cases(world.admin, household, [Person(second.name, second)], terms, now=earlier)[0]
    release_case(world.admin, released, "期满", now=at)
    with time_machine.travel(at, tick=False):
        third = add_resident(household, f"王{tag}")
    transferred = open_cases(world.admin, household, [Person(third.name, third)], terms, now=earlier)[0]
    transfer_case(world.admin, transferred, "hospital", "确诊转院", now=at)
    # The twice-daily slots the cases got are not the point here: one follow-up whose window closes at `at`.
    FollowUpSlot.objects.filter(case__in=[case, released, transferred]).delete()
    FollowUpSlot.objects.create(case=case, due_at=at - timedelta(hours=4), closes_at=at)
    with time_machine.travel(at, tick=False):
        batch = PushBatch.objects.create(
            community=world.community,
            received_on=at.date(),
            file_name=f"{tag}.csv",
            file_sha256=tag,
            status=BatchStatus.DONE,
            imported_at=at,
        )
        for row, outcome in enumerate(Outcome.values, start=1):
            PushedPerson.objects.create(
                batch=batch,
                community=world.community,
                row_number=row,
                name=f"推{tag}{row}",
                grid=grid,
                outcome=outcome,
                outcome_at=at,
            )
        PushedPerson.objects.create(batch=batch, community=world.community, row_number=99, name=f"待{tag}", grid=grid)
    gate = gate_for(world)
    Registration.objects.create(
        gate=gate,
        submission_key=f"k{tag}",
        code=tag[:6].upper().ljust(6, "X"),
        name=f"访{tag}",
        arrival_date=at.date(),
        origin=wuhan(),
        transport="car",
        reason="探亲",
        host_address="3号楼302",
        host_name="王翠琳",
        key_area_names="湖北省武汉市",
        created_at=at,
    )
    GateLogEntry.objects.create(gate=gate, at=at, direction="in", kind="resident", resident=resident)
    GateLogEntry.objects.create(gate=gate, at=at, direction="in", kind="courier", flags=" kept_outside ")
    return Made(household, resident, case)


def staff_gate(world: World, gate: Gate, start: datetime, end: datetime) -> Shift:
    shift = Shift.objects.create(gate=gate, starts_at=start, ends_at=end)
    ShiftMember.objects.create(shift=shift, user=world.duty, is_leader=True)
    return shift
