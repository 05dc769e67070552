"""Benchmark: exporting the register to XLSX through our export code, against xlsxwriter alone.

Ours: a logged-in community admin POSTs to /register/export/ through Django's test client (auth, scope,
purpose form, one values_list query streamed with iterator(), formula-safe text cells, labels, the audit
record, the FileResponse read to the end). Baseline: the same SQL run on a raw psycopg server-side cursor,
its rows written with xlsxwriter alone (constant_memory, write_row), the file read to the end. Each side
runs in its own child process, alternating over several rounds; the timing is taken inside the child
(Django start-up excluded). Peak memory is the child's peak resident set size, VmHWM read by the child
itself at the end: the whole Python process (interpreter, Django, the export), not the parent that seeded
the data (ru_maxrss would include the parent's memory on Linux: see bench/_common.peak_rss_mb).

    .venv/bin/python bench/export_register.py          # quick: about 20k residents
    .venv/bin/python bench/export_register.py --full   # about 100k residents

Own PostgreSQL database ak_bench_export (created and dropped here). Last line:
    export_register: ratio=<our s / baseline s> peak_mb=<ours> rows=<n> ... db=postgresql
Targets: ratio <= 1.3 and peak_mb <= 300. Benchmarks are not tests: compare ratios.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (
    bench_database,
    last_line,
    median,
    migrate,
    peak_rss_mb,
    run_child,
    setup_django,
)

DB_NAME = "ak_bench_export"
ADMIN = "bench_admin"
RESIDENTS_PER_HOUSEHOLD = 2.73  # what `seed` makes on average


def prepare(rows: int) -> int:
    """Seed a synthetic community with about `rows` residents and an admin for it; return the row count."""
    from alleykeeper.accounts.roles import Role
    from alleykeeper.demo.synthetic import seed_register
    from alleykeeper.registry.models import Resident
    from testkit.world import make_user

    started = time.perf_counter()
    result = seed_register(None, households=round(rows / RESIDENTS_PER_HOUSEHOLD), seed=11)
    make_user(ADMIN, Role.ADMIN, communities=[result.community])
    print(
        f"seeded {result.households} households, {result.residents} residents in {time.perf_counter() - started:.0f} s"
    )
    return Resident.objects.count()


def child_ours() -> dict:
    """One export through the page, as a user's browser would get it."""
    from django.test import Client

    from alleykeeper.accounts.models import User
    from alleykeeper.audit.models import AuditEvent

    client = Client()
    client.force_login(User.objects.get(username=ADMIN))
    started = time.perf_counter()
    response = client.post("/register/export/", {"purpose": "report_upward", "format": "xlsx"})
    assert response.status_code == 200, response.status_code
    size = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    seconds = time.perf_counter() - started
    rows = AuditEvent.objects.filter(action="register.export").latest("id").row_count
    return {"seconds": seconds, "bytes": size, "rows": rows}


def child_baseline() -> dict:
    """The same rows from the same SQL, written by xlsxwriter alone with constant memory."""
    import xlsxwriter
    from django.db import connection

    from alleykeeper.accounts.models import User
    from alleykeeper.registry.exports import REGISTER_COLUMNS, REGISTER_FIELDS, RegisterFilters, register_queryset

    user = User.objects.get(username=ADMIN)
    sql, params = register_queryset(user, RegisterFilters()).values_list(*REGISTER_FIELDS).query.sql_with_params()
    connection.ensure_connection()
    started = time.perf_counter()
    rows = 0
    with tempfile.TemporaryFile() as file:
        workbook = xlsxwriter.Workbook(file, {"constant_memory": True})
        sheet = workbook.add_worksheet("居民台账")
        sheet.write_row(0, 0, [column.header for column in REGISTER_COLUMNS])
        with connection.connection.cursor(name="bench_export", withhold=True) as cursor:  # like iterator()
            cursor.itersize = 2000
            cursor.execute(sql, params)
            for rows, values in enumerate(cursor, start=1):
                sheet.write_row(rows, 0, values)
        workbook.close()
        file.seek(0)
        size = 0
        while chunk := file.read(64 * 1024):
            size += len(chunk)
    return {"seconds": time.perf_counter() - started, "bytes": size, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="about 100k residents (default: about 20k)")
    parser.add_argument("--rounds", type=int, default=0, help="rounds of ours + baseline (default 3 quick, 5 full)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--child", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django(args.database_url)
        result = child_ours() if args.child == "ours" else child_baseline()
        print(json.dumps({**result, "peak_mb": peak_rss_mb()}))
        return

    target = 100_000 if args.full else 20_000
    rounds = args.rounds or (5 if args.full else 3)
    with bench_database(DB_NAME, keep=args.keep) as url:
        setup_django(url)
        migrate()
        rows = prepare(target)
        from django.db import connections

        connections.close_all()
        ours, baseline, peaks, sizes = [], [], [], {}
        for round_number in range(rounds):
            sides = ["ours", "baseline"] if round_number % 2 == 0 else ["baseline", "ours"]
            for side in sides:
                run = run_child([__file__, "--child", side, "--database-url", url])
                assert run.result["rows"] == rows, (side, run.result, rows)
                (ours if side == "ours" else baseline).append(run.result["seconds"])
                if side == "ours":
                    peaks.append(run.peak_mb)
                sizes[side] = run.result["bytes"]
                print(f"round {round_number + 1} {side:8} {run.result['seconds']:6.2f} s  peak {run.peak_mb:5.0f} MB")
    ratio = median(ours) / median(baseline)
    print(f"ours median {median(ours):.2f} s, baseline median {median(baseline):.2f} s; file sizes {sizes}")
    print(
        last_line(
            "export_register",
            ratio=round(ratio, 2),
            peak_mb=round(max(peaks)),
            rows=rows,
            ours_s=round(median(ours), 2),
            baseline_s=round(median(baseline), 2),
            rows_per_s=round(rows / median(ours)),
            db="postgresql",
        )
    )


if __name__ == "__main__":
    main()
