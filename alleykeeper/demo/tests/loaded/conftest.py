"""`manage.py load_demo` run once for the tests of what it made (the register, the map, every feature's
activity): loading the demo is the costly part, so both modules read the same load, inside a transaction
rolled back after their last test. Each test may run the command again (a second run changes nothing)."""

from dataclasses import dataclass
from datetime import datetime
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

PASSWORD = "demo-test-Pass1"


@dataclass(frozen=True)
class Loaded:
    printed: str  # what the command printed
    at: datetime  # when it was run


@pytest.fixture(scope="package")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Loaded:
    demo = {
        "DEBUG": True,
        "DEMO_PASSWORD": PASSWORD,
        "PRIVATE_UPLOAD_ROOT": tmp_path_factory.mktemp("uploads"),
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    }
    with django_db_blocker.unblock(), override_settings(**demo), transaction.atomic():
        out, at = StringIO(), timezone.now()
        call_command("load_demo", stdout=out)  # the division table is empty here: the few needed rows are added
        yield Loaded(out.getvalue(), at)
        transaction.set_rollback(True)
    cache.clear()
