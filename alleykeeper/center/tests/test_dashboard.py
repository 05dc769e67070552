"""The dashboard: a community's and each grid's figures (from reports.figures), each opening its records; the
grids and communities side by side; trend charts as SVG without script, with their numbers as a table; scope."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alleykeeper.center.dashboard import PANELS, TABLE_KEYS, trend_days
from alleykeeper.center.tests.conftest import HOME_MOMENT, Busy, add_more, client_for, open_case
from alleykeeper.registry.models import Community, Grid
from alleykeeper.reports.figures import FIGURES, Area, Window, compute, series
from testkit.world import make_household

pytestmark = pytest.mark.django_db

FIGURE_LINK = re.compile(r'href="(/reports/figure/(\w+)/\?[^"]+)"[^>]*>(?:<strong>)?(\d+)')


def figure_links(page: str) -> list[tuple[str, str, int]]:
    """(url, figure key, number shown) of every figure on a page."""
    return [(url.replace("&amp;", "&"), key, int(value)) for url, key, value in FIGURE_LINK.findall(page)]


def shown_total(client, url: str, key: str) -> int:
    page = client.get(url).content.decode()
    return int(re.search(rf"<h1>{re.escape(FIGURES[key].label)}：(\d+) ", page).group(1))


def test_admin_reads_the_community_and_every_figure_opens_its_records(busy: Busy):
    world = busy.world
    client = client_for(world.admin)
    url = reverse("center:dashboard_community", args=[world.community.pk])
    page = client.get(url).content.decode()
    area = Area.for_user(world.admin, community_id=world.community.pk)
    expected = compute(area, Window.since_midnight(HOME_MOMENT))
    counts = "".join(re.findall(r'<ul class="counts">.*?</ul>', page, re.S))
    shown = {key: value for _, key, value in figure_links(counts)}
    panel_keys = {key for panel in PANELS for key in panel.keys}
    for key in panel_keys:
        assert shown[key] == expected[key], key
    assert (
        expected["observation_current"] == 3 and expected["gate_entries"] == 1 and expected["visitors_registered"] == 1
    )
    assert expected["gates_unstaffed"] == 1 and expected["followups_overdue"] == 2
    # Every number on the page opens the list of the same records.
    for link, key, value in figure_links(page):
        assert shown_total(client, link, key) == value, (key, link)
    # The grids side by side, in the community's order, each a link to its own dashboard.
    table = page.split('id="grids-title"')[1]
    assert table.index("第一网格") < table.index("第二网格")
    assert reverse("center:dashboard_grid", args=[world.grid_a.pk]) in table
    assert "覆盖率" in page


def test_charts_are_svg_without_script_with_their_numbers_as_a_table(busy: Busy):
    world = busy.world
    page = (
        client_for(world.admin).get(reverse("center:dashboard_community", args=[world.community.pk])).content.decode()
    )
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # several charts on one page repeat no id
    charts = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(charts) == sum(1 for panel in PANELS if panel.trend)
    for chart in charts:
        assert "<script" not in chart and "<!--" not in chart
        assert 'role="img"' in chart and "aria-label=" in chart
        assert not re.findall(r'(?:href|src)="', chart)
        assert re.findall(r"https?://[^\s\"'<>]+", chart) == ["http://www.w3.org/2000/svg"]
    # The chart's table: one row per day, newest first, each value a link to that day's records.
    area = Area.for_user(world.admin, community_id=world.community.pk)
    days = trend_days(HOME_MOMENT)
    values = series("observation_current", area, days)
    observation = page.split(">居家观察：近 28 天：数据表<")[1].split("</table>")[0]
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>(.*?)</tr>", observation)
    assert len(rows) == len(days) and rows[0][0] == f"{days[-1].month}月{days[-1].day}日"
    assert int(re.search(r">(\d+)</a>", rows[0][1]).group(1)) == values[-1]


def test_grid_worker_sees_only_their_grids(busy: Busy):
    world = busy.world
    client = client_for(world.worker_a)
    community = client.get(reverse("center:dashboard_community", args=[world.community.pk])).content.decode()
    assert "我负责的网格" in community
    assert client.get(reverse("center:dashboard")).status_code == 302  # one community: straight to it
    area = Area.for_user(world.worker_a, community_id=world.community.pk)
    figures = compute(area, Window.since_midnight(HOME_MOMENT))
    assert figures["observation_current"] == 2  # grid A's two cases, not grid B's
    assert "gate_entries" not in figures and "卡口进入登记" not in community  # gates belong to no grid
    assert "第二网格" not in community
    for link, key, value in figure_links(community):
        assert f"grid={world.grid_a.pk}" in link
        assert shown_total(client, link, key) == value
    grid_page = client.get(reverse("center:dashboard_grid", args=[world.grid_a.pk]))
    assert grid_page.status_code == 200
    assert client.get(reverse("center:dashboard_grid", args=[world.grid_b.pk])).status_code == 404
    assert client.get(reverse("center:dashboard_grid", args=[world.grid_other.pk])).status_code == 404
    assert client.get(reverse("center:dashboard_community", args=[world.other_community.pk])).status_code == 404
    assert client.get(reverse("center:dashboard_grid", args=[999999])).status_code == 404


def test_street_officer_sees_their_communities_side_by_side(busy: Busy):
    world = busy.world
    second = Community.objects.create(street=world.street, name="义全社区")
    make_household(Grid.objects.create(community=second, name="义全一网格"), "2号楼", "101")
    client = client_for(world.officer)
    overview = client.get(reverse("center:dashboard")).content.decode()
    rows = re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a></th>', overview)
    assert [name for _, name in rows] == ["义全社区", "开元社区"]
    assert reverse("center:dashboard_community", args=[second.pk]) in overview
    assert "新华社区" not in overview
    for link, key, value in figure_links(overview):
        assert shown_total(client, link, key) == value
    home = client.get("/").content.decode()
    assert "各社区" in home and "义全社区" in home and "开元社区" in home and "新华社区" not in home
    assert client.get(reverse("center:dashboard_community", args=[world.community.pk])).status_code == 200
    assert client.get(reverse("center:dashboard_community", args=[world.other_community.pk])).status_code == 404
    assert client.get(reverse("center:dashboard_grid", args=[world.grid_other.pk])).status_code == 404


def test_staff_without_people_figures_have_no_dashboard(busy: Busy):
    for user in (busy.world.duty, busy.world.volunteer, busy.cleaner):
        client = client_for(user)
        assert client.get(reverse("center:dashboard")).status_code == 403
        assert client.get(reverse("center:dashboard_community", args=[busy.world.community.pk])).status_code == 403
        assert 'href="/dashboard/"' not in client.get("/").content.decode()
    assert client_for(busy.world.admin).get("/").content.decode().count('href="/dashboard/"') >= 1


def test_dashboard_runs_a_fixed_number_of_queries(busy: Busy, django_assert_max_num_queries):
    world = busy.world
    pages = {
        world.admin: reverse("center:dashboard_community", args=[world.community.pk]),
        world.worker_a: reverse("center:dashboard_grid", args=[world.grid_a.pk]),
        world.officer: reverse("center:dashboard_community", args=[world.community.pk]),
    }
    before = {}
    for user, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            assert client_for(user).get(url).status_code == 200
        before[user] = len(queries)
    add_more(busy)
    for n in range(3):
        open_case(world, world.household_a, world.worker_a, f"后来{n}")
        Grid.objects.create(community=world.community, name=f"第{n + 3}网格")
    for user, url in pages.items():
        with django_assert_max_num_queries(before[user]):
            assert client_for(user).get(url).status_code == 200


def test_table_keys_and_panels_name_real_figures():
    """Adding a subject is one Panel: every key named must be a figure of reports.figures."""
    assert set(TABLE_KEYS) <= FIGURES.keys()
    assert {key for panel in PANELS for key in panel.keys + panel.trend} <= FIGURES.keys()
