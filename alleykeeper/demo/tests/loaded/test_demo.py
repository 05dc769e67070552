"""`manage.py load_demo`: the demo community of the report, loaded once, sealed like real data."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from shapely.geometry import Point, shape

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import DocumentType, check_document, check_phone
from alleykeeper.demo import data as plan
from alleykeeper.gates.models import Enclosure, Gate
from alleykeeper.registry.models import Alley, Building, Grid, Household, HouseholdKind, Resident

PASSWORD = "demo-test-Pass1"


def _snapshot() -> dict:
    return {
        "households": list(Household.objects.order_by("id").values_list("id", "room", "kind", "updated_at")),
        "residents": Resident.objects.count(),
        "users": list(User.objects.order_by("id").values_list("id", "username", "password")),
        "gates": list(Gate.objects.order_by("id").values_list("id", "token")),
        "audit": AuditEvent.objects.count(),
    }


@pytest.mark.django_db
def test_load_demo_builds_the_report_community_once(loaded):

    households = Household.objects.all()
    assert households.count() == 922
    rentals = households.filter(kind=HouseholdKind.RENTAL)
    assert rentals.count() == 149
    assert not rentals.filter(landlord_name="").exists()
    assert not rentals.filter(landlord_phone_masked="").exists()
    assert not rentals.filter(tenancy_start__isnull=True).exists()
    assert not households.filter(enclosure__isnull=True).exists(), "every household lies in an enclosure"
    assert Enclosure.objects.count() == 13
    assert Gate.objects.count() >= 20
    assert set(Enclosure.objects.annotate(n=Count("gates")).values_list("n", flat=True)) <= {1, 2, 3}

    residents = list(Resident.objects.all())
    assert 2300 <= len(residents) <= 2700
    for resident in residents:  # every number passes the checks a page would apply, and is stored sealed
        if resident.doc_number_enc:
            number = resident.full_document_number()
            assert check_document(resident.doc_type, number).ok, resident.doc_type
            assert number not in resident.doc_number_enc and "*" in resident.doc_number_masked
        if resident.phone_enc:
            assert check_phone(resident.full_phone()).ok
    mainland = [r for r in residents if r.doc_type == DocumentType.ID_CARD and r.doc_number_enc]
    assert sum(r.full_document_number().startswith("350502") for r in mainland) > len(mainland) / 2

    staff = User.objects.all()
    assert staff.count() == 15
    assert not staff.filter(is_superuser=True).exists()
    roles = {role: staff.filter(role=role).count() for role in Role.values}
    assert roles[Role.ADMIN] == 2 and roles[Role.GRID_WORKER] == 6 and roles[Role.STREET_OFFICER] == 1
    assert all(roles.values()), roles
    assert authenticate(username="wangcl", password=PASSWORD) is not None
    assert list(User.objects.get(username="wangcl").grids.values_list("name", flat=True)) == ["第一网格"]
    worker = User.objects.get(username="wujj")
    assert Household.objects.visible_to(worker).count() < 200

    _assert_the_map_is_plausible()

    printed = loaded.printed
    for username in ("chenyl", "huangyh", "wangcl", "wujj", "yangzh"):
        assert username in printed
    assert "陈育玲" in printed and "/accounts/login/" in printed

    before = _snapshot()
    again = StringIO()
    call_command("load_demo", stdout=again)
    assert _snapshot() == before, "a second run changes nothing"
    assert "未做改动" in again.getvalue() and "wangcl" in again.getvalue()


def _assert_the_map_is_plausible() -> None:
    """Every place of the demo is drawn, around 开元寺 in 泉州: enclosures are blocks that do not overlap, each
    gate stands on its enclosure's edge, each building inside its enclosure; alleys have their leads."""
    temple = Point(118.582, 24.914)
    for model in (Enclosure, Gate, Grid, Alley, Building):
        shapes = [shape(g) for g in model.objects.values_list("geometry", flat=True)]
        assert shapes and all(s is not None for s in shapes), model.__name__
        assert all(s.distance(temple) < 0.015 for s in shapes), f"{model.__name__}: all within 1.5 km of 开元寺"
    blocks = {e.pk: shape(e.geometry) for e in Enclosure.objects.all()}
    for block in blocks.values():  # 100-300 m across (a degree of longitude is 101 km here, of latitude 111 km)
        west, south, east, north = block.bounds
        assert 60 < max((east - west) * 101_000, (north - south) * 111_000) < 320, block.bounds
    assert not [(a, b) for a in blocks for b in blocks if a < b and blocks[a].intersection(blocks[b]).area > 0]
    for gate in Gate.objects.all():
        assert blocks[gate.enclosure_id].exterior.distance(shape(gate.geometry)) < 1e-6, gate.name
    for building in Building.objects.select_related("enclosure_link"):
        assert blocks[building.enclosure_link.enclosure_id].covers(shape(building.geometry)), str(building)
    leads = dict(Alley.objects.exclude(lead_name="").values_list("name", "lead_name"))
    assert leads["城北路"] == "庄建国" and len(leads) == len(plan.ALLEY_LEADS)
    assert AuditEvent.objects.filter(action="map.import", actor__username="chenyl").count() == 1
