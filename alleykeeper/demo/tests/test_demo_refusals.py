"""`manage.py load_demo` refuses without DEBUG or a password; the plan is the same every time."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from alleykeeper.accounts.models import User
from alleykeeper.demo.community import plan_households
from alleykeeper.registry.models import Household

PASSWORD = "demo-test-Pass1"


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
