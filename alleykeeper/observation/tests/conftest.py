"""Observation fixtures: cases opened two days ago in grid A (worker A) and grid B (worker B)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alleykeeper.observation import schedule
from alleykeeper.observation.actions import CaseTerms, Person, open_cases
from alleykeeper.observation.models import ObservationCase, Reason


def open_case_for(world, household, worker, *, days_ago: int = 2, now=None, resident=None) -> ObservationCase:
    now = now or timezone.now()
    opened = now - timedelta(days=days_ago)
    resident = resident or household.residents.first()
    terms = CaseTerms(
        reason=Reason.KEY_AREA,
        day_zero_basis="arrival",
        day_zero=schedule.local_date(opened),
        assigned_worker=worker,
    )
    return open_cases(world.admin, household, [Person(resident.name, resident=resident)], terms, now=opened)[0]


@pytest.fixture
def case_a(world) -> ObservationCase:
    return open_case_for(world, world.household_a, world.worker_a)


@pytest.fixture
def case_b(world) -> ObservationCase:
    return open_case_for(world, world.household_b, world.worker_b)
