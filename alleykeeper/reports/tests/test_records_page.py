"""The page behind a figure: the same records the figure counts, scoped, masked, paged by key, with links only
where the viewer may follow them."""

import re

import pytest
import time_machine
from django.urls import reverse

from alleykeeper.reports import views
from alleykeeper.reports.figures import FIGURES, Area, Window, compute, records_url
from alleykeeper.reports.tests.scenario import BEFORE, DAY, everything_at
from alleykeeper.screening.models import Answer, Attempt
from testkit.world import add_resident, make_id

pytestmark = pytest.mark.django_db


def test_each_figure_lists_its_records_for_the_roles_that_may_read_them(world, personas):
    made = everything_at(world, BEFORE, "9")
    window = Window.report_day(DAY)
    admin_area = Area.for_user(world.admin)
    figures = compute(admin_area, window)
    with time_machine.travel(BEFORE, tick=False):
        for key, value in figures.items():
            page = personas["admin"].get(records_url(key, admin_area, window))
            assert page.status_code == 200, key
            assert f"：{value} {FIGURES[key].unit}" in page.content.decode(), key
        # The case's own page is linked for the admin; the street officer reads the names without the link.
        url = records_url("observation_current", admin_area, window)
        assert reverse("observation:case", args=[made.case.pk]) in personas["admin"].get(url).content.decode()
        officer_page = personas["officer"].get(url).content.decode()
        assert (
            made.resident.name in officer_page and reverse("observation:case", args=[made.case.pk]) not in officer_page
        )
        # A grid worker reads their grid's records, never a gate's; duty staff read no such list.
        worker_area = Area.for_user(world.worker_a)
        assert personas["worker_a"].get(records_url("households_screened", worker_area, window)).status_code == 200
        assert personas["worker_a"].get(records_url("households_screened", admin_area, window)).status_code == 200
        gate_url = records_url("gate_entries", worker_area, window).replace("gate_entries", "visitors_registered")
        assert personas["worker_a"].get(gate_url).status_code == 404
        assert personas["duty"].get(url).status_code == 403
        assert personas["anonymous"].get(url).status_code == 302
        # Another community's, a grid of another community, a broken time: not found.
        for bad in (
            url.replace(f"community={world.community.pk}", f"community={world.other_community.pk}"),
            url + f"&grid={world.grid_other.pk}",
            url.replace("start=2020", "start=x2020"),
            url.replace("%2B08%3A00", ""),
            url.replace("community=", "community=1,,"),
            reverse("reports:figure_records", args=["no_such_figure"]),
        ):
            assert personas["admin"].get(bad).status_code == 404, bad


def test_ids_are_masked_and_pages_follow_by_key(world, as_admin, monkeypatch, django_assert_max_num_queries):
    """Five people screened, two to a page: three pages by `after=<id>`, each the same number of queries, every
    person once, ID numbers masked."""
    made = everything_at(world, BEFORE, "9")  # two people answered
    campaign = Attempt.objects.get(household=made.household).campaign
    question = campaign.questions.first()
    attempt = Attempt.objects.create(
        campaign=campaign,
        household=world.household_a,
        worker=world.worker_a,
        at=BEFORE,
        channel="door",
        outcome="reached",
    )
    numbers = [make_id(born="19920202", order=f"1{n}5") for n in range(3)]
    with time_machine.travel(BEFORE, tick=False):
        for n, number in enumerate(numbers):
            person = add_resident(world.household_a, f"林秀{n}", number, f"1381234567{n}")
            Answer.objects.create(
                attempt=attempt, resident=person, person_name=person.name, question=question, value="否"
            )
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    area, window = Area.for_user(world.admin), Window.report_day(DAY)
    url, seen, queries, pages = records_url("persons_screened", area, window), [], [], ""
    while url:
        with django_assert_max_num_queries(12) as captured:
            page = as_admin.get(url).content.decode()
        queries.append(len(captured))
        pages += page
        assert "：5 人" in page
        seen += re.findall(r"<strong>([^<]+)</strong>", page)
        following = re.search(r'href="\?([^"]+)">下一页', page)
        url = (
            f"{reverse('reports:figure_records', args=['persons_screened'])}?{following[1].replace('&amp;', '&')}"
            if following
            else None
        )
    assert sorted(seen) == sorted([made.resident.name, "李9", "林秀0", "林秀1", "林秀2"])
    assert len(queries) == 3 and len(set(queries)) == 1
    assert not any(number in pages for number in numbers) and "350502********" in pages
