"""Benchmark: the residents list of the JSON API at scale (200k households with --full), on PostgreSQL.

Ours: GET /api/v1/residents?limit=50 with a community admin's bearer token through Django's test client
(token look-up, scope, keyset page, schema serialisation, JSON), at page 1 and at page 5,000 (its cursor:
the one the 4,999th page hands out; for the quick register, whose list is shorter, its last page).
Baseline: the same rows by hand: one SQL statement on a raw cursor (same scope, `id > last` keyset, same
columns, LIMIT 51) and json.dumps of the page, no framework. Ours and baseline alternate, several
repetitions each; latencies are wall-clock per request. The rows of both are compared once (same ids).

    .venv/bin/python bench/api_list.py          # quick: 20k households
    .venv/bin/python bench/api_list.py --full   # 200k households (about 540k residents)

Own PostgreSQL database ak_bench_api (created and dropped here). Last line:
    api_list: p95_ms=<ours, page 1> p95_deep_ms=<ours, page 5,000> ratio=<our rps / baseline rps> ...
ratio follows GUIDE.md section 6 for servers (from the sum of the two pages' medians). Targets: p95 <= 100 ms
on both pages. Benchmarks are not tests: compare ratios.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import bench_database, last_line, median, migrate, percentile, setup_django

DB_NAME = "ak_bench_api"
PAGE_SIZE = 50
DEEP_PAGE = 5_000

_RESIDENTS_SQL = """
SELECT r.id, r.household_id, r.name, r.sex, r.birth_date, r.relation, r.status, r.doc_type,
       r.doc_number_masked, r.phone_masked, r.created_at, r.updated_at
FROM registry_resident r
JOIN registry_household h ON h.id = r.household_id
WHERE h.community_id = ANY(%(communities)s) AND r.id > %(after)s
ORDER BY r.id
LIMIT %(limit)s
"""
_COLUMNS = (
    "id", "household_id", "name", "sex", "birth_date", "relation", "status", "doc_type", "doc_number", "phone",
    "created_at", "updated_at",
)  # fmt: skip


def baseline(communities: list[int], after: int) -> tuple[str, list[int]]:
    """The page as a careful engineer would write it by hand: one statement, the JSON body."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_RESIDENTS_SQL, {"communities": communities, "after": after, "limit": PAGE_SIZE + 1})
        rows = cursor.fetchall()
    items = [dict(zip(_COLUMNS, row, strict=True)) for row in rows[:PAGE_SIZE]]
    for item in items:
        item["birth_date"] = item["birth_date"] and item["birth_date"].isoformat()
        item["created_at"], item["updated_at"] = item["created_at"].isoformat(), item["updated_at"].isoformat()
    next_cursor = str(items[-1]["id"]) if len(rows) > PAGE_SIZE else None
    body = json.dumps({"items": items, "next_cursor": next_cursor}, ensure_ascii=False)
    return body, [item["id"] for item in items]


def deep_start(communities: list[int], page: int) -> tuple[int, int]:
    """(the page number reached, the id the page starts after): page `page`, or the list's last page."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM registry_resident r JOIN registry_household h ON h.id = r.household_id"
            " WHERE h.community_id = ANY(%s)",
            [communities],
        )
        total = cursor.fetchone()[0]
        page = min(page, max(1, (total - 1) // PAGE_SIZE + 1))
        cursor.execute(
            "SELECT r.id FROM registry_resident r JOIN registry_household h ON h.id = r.household_id"
            " WHERE h.community_id = ANY(%s) ORDER BY r.id OFFSET %s LIMIT 1",
            [communities, (page - 1) * PAGE_SIZE - 1],
        )
        return page, cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="200k households (default: 20k)")
    parser.add_argument("--repetitions", type=int, default=0, help="requests per page and side (20 quick, 50 full)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    total = 200_000 if args.full else 20_000
    repetitions = args.repetitions or (50 if args.full else 20)

    with bench_database(DB_NAME, keep=args.keep) as url:
        setup_django(url)
        migrate()
        from django.db import connection
        from django.test import Client

        from alleykeeper.accounts.roles import Role
        from alleykeeper.api.actions import create_token
        from alleykeeper.core.paging import encode_cursor
        from alleykeeper.demo.synthetic import seed_register
        from testkit.world import make_user

        started = time.perf_counter()
        seeded = seed_register(None, households=total, seed=31, community_name="合成数据社区（接口）")
        print(f"seeded {total} households in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        admin = make_user("bench_api_admin", Role.ADMIN, communities=[seeded.community])
        headers = {"Authorization": f"Bearer {create_token(admin, 'bench', 'read').secret}"}
        client = Client()
        communities = [seeded.community.pk]
        deep, deep_after = deep_start(communities, DEEP_PAGE)
        cursors = {"page 1": (None, 0), f"page {deep}": (encode_cursor([deep_after], "residents"), deep_after)}

        def ours(cursor: str | None) -> list[int]:
            params = {"limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
            response = client.get("/api/v1/residents", params, headers=headers)
            assert response.status_code == 200, response.content[:300]
            return [row["id"] for row in json.loads(response.content)["items"]]

        times: dict[str, tuple[list[float], list[float]]] = {}
        for label, (cursor, after) in cursors.items():
            assert ours(cursor) == baseline(communities, after)[1], f"{label}: not the same rows"
            mine, theirs = [], []
            for repetition in range(repetitions):
                pair = [(lambda c=cursor: ours(c), mine), (lambda a=after: baseline(communities, a), theirs)]
                for function, kept in pair if repetition % 2 == 0 else reversed(pair):
                    began = time.perf_counter()
                    function()
                    kept.append((time.perf_counter() - began) * 1000)
            times[label] = (mine, theirs)

    print(f"{'page':12} {'p50 ms':>7} {'p95 ms':>7} {'base p50':>8} {'base p95':>8}")
    for label, (mine, theirs) in times.items():
        print(
            f"{label:12} {median(mine):7.1f} {percentile(mine, 95):7.1f} {median(theirs):8.1f} {percentile(theirs, 95):8.1f}"
        )
    (first, first_base), (deepest, deep_base) = times.values()
    ratio = (median(first_base) + median(deep_base)) / (median(first) + median(deepest))
    print(
        last_line(
            "api_list",
            p95_ms=round(percentile(first, 95), 1),
            p95_deep_ms=round(percentile(deepest, 95), 1),
            ratio=round(ratio, 3),
            deep_page=deep,
            households=total,
            db="postgresql",
        )
    )


if __name__ == "__main__":
    main()
