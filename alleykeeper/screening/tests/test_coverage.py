"""Coverage arithmetic and the coverage page: scope filter, covered, reached, revisit, never reached, per
grid, today's attempts per worker; the audited export; fixed queries."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from alleykeeper.audit.models import AuditEvent
from alleykeeper.registry.models import Grid, HouseholdKind
from alleykeeper.screening import actions, coverage
from alleykeeper.screening.models import CampaignHousehold, HouseholdFilter
from alleykeeper.screening.tests.conftest import answers_for, attempt_url, start_campaign
from testkit.world import add_resident, make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def rentals(world, places):
    """Grid A: the world's owner household plus three rentals; grid B: the world's rental plus one owner."""
    households = [make_household(world.grid_a, "7号楼", str(room), HouseholdKind.RENTAL) for room in (101, 102, 103)]
    for n, household in enumerate(households):
        add_resident(household, f"租客{n}", phone=f"1360000{n:04d}")
    add_resident(households[0], "租客0的室友")
    make_household(world.grid_b, "9号楼", "101")
    campaign = start_campaign(world.admin, [world.grid_a, world.grid_b], HouseholdFilter.RENTAL, "出租户复查")
    return campaign, households


def _tally(user, campaign):
    return coverage.by_grid(coverage.visible_states(user, campaign))


def test_rentals_only_scope(world, rentals):
    campaign, households = rentals
    enrolled = set(CampaignHousehold.objects.filter(campaign=campaign).values_list("household_id", flat=True))
    assert enrolled == {h.pk for h in households} | {world.household_b.pk}
    total, grids = _tally(world.admin, campaign)
    assert (total.total, total.covered, total.pending) == (4, 0, 4)
    assert [(g.label, g.total) for g in grids] == [("第一网格", 3), ("第二网格", 1)]


def test_grids_in_the_communitys_own_order(world, rentals):
    """第一、第二、第三 as created, not by code point (which puts 第三 before 第二)."""
    campaign, _households = rentals
    third = Grid.objects.create(community=world.community, name="第三网格")
    make_household(third, "1号楼", "101", HouseholdKind.RENTAL)
    campaign.grids.add(third)
    actions.sync_campaign_scope(world.admin, campaign)
    _total, grids = _tally(world.admin, campaign)
    assert [g.label for g in grids] == ["第一网格", "第二网格", "第三网格"]


def test_scope_follows_the_register_when_synced(world, rentals):
    campaign, _households = rentals
    late = make_household(world.grid_a, "7号楼", "104", HouseholdKind.RENTAL)
    assert actions.sync_campaign_scope(world.admin, campaign) == (1, 0)
    assert CampaignHousehold.objects.filter(campaign=campaign, household=late).exists()
    assert actions.sync_campaign_scope(world.admin, campaign) == (0, 0)


def test_coverage_arithmetic(world, rentals, as_worker_a, as_worker_b):
    campaign, (shared, single, silent) = rentals
    tenant, roommate = shared.residents.order_by("id")
    # shared flat: first only the tenant answers (revisit), single flat: covered, silent flat: no answer.
    post = lambda client, household, data: client.post(attempt_url(campaign, household), data)  # noqa: E731
    assert (
        post(
            as_worker_a, shared, {"channel": "phone", "outcome": "reached", **answers_for(campaign, tenant)}
        ).status_code
        == 302
    )
    assert (
        post(
            as_worker_a,
            single,
            {"channel": "door", "outcome": "reached", **answers_for(campaign, single.residents.get())},
        ).status_code
        == 302
    )
    assert post(as_worker_a, silent, {"channel": "phone", "outcome": "no_answer"}).status_code == 302
    assert post(as_worker_a, silent, {"channel": "phone", "outcome": "wrong_number"}).status_code == 302
    assert post(as_worker_b, world.household_b, {"channel": "door", "outcome": "refused"}).status_code == 302
    total, grids = _tally(world.admin, campaign)
    assert (total.total, total.covered, total.reached, total.revisit, total.pending, total.never_reached) == (
        4,
        1,
        2,
        3,
        0,
        2,
    )
    grid_a = grids[0]
    assert (grid_a.total, grid_a.covered, grid_a.reached, grid_a.revisit, grid_a.never_reached) == (3, 1, 2, 2, 1)
    # The roommate answers on a second call: the shared flat is covered now.
    assert (
        post(
            as_worker_a, shared, {"channel": "phone", "outcome": "reached", **answers_for(campaign, roommate)}
        ).status_code
        == 302
    )
    total, _ = _tally(world.admin, campaign)
    assert (total.covered, total.revisit) == (2, 2)
    # A worker's view counts their own grids only.
    mine, grids = _tally(world.worker_b, campaign)
    assert (mine.total, mine.revisit, [g.label for g in grids]) == (1, 1, ["第二网格"])


def test_coverage_page(world, rentals, as_worker_a, as_admin, as_worker_b):
    campaign, (_shared, single, silent) = rentals
    as_worker_a.post(attempt_url(campaign, silent), {"channel": "phone", "outcome": "no_answer"})
    data = {"channel": "door", "outcome": "reached", **answers_for(campaign, single.residents.get())}
    as_worker_a.post(attempt_url(campaign, single), data)
    as_worker_b.post(attempt_url(campaign, world.household_b), {"channel": "door", "outcome": "refused"})
    page = as_admin.get(reverse("screening:coverage", args=[campaign.pk])).content.decode()
    assert '<strong id="stat-covered">1</strong>已完成 / 4 户（25%）' in page
    assert '<strong id="stat-never">3</strong>' in page
    assert "<td>worker_a</td><td>2</td><td>1</td><td>1</td><td>0</td>" in page
    assert "<td>worker_b</td><td>1</td>" in page
    # Never reached: the silent flat, the refused one, the untouched shared flat.
    assert "7号楼103" in page and "8号楼101" in page and "7号楼101" in page
    page = as_worker_b.get(reverse("screening:coverage", args=[campaign.pk])).content.decode()
    assert "7号楼" not in page and "worker_a" not in page and "第一网格" not in page


def test_coverage_page_access(world, rentals, personas):
    campaign, _ = rentals
    url = reverse("screening:coverage", args=[campaign.pk])
    expected = {"admin": 200, "worker_a": 200, "worker_b": 200, "officer": 403, "duty": 403, "volunteer": 403}
    for name, code in expected.items():
        assert personas[name].get(url).status_code == code, name
    assert personas["anonymous"].get(url).status_code == 302


def test_coverage_page_runs_a_fixed_number_of_queries(world, rentals, as_admin, as_worker_a):
    campaign, households = rentals
    url = reverse("screening:coverage", args=[campaign.pk])
    as_worker_a.post(attempt_url(campaign, households[2]), {"channel": "phone", "outcome": "no_answer"})
    with CaptureQueriesContext(connection) as small:
        as_admin.get(url)
    for n in range(10):
        household = make_household(world.grid_b, "11号楼", str(200 + n), HouseholdKind.RENTAL)
        add_resident(household, f"新租客{n}")
    actions.sync_campaign_scope(world.admin, campaign)
    as_worker_a.post(attempt_url(campaign, households[1]), {"channel": "phone", "outcome": "no_answer"})
    with CaptureQueriesContext(connection) as large:
        as_admin.get(url)
    assert len(large) == len(small)


def test_export_needs_a_purpose_and_is_audited(world, rentals, as_worker_a):
    campaign, _households = rentals
    url = reverse("screening:coverage_export", args=[campaign.pk])
    assert as_worker_a.get(url).status_code == 200
    response = as_worker_a.post(url, {"format": "csv"})
    assert response.status_code == 400 and "请选择导出用途" in response.content.decode()
    assert as_worker_a.post(url, {"format": "csv", "purpose": "gossip"}).status_code == 400
    assert not AuditEvent.objects.filter(action="screening.coverage_export").exists()
    response = as_worker_a.post(url, {"format": "csv", "purpose": "report_upward"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["网格", "小巷", "楼栋"] and len(rows) == 4  # header + grid A's three rentals
    assert all(row[0] == "第一网格" for row in rows[1:])
    event = AuditEvent.objects.get(action="screening.coverage_export")
    assert (event.purpose, event.row_count, event.actor) == ("report_upward", 3, world.worker_a)
    assert "第一网格" in event.scope


def test_xlsx_export_is_formula_safe_and_names_no_one(world, rentals, as_admin):
    campaign, _households = rentals
    make_household(world.grid_a, '=HYPERLINK("x")', "1", HouseholdKind.RENTAL)
    actions.sync_campaign_scope(world.admin, campaign)
    response = as_admin.post(
        reverse("screening:coverage_export", args=[campaign.pk]), {"format": "xlsx", "purpose": "screening"}
    )
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    cells = [str(value) for row in book.get_sheet_by_index(0).to_python() for value in row if value != ""]
    assert '\'=HYPERLINK("x")' in cells
    assert not any("租客" in cell or "1360000" in cell for cell in cells)
    assert AuditEvent.objects.get(action="screening.coverage_export").row_count == 5
