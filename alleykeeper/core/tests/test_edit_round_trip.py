"""Every page that edits an existing object, saved exactly as a browser shows it, leaves the object as it was.

A value a page renders in a form the browser cannot read (a date as 2020/03/01 in a date picker) is sent
empty and erases what was stored. These tests read each form as a browser does (testkit.forms.submitted_form),
post it back unchanged and compare the stored rows before and after. The objects have every optional field
filled, so that an erased value shows.
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import check_phone
from alleykeeper.gates import actions as gate_actions
from alleykeeper.gates import roster
from alleykeeper.gates.models import Enclosure, Gate, GateState, Shift
from alleykeeper.maps.actions import save_geometry
from alleykeeper.maps.kinds import KINDS
from alleykeeper.publicity import actions as publicity_actions
from alleykeeper.pushlist import actions as push_actions
from alleykeeper.pushlist.models import BatchStatus, Outcome, PushBatch
from alleykeeper.pushlist.tests import files as push_files
from alleykeeper.registry import actions as register_actions
from alleykeeper.registry.models import (
    Household,
    HouseholdKind,
    ImportJob,
    ImportStatus,
    RelationToHead,
    ResidenceStatus,
    Resident,
    Sex,
)
from alleykeeper.registry.tests import import_files
from alleykeeper.screening import actions as screening_actions
from alleykeeper.screening.models import Campaign, HouseholdFilter
from testkit.forms import submitted_form
from testkit.world import World, add_resident, make_id

NOTES = "夜班，白天在家\n有事请先打电话"  # two lines: a textarea sends them back as CR LF, stored as LF again


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path) -> None:
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"


def stored(obj: models.Model, *ignore: str) -> dict:
    """The object's row as the database holds it, and its many-to-many links; auto_now stamps left out."""
    row = type(obj)._base_manager.get(pk=obj.pk)
    values = {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if not getattr(f, "auto_now", False) and f.name not in ignore
    }
    for f in row._meta.many_to_many:
        values[f.name] = sorted(getattr(row, f.name).values_list("pk", flat=True))
    return values


def save_unchanged(client: Client, url: str, action: str = "") -> HttpResponse:
    """Open the page, submit its form as the browser would with nothing changed; the save must succeed (a
    form sent back with errors would change nothing and prove nothing)."""
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(action or url, submitted_form(page.content.decode(), action))
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---- the register ----


@pytest.fixture
def enclosure(world: World) -> Enclosure:
    enclosure = gate_actions.create_enclosure(None, world.community, {"name": "东片区", "notes": NOTES})
    gate_actions.set_enclosure_buildings(None, enclosure, [world.household_a.building, world.household_b.building])
    return enclosure


@pytest.fixture
def rental(world: World, enclosure: Enclosure) -> Household:
    """A rental of grid A with everything filled: unit, landlord and phone, tenancy, notes, an enclosure."""
    building = world.household_a.building
    data = {
        "building": building,
        "unit": register_actions.get_or_create_unit(building, "2单元"),
        "room": "502",
        "kind": HouseholdKind.RENTAL,
        "landlord_name": "黄房东",
        "tenancy_start": date(2020, 3, 1),
        "tenancy_end": date(2021, 2, 28),
        "notes": NOTES,
    }
    household = register_actions.create_household(None, data, landlord_phone=check_phone("0595-22123456"))
    assert household.enclosure_id == enclosure.pk and household.landlord_phone_enc
    return household


@pytest.fixture
def tenant(rental: Household) -> Resident:
    return add_resident(
        rental,
        "张租客",
        make_id(born="19921103", order="335"),
        "13911112222",
        sex=Sex.MALE,
        birth_date=date(1992, 11, 3),
        relation=RelationToHead.TENANT,
        status=ResidenceStatus.TEMPORARY,
        notes=NOTES,
    )


def test_household_edit_keeps_every_field(world: World, rental: Household) -> None:
    before = stored(rental)
    save_unchanged(client_for(world.worker_a), reverse("registry:household_edit", args=[rental.pk]))
    assert stored(rental) == before


def test_grid_edit_keeps_name_sort_number_and_key(world: World, as_admin: Client) -> None:
    grid = register_actions.save_grid(None, world.grid_a, {"sort_number": 3})
    before = stored(grid)
    assert before["sort_number"] == 3 and before["name_key"]
    save_unchanged(as_admin, reverse("registry:grid_edit", args=[grid.pk]))
    assert stored(grid) == before


def test_resident_edit_keeps_every_field_and_the_sealed_identity(world: World, tenant: Resident) -> None:
    """The ID and phone are never shown in clear: the form leaves them blank, which means "unchanged"."""
    before = stored(tenant)
    save_unchanged(client_for(world.worker_a), reverse("registry:resident_edit", args=[tenant.pk]))
    after = stored(tenant)
    assert after == before
    assert after["doc_number_enc"] and after["phone_enc"]


def test_notes_line_breaks_kept(world: World, rental: Household) -> None:
    """A browser sends a textarea's line breaks as CR LF: stored as LF again, an unchanged save changes
    nothing (and the audit does not list notes as changed)."""
    save_unchanged(client_for(world.worker_a), reverse("registry:household_edit", args=[rental.pk]))
    assert Household.objects.get(pk=rental.pk).notes == NOTES
    event = AuditEvent.objects.filter(action="household.update", object_id=rental.pk).latest("at")
    assert "notes" not in event.detail["fields"]


def test_import_mapping_confirmed_as_guessed(world: World, as_admin: Client) -> None:
    job = import_files.start(as_admin, import_files.xlsx_bytes(import_files.good_rows(), above=[["开元社区台账"]]))
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING and job.mapping and job.header_row == 1
    before = stored(job, "status", "message", "result", "rows_done", "finished_at", "file_path", "errors")
    save_unchanged(as_admin, reverse("registry:import_job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE  # taken as a confirmation, not as a new header row
    assert stored(job, "status", "message", "result", "rows_done", "finished_at", "file_path", "errors") == before
    assert ImportJob.objects.count() == 1


# ---- enclosures, gates, rosters ----


@pytest.fixture
def gate(enclosure: Enclosure) -> Gate:
    """Overnight hours, a state other than the default, its own shift pattern and a position on the map."""
    gate = gate_actions.create_gate(
        None,
        {
            "enclosure": enclosure,
            "name": "东门",
            "location": "开元路口",
            "state": GateState.RESIDENTS_ONLY,
            "opens_at": time(6, 30),
            "closes_at": time(1, 15),
            "shift_pattern": "06:30-14:30,14:30-01:15",
        },
    )
    Gate.objects.filter(pk=gate.pk).update(geometry={"type": "Point", "coordinates": [118.587654, 24.912345]})
    return gate


def test_enclosure_edit_keeps_every_field(world: World, as_admin: Client, enclosure: Enclosure) -> None:
    before = stored(enclosure)
    save_unchanged(as_admin, reverse("gates:enclosure_edit", args=[enclosure.pk]))
    assert stored(enclosure) == before


def test_enclosure_buildings_kept(world: World, as_admin: Client, enclosure: Enclosure, rental: Household) -> None:
    def links() -> tuple:
        buildings = sorted(enclosure.building_links.values_list("building_id", flat=True))
        households = sorted(Household.objects.filter(enclosure=enclosure).values_list("pk", flat=True))
        return buildings, households

    before = links()
    assert len(before[0]) == 2 and rental.pk in before[1]
    save_unchanged(as_admin, reverse("gates:enclosure_buildings", args=[enclosure.pk]))
    assert links() == before


def test_gate_edit_keeps_every_field(world: World, as_admin: Client, gate: Gate) -> None:
    before = stored(gate)
    save_unchanged(as_admin, reverse("gates:gate_edit", args=[gate.pk]))
    assert stored(gate) == before


def test_shift_edit_keeps_times_strength_and_group(world: World, as_admin: Client, gate: Gate) -> None:
    """An overnight shift (ends the next day), with its own strength and a leader."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    starts = timezone.make_aware(datetime.combine(tomorrow, time(22, 45)))
    shift = roster.create_shift(None, gate, starts, starts + timedelta(hours=8, minutes=30), min_strength=2)
    roster.add_shift_member(None, shift, world.duty)

    def group() -> list:
        return list(shift.members.order_by("id").values_list("user_id", "is_leader"))

    before, members = stored(shift), group()
    save_unchanged(as_admin, reverse("gates:shift_edit", args=[shift.pk]))
    assert stored(shift) == before
    assert group() == members == [(world.duty.pk, True)]
    assert Shift.objects.filter(gate=gate).count() == 1


def test_weekly_roster_entry_edit_keeps_days_times_and_group(
    world: World, as_admin: Client, gate: Gate, time_machine
) -> None:
    """An overnight line on three weekdays (next-day end ticked), its own strength, a leader and a crew; the
    shifts made from it are kept as they are (not made again)."""
    time_machine.move_to(datetime(2026, 3, 2, 10, tzinfo=timezone.get_current_timezone()), tick=False)
    data = {"weekdays": "025", "starts": time(22, 30), "ends": time(6, 15), "min_strength": 2,
            "leader": world.duty, "crew": [world.volunteer, world.worker_a]}  # fmt: skip
    entry, _ = roster.save_roster_entry(None, gate, None, data)

    def everything() -> tuple:
        shifts = Shift.objects.filter(roster_entry=entry).order_by("starts_at")
        made = [(s.pk, s.starts_at, s.ends_at, sorted(s.members.values_list("user_id", flat=True))) for s in shifts]
        return stored(entry), made

    before = everything()
    assert before[0]["crew"] == sorted([world.volunteer.pk, world.worker_a.pk]) and before[1]
    save_unchanged(as_admin, reverse("gates:weekly_entry_edit", args=[entry.pk]))
    assert everything() == before


# ---- screening ----


def test_campaign_edit_keeps_every_field(world: World, as_admin: Client) -> None:
    """One of the community's two grids, rentals only, an end date and notes: none of them the default."""
    campaign = screening_actions.create_campaign(
        world.admin,
        {
            "name": "三月出租户排查",
            "start_date": date(2020, 3, 1),
            "end_date": date(2020, 3, 15),
            "grids": [world.grid_b],
            "household_filter": HouseholdFilter.RENTAL,
            "notes": NOTES,
        },
    )
    in_scope = sorted(campaign.households.values_list("household_id", flat=True))
    assert in_scope
    before = stored(campaign)
    save_unchanged(as_admin, reverse("screening:campaign_edit", args=[campaign.pk]))
    assert stored(campaign) == before
    assert sorted(Campaign.objects.get(pk=campaign.pk).households.values_list("household_id", flat=True)) == in_scope


# ---- the push list ----


def upload_push_list(world: World) -> PushBatch:
    content = push_files.csv_bytes(
        [push_files.row("林小红", make_id(born="19950607", order="442"), "13700001111", transport="G1234")]
    )
    return push_actions.upload_push_list(
        world.admin, world.community, [content], "推送名单.csv", received_on=date(2020, 2, 3), source="区指挥部"
    ).batch


def test_push_list_mapping_confirmed_as_guessed(world: World, as_admin: Client) -> None:
    batch = upload_push_list(world)
    assert batch.status == BatchStatus.MAPPING and batch.header_row == 2
    before = stored(batch, "status", "status_message")
    save_unchanged(as_admin, reverse("pushlist:batch", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PENDING  # taken as a confirmation, not as a new header row
    assert stored(batch, "status", "status_message") == before


def test_push_list_outcome_kept(world: World, as_admin: Client) -> None:
    """The outcome form shows the recorded outcome and note; saving it again records the same finding."""
    batch = upload_push_list(world)
    push_actions.confirm_mapping(batch, batch.mapping)
    push_actions.import_batch(world.admin, batch)
    person = batch.people.get()
    push_actions.set_outcome(world.admin, person, Outcome.NOT_LIVING_HERE, NOTES)
    before = stored(person, "outcome_at")
    url = reverse("pushlist:person", args=[person.pk])
    save_unchanged(as_admin, url, action=reverse("pushlist:outcome", args=[person.pk]))
    assert stored(person, "outcome_at") == before


# ---- enterprise reopening ----


def test_enterprise_edit_and_application_keep_every_field(world: World, as_admin: Client, settings, tmp_path) -> None:
    from alleykeeper.reopening import actions as reopening_actions
    from alleykeeper.reopening.models import Application, Enterprise

    data = {
        "name": "开元奶茶店",
        "credit_code": "91440300708461136T",
        "no_credit_code": False,
        "grid": world.grid_a,
        "building": None,
        "mall": "开元盛世广场",
        "floor": "1F",
        "shop_number": "1F-008",
        "sector": "catering",
        "contact_name": "林店长",
        "headcount": 6,
    }
    enterprise = reopening_actions.save_enterprise(None, None, data, check_phone("13859902222"))
    before = stored(enterprise, "updated_at")
    save_unchanged(as_admin, reverse("reopening:enterprise_edit", args=[enterprise.pk]))
    assert stored(Enterprise.objects.get(pk=enterprise.pk), "updated_at") == before
    planned = {"planned_date": timezone.localdate(), "contact_name": "林店长", "measures_entry": NOTES}
    application = reopening_actions.submit_application(
        None, enterprise, planned, check_phone("13859903333"), via_link=True
    )
    before = stored(application, "updated_at", "submitted_at", "via_link", "submitted_by")
    save_unchanged(as_admin, reverse("reopening:apply", args=[enterprise.pk]))
    assert (
        stored(Application.objects.get(pk=application.pk), "updated_at", "submitted_at", "via_link", "submitted_by")
        == before
    )


def test_map_edit_pages_keep_every_shape_and_the_alley_lead(
    world: World, as_admin: Client, enclosure: Enclosure, gate: Gate
) -> None:
    """The drawing page shows the stored GeoJSON in its text field; saved unchanged, nothing moves by a digit
    (7 decimals stored, 7 shown) and no audit record is written. The same for an alley's lead."""
    building = world.household_a.building
    ring = [[118.5812345, 24.9123456], [118.5834567, 24.9123456], [118.5834567, 24.9145678], [118.5812345, 24.9123456]]
    save_geometry(None, KINDS["enclosure"], enclosure, {"type": "Polygon", "coordinates": [ring]})
    save_geometry(None, KINDS["building"], building, {"type": "Point", "coordinates": [118.5823456, 24.9134567]})
    alley = building.alley
    register_actions.set_alley_lead(None, alley, "阿依古丽·买买提", "volunteer")
    save_geometry(None, KINDS["alley"], alley, {"type": "LineString", "coordinates": ring[:3]})
    events = AuditEvent.objects.count()
    for kind, place in (("enclosure", enclosure), ("gate", gate), ("building", building), ("alley", alley)):
        before = stored(place)
        save_unchanged(as_admin, reverse("maps:edit", args=[kind, place.pk]))
        assert stored(place) == before, kind
    before = stored(alley)
    save_unchanged(as_admin, reverse("maps:alley_lead", args=[alley.pk]))
    assert stored(alley) == before
    assert AuditEvent.objects.count() == events


def test_publicity_material_and_channel_edits_keep_every_field(world: World, as_admin: Client) -> None:
    """A material (dates, link, two-line description) and a channel (building group with members) saved
    unchanged from their pages: nothing changes and nothing is audited."""
    material = publicity_actions.save_material(
        None,
        None,
        {
            "community": world.community,
            "kind": "video",
            "title": "我在开元，我承诺…",
            "description": NOTES,
            "link": "https://example.org/v/kaiyuan",
            "start_date": date(2020, 2, 10),
            "end_date": date(2020, 3, 31),
        },
    )
    channel = publicity_actions.save_channel(
        None,
        None,
        {
            "community": world.community,
            "kind": "building_group",
            "name": "3号楼楼栋群",
            "building": world.household_a.building,
            "members": 37,
            "active": True,
        },
    )
    events = AuditEvent.objects.count()
    before = stored(material)
    save_unchanged(as_admin, reverse("publicity:material_edit", args=[material.pk]))
    assert stored(material) == before
    before = stored(channel)
    save_unchanged(as_admin, reverse("publicity:channel_edit", args=[channel.pk]))
    assert stored(channel) == before
    assert AuditEvent.objects.count() == events


def test_disinfection_plan_and_supply_item_edits_keep_every_field(world: World, as_admin: Client) -> None:
    from decimal import Decimal

    from alleykeeper.accounts.roles import Role
    from alleykeeper.sanitation.tests.conftest import MORNING, make_plan
    from alleykeeper.supplies.tests.conftest import make_item
    from testkit.world import make_user

    cleaner = make_user("cleaner", Role.CLEANER, communities=[world.community])
    item = make_item(world.community, stock="5", low="1.5")
    weekly = make_plan(
        world,
        cleaner,
        frequency="weekdays",
        weekdays=[0, 3],
        supply_item=item,
        amount=Decimal("0.25"),
        sequence=7,
        surfaces=["buttons", "handrails", "walls"],
    )
    every = make_plan(
        world,
        cleaner,
        place_kind="drain",
        building=None,
        alley=world.household_b.building.alley,
        description="下水道口",
        frequency="every_n_days",
        every_n_days=3,
        times=["07:30"],
        starts_on=MORNING.date() - timedelta(days=40),
        active=False,
    )
    for plan in (weekly, every):
        before = stored(plan), stored(plan.place)
        save_unchanged(as_admin, reverse("sanitation:plan_edit", args=[plan.pk]))
        assert (stored(plan), stored(plan.place)) == before
    before = stored(item)
    save_unchanged(as_admin, reverse("supplies:item_edit", args=[item.pk]))
    assert stored(item) == before
