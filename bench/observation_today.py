"""Benchmark: the worker's day (今日) and the overdue tick with many cases under home observation.

Data (own PostgreSQL database ak_bench_observation, created and dropped here): one community with one
grid per 100 cases, a grid worker per grid, one household per case; cases opened 0-14 days ago (so some
end today), slots twice a day for the whole period (done in the past, a tenth of them left undone), 30
follow-ups per case (a few flagged), a request for every fifth case, a few fevers. Then `tick` stores
the overdue and missed states once.

    .venv/bin/python bench/observation_today.py          # quick: 1,000 cases, 30,000 follow-ups
    .venv/bin/python bench/observation_today.py --full   # 10,000 cases, 300,000 follow-ups

Ours: the page /observation/ through Django's test client (session, auth, scope, view, template), for
the community admin (every case in scope: sections capped at 100 rows, counts over everything) and for
one grid worker (their own cases). Baseline: hand-written SQL through a raw cursor returning the same
rows (the six sections with the same filters, order and limit, and the same counts). Tick: ours is
`observation.followups.tick` after the states are reset; the baseline is the same work in raw SQL (two
UPDATEs and one INSERT ... SELECT for cases kept open past their end). Ours and baseline alternate.

Query counts of the page are captured with 50 cases and again with all of them: they must be equal.
Last line:
    observation_today: ratio=<ours ms / baseline ms, today pages> p95_ms=<ours, today> queries=<per page>
                       tick_ratio=<ours / baseline> ... db=postgresql
Target: ratio <= 2, queries constant. Benchmarks are not tests: compare ratios, not times.
"""

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import bench_database, last_line, median, migrate, percentile, setup_django

DB_NAME = "ak_bench_observation"
SMALL_CASES = 50
FOLLOWUPS_PER_CASE = 30
LIMIT = 100  # observation.today.SECTION_LIMIT

_HOUSEHOLD_COLUMNS = "h.id, h.room, b.name, a.name, u.name"
_HOUSEHOLD_JOINS = """
JOIN registry_household h ON h.id = c.household_id
JOIN registry_building b ON b.id = h.building_id
JOIN registry_alley a ON a.id = b.alley_id
LEFT JOIN registry_unit u ON u.id = h.unit_id
"""
_CASES = "c.status IN ('active', 'extended') AND c.community_id = ANY(%(communities)s) {mine}"
SECTION_SQL = {
    "overdue": f"""
        SELECT s.id, s.due_at, s.status, s.attempts, c.id, c.name, c.fever_state, c.last_temperature,
               {_HOUSEHOLD_COLUMNS}
        FROM observation_followupslot s JOIN observation_observationcase c ON c.id = s.case_id {_HOUSEHOLD_JOINS}
        WHERE {_CASES} AND s.status = 'overdue' AND s.closes_at > %(now)s
        ORDER BY s.due_at, s.id LIMIT {LIMIT}""",
    "due": f"""
        SELECT s.id, s.due_at, s.status, s.attempts, c.id, c.name, c.fever_state, c.last_temperature,
               {_HOUSEHOLD_COLUMNS}
        FROM observation_followupslot s JOIN observation_observationcase c ON c.id = s.case_id {_HOUSEHOLD_JOINS}
        WHERE {_CASES} AND s.status = 'pending' AND s.due_at < %(tomorrow)s AND s.closes_at > %(now)s
        ORDER BY s.due_at, s.id LIMIT {LIMIT}""",
    "fevers": f"""
        SELECT c.id, c.name, c.fever_state, c.retest_due_at, c.last_temperature, {_HOUSEHOLD_COLUMNS}
        FROM observation_observationcase c {_HOUSEHOLD_JOINS}
        WHERE {_CASES} AND c.fever_state IN ('retest_due', 'fever')
        ORDER BY c.fever_state DESC, c.retest_due_at, c.id LIMIT {LIMIT}""",
    "ending": f"""
        SELECT c.id, c.name, c.planned_end, {_HOUSEHOLD_COLUMNS}
        FROM observation_observationcase c {_HOUSEHOLD_JOINS}
        WHERE {_CASES} AND c.planned_end <= %(today)s
        ORDER BY c.planned_end, c.id LIMIT {LIMIT}""",
    "requests": f"""
        SELECT r.id, r.kind, r.status, r.due_by, c.id, c.name, w.username, {_HOUSEHOLD_COLUMNS}
        FROM observation_servicerequest r JOIN observation_observationcase c ON c.id = r.case_id
        LEFT JOIN accounts_user w ON w.id = r.assignee_id {_HOUSEHOLD_JOINS}
        WHERE {_CASES} AND r.status IN ('requested', 'assigned', 'delivered')
        ORDER BY r.due_by, r.id LIMIT {LIMIT}""",
    "flagged": f"""
        SELECT f.id, f.temperature, f.flags, f.recorded_at, c.id, c.name
        FROM observation_followup f JOIN observation_observationcase c ON c.id = f.case_id
        WHERE {_CASES} AND f.flagged AND f.recorded_at >= %(day_ago)s
        ORDER BY f.recorded_at DESC, f.id DESC LIMIT {LIMIT}""",
    "slot_counts": f"""
        SELECT count(*) FILTER (WHERE s.status = 'overdue' AND s.closes_at > %(now)s),
               count(*) FILTER (WHERE s.status = 'pending' AND s.due_at < %(tomorrow)s AND s.closes_at > %(now)s)
        FROM observation_followupslot s JOIN observation_observationcase c ON c.id = s.case_id
        WHERE {_CASES}""",
    "case_counts": f"""
        SELECT count(*) FILTER (WHERE c.fever_state IN ('retest_due', 'fever')),
               count(*) FILTER (WHERE c.planned_end <= %(today)s)
        FROM observation_observationcase c WHERE {_CASES}""",
    "request_counts": f"""
        SELECT count(*), count(*) FILTER (WHERE r.due_by < %(now)s AND r.status IN ('requested', 'assigned'))
        FROM observation_servicerequest r JOIN observation_observationcase c ON c.id = r.case_id
        WHERE {_CASES} AND r.status IN ('requested', 'assigned', 'delivered')""",
}

SLOTS_SQL = """
INSERT INTO observation_followupslot (case_id, due_at, closes_at, status, attempts, done_at)
SELECT c.id, d.due,
       d.due + CASE WHEN extract(hour FROM d.due AT TIME ZONE 'Asia/Shanghai') = 9
                    THEN interval '4 hours' ELSE interval '8 hours' END,
       'pending', 0, NULL
FROM observation_observationcase c
CROSS JOIN LATERAL (
    SELECT ((c.day_zero + g)::timestamp + t) AT TIME ZONE 'Asia/Shanghai' AS due
    FROM generate_series(0, c.planned_end - c.day_zero) AS g, unnest(ARRAY[time '09:00', time '17:00']) AS t
) AS d
WHERE c.id > %(after)s AND d.due > c.opened_at
"""
# Past slots done (nine in ten); the rest stay pending for the tick to mark missed or overdue.
DONE_SQL = """
UPDATE observation_followupslot SET status = 'done', done_at = due_at + interval '20 minutes'
WHERE case_id > %(after)s AND closes_at <= %(now)s AND id %% 10 <> 0
"""
FOLLOWUPS_SQL = """
INSERT INTO observation_followup (case_id, slot_id, channel, reached, temperature, symptoms, mood, needs, note,
                                  is_retest, is_fever, flags, flagged, recorded_by_id, recorded_at)
SELECT c.id, NULL, 'call', g %% 7 <> 0, CASE WHEN g %% 7 <> 0 THEN 36.2 + (g %% 6) / 10.0 END, '[]', 'good',
       '[]', '', false, false,
       CASE WHEN g = 1 AND c.id %% 50 = 0 THEN '["same_minute"]' ELSE '[]' END::jsonb,
       g = 1 AND c.id %% 50 = 0, c.assigned_worker_id,
       %(now)s - (g - 1) * interval '11 hours' - (c.id %% 3600) * interval '1 second'
FROM observation_observationcase c CROSS JOIN generate_series(1, %(per_case)s) AS g
WHERE c.id > %(after)s
"""
# The tick's work in raw SQL: slots ahead for cases open past their end, then missed, then overdue.
TICK_SQL = [
    """
    INSERT INTO observation_followupslot (case_id, due_at, closes_at, status, attempts, done_at)
    SELECT c.id, d.due,
           d.due + CASE WHEN extract(hour FROM d.due AT TIME ZONE 'Asia/Shanghai') = 9
                        THEN interval '4 hours' ELSE interval '8 hours' END, 'pending', 0, NULL
    FROM observation_observationcase c
    CROSS JOIN LATERAL (
        SELECT ((%(today)s::date + g)::timestamp + t) AT TIME ZONE 'Asia/Shanghai' AS due
        FROM generate_series(0, 1) AS g, unnest(ARRAY[time '09:00', time '17:00']) AS t
    ) AS d
    WHERE c.status IN ('active', 'extended') AND c.planned_end < %(tomorrow_date)s AND d.due > c.opened_at
      AND d.due + CASE WHEN extract(hour FROM d.due AT TIME ZONE 'Asia/Shanghai') = 9
                       THEN interval '4 hours' ELSE interval '8 hours' END > %(now)s
    ON CONFLICT (case_id, due_at) DO NOTHING""",
    """UPDATE observation_followupslot SET status = 'missed'
       WHERE status IN ('pending', 'overdue') AND closes_at <= %(now)s""",
    """UPDATE observation_followupslot SET status = 'overdue'
       WHERE status = 'pending' AND due_at <= %(overdue_before)s""",
]


def seed(cases: int, community, grids_from: int, *, tag: str) -> None:
    """`cases` cases in new grids of `community`, with their slots, follow-ups, requests and fevers."""
    from django.db import connection
    from django.utils import timezone

    from alleykeeper.accounts.roles import Role
    from alleykeeper.observation import schedule
    from alleykeeper.observation.models import ObservationCase, RequestStatus, ServiceRequest
    from alleykeeper.registry.models import Alley, Building, Grid, Household
    from testkit.world import make_user

    now = timezone.now()
    today = schedule.local_date(now)
    after = ObservationCase.objects.order_by("-id").values_list("id", flat=True).first() or 0
    grid_count = max(1, cases // 100)
    grids = Grid.objects.bulk_create(
        [Grid(community=community, name=f"{tag}网格{grids_from + i}") for i in range(grid_count)]
    )
    workers = [make_user(f"{tag}_worker_{i}", Role.GRID_WORKER, grids=[grid]) for i, grid in enumerate(grids)]
    alleys = Alley.objects.bulk_create([Alley(grid=g, name=f"{g.name}巷") for g in grids])
    buildings = Building.objects.bulk_create(
        [Building(alley=a, name=f"{n}号楼") for a in alleys for n in range(1, 11)], batch_size=5000
    )
    households = Household.objects.bulk_create(
        [
            Household(
                building=buildings[i % len(buildings)],
                room=f"{100 + i // len(buildings)}",
                grid_id=buildings[i % len(buildings)].alley.grid_id,
                community=community,
            )
            for i in range(cases)
        ],
        batch_size=5000,
    )
    rows = []
    for i, household in enumerate(households):
        age = i % 15  # opened 0-14 days ago: those opened 14 days ago end today
        opened = now - timedelta(days=age, minutes=i % 600)
        day_zero = schedule.local_date(opened)
        fever = "retest_due" if i % 97 == 0 else "fever" if i % 101 == 0 else "none"
        rows.append(
            ObservationCase(
                community=community,
                grid_id=household.grid_id,
                household=household,
                name=f"观察{tag}{i}",
                phone_masked="138****0000",
                reason="key_area",
                day_zero_basis="arrival",
                day_zero=day_zero,
                started_on=day_zero,
                planned_end=schedule.planned_end(day_zero),
                assigned_worker=workers[(i // 100) % len(workers)],
                fever_state=fever,
                retest_due_at=now + timedelta(minutes=i % 40 - 20) if fever == "retest_due" else None,
                last_temperature="36.5" if fever == "none" else "37.9",
                opened_at=opened,
            )
        )
    created = ObservationCase.objects.bulk_create(rows, batch_size=5000)
    requests = [
        ServiceRequest(
            case=case,
            kind=("groceries", "medicine", "masks", "gloves", "other")[i % 5],
            status=(RequestStatus.REQUESTED, RequestStatus.ASSIGNED, RequestStatus.DELIVERED, RequestStatus.CONFIRMED)[
                i % 4
            ],
            requested_at=now - timedelta(hours=i % 30),
            due_by=now + timedelta(hours=12 - i % 30),
        )
        for i, case in enumerate(created)
        if i % 5 == 0
    ]
    ServiceRequest.objects.bulk_create(requests, batch_size=5000)
    params = {"after": after, "now": now, "per_case": FOLLOWUPS_PER_CASE, "today": today}
    with connection.cursor() as cursor:
        cursor.execute(SLOTS_SQL, params)
        cursor.execute(DONE_SQL, params)
        cursor.execute(FOLLOWUPS_SQL, params)
        cursor.execute("ANALYZE")
    assert ObservationCase.objects.filter(planned_end=today).exists() or cases < 15


def today_params(user, now) -> dict:
    from alleykeeper.accounts.roles import Capability
    from alleykeeper.accounts.scope import scope_of
    from alleykeeper.observation import schedule

    today = schedule.local_date(now)
    scope = scope_of(user)
    everyone = user.can(Capability.MANAGE_OBSERVATION)
    mine = "" if everyone else f"AND c.assigned_worker_id = {int(user.pk)}"
    if scope.grid_ids is not None:
        mine += " AND c.grid_id = ANY(%(grids)s)"
    return {
        "mine": mine,
        "values": {
            "communities": list(scope.community_ids),
            "grids": list(scope.grid_ids or []),
            "now": now,
            "today": today,
            "tomorrow": schedule.local_midnight(today + timedelta(days=1)),
            "day_ago": now - timedelta(hours=24),
        },
    }


def baseline_today(user) -> list:
    from django.db import connection
    from django.utils import timezone

    params = today_params(user, timezone.now())
    results = []
    with connection.cursor() as cursor:
        for sql in SECTION_SQL.values():
            cursor.execute(sql.format(mine=params["mine"]), params["values"])
            results.append(cursor.fetchall())
    return results


def ours_today(client) -> object:
    response = client.get("/observation/")
    assert response.status_code == 200, response.status_code
    return response


def count_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ours_today(client)
    with CaptureQueriesContext(connection) as captured:
        ours_today(client)
    return len(captured)


def same_rows(client, user) -> bool:
    """The baseline returns the rows the page shows (section by section, same ids in the same order)."""
    from django.utils import timezone

    from alleykeeper.observation.today import build_today

    day = build_today(user, timezone.now())
    rows = baseline_today(user)
    ours = [
        [s["id"] for s in day.overdue],
        [s["id"] for s in day.due],
        [c["case_id"] for c in day.fevers],
        [c["case_id"] for c in day.ending],
        [r["id"] for r in day.requests],
        [f["id"] for f in day.flagged],
    ]
    counts = [*rows[6][0], *rows[7][0], *rows[8][0]]
    expected = [day.counts[k] for k in ("overdue", "due", "fevers", "ending", "requests", "late_requests")]
    return ours == [[row[0] for row in section] for section in rows[:6]] and counts == expected


def reset_tick_state(now) -> None:
    """Undo what a tick stored, so that every round does the same work."""
    from django.db import connection

    from alleykeeper.observation import schedule

    tomorrow_start = schedule.local_midnight(schedule.local_date(now) + timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM observation_followupslot s USING observation_observationcase c"
            " WHERE c.id = s.case_id AND s.due_at >= %s AND c.planned_end < %s",
            [tomorrow_start, schedule.local_date(now) + timedelta(days=1)],
        )
        cursor.execute("UPDATE observation_followupslot SET status = 'pending' WHERE status IN ('overdue', 'missed')")


def baseline_tick(now) -> None:
    from django.conf import settings
    from django.db import connection, transaction

    from alleykeeper.observation import schedule

    today = schedule.local_date(now)
    params = {
        "now": now,
        "today": today,
        "tomorrow_date": today + timedelta(days=1),
        "overdue_before": now - timedelta(minutes=settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in TICK_SQL:
            cursor.execute(sql, params)


def measure(label: str, ours, baseline, repetitions: int, results: dict, before=None) -> None:
    ours_ms, baseline_ms = [], []
    for repetition in range(repetitions):
        pair = [(ours, ours_ms), (baseline, baseline_ms)]
        for function, times in pair if repetition % 2 == 0 else reversed(pair):
            if before:
                before()
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
    results[label] = (ours_ms, baseline_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="10,000 cases and 300,000 follow-ups (default: 1,000)")
    parser.add_argument("--cases", type=int, help="any other number of cases (30 follow-ups each)")
    parser.add_argument("--repetitions", type=int, default=0, help="per page and side (15 quick, 25 full)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    total = args.cases or (10_000 if args.full else 1_000)
    repetitions = args.repetitions or (25 if args.full else 15)

    with bench_database(DB_NAME, keep=args.keep) as url:
        setup_django(url)
        migrate()
        from django.test import Client
        from django.utils import timezone

        from alleykeeper.accounts.models import User
        from alleykeeper.accounts.roles import Role
        from alleykeeper.observation.followups import tick
        from alleykeeper.registry.models import Community, Street
        from testkit.world import make_user

        street = Street.objects.create(name="基准街道")
        community = Community.objects.create(street=street, name="基准社区")
        admin = make_user("bench_admin", Role.ADMIN, communities=[community])
        seed(SMALL_CASES, community, 0, tag="s")
        tick()
        admin_client, worker_client = Client(), Client()
        admin_client.force_login(admin)
        worker = User.objects.get(username="s_worker_0")
        worker_client.force_login(worker)
        small_queries = {"admin": count_queries(admin_client), "worker": count_queries(worker_client)}

        started = time.perf_counter()
        seed(total - SMALL_CASES, community, 1, tag="L")
        first = tick()
        print(f"seeded {total} cases in {time.perf_counter() - started:.0f} s; first tick: {first}", flush=True)
        big_worker = User.objects.get(username="L_worker_0")
        worker_client.force_login(big_worker)
        large_queries = {"admin": count_queries(admin_client), "worker": count_queries(worker_client)}
        rows_ok = same_rows(admin_client, admin) and same_rows(worker_client, big_worker)

        results: dict = {}
        measure("today admin", lambda: ours_today(admin_client), lambda: baseline_today(admin), repetitions, results)
        measure(
            "today worker", lambda: ours_today(worker_client), lambda: baseline_today(big_worker), repetitions, results
        )
        now = timezone.now()
        tick_rounds = max(5, repetitions // 3)
        measure(
            "tick", lambda: tick(now), lambda: baseline_tick(now), tick_rounds, results, lambda: reset_tick_state(now)
        )
        again = tick(now)
        idempotent = (again.created, again.overdue, again.missed) == (0, 0, 0)
        from alleykeeper.observation.models import FollowUp, FollowUpSlot

        followups, slots = FollowUp.objects.count(), FollowUpSlot.objects.count()

    print(f"{'what':14} {'p50 ms':>8} {'p95 ms':>8} {'base p50':>9} {'ratio':>6}")
    for label, (ours_ms, baseline_ms) in results.items():
        print(
            f"{label:14} {median(ours_ms):8.1f} {percentile(ours_ms, 95):8.1f} {median(baseline_ms):9.1f}"
            f" {median(ours_ms) / median(baseline_ms):6.2f}"
        )
    print(f"queries per page: small {small_queries}, large {large_queries}; rows equal: {rows_ok}")
    today_ours = [ms for label in ("today admin", "today worker") for ms in results[label][0]]
    ratio = sum(median(results[k][0]) for k in ("today admin", "today worker")) / sum(
        median(results[k][1]) for k in ("today admin", "today worker")
    )
    tick_ours, tick_base = results["tick"]
    print(
        last_line(
            "observation_today",
            ratio=round(ratio, 2),
            p95_ms=round(percentile(today_ours, 95), 1),
            queries=max(large_queries.values()),
            queries_constant="yes" if small_queries == large_queries else "no",
            same_rows="yes" if rows_ok else "no",
            tick_ratio=round(median(tick_ours) / median(tick_base), 2),
            tick_p50_ms=round(median(tick_ours), 1),
            tick_idempotent="yes" if idempotent else "no",
            cases=total,
            followups=followups,
            slots=slots,
            db="postgresql",
        )
    )


if __name__ == "__main__":
    main()
