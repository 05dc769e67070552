"""Today (今日): what it lists, for whom, and in a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alleykeeper.observation.deliveries import create_request
from alleykeeper.observation.followups import Report, record_followup, tick
from alleykeeper.observation.models import FollowUpSlot, SlotStatus
from alleykeeper.observation.tests.conftest import open_case_for
from testkit.world import add_resident, make_id

pytestmark = pytest.mark.django_db


def test_fever_shows_in_today(world, as_worker_a, case_a):
    as_worker_a.post(reverse("observation:call", args=[case_a.pk]), {"reached": "1", "temperature": "38.1"})
    page = as_worker_a.get(reverse("observation:today")).content.decode()
    fevers = page.split('id="fevers"')[1].split("</section>")[0]
    assert case_a.name in fevers and "待复测" in fevers and "38.1" in fevers


def test_overdue_and_due_calls_are_listed_from_stored_states(world, as_worker_a, case_a):
    now = timezone.now()
    FollowUpSlot.objects.filter(case=case_a, due_at__lte=now).update(status=SlotStatus.PENDING)
    tick(now)
    overdue = FollowUpSlot.objects.filter(case=case_a, status=SlotStatus.OVERDUE).count()
    page = as_worker_a.get(reverse("observation:today")).content.decode()
    assert f"逾期未随访（{overdue}）" in page
    # A state the tick has not stored is not invented by the page.
    FollowUpSlot.objects.filter(case=case_a, status=SlotStatus.OVERDUE).update(status=SlotStatus.PENDING)
    page = as_worker_a.get(reverse("observation:today")).content.decode()
    assert "逾期未随访（0）" in page


def test_worker_sees_own_cases_only_and_admin_sees_all(world, as_worker_a, as_worker_b, as_admin, case_a, case_b):
    page_a = as_worker_a.get(reverse("observation:today")).content.decode()
    page_b = as_worker_b.get(reverse("observation:today")).content.decode()
    admin_page = as_admin.get(reverse("observation:today")).content.decode()
    assert case_a.name in page_a and case_b.name not in page_a
    assert case_b.name in page_b and case_a.name not in page_b
    create_request(world.admin, case_a, "groceries")
    create_request(world.admin, case_b, "masks")
    admin_page = as_admin.get(reverse("observation:today")).content.decode()
    assert "买菜" in admin_page and "口罩" in admin_page
    mine = as_admin.get(reverse("observation:today") + "?mine=1").content.decode()
    assert "买菜" not in mine


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_today_runs_a_fixed_number_of_queries(world, as_admin, as_worker_a):
    url = reverse("observation:today")
    open_case_for(world, world.household_a, world.worker_a)
    few = _queries(as_admin, url)
    for i in range(6):
        household = world.household_a if i % 2 else world.household_b
        resident = add_resident(household, f"观察{i}", make_id(born="19920202", order=f"{300 + i:03d}"))
        case = open_case_for(world, household, world.worker_a, resident=resident)
        record_followup(world.worker_a, case, Report(temperature=Decimal("38.0")))
        create_request(world.admin, case, "groceries")
    tick(timezone.now() + timedelta(hours=3))
    assert _queries(as_admin, url) == few
    assert _queries(as_worker_a, url) == _queries(as_worker_a, url)


def test_case_pages_run_a_fixed_number_of_queries(world, as_admin, case_a):
    url = reverse("observation:case", args=[case_a.pk])
    few = _queries(as_admin, url)
    for temperature in ("36.5", "36.6", "36.7"):
        record_followup(world.worker_a, case_a, Report(temperature=Decimal(temperature)))
        create_request(world.admin, case_a, "other")
    assert _queries(as_admin, url) == few
    list_url = reverse("observation:cases")
    few = _queries(as_admin, list_url)
    open_case_for(world, world.household_b, world.worker_b)
    assert _queries(as_admin, list_url) == few
