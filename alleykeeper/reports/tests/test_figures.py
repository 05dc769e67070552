"""Each figure's definition at the cutoff's edges, the windows and time zones, the area and its scope, and
the figures module's promises (records agree with counts, fixed queries, series = compute per day)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.http import Http404

from alleykeeper.reports.figures import FIGURES, Area, Window, compute, figures_for, records_url, series
from alleykeeper.reports.tests.scenario import AT, BEFORE, CUTOFF, DAY, everything_at, gate_for, local, staff_gate

pytestmark = pytest.mark.django_db

# What everything_at() makes, counted in the window that holds its moment.
ONE_OF_EACH = {
    "households_screened": 1,
    "persons_screened": 2,
    "key_persons_new": 1,
    "observation_opened": 1,  # the released and the transferred cases opened two days before
    "observation_released": 1,
    "observation_transferred": 1,
    "fevers_found": 1,
    "fevers_escalated": 1,
    "followups_missed": 1,
    "pushlist_received": 7,
    **{f"pushlist_{outcome}": 1 for outcome in ("screened", "wrong_info", "missed", "not_living_here")},
    "pushlist_past_window": 1,
    "pushlist_passed_through": 1,
    "visitors_registered": 1,
    "visitors_from_key_area": 1,
    "gate_entries": 1,
    "gate_turned_back": 1,
}


def test_a_record_one_second_before_the_cutoff_counts_today_and_one_at_the_cutoff_tomorrow(world):
    everything_at(world, BEFORE, "9")
    everything_at(world, AT, "10")
    area = Area.of_communities([world.community.pk])
    today, tomorrow = Window.report_day(DAY), Window.report_day(DAY + timedelta(days=1))
    assert (today.start, today.end) == (local(2020, 2, 9, 15), CUTOFF)

    figures = compute(area, today)
    flows = {key: value for key, value in figures.items() if FIGURES[key].kind == "flow"}
    assert flows == {key: ONE_OF_EACH.get(key, 0) for key in flows}
    assert compute(area, tomorrow, list(ONE_OF_EACH)) == ONE_OF_EACH
    # Stocks at the cutoff: what existed before it. The households registered at the cutoff are not yet in.
    # The world's own households were registered when the test started, years after this cutoff.
    assert figures["households_registered"] == 2
    assert figures["households_screened_total"] == 1 and figures["persons_screened_total"] == 2
    assert figures["key_persons_total"] == 1
    # Open at the cutoff: the case opened a second before (the one released at the cutoff is still open at
    # it, its release belongs to the next day), and tomorrow's pair, opened two days before the cutoff.
    assert figures["observation_current"] == 1 + 2
    assert figures["observation_opened_total"] == 1 + 2 + 2
    assert figures["observation_released_total"] == 1
    assert figures["local_not_on_push_list"] == 1
    # Every figure is the count of its records, by construction.
    for key, value in figures.items():
        assert FIGURES[key].records(area, today).count() == value, key


def test_overdue_follow_ups_are_read_from_history(world, settings):
    settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES = 60
    made = everything_at(world, local(2020, 2, 10, 8), "8")
    slot = made.case.slots.create(due_at=local(2020, 2, 10, 13, 30), closes_at=local(2020, 2, 10, 17))
    area, window = Area.of_communities([world.community.pk]), Window.report_day(DAY)
    assert compute(area, window, ["followups_overdue"]) == {"followups_overdue": 1}
    # Done later than the cutoff: it was still overdue at the cutoff, and yesterday's report says so again.
    slot.done_at = local(2020, 2, 10, 16)
    slot.status = "done"
    slot.save(update_fields=["done_at", "status"])
    assert compute(area, window, ["followups_overdue"]) == {"followups_overdue": 1}
    assert compute(area, Window.today_so_far(local(2020, 2, 10, 16, 30)), ["followups_overdue"]) == {
        "followups_overdue": 0
    }


def test_a_cutoff_whose_utc_date_is_the_day_before(world, settings):
    """07:00 in Shanghai is 23:00 UTC the day before: the report of 10 Feb ends on 9 Feb in UTC."""
    settings.REPORT_CUTOFF = "07:00"
    window = Window.report_day(DAY)
    assert window.end == datetime(2020, 2, 9, 23, 0, tzinfo=UTC)
    assert window.end.astimezone(UTC).date() == DAY - timedelta(days=1) and window.last_day == DAY
    everything_at(world, local(2020, 2, 10, 6, 59, 59), "a")
    everything_at(world, local(2020, 2, 10, 7), "b")
    area = Area.of_communities([world.community.pk])
    assert compute(area, window, ["key_persons_new", "visitors_registered"]) == {
        "key_persons_new": 1,
        "visitors_registered": 1,
    }
    assert Window.report_day_of(local(2020, 2, 10, 6, 59, 59)) == DAY
    assert Window.report_day_of(datetime(2020, 2, 9, 23, 0, tzinfo=UTC)) == DAY + timedelta(days=1)


def test_windows_today_and_bad_settings(settings):
    now = local(2020, 2, 10, 9, 30)
    assert Window.today_so_far(now) == Window(local(2020, 2, 9, 15), now)
    assert Window.today_so_far(local(2020, 2, 10, 15)) == Window(CUTOFF, CUTOFF)  # a new report day begins
    assert Window.since_midnight(now) == Window(local(2020, 2, 10), now)
    assert Window.last_report_day(now) == date(2020, 2, 9)
    assert Window.last_report_day(local(2020, 2, 10, 15)) == DAY
    with pytest.raises(ValueError, match="aware"):
        Window(datetime(2020, 2, 9), datetime(2020, 2, 10))
    with pytest.raises(ValueError, match="ends after"):
        Window(CUTOFF, BEFORE)
    settings.REPORT_CUTOFF = "3pm"
    with pytest.raises(Exception, match="REPORT_CUTOFF"):
        Window.report_day(DAY)


def test_the_area_is_always_inside_the_viewers_scope(world):
    community, other = world.community.pk, world.other_community.pk
    assert Area.for_user(world.admin) == Area(frozenset({community}), None)
    assert Area.for_user(world.worker_a) == Area(frozenset({community}), frozenset({world.grid_a.pk}))
    assert Area.for_user(world.worker_a, community) == Area(frozenset({community}), frozenset({world.grid_a.pk}))
    assert Area.for_user(world.officer) == Area(frozenset({community}), None)  # their street's communities
    assert Area.for_user(world.admin, grid_id=world.grid_b.pk) == Area(
        frozenset({community}), frozenset({world.grid_b.pk})
    )
    for user, kwargs in [
        (world.admin, {"community_id": other}),
        (world.admin, {"grid_id": world.grid_other.pk}),
        (world.admin, {"community_id": community, "grid_id": world.grid_other.pk}),
        (world.worker_a, {"grid_id": world.grid_b.pk}),
        (world.officer, {"community_id": other}),
    ]:
        with pytest.raises(Http404):
            Area.for_user(user, **kwargs)
    # Gates and visitors belong to the community: a grid has none of those figures.
    keys = {figure.key for figure in figures_for(Area.for_user(world.worker_a))}
    assert "gate_entries" not in keys and "households_screened" in keys
    assert compute(Area.for_user(world.worker_a), Window.report_day(DAY), ["visitors_registered"]) == {}


def test_by_grid_and_by_community_add_up_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    everything_at(world, BEFORE, "1", grid=world.grid_a)
    everything_at(world, BEFORE - timedelta(hours=1), "2", grid=world.grid_b)
    area, window = Area.of_communities([world.community.pk, world.other_community.pk]), Window.report_day(DAY)
    with django_assert_max_num_queries(len(FIGURES)):
        whole = compute(area, window)
    with django_assert_max_num_queries(len(FIGURES) + 1):
        grids = compute(area, window, by="grid")
    with django_assert_max_num_queries(len(FIGURES)):
        communities = compute(area, window, by="community")
    assert set(grids) == {world.grid_a.pk, world.grid_b.pk, world.grid_other.pk}
    assert grids[world.grid_other.pk]["households_screened"] == 0
    for key, value in whole.items():
        assert sum(group[key] for group in communities.values()) == value, key
        if FIGURES[key].per_grid:
            assert sum(group[key] for group in grids.values()) == value, key
    assert whole["households_screened"] == 2 and whole["visitors_registered"] == 2


def test_series_is_compute_day_by_day_in_one_query(world, django_assert_num_queries):
    for day in (8, 9, 10):
        everything_at(world, local(2020, 2, day, 14, 59, 59), str(day))
    area = Area.of_communities([world.community.pk])
    days = [date(2020, 2, d) for d in (7, 8, 9, 10, 11)]
    for key in ("key_persons_new", "observation_current", "households_screened_total", "gate_entries"):
        expected = [compute(area, Window.report_day(day), [key])[key] for day in days]
        with django_assert_num_queries(1):
            assert series(key, area, days) == expected, key
    assert series("key_persons_new", area, days) == [0, 1, 1, 1, 0]


def test_gates_with_and_without_people_on_duty_at_the_cutoff(world):
    gate = gate_for(world)
    second = gate.enclosure.gates.create(name="北门")
    staff_gate(world, gate, CUTOFF - timedelta(hours=7), CUTOFF + timedelta(hours=1))
    staff_gate(world, second, CUTOFF, CUTOFF + timedelta(hours=8))  # starts at the cutoff: on duty at it
    gate.enclosure.gates.create(name="西门", state="closed")
    area = Area.of_communities([world.community.pk])
    keys = ["gates_in_service", "gates_staffed", "gates_unstaffed"]
    assert compute(area, Window.report_day(DAY), keys) == {
        "gates_in_service": 2,
        "gates_staffed": 2,
        "gates_unstaffed": 0,
    }
    tomorrow = Window.report_day(DAY + timedelta(days=1))
    assert compute(area, tomorrow, keys) == {"gates_in_service": 2, "gates_staffed": 0, "gates_unstaffed": 2}


def test_records_url_names_ids_and_times_only(world):
    area = Area.for_user(world.worker_a)
    with time_machine.travel(CUTOFF, tick=False):
        url = records_url("key_persons_new", area, Window.report_day(DAY))
    assert url.startswith("/reports/figure/key_persons_new/?")
    assert f"community={world.community.pk}" in url and f"grid={world.grid_a.pk}" in url
    assert "2020-02-10T15%3A00%3A00%2B08%3A00" in url
