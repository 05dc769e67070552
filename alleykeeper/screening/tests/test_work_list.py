"""The grid worker's work list: scope, order by building, tabs, the audited one-tap call, fixed queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alleykeeper.audit.models import AuditEvent
from alleykeeper.registry.actions import save_grid
from alleykeeper.registry.models import HouseholdKind
from alleykeeper.screening import actions
from alleykeeper.screening.models import CampaignHousehold
from alleykeeper.screening.tests.conftest import answers_for, attempt_url, start_campaign
from alleykeeper.screening.views import work
from testkit.paging import follow_pages
from testkit.world import add_resident, make_household

pytestmark = pytest.mark.django_db


def _rooms(page: str) -> list[str]:
    return re.findall(r"<strong>第一网格巷(\S+?)</strong>", page)


def test_worker_sees_only_their_grids_households(world, campaign, as_worker_a, as_worker_b):
    page = as_worker_a.get(reverse("screening:work", args=[campaign.pk])).content.decode()
    assert world.household_a.room in page and "王翠琳" in page
    assert "8号楼" not in page and "吴晶晶" not in page and "新华" not in page
    page = as_worker_b.get(reverse("screening:work", args=[campaign.pk])).content.decode()
    assert "8号楼101" in page and "王翠琳" not in page
    # Asking for the other grid by its id changes nothing.
    page = as_worker_a.get(reverse("screening:work", args=[campaign.pk]) + f"?grid={world.grid_b.pk}").content.decode()
    assert "吴晶晶" not in page


def test_work_list_is_ordered_by_building_then_room(world, places, as_worker_a):
    for building, room in [("12号楼", "101"), ("3号楼", "1101"), ("5号楼", "201"), ("3号楼", "101")]:
        make_household(world.grid_a, building, room)
    campaign = start_campaign(world.admin, [world.grid_a])
    page = as_worker_a.get(reverse("screening:work", args=[campaign.pk])).content.decode()
    assert _rooms(page) == ["3号楼101", "3号楼302", "3号楼1101", "5号楼201", "12号楼101"]


def test_campaign_of_other_grids_is_invisible_to_the_worker(world, places, as_worker_a):
    campaign = start_campaign(world.admin, [world.grid_b])
    assert as_worker_a.get(reverse("screening:work", args=[campaign.pk])).status_code == 404
    assert campaign.name not in as_worker_a.get(reverse("screening:campaigns")).content.decode()


def test_tabs_move_households_between_todo_revisit_and_covered(world, campaign, as_worker_a):
    url = reverse("screening:work", args=[campaign.pk])
    row = f'id="h{world.household_a.pk}"'
    assert (
        as_worker_a.post(
            attempt_url(campaign, world.household_a), {"channel": "phone", "outcome": "no_answer"}
        ).status_code
        == 302
    )
    assert row in as_worker_a.get(url + "?show=revisit").content.decode()
    assert row in as_worker_a.get(url).content.decode()
    assert row not in as_worker_a.get(url + "?show=pending").content.decode()
    resident = world.household_a.residents.get()
    data = {"channel": "door", "outcome": "reached", **answers_for(campaign, resident)}
    assert as_worker_a.post(attempt_url(campaign, world.household_a), data).status_code == 302
    assert row not in as_worker_a.get(url).content.decode()
    assert row in as_worker_a.get(url + "?show=covered").content.decode()


def test_work_list_shows_masked_phones_only(world, campaign, as_worker_a):
    page = as_worker_a.get(reverse("screening:work", args=[campaign.pk])).content.decode()
    assert "138****1234" in page and "13859901234" not in page and "tel:" not in page


def test_call_reveals_through_an_audited_reveal(world, campaign, as_worker_a, as_worker_b, as_officer):
    resident = world.household_a.residents.get()
    url = reverse("screening:call", args=[campaign.pk, world.household_a.pk, resident.pk])
    assert as_worker_a.get(url).status_code == 405
    response = as_worker_a.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'href="tel:13859901234"' in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="identity.reveal_phone")
    assert (event.actor, event.purpose, event.object_id) == (world.worker_a, "screening", resident.pk)
    assert "13859901234" not in str(event.__dict__)
    # Every tap is one more audit record.
    as_worker_a.post(url)
    assert AuditEvent.objects.filter(action="identity.reveal_phone").count() == 2
    # Another grid's worker, a resident of another household under this household's URL, no capability.
    assert as_worker_b.post(url).status_code == 404
    stranger = world.household_b.residents.get()
    foreign = reverse("screening:call", args=[campaign.pk, world.household_a.pk, stranger.pk])
    assert as_worker_a.post(foreign).status_code == 404
    assert as_officer.post(url).status_code == 403
    assert AuditEvent.objects.filter(action="identity.reveal_phone").count() == 2


def test_call_without_a_registered_phone_is_404_and_not_audited(world, campaign, as_worker_a):
    silent = add_resident(world.household_a, "无电话")
    url = reverse("screening:call", args=[campaign.pk, world.household_a.pk, silent.pk])
    assert as_worker_a.post(url).status_code == 404
    assert not AuditEvent.objects.filter(action="identity.reveal_phone").exists()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_work_list_runs_a_fixed_number_of_queries(world, campaign, as_admin):
    url = reverse("screening:work", args=[campaign.pk])
    before = _queries(as_admin, url)
    for n in range(12):
        household = make_household(world.grid_a, f"{n + 20}号楼", "101", HouseholdKind.RENTAL)
        add_resident(household, f"住户{n}", phone=f"1385990{n:04d}")
        add_resident(household, f"家属{n}")
    actions.sync_campaign_scope(world.admin, campaign)
    assert _queries(as_admin, url) == before


def test_work_list_pages_by_key_stable_under_an_insert(world, places, as_worker_a, monkeypatch):
    """Every household once following 下一页 (the tab kept), and one enrolled meanwhile that sorts first (1号楼)
    shifts no page."""
    monkeypatch.setattr(work, "PAGE_SIZE", 3)
    for n in range(6):
        make_household(world.grid_a, "5号楼", f"{n + 1}01")
    campaign = start_campaign(world.admin, [world.grid_a])

    def enrol_one() -> None:
        make_household(world.grid_a, "1号楼", "101")
        actions.sync_campaign_scope(world.admin, campaign)

    url = reverse("screening:work", args=[campaign.pk]) + "?show=todo"
    seen = follow_pages(as_worker_a, url, after_first=enrol_one)
    assert len(seen) == len(set(seen)) == 7


def test_work_list_keeps_the_communitys_grid_order_across_pages(world, places, as_admin, monkeypatch):
    """Grids in the community's order (a sort number first), page after page: grid B numbered 1 comes first."""
    monkeypatch.setattr(work, "PAGE_SIZE", 2)
    for n in range(3):
        make_household(world.grid_a, "5号楼", f"{n + 1}01")
        make_household(world.grid_b, "5号楼", f"{n + 1}01")
    save_grid(world.admin, world.grid_b, {"sort_number": 1})
    campaign = start_campaign(world.admin, [world.grid_a, world.grid_b])
    seen = follow_pages(as_admin, reverse("screening:work", args=[campaign.pk]))
    grid_of = dict(CampaignHousehold.objects.filter(pk__in=seen).values_list("pk", "grid_id"))
    order = [grid_of[pk] for pk in seen]
    assert len(seen) == len(set(seen)) == 8 and order == sorted(order, key=lambda grid: grid != world.grid_b.pk)
