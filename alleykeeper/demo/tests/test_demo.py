"""`manage.py load_demo`: the demo community of the report, loaded once, sealed like real data."""

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import DocumentType, check_document, check_phone
from alleykeeper.demo.community import plan_households
from alleykeeper.gates.models import Enclosure, Gate
from alleykeeper.registry.models import Household, HouseholdKind, Resident

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
def test_load_demo_builds_the_report_community_once(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = PASSWORD
    out = StringIO()
    call_command("load_demo", stdout=out)

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

    printed = out.getvalue()
    for username in ("chenyl", "huangyh", "wangcl", "wujj", "yangzh"):
        assert username in printed
    assert "陈育玲" in printed and "/accounts/login/" in printed

    before = _snapshot()
    again = StringIO()
    call_command("load_demo", stdout=again)
    assert _snapshot() == before, "a second run changes nothing"
    assert "未做改动" in again.getvalue() and "wangcl" in again.getvalue()


@pytest.mark.django_db
def test_load_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.DEMO_PASSWORD = PASSWORD
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", stdout=StringIO())
    assert not Household.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
def test_load_demo_needs_a_password(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = ""
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_plan_is_deterministic():
    day = date(2026, 3, 1)
    first, second = plan_households(day), plan_households(day)
    assert [(h.building, h.room, h.kind, [r.doc_number for r in h.residents]) for h in first] == [
        (h.building, h.room, h.kind, [r.doc_number for r in h.residents]) for h in second
    ]
    numbers = [r.doc_number for h in first for r in h.residents if r.doc_number]
    assert len(numbers) == len(set(numbers)), "no ID number is issued twice"
