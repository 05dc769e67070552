"""Benchmark: the dashboard (数据看板) and the daily report (日报) of a street of 50 communities, on PostgreSQL.

Data (own database ak_bench_dashboard, created and dropped here, BENCH_DB_NAME names another; bench/_dashboard_world.py writes it with
INSERT ... SELECT generate_series): 50 communities of 8 grids; households and their residents, two screening
campaigns with calls and answers, key persons, home observation cases with follow-up slots and calls,
push lists, enclosures, gates with three shifts a day, visitor registrations and gate-log entries.

    .venv/bin/python bench/dashboard.py          # quick: 20k households, 50k registrations, 1k cases
    .venv/bin/python bench/dashboard.py --full   # 200k households, 1M registrations, 10k cases, 1M gate log

The clock is held at 18:30 Beijing time of today (time-machine, not ticking), whatever the hour the benchmark
runs: after the 15:00 cutoff (the last report day is today) and after the evening follow-up's time and its
grace (some calls are overdue), with most of the day's flows behind it.

Ours: the dashboard pages through Django's test client (session, auth, scope, figures, 28-day trend charts,
template): /dashboard/ as the street officer (50 communities side by side) and /dashboard/community/<pk>/ as
one community's admin (its figures, trends and grids side by side); the daily report generated with
reports.actions: one community's (generate_report) and the street's (generate_daily_reports for its 50
communities, then the street's sum of their signed reports, reports.street.street_report; signing is not
timed). Baseline: bench/_dashboard_baseline.py, one hand-written SQL aggregate per figure through a raw
cursor (plus the names the page shows), for the same areas and windows. Every number on both pages (read
from the HTML, with the area and window of its link) and every figure of the reports must EQUAL the
baseline's, or the benchmark stops. Ours and baseline alternate, several rounds; medians, p95 of ours.

Today's figures of both pages are read from the snapshot the refresh_figures timer keeps (reports.snapshot),
counted (center.dashboard.count_ahead) at the benchmark's moment before the pages are measured; the refresh is timed apart (refresh_s, the
median of three) and is not in the pages' times. The check below still compares every number on the pages
with the baseline's, for the window its link names (midnight to the snapshot's moment).

Query counts of both pages are captured at a smaller size (quick: a tiny street; --full: the quick street)
and at the measured size; they must be equal.
Last line:
    dashboard: ratio=<ours ms / baseline ms, both pages, sum of medians> p95_ms=<ours, both pages>
               report_s=<the street's report, median s> refresh_s=<the snapshot's refresh, median s>
               queries=<per page, both sizes> ... db=postgresql
Targets (issue 12): p95_ms <= 300, ratio <= 1.5, report_s <= 2. Benchmarks are not tests: compare ratios.
"""

import argparse
import html
import os
import re
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _dashboard_baseline as baseline
from bench import _dashboard_world as world
from bench._common import alternate, bench_database, last_line, median, migrate, percentile, setup_django

DB_NAME = os.environ.get("BENCH_DB_NAME", "ak_bench_dashboard")
COLD = "admin, charts drawn anew"
ZONE = ZoneInfo(world.ZONE)
FIGURE_LINK = re.compile(r'href="(/reports/figure/(\w+)/\?[^"]+)"[^>]*>(?:<strong>)?(\d+)')


class Mismatch(SystemExit):
    """Ours and the baseline disagree: the benchmark stops with the first differences."""


# -- what the pages show, and what the baseline says they should --------------------------------------------


def shown_on(page: str) -> dict[tuple, int]:
    """Every figure a page shows as a link: {(key, communities, grids or None, start, end): number}."""
    shown = {}
    for url, key, value in FIGURE_LINK.findall(page):
        query = parse_qs(urlsplit(html.unescape(url)).query)
        ids = {
            name: tuple(sorted(int(pk) for pk in query[name][0].split(",")))
            for name in ("community", "grid")
            if name in query
        }
        start, end = (datetime.fromisoformat(query[name][0]) for name in ("start", "end"))
        shown[(key, ids["community"], ids.get("grid"), start, end)] = int(value)
    return shown


def since_midnight(now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone(ZONE)
    return datetime.combine(local.date(), clock_time.min, ZONE), now


def report_window(day: date) -> tuple[datetime, datetime]:
    """The 24 hours ending at `day`'s cutoff (settings.REPORT_CUTOFF, local time)."""
    from django.conf import settings

    hours, minutes = (int(part) for part in settings.REPORT_CUTOFF.split(":"))
    end = datetime.combine(day, clock_time(hours, minutes), ZONE)
    return end - timedelta(days=1), end


def trend_days(now: datetime, count: int) -> list[date]:
    """The last `count` report days whose cutoff has passed at `now`, oldest first."""
    last = now.astimezone(ZONE).date()
    if now < report_window(last)[1]:
        last -= timedelta(days=1)
    return [last - timedelta(days=n) for n in range(count - 1, -1, -1)]


def officer_baseline(street: world.Street, now: datetime) -> dict[tuple, int]:
    """The officer's page by hand: the communities' names, and TABLE_KEYS today for each community."""
    from django.db import connection

    from alleykeeper.center.dashboard import TABLE_KEYS

    today = since_midnight(now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name FROM registry_community WHERE id = ANY(%s) ORDER BY name, id", [street.community_ids]
        )
        names = cursor.fetchall()
        counts = baseline.count(cursor, TABLE_KEYS, street.community_ids, [today], "community")
    return {(key, (pk,), None, *today): counts[(key, 0, pk)] for pk, _ in names for key in TABLE_KEYS}


def admin_baseline(community_id: int, now: datetime) -> dict[tuple, int]:
    """The admin's page by hand: the panels' figures today, their trends over the report days, and the
    grids' TABLE_KEYS today (with the grids' names, in the community's order)."""
    from django.db import connection

    from alleykeeper.center.dashboard import PANELS, TABLE_KEYS, TREND_DAYS

    today, area = since_midnight(now), (community_id,)
    days = trend_days(now, TREND_DAYS)
    windows = [report_window(day) for day in days]
    shown_keys = [key for panel in PANELS for key in panel.keys]
    trend_keys = [key for panel in PANELS for key in panel.trend]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name FROM registry_grid WHERE community_id = %s ORDER BY sort_number NULLS LAST, name_key, id",
            [community_id],
        )
        grids = cursor.fetchall()
        counts = baseline.count(cursor, shown_keys, [community_id], [today], "community")
        trends = baseline.count(cursor, trend_keys, [community_id], windows, "community")
        table = baseline.count(cursor, TABLE_KEYS, [community_id], [today], "grid")
    expected = {(key, area, None, *today): counts[(key, 0, community_id)] for key in shown_keys}
    for key in trend_keys:
        for n, window in enumerate(windows):
            expected[(key, area, None, *window)] = trends[(key, n, community_id)]
    if len(grids) > 1:
        for grid, _ in grids:
            for key in TABLE_KEYS:
                expected[(key, area, (grid,), *today)] = table[(key, 0, grid)]
    return expected


def report_baseline(community_ids: list[int], day: date) -> dict[int, dict[str, int]]:
    """Every figure of the day's report for each community, by hand."""
    from django.db import connection

    with connection.cursor() as cursor:
        counts = baseline.count(cursor, baseline.ALL_KEYS, community_ids, [report_window(day)], "community")
    return {pk: {key: counts[(key, 0, pk)] for key in baseline.ALL_KEYS} for pk in community_ids}


def require_equal(what: str, ours: dict, theirs: dict) -> None:
    if ours == theirs:
        return
    keys = sorted(set(ours) | set(theirs), key=str)
    differences = [(k, ours.get(k), theirs.get(k)) for k in keys if ours.get(k) != theirs.get(k)]
    lines = "\n".join(f"  {k}: ours={a} baseline={b}" for k, a, b in differences[:20])
    raise Mismatch(f"{what}: ours and the baseline differ in {len(differences)} of {len(keys)} numbers:\n{lines}")


# -- ours ----------------------------------------------------------------------------------------------------


def get(client, url: str) -> str:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return response.content.decode()


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    get(client, url)  # warm: templates compiled, connection open
    with CaptureQueriesContext(connection) as captured:
        get(client, url)
    return len(captured)


class Bench:
    """The street at one size, its two users logged in, and the pages to measure."""

    def __init__(self, size: world.Size, now: datetime) -> None:
        from django.test import Client

        from alleykeeper.accounts.roles import Role
        from alleykeeper.registry.models import Community, Street
        from testkit.world import make_user

        started = time.perf_counter()
        self.street = world.seed(size, now)
        self.seconds = time.perf_counter() - started
        self.now = now
        street = Street.objects.get(pk=self.street.street_id)
        community = Community.objects.get(pk=self.street.admin_community_id)
        self.officer = make_user("bench_officer", Role.STREET_OFFICER, streets=[street])
        self.admin = make_user("bench_admin", Role.ADMIN, communities=[community])
        self.officer_client, self.admin_client = Client(), Client()
        self.officer_client.force_login(self.officer)
        self.admin_client.force_login(self.admin)
        self.officer_url = "/dashboard/"
        self.admin_url = f"/dashboard/community/{community.pk}/"

    def refresh(self) -> float:
        """The dashboard's figures of today counted ahead (reports.snapshot: the refresh_figures timer), at
        the benchmark's moment: the pages then read them (数据截至 18:30). Its seconds, reported apart."""
        from alleykeeper.center.dashboard import count_ahead

        started = time.perf_counter()
        count_ahead(self.now)
        return time.perf_counter() - started

    def queries(self) -> dict[str, int]:
        return {
            "officer": count_queries(self.officer_client, self.officer_url),
            "admin": count_queries(self.admin_client, self.admin_url),
        }

    def check_pages(self) -> int:
        """Every number of both pages equals the baseline's (the same figure, area and window)."""
        officer = shown_on(get(self.officer_client, self.officer_url))
        require_equal("officer's dashboard", officer, officer_baseline(self.street, self.now))
        admin = shown_on(get(self.admin_client, self.admin_url))
        require_equal("admin's dashboard", admin, admin_baseline(self.street.admin_community_id, self.now))
        return len(officer) + len(admin)


def measure_pages(bench: Bench, rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    """Both pages as served (the trend charts drawn once, then kept: center.charts), and the admin's page
    with its five charts drawn anew each time (the first view after a cutoff), which is not in the ratio."""
    from alleykeeper.center.charts import _drawn

    def drawn_anew() -> None:
        _drawn.cache_clear()
        get(bench.admin_client, bench.admin_url)

    def ms(function) -> float:
        started = time.perf_counter()
        function()
        return (time.perf_counter() - started) * 1000

    pages = {
        "officer (50 side by side)": (
            lambda: get(bench.officer_client, bench.officer_url),
            lambda: officer_baseline(bench.street, bench.now),
        ),
        "admin (one community)": (
            lambda: get(bench.admin_client, bench.admin_url),
            lambda: admin_baseline(bench.street.admin_community_id, bench.now),
        ),
        COLD: (drawn_anew, lambda: admin_baseline(bench.street.admin_community_id, bench.now)),
    }
    return {
        label: alternate(rounds, lambda ours=ours: ms(ours), lambda base=base: ms(base))
        for label, (ours, base) in pages.items()
    }


def measure_reports(bench: Bench, rounds: int, street_rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    """One community's report of the last report day (generated again each round: it stays unsigned), and
    the street's reports of the days before it, one day a round (generated, signed untimed, summed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alleykeeper.registry.models import Community, Street
    from alleykeeper.reports.actions import generate_daily_reports, generate_report, sign_report
    from alleykeeper.reports.models import DailyReport
    from alleykeeper.reports.street import street_report

    communities = bench.street.community_ids
    community = Community.objects.get(pk=bench.street.admin_community_id)
    street = Street.objects.get(pk=bench.street.street_id)
    last = trend_days(bench.now, 1)[0]
    days = [last - timedelta(days=n) for n in range(street_rounds, 0, -1)]

    def one() -> float:
        started = time.perf_counter()
        report = generate_report(bench.admin, community, last, now=bench.now)
        seconds = time.perf_counter() - started
        require_equal("the community's report", report.figures, report_baseline([community.pk], last)[community.pk])
        return seconds

    def one_baseline() -> float:
        started = time.perf_counter()
        report_baseline([community.pk], last)
        return time.perf_counter() - started

    def whole_street(day: date) -> float:
        started = time.perf_counter()
        generate_daily_reports(None, day, community_ids=communities, now=bench.now)
        generated = time.perf_counter() - started
        for report in DailyReport.objects.filter(day=day, signed_at__isnull=True):
            sign_report(bench.admin, report, decrease_reason="基准测试", now=bench.now)
        started = time.perf_counter()
        summed = street_report(bench.officer, street, day)
        seconds = generated + time.perf_counter() - started
        expected = report_baseline(communities, day)
        require_equal("the communities' reports", {r.community_id: r.figures for r in summed.signed}, expected)
        require_equal(
            "the street's report", summed.figures, {k: sum(e[k] for e in expected.values()) for k in baseline.ALL_KEYS}
        )
        if summed.missing:
            raise Mismatch(f"the street's report misses {len(summed.missing)} communities")
        return seconds

    def street_baseline(day: date) -> float:
        started = time.perf_counter()
        expected = report_baseline(communities, day)
        {key: sum(e[key] for e in expected.values()) for key in baseline.ALL_KEYS}
        return time.perf_counter() - started

    with CaptureQueriesContext(connection) as captured:
        generate_report(bench.admin, community, last, now=bench.now)
    bench.report_queries = len(captured)
    queue = list(days)
    results = {"report: one community": alternate(rounds, one, one_baseline)}
    results["report: the street (50)"] = alternate(
        street_rounds, lambda: whole_street(queue.pop(0)), lambda: street_baseline(days[0])
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="200k households, 1M registrations (default: a tenth)")
    parser.add_argument("--rounds", type=int, default=0, help="requests per page and side (10 quick, 20 full)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    small, large = (world.QUICK, world.FULL) if args.full else (world.TINY, world.QUICK)
    rounds = args.rounds or (20 if args.full else 10)

    import time_machine

    today = datetime.now(ZONE).date()
    now = datetime.combine(today, clock_time(18, 30), ZONE)
    with bench_database(DB_NAME, keep=args.keep) as url, time_machine.travel(now, tick=False):
        setup_django(url)
        migrate()
        bench = Bench(small, now)
        bench.refresh()
        small_queries = bench.queries()
        bench.check_pages()
        print(f"{small.name}: {small.households} households seeded in {bench.seconds:.0f} s; queries {small_queries}")
        world.truncate_all()
        bench = Bench(large, now)
        print(f"{large.name}: {large.households} households seeded in {bench.seconds:.0f} s", flush=True)
        refreshes = [bench.refresh() for _ in range(3)]
        large_queries = bench.queries()
        checked = bench.check_pages()
        print(f"queries per page: {small.name} {small_queries}, {large.name} {large_queries}; numbers equal: {checked}")
        if small_queries != large_queries:
            raise SystemExit(f"queries per page grow with the data: {small_queries} -> {large_queries}")
        pages = measure_pages(bench, rounds)
        reports = measure_reports(bench, max(3, rounds // 3), 3 if args.full else 2)

    print(f"{'what':28} {'p50 ms':>8} {'p95 ms':>8} {'base p50':>9} {'ratio':>6}")
    for label, (ours, base) in pages.items():
        print(
            f"{label:28} {median(ours):8.1f} {percentile(ours, 95):8.1f} {median(base):9.1f} {median(ours) / median(base):6.2f}"
        )
    for label, (ours, base) in reports.items():
        print(
            f"{label:28} {median(ours) * 1000:8.0f} {percentile(ours, 95) * 1000:8.0f} {median(base) * 1000:9.0f} {median(ours) / median(base):6.2f}"
        )
    cold = pages.pop(COLD)
    every = [ms for ours, _ in pages.values() for ms in ours]
    ratio = sum(median(ours) for ours, _ in pages.values()) / sum(median(base) for _, base in pages.values())
    one, whole = reports["report: one community"], reports["report: the street (50)"]
    print(
        last_line(
            "dashboard",
            ratio=round(ratio, 2),
            p95_ms=round(percentile(every, 95), 1),
            report_s=round(median(whole[0]), 2),
            refresh_s=round(median(refreshes), 2),
            queries=max(large_queries.values()),
            **{f"queries_{small.name}": max(small_queries.values())},
            admin_charts_drawn_ms=round(median(cold[0])),
            report_community_s=round(median(one[0]), 3),
            report_ratio=round(median(whole[0]) / median(whole[1]), 2),
            report_queries=bench.report_queries,
            households=large.households,
            registrations=large.registrations,
            cases=large.cases,
            db="postgresql",
        )
    )


if __name__ == "__main__":
    main()
