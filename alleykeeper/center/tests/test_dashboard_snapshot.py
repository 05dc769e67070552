"""The dashboard's figures of today counted ahead (reports.snapshot, `manage.py refresh_figures`): read while
fresh, said with their time (数据截至), each number's link listing the records of the window it was counted
over; stale, from another day, switched off, or a grid worker's page: counted on the spot."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alleykeeper.center.dashboard import trend_days
from alleykeeper.center.tests.conftest import HOME_MOMENT, Busy, client_for
from alleykeeper.center.tests.test_dashboard import figure_links, shown_total
from alleykeeper.registry.models import Community
from alleykeeper.reports.figures import Area, Window, compute, series
from alleykeeper.reports.models import FigureSnapshot
from testkit.world import make_household

pytestmark = pytest.mark.django_db


def registered_shown(page: str, community: int | None = None) -> tuple[str, int]:
    """The link and number of the first 在册户数 on a page (of that community, when named)."""
    return next(
        (url, value)
        for url, key, value in figure_links(page)
        if key == "households_registered" and (community is None or f"community={community}&" in url)
    )


def test_a_fresh_snapshot_is_read_with_its_time_and_its_links_list_what_it_counted(busy: Busy, time_machine, settings):
    world = busy.world
    settings.FIGURES_SNAPSHOT_MAX_AGE_MINUTES = 10
    Community.objects.create(street=world.street, name="义全社区")  # the officer's street: side by side
    call_command("refresh_figures")  # at HOME_MOMENT, 10:30
    assert FigureSnapshot.objects.count() == Community.objects.count()  # every community, one row each
    counted = compute(Area.of_communities([world.community.pk]), Window.since_midnight(HOME_MOMENT))
    time_machine.move_to(HOME_MOMENT + timedelta(minutes=4), tick=False)
    make_household(world.grid_a, "新楼", "101")  # registered at 10:34, after the count
    time_machine.move_to(HOME_MOMENT + timedelta(minutes=5), tick=False)
    admin, officer = client_for(world.admin), client_for(world.officer)
    community_url = reverse("center:dashboard_community", args=[world.community.pk])
    for client, url in ((admin, community_url), (officer, reverse("center:dashboard"))):
        page = client.get(url).content.decode()
        assert "数据截至 3月11日 10:30" in page, url
        link, value = registered_shown(page, world.community.pk)
        assert value == counted["households_registered"]
        assert shown_total(client, link, "households_registered") == value  # the list of the same window
    # The trends too: no query of the report days' windows (WITH w ...) while the snapshot is fresh, the same numbers.
    with CaptureQueriesContext(connection) as captured:
        page = admin.get(community_url).content.decode()
    assert not any("WITH w" in query["sql"] for query in captured)
    days = trend_days(HOME_MOMENT)
    area = Area.of_communities([world.community.pk])
    drawn = {}
    for url, key, value in figure_links(page.split("</figure>")[0]):  # the first panel's chart: 排查
        if key == "households_screened" and url.count("T15%3A00") == 2:
            drawn[next(d for d in days if f"end={d.isoformat()}T15" in url)] = value
    assert list(drawn.values()) == series("households_screened", area, sorted(drawn))[::-1] and len(drawn) == len(days)
    # The grids side by side on the community's page come from the snapshot too.
    grids = admin.get(community_url).content.decode().split('id="grids-title"')[1]
    grid_a = compute(
        Area(frozenset({world.community.pk}), frozenset({world.grid_a.pk})), Window.since_midnight(HOME_MOMENT)
    )
    assert registered_shown(grids)[1] == grid_a["households_registered"]
    # A grid worker's page counts on the spot: the new household is there.
    page = client_for(world.worker_a).get(reverse("center:dashboard_grid", args=[world.grid_a.pk])).content.decode()
    assert "数据截至" not in page and "截至 3月11日 10:35" in page
    assert registered_shown(page)[1] == grid_a["households_registered"] + 1
    # Stale (older than the setting): counted on the spot.
    time_machine.move_to(HOME_MOMENT + timedelta(minutes=11), tick=False)
    page = admin.get(community_url).content.decode()
    assert "数据截至" not in page and registered_shown(page)[1] == counted["households_registered"] + 1


def test_a_snapshot_of_another_day_or_switched_off_is_not_read(busy: Busy, time_machine, settings):
    world = busy.world
    url = reverse("center:dashboard_community", args=[world.community.pk])
    settings.FIGURES_SNAPSHOT_MAX_AGE_MINUTES = 24 * 60
    time_machine.move_to(HOME_MOMENT.replace(hour=23, minute=59), tick=False)
    call_command("refresh_figures")
    assert "数据截至 3月11日 23:59" in client_for(world.admin).get(url).content.decode()
    time_machine.move_to(HOME_MOMENT.replace(hour=0, minute=1) + timedelta(days=1), tick=False)
    page = client_for(world.admin).get(url).content.decode()
    assert "数据截至" not in page and "截至 3月12日 00:01" in page  # "today" began again at midnight
    settings.FIGURES_SNAPSHOT_MAX_AGE_MINUTES = 0
    call_command("refresh_figures")
    assert not re.search("数据截至", client_for(world.admin).get(url).content.decode())
