"""One record of every API resource in grid A of the world's community and one in the other street's
community, for the access matrix (tests only)."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from alleykeeper.core.identity import check_id_card, check_phone
from alleykeeper.gates.models import Enclosure, Gate
from alleykeeper.observation.followups import Report, record_followup
from alleykeeper.observation.tests.conftest import open_case_for
from alleykeeper.pushlist.models import PushBatch, PushedPerson
from alleykeeper.reopening.models import Application
from alleykeeper.reopening.tests.conftest import make_enterprise
from alleykeeper.reports.models import DailyReport
from alleykeeper.sanitation.models import DisinfectionTask, Place, PlaceKind, TaskSource
from alleykeeper.screening.models import Attempt, Campaign, KeyPerson, KeyPersonSource
from alleykeeper.supplies.tests.conftest import make_item
from alleykeeper.visitors.models import Registration
from alleykeeper.visitors.tests.conftest import make_divisions
from testkit.world import World, make_id, make_user


@dataclass
class Pair:
    mine: int  # in grid A of the world's community
    outsider: int  # in the other street's community


IDENTITIES = {
    "key_person": (make_id(born="19900202", order="211"), "13959901111"),
    "visitor": (make_id(address="420102", born="19880707", order="413"), "13700002222"),
}


def _sealed(record, kind: str):
    doc, phone = IDENTITIES[kind]
    record.seal_identity(check_id_card(doc), check_phone(phone))
    record.save()
    return record


def _key_person(world: World, household) -> KeyPerson:
    person = KeyPerson(
        community=household.community, grid=household.grid, household=household, name="林重点",
        source=KeyPersonSource.MANUAL,
    )  # fmt: skip
    return _sealed(person, "key_person")


def _attempt(world: World, household, worker) -> Attempt:
    today = timezone.localdate()
    campaign = Campaign.objects.create(community=household.community, name="排查", start_date=today)
    campaign.grids.set([household.grid])
    return Attempt.objects.create(
        campaign=campaign, household=household, worker=worker, at=timezone.now(), channel="phone", outcome="reached"
    )


def _pushed(household) -> PushedPerson:
    batch = PushBatch.objects.create(
        community=household.community, received_on=timezone.localdate(), file_name="名单.csv",
        file_sha256=f"{household.pk:064d}", status="done",
    )  # fmt: skip
    person = PushedPerson(
        batch=batch, community=household.community, row_number=1, name="推送人", grid=household.grid,
        household=household,
    )  # fmt: skip
    return _sealed(person, "key_person")


def _registration(gate: Gate, code: str) -> Registration:
    origin = make_divisions()["420102"]
    registration = Registration(
        gate=gate, submission_key=code * 8, code=code, name="来访人", arrival_date=timezone.localdate(), origin=origin,
        transport="train", reason="探亲", host_address="3号楼302", host_name="王翠琳",
    )  # fmt: skip
    return _sealed(registration, "visitor")


def _task(community, building) -> DisinfectionTask:
    place = Place.objects.create(community=community, kind=PlaceKind.LIFT, building=building)
    now = timezone.now()
    return DisinfectionTask.objects.create(
        community=community, place=place, source=TaskSource.OBSERVATION, day=timezone.localdate(), due_at=now,
        overdue_at=now + timedelta(hours=2), surfaces=["handrail"], agent="84消毒液", dilution="1:100",
    )  # fmt: skip


def _report(community, signer) -> DailyReport:
    now = timezone.now()
    return DailyReport.objects.create(
        community=community, day=timezone.localdate(), window_start=now - timedelta(days=1), window_end=now,
        figures={"households": 1}, generated_at=now, signed_at=now, signed_by=signer,
    )  # fmt: skip


def _application(world: World, **where) -> Application:
    enterprise = make_enterprise(world, f"企业{where}", **where)
    return Application.objects.create(
        enterprise=enterprise, planned_date=timezone.localdate(), contact_name="林店长", submitted_at=timezone.now()
    )


def build_records(world: World) -> dict[str, Pair]:
    """Every resource: the API path and a record inside (grid A) and outside (another street) the community."""
    outsider_admin = make_user("outsider_admin", "admin", communities=[world.other_community])
    mine_case = open_case_for(world, world.household_a, world.worker_a)
    other_case = open_case_for(world, world.household_other, outsider_admin)
    followups = [
        record_followup(world.worker_a, case, Report(temperature=Decimal("36.5"))) for case in (mine_case, other_case)
    ]
    gate = Gate.objects.create(
        enclosure=Enclosure.objects.create(community=world.community, name="东片区"), name="东门"
    )
    other_gate = Gate.objects.create(
        enclosure=Enclosure.objects.create(community=world.other_community, name="西片区"), name="西门"
    )
    pushed = [_pushed(world.household_a), _pushed(world.household_other)]
    items = [make_item(world.community), make_item(world.other_community)]
    return {
        "households": Pair(world.household_a.pk, world.household_other.pk),
        "residents": Pair(world.household_a.residents.get().pk, world.household_other.residents.get().pk),
        "key-persons": Pair(_key_person(world, world.household_a).pk, _key_person(world, world.household_other).pk),
        "screening/attempts": Pair(
            _attempt(world, world.household_a, world.worker_a).pk,
            _attempt(world, world.household_other, outsider_admin).pk,
        ),
        "push-batches": Pair(pushed[0].batch_id, pushed[1].batch_id),
        "push-people": Pair(pushed[0].pk, pushed[1].pk),
        "observation/cases": Pair(mine_case.pk, other_case.pk),
        "observation/follow-ups": Pair(followups[0].pk, followups[1].pk),
        "gates": Pair(gate.pk, other_gate.pk),
        "visitor-registrations": Pair(_registration(gate, "A1B2C3").pk, _registration(other_gate, "D4E5F6").pk),
        "reopening/applications": Pair(
            _application(world).pk,
            _application(world, grid=world.grid_other, building=world.household_other.building).pk,
        ),
        "sanitation/tasks": Pair(
            _task(world.community, world.household_a.building).pk,
            _task(world.other_community, world.household_other.building).pk,
        ),
        "supplies/items": Pair(items[0].pk, items[1].pk),
        "daily-reports": Pair(
            _report(world.community, world.admin).pk, _report(world.other_community, outsider_admin).pk
        ),
    }
