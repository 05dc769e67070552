"""`make run` and `migrate` print no warnings: Django's system checks, the database's included, find nothing
that is not silenced on purpose (settings.SILENCED_SYSTEM_CHECKS, each with its reason)."""

import pytest
from django.core import checks

pytestmark = pytest.mark.django_db


def test_the_system_checks_say_nothing():
    found = checks.run_checks(databases=["default"], include_deployment_checks=False)
    assert [f"{m.id}: {m.msg}" for m in found if not m.is_silenced()] == []
