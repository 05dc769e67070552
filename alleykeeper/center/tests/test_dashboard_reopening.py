"""The reopening panel of the dashboard (复工复产): each figure's number for a community and for a grid, the same
records behind every link (through HTTP), scope (a grid worker never reads another grid's enterprises) and
masked returning staff."""

from datetime import timedelta

import pytest
from django.urls import reverse

from alleykeeper.center.tests.conftest import HOME_MOMENT, client_for
from alleykeeper.center.tests.test_dashboard import figure_links, shown_total
from alleykeeper.reports.figures import Area, Window, records_url
from alleykeeper.reports.tests.reopening_scenario import COMMUNITY, GRID_A, Reopening, build_reopening

pytestmark = pytest.mark.django_db


@pytest.fixture
def reopening(world, time_machine) -> Reopening:
    time_machine.move_to(HOME_MOMENT - timedelta(minutes=10), tick=False)
    made = build_reopening(world)
    time_machine.move_to(HOME_MOMENT, tick=False)
    return made


def _panel(page: str) -> dict[str, int]:
    section = page.split(">复工复产</h2>")[1].split("</section>")[0]
    return {key: value for _, key, value in figure_links(section.split("<svg")[0])}


def test_the_panel_counts_each_figure_and_each_number_opens_its_records(world, reopening):
    client = client_for(world.admin)
    page = client.get(reverse("center:dashboard_community", args=[world.community.pk])).content.decode()
    assert _panel(page) == COMMUNITY
    for link, key, value in figure_links(page):
        if key.startswith(("enterprises_", "reopening_")):
            assert shown_total(client, link, key) == value, key
    # The grids side by side carry the open enterprises and the applications waiting.
    table = page.split('id="grids-title"')[1]
    assert "企业：已复工" in table and "复工申请待审批" in table
    area, window = Area.for_user(world.admin, community_id=world.community.pk), Window.since_midnight(HOME_MOMENT)
    today = client.get(records_url("reopening_openings_today", area, window)).content.decode()
    assert "丽人美发" in today and "孝感巷理发店" not in today
    assert reverse("reopening:application", args=[reopening.by_name["丽人美发"].applications.get().pk]) in today
    missing = client.get(records_url("reopening_reports_missing", area, window)).content.decode()
    assert "东街面馆" in missing and "开元奶茶" not in missing and "新华超市" not in missing


def test_a_grid_worker_reads_their_grids_enterprises_only(world, reopening):
    client = client_for(world.worker_a)
    page = client.get(reverse("center:dashboard_grid", args=[world.grid_a.pk])).content.decode()
    assert _panel(page) == GRID_A
    area, window = Area.for_user(world.worker_a), Window.since_midnight(HOME_MOMENT)
    listed = client.get(records_url("enterprises_approved", area, window)).content.decode()
    assert "丽人美发" in listed and "孝感巷理发店" not in listed
    # Returning staff: the family name only, on the page and never in its address; another grid's: 404.
    url = records_url("reopening_staff_blocking", area, window)
    blocking = client.get(url).content.decode()
    assert "黄**" in blocking and "黄志强" not in blocking and "李四" not in blocking
    assert "黄" not in url and "%E9%BB%84" not in url
    assert reverse("reopening:staff", args=[reopening.blocking_a.enterprise_id]) in blocking
    assert client.get(url.replace(f"grid={world.grid_a.pk}", f"grid={world.grid_b.pk}")).status_code == 404


def test_the_street_officer_reads_the_counts_and_duty_staff_no_list(world, reopening):
    client = client_for(world.officer)
    overview = client.get(reverse("center:dashboard_community", args=[world.community.pk])).content.decode()
    assert _panel(overview) == COMMUNITY
    area, window = Area.for_user(world.officer), Window.since_midnight(HOME_MOMENT)
    listed = client.get(records_url("reopening_staff_blocking", area, window)).content.decode()
    assert "黄**" in listed and "李**" in listed and "黄志强" not in listed
    duty_area = Area(frozenset({world.community.pk}))
    assert client_for(world.duty).get(records_url("enterprises_open", duty_area, window)).status_code == 403
