"""Benchmark: the household list and the search at scale (200k households with --full), on PostgreSQL.

Ours: a logged-in community admin requests the pages through Django's test client (session, auth, scope,
view, template): /register/households/ at pages 1, 20 and a deep one (200; for the small register its
last page), with a grid filter and with the rental filter; and POSTs to /register/search/ by name prefix,
single surname (name and address), pinyin initials, full pinyin, exact ID number and phone.
The list pages by key (core.paging.keyset_page): ours reaches page N by following 下一页 (untimed), then
requests it. Baseline: hand-written SQL through a raw cursor returning the same rows (same scope, filter,
order and page; the list's pages by OFFSET, as the list itself paged before keyset pages), with the same indexes and steps as ours where ours needs two statements (name and address;
initials and full pinyin; buildings, then households). Ours and baseline alternate, several repetitions
each; latencies are wall-clock per request.

Query counts per page are captured (CaptureQueriesContext) twice: first with a small register (1,000
households), then after the large one is added to the same admin's scope; they must be equal.

    .venv/bin/python bench/register_list.py          # quick: 20k households
    .venv/bin/python bench/register_list.py --full   # 200k households

Own PostgreSQL database ak_bench_list (created and dropped here). Last line:
    register_list: p95_ms=<ours, all pages> queries=<max per page> ratio=<our rps / baseline rps> ...
ratio follows GUIDE.md section 6 for servers: our requests per second over the baseline's, from the sum of
per-page medians (single client). Target: p95_ms <= 200. Benchmarks are not tests: compare ratios.
"""

import argparse
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import bench_database, last_line, median, migrate, percentile, setup_django

DB_NAME = "ak_bench_list"
SMALL_HOUSEHOLDS = 1_000
PAGE_SIZE = 50  # registry.views.PAGE_SIZE

_HOUSEHOLD_SQL = """
SELECT h.id, h.room, h.kind, b.name, a.name, u.name, g.name,
       (SELECT count(*) FROM registry_resident r WHERE r.household_id = h.id)
FROM registry_household h
JOIN registry_building b ON b.id = h.building_id
JOIN registry_alley a ON a.id = b.alley_id
LEFT JOIN registry_unit u ON u.id = h.unit_id
JOIN registry_grid g ON g.id = h.grid_id
WHERE h.community_id = ANY(%(communities)s) {extra}
ORDER BY g.community_id, COALESCE(g.sort_number, 2147483647), g.name_key, h.grid_id, h.building_id, h.room, h.id
LIMIT %(limit)s OFFSET %(offset)s
"""
_RESIDENT_SQL = """
SELECT r.id, r.name, r.doc_number_masked, r.phone_masked, r.relation, h.id, h.room, b.name, a.name, u.name
FROM registry_resident r
JOIN registry_household h ON h.id = r.household_id
JOIN registry_building b ON b.id = h.building_id
JOIN registry_alley a ON a.id = b.alley_id
LEFT JOIN registry_unit u ON u.id = h.unit_id
WHERE h.community_id = ANY(%(communities)s) AND {where}
{order} LIMIT 50
"""
# The pinyin search: first 50 by initials and first 50 by full pinyin, merged in pinyin order.
_PINYIN_SQL = """
SELECT * FROM (
  (SELECT r.id, r.name, r.name_pinyin, r.doc_number_masked, r.phone_masked, h.id, h.room, b.name, a.name, u.name
   FROM registry_resident r
   JOIN registry_household h ON h.id = r.household_id
   JOIN registry_building b ON b.id = h.building_id
   JOIN registry_alley a ON a.id = b.alley_id
   LEFT JOIN registry_unit u ON u.id = h.unit_id
   WHERE h.community_id = ANY(%(communities)s) AND r.name_initials LIKE %(key)s
   ORDER BY r.name_initials USING ~<~, r.id LIMIT 50)
  UNION
  (SELECT r.id, r.name, r.name_pinyin, r.doc_number_masked, r.phone_masked, h.id, h.room, b.name, a.name, u.name
   FROM registry_resident r
   JOIN registry_household h ON h.id = r.household_id
   JOIN registry_building b ON b.id = h.building_id
   JOIN registry_alley a ON a.id = b.alley_id
   LEFT JOIN registry_unit u ON u.id = h.unit_id
   WHERE h.community_id = ANY(%(communities)s) AND r.name_pinyin LIKE %(key)s
   ORDER BY r.name_pinyin USING ~<~, r.id LIMIT 50)
) AS found ORDER BY 3, 1 LIMIT 50
"""
_BUILDINGS_SQL = """
SELECT b.id FROM registry_building b
JOIN registry_alley a ON a.id = b.alley_id
JOIN registry_grid g ON g.id = a.grid_id
WHERE g.community_id = ANY(%(communities)s) AND (b.name LIKE %(prefix)s OR a.name LIKE %(prefix)s)
LIMIT 50
"""
_ADDRESS_SQL = """
SELECT h.id, h.room, h.kind, b.name, a.name, u.name
FROM registry_household h
JOIN registry_building b ON b.id = h.building_id
JOIN registry_alley a ON a.id = b.alley_id
LEFT JOIN registry_unit u ON u.id = h.unit_id
WHERE h.community_id = ANY(%(communities)s)
  AND (h.room LIKE %(prefix)s OR h.landlord_name LIKE %(prefix)s OR h.building_id = ANY(%(buildings)s))
LIMIT 50
"""


@dataclass
class PageKind:
    """One page of the benchmark: how ours requests it and the SQL that returns the same rows."""

    label: str
    ours: Callable[[], object]
    baseline: Callable[[], object]
    ours_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    queries: dict[str, int] = field(default_factory=dict)


def _address(communities: list[int], prefix: str) -> Callable[[], object]:
    """Households by address prefix: the matching buildings first, then one indexed OR (as ours does)."""
    buildings = _raw(_BUILDINGS_SQL, {"communities": communities, "prefix": prefix})

    def run() -> list:
        ids = [row[0] for row in buildings()]
        return _raw(_ADDRESS_SQL, {"communities": communities, "prefix": prefix, "buildings": ids})()

    return run


def _raw(sql: str, params: dict) -> Callable[[], object]:
    from django.db import connection

    def run() -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def build_pages(client, communities: list[int], grid_id: int, sample, deep: int) -> list[PageKind]:
    """The pages and searches to measure, with their baselines. `sample` is a resident of the register;
    `deep` is the deep page number of the list (one that has rows)."""
    from alleykeeper.core.crypto import blind_index

    def get(url: str, page: int = 1) -> Callable[[], object]:
        """Page `page` of a list: its address found once (untimed) by following 下一页 from page 1, as a
        reader does (the list pages by key: its pages have no numbers)."""
        found: list[str] = []

        def address() -> str:
            if not found:
                target = url
                for _ in range(page - 1):
                    cursor = re.search(r"after=([A-Za-z0-9_-]+)", client.get(target).content.decode())
                    assert cursor, (url, page)
                    target = url + ("&" if "?" in url else "?") + f"after={cursor.group(1)}"
                found.append(target)
            return found[0]

        def run():
            response = client.get(address())
            assert response.status_code == 200, (url, response.status_code)
            return response

        return run

    def search(text: str) -> Callable[[], object]:
        def run():
            response = client.post("/register/search/", {"q": text})
            assert response.status_code == 200, (text, response.status_code)
            return response

        return run

    def households(extra: str = "", page: int = 1, **params) -> Callable[[], object]:
        values = {"communities": communities, "limit": PAGE_SIZE + 1, "offset": (page - 1) * PAGE_SIZE, **params}
        return _raw(_HOUSEHOLD_SQL.format(extra=extra), values)

    def residents(where: str, order: str = "", **params) -> Callable[[], object]:
        return _raw(_RESIDENT_SQL.format(where=where, order=order), {"communities": communities, **params})

    name_prefix = sample.name[:2]
    surname = sample.name[:1]
    by_name = "ORDER BY r.name USING ~<~, r.id"  # the order ours uses (registry.search.BytewiseOrder)
    surname_rows = residents("r.name LIKE %(prefix)s", by_name, prefix=f"{surname}%")
    surname_address = _address(communities, f"{surname}%")
    name_rows = residents("r.name LIKE %(prefix)s", by_name, prefix=f"{name_prefix}%")
    name_address = _address(communities, f"{name_prefix}%")
    communities_only = {"communities": communities}
    return [
        PageKind("list p1", get("/register/households/"), households()),
        PageKind("list p20", get("/register/households/", 20), households(page=20)),
        PageKind("list deep page", get("/register/households/", deep), households(page=deep)),
        PageKind(
            "list grid p1",
            get(f"/register/households/?grid={grid_id}"),
            households("AND h.grid_id = %(grid)s", grid=grid_id),
        ),
        PageKind(
            "list grid p5",
            get(f"/register/households/?grid={grid_id}", 5),
            households("AND h.grid_id = %(grid)s", page=5, grid=grid_id),
        ),
        PageKind(
            "list rental p3",
            get("/register/households/?kind=rental", 3),
            households("AND h.kind = %(kind)s", page=3, kind="rental"),
        ),
        PageKind("search name", search(name_prefix), lambda: (name_rows(), name_address())),
        PageKind("search surname", search(surname), lambda: (surname_rows(), surname_address())),
        PageKind(
            "search initials",
            search(sample.name_initials),
            _raw(_PINYIN_SQL, {**communities_only, "key": f"{sample.name_initials}%"}),
        ),
        PageKind(
            "search pinyin",
            search(sample.name_pinyin),
            _raw(_PINYIN_SQL, {**communities_only, "key": f"{sample.name_pinyin}%"}),
        ),
        PageKind(
            "search id",
            search(sample.full_document_number()),
            residents("r.doc_number_index = %(index)s", index=blind_index("doc", sample.full_document_number())),
        ),
        PageKind(
            "search phone",
            search(sample.full_phone()),
            residents("r.phone_index = %(index)s", index=blind_index("phone", sample.full_phone())),
        ),
    ]


def count_queries(pages: list[PageKind], phase: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        page.ours()  # warm-up: templates compiled, connection open
        with CaptureQueriesContext(connection) as captured:
            page.ours()
        page.queries[phase] = len(captured)


def measure(pages: list[PageKind], repetitions: int) -> None:
    for page in pages:
        page.ours()
        page.baseline()
        for repetition in range(repetitions):
            pair = [(page.ours, page.ours_ms), (page.baseline, page.baseline_ms)]
            for function, times in pair if repetition % 2 == 0 else reversed(pair):
                started = time.perf_counter()
                function()
                times.append((time.perf_counter() - started) * 1000)


def scope_of_bench(admin, community_names: list[str]):
    """Communities, a grid of the largest one, and a resident with a document and a phone to search for."""
    from alleykeeper.registry.models import Community, Grid, Resident

    communities = list(Community.objects.filter(name__in=community_names).values_list("id", flat=True))
    last = Community.objects.get(name=community_names[-1])
    grid = Grid.objects.filter(community=last).order_by("id")[1:2].get()
    sample = (
        Resident.objects.filter(household__grid=grid)
        .exclude(phone_enc="")
        .exclude(doc_number_enc="")
        .order_by("id")[7:8]
        .get()
    )
    return communities, grid.id, sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="200k households (default: 20k)")
    parser.add_argument("--repetitions", type=int, default=0, help="requests per page and side (10 quick, 25 full)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    total = 200_000 if args.full else 20_000
    repetitions = args.repetitions or (25 if args.full else 10)

    with bench_database(DB_NAME, keep=args.keep) as url:
        setup_django(url)
        migrate()
        from django.test import Client

        from alleykeeper.accounts.roles import Role
        from alleykeeper.demo.synthetic import seed_register
        from testkit.world import make_user

        small = seed_register(None, households=SMALL_HOUSEHOLDS, seed=21, community_name="合成数据社区（小）")
        admin = make_user("bench_admin", Role.ADMIN, communities=[small.community])
        client = Client()
        client.force_login(admin)
        names = [small.community.name]
        small_pages = build_pages(client, *scope_of_bench(admin, names), deep=SMALL_HOUSEHOLDS // PAGE_SIZE)
        count_queries(small_pages, "small")
        measure(small_pages, 3)

        started = time.perf_counter()
        large = seed_register(None, households=total - SMALL_HOUSEHOLDS, seed=22, community_name="合成数据社区")
        print(f"seeded {total} households in {time.perf_counter() - started:.0f} s")
        admin.communities.add(large.community)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        names.append(large.community.name)
        pages = build_pages(client, *scope_of_bench(admin, names), deep=200)
        count_queries(pages, "large")
        measure(pages, repetitions)

    print(f"{'page':16} {'q small':>7} {'q large':>7} {'p50 ms':>7} {'p95 ms':>7} {'base p50':>8} {'small p50':>9}")
    for page, small_page in zip(pages, small_pages, strict=True):
        print(
            f"{page.label:16} {small_page.queries['small']:7} {page.queries['large']:7} {median(page.ours_ms):7.1f}"
            f" {percentile(page.ours_ms, 95):7.1f} {median(page.baseline_ms):8.1f} {median(small_page.ours_ms):9.1f}"
        )
    same = all(p.queries["large"] == s.queries["small"] for p, s in zip(pages, small_pages, strict=True))
    every = [ms for page in pages for ms in page.ours_ms]
    ratio = sum(median(p.baseline_ms) for p in pages) / sum(median(p.ours_ms) for p in pages)
    print(
        last_line(
            "register_list",
            p95_ms=round(percentile(every, 95), 1),
            queries=max(p.queries["large"] for p in pages),
            ratio=round(ratio, 3),
            worst_page_p95_ms=round(max(percentile(p.ours_ms, 95) for p in pages), 1),
            same_queries_small_large="yes" if same else "no",
            households=total,
            db="postgresql",
        )
    )


if __name__ == "__main__":
    main()
