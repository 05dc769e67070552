"""Closed cases are deleted after OBSERVATION_RETENTION_DAYS; open ones never; the audit keeps counts."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.observation.actions import release_case
from alleykeeper.observation.deliveries import create_request
from alleykeeper.observation.followups import Report, record_followup
from alleykeeper.observation.models import FollowUp, FollowUpSlot, ObservationCase, ServiceRequest

pytestmark = pytest.mark.django_db


def test_purge_deletes_old_closed_cases_only(world, case_a, case_b, settings):
    settings.OBSERVATION_RETENTION_DAYS = 30
    record_followup(world.worker_a, case_a, Report(temperature=Decimal("36.5")))
    create_request(world.admin, case_a, "groceries")
    release_case(world.admin, case_a, now=timezone.now() - timedelta(days=31))
    call_command("purge_observation", stdout=StringIO())
    assert not ObservationCase.objects.filter(pk=case_a.pk).exists()
    assert not FollowUp.objects.filter(case_id=case_a.pk).exists()
    assert not FollowUpSlot.objects.filter(case_id=case_a.pk).exists()
    assert not ServiceRequest.objects.filter(case_id=case_a.pk).exists()
    assert ObservationCase.objects.filter(pk=case_b.pk).exists()
    event = AuditEvent.objects.get(action="observation.purge")
    assert event.row_count == 1 and event.detail == {"followups": 1, "requests": 1}
    assert case_a.name not in event.object_label + event.scope
    out = StringIO()
    call_command("purge_observation", stdout=out)
    assert "cases=0" in out.getvalue() and AuditEvent.objects.filter(action="observation.purge").count() == 1


def test_recently_closed_cases_are_kept(world, case_a, settings):
    settings.OBSERVATION_RETENTION_DAYS = 30
    release_case(world.admin, case_a, now=timezone.now() - timedelta(days=29))
    call_command("purge_observation", stdout=StringIO())
    assert ObservationCase.objects.filter(pk=case_a.pk).exists()
