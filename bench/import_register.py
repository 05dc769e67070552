"""Benchmark: importing a register XLSX through our import, against calamine + PostgreSQL COPY.

Ours: `manage.py import_register FILE --community ...` run in-process (call_command), the same code path
as the page's background task without the web: the upload stored privately and hashed, the type sniffed,
the zip checked (declared sizes, ratio, every member inflated with a cap), the sheet read with calamine,
the header found and mapped, every row validated (ID checksum, phones, choices, duplicates, the register
looked up for IDs already known), then one transaction that creates alleys, buildings, units, households
and residents with their identity sealed (AES-GCM, blind index, mask) and one audit record. The register
tables are emptied between rounds, so every round is a first import.

Baselines, written as the least a careful engineer would write by hand (GUIDE.md section 6):
- `ratio` (the fair one): the same file read with python-calamine (to_python); every ID number and phone
  (the resident's and the landlord's) sealed as the register stores it, with core.crypto's AES-GCM and HMAC
  blind index called directly (one key, no framework) and the mask; the rows, sealed, COPY'd by psycopg
  into a plain table in one transaction. No checks, no places, no households.
- `ratio_plain` (the old one): the same read, the cells as text COPY'd into a plain table; nothing sealed.

Ours and the two baselines run in turn over six rounds (the order rotates each round, so each of the three
orders comes twice); medians are reported. Six rather than three because the baselines' rounds are short
(3-5 s at 100k rows) and swing most with other work on a shared machine: with three, one slow or fast
baseline round moved the ratio by 0.5. peak_mb is the peak resident memory of one more run of ours in a fresh child process.

    .venv/bin/python bench/import_register.py          # quick: 10k rows
    .venv/bin/python bench/import_register.py --full   # 100k rows

Own PostgreSQL database ak_bench_import (created and dropped here; BENCH_DB_NAME names another). Last line:
    import_register: ratio=... ratio_plain=... ours_s=... baseline_s=... plain_s=... peak_mb=... rows=... db=postgresql
Targets at 100k rows: ratio <= 2.0, ratio_plain <= 3.5. Benchmarks are not tests: compare ratios, not times.
"""

import argparse
import io
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (
    alternate_all,
    bench_database,
    last_line,
    median,
    migrate,
    peak_rss_mb,
    run_child,
    setup_django,
    timed,
)

DB_NAME = os.environ.get("BENCH_DB_NAME", "ak_bench_import")
COMMUNITY = "导入基准社区"
HEADER = [
    "网格", "小巷", "楼栋", "单元", "房号", "户类型", "房东姓名", "房东电话", "租期开始", "租期结束",
    "姓名", "身份证号", "联系电话", "性别", "出生日期", "与户主关系", "居住状态",
]  # fmt: skip
REGISTER_TABLES = "registry_resident, registry_household, registry_unit, registry_building, registry_alley"


def build_rows(count: int) -> list[list[str]]:
    """`count` resident rows of invented households (registry.synthetic: checksum-valid IDs of nobody)."""
    from alleykeeper.demo.synthetic import Planner
    from alleykeeper.registry.models import HouseholdKind, RelationToHead, ResidenceStatus, Sex

    kinds, relations = dict(HouseholdKind.choices), dict(RelationToHead.choices)
    statuses, sexes = dict(ResidenceStatus.choices), dict(Sex.choices)
    planner = Planner(seed=5)
    rows: list[list[str]] = []
    number = 0
    while len(rows) < count:
        home = planner.household(number)
        number += 1
        for person in home.people:
            rows.append(
                [
                    f"第{home.grid + 1}网格",
                    f"基准{home.alley + 1}巷",
                    f"{home.building + 1}号楼",
                    home.unit,
                    home.room,
                    str(kinds[home.kind]),
                    home.landlord_name,
                    home.landlord_phone,
                    home.tenancy_start.isoformat() if home.tenancy_start else "",
                    home.tenancy_end.isoformat() if home.tenancy_end else "",
                    person.name,
                    person.doc_number,
                    person.phone,
                    str(sexes[person.sex]),
                    person.birth_date.isoformat(),
                    str(relations[person.relation]),
                    str(statuses[person.status]),
                ]
            )
    return rows[:count]


def write_xlsx(rows: list[list[str]], path: Path) -> None:
    """Written as a community would keep it: every cell text, the ID column formatted as text."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("台账")
    sheet.set_column(0, len(HEADER) - 1, 12, workbook.add_format({"num_format": "@"}))
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    workbook.close()


def prepare_community(rows: list[list[str]]) -> None:
    from alleykeeper.registry.models import Community, Grid, Street

    street = Street.objects.create(name="导入基准街道")
    community = Community.objects.create(street=street, name=COMMUNITY)
    Grid.objects.bulk_create([Grid(community=community, name=name) for name in sorted({row[0] for row in rows})])


def empty_register() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {REGISTER_TABLES}, audit_auditevent, registry_importjob CASCADE")


def run_ours(path: Path, expected: int) -> float:
    from django.core.management import call_command

    from alleykeeper.registry.models import Resident

    empty_register()
    seconds, _ = timed(
        lambda: call_command("import_register", str(path), community=COMMUNITY, no_progress=True, stdout=io.StringIO())
    )
    assert Resident.objects.count() == expected, "our import did not import every row"
    return seconds


def _read_and_copy(path: Path, database_url: str, table: str, columns: list[str], rows_of, expected: int) -> float:
    """Seconds to read the sheet with python-calamine and COPY `rows_of(data rows)` into a plain table
    of `columns` in one transaction (the table made before the clock starts, emptied after)."""
    import psycopg
    from python_calamine import CalamineWorkbook

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} ({', '.join(columns)})")

        def work() -> None:
            with CalamineWorkbook.from_path(str(path)) as workbook:
                data = workbook.get_sheet_by_index(0).to_python()
            with connection.transaction(), connection.cursor() as cursor:
                with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    for row in rows_of(data[1:]):
                        copy.write_row(row)

        seconds, _ = timed(work)
        count = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert count == expected, f"the baseline did not copy every row into {table}"
        connection.execute(f"TRUNCATE {table}")
    return seconds


def run_plain_baseline(path: Path, database_url: str, expected: int) -> float:
    """The old baseline, kept as ratio_plain: the cells as text COPY'd into a plain table, nothing sealed."""
    columns = [f"c{i} text" for i in range(len(HEADER))]
    return _read_and_copy(
        path, database_url, "baseline_import", columns, lambda rows: ([str(c) for c in row] for row in rows), expected
    )


def run_sealed_baseline(path: Path, database_url: str, expected: int) -> float:
    """The fair baseline (ratio): the same read, every ID number and phone sealed as the register stores
    it (AES-GCM ciphertext, HMAC blind index, mask; core.crypto's functions called directly with its one
    key), and the sealed rows COPY'd in one transaction. What a careful engineer writes by hand: strip the
    ID and upper-case its X, keep the phone's digits, no other check."""
    from alleykeeper.core.crypto import blind_index, encrypt
    from alleykeeper.core.identity import mask_document, mask_phone

    sealed = {HEADER.index("身份证号"): "doc", HEADER.index("联系电话"): "phone", HEADER.index("房东电话"): "phone"}
    plain = [i for i in range(len(HEADER)) if i not in sealed]
    columns = [f"c{i} text" for i in plain] + [
        f"c{i}_{part} text" for i in sealed for part in ("enc", "index", "masked")
    ]
    digits = re.compile(r"\D")

    def seal(kind: str, cell: object) -> tuple[str, str, str]:
        if kind == "doc":
            value = str(cell).strip().upper()
            return (encrypt(value), blind_index("doc", value), mask_document(value)) if value else ("", "", "")
        value = digits.sub("", str(cell))
        return (encrypt(value), blind_index("phone", value), mask_phone(value)) if value else ("", "", "")

    def rows_of(rows: list) -> Iterator[list[str]]:
        for row in rows:
            out = [str(row[i]) for i in plain]
            for index, kind in sealed.items():
                out.extend(seal(kind, row[index]))
            yield out

    return _read_and_copy(path, database_url, "baseline_sealed", columns, rows_of, expected)


def child_main(path: Path, expected: int) -> None:
    """One run of ours in a fresh process, for its own peak memory (VmHWM: not the parent's rows)."""
    import json

    setup_django(os.environ["DATABASE_URL"])
    seconds = run_ours(path, expected)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="100k rows (default: 10k)")
    parser.add_argument("--rows", type=int, help="any other row count")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of the three (default 6: each order twice)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true", help="profile one run of ours instead (cProfile, top 30)")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(Path(args.child[0]), int(args.child[1]))
        return
    count = args.rows or (100_000 if args.full else 10_000)
    work = Path(tempfile.mkdtemp(prefix="ak-bench-import-"))
    os.environ["PRIVATE_UPLOAD_ROOT"] = str(work / "uploads")
    os.environ["IMPORT_MAX_ROWS"] = str(max(count, 300_000))
    with bench_database(DB_NAME, keep=args.keep) as url:
        setup_django(url)
        migrate()
        started = time.perf_counter()
        rows = build_rows(count)
        path = work / "register.xlsx"
        write_xlsx(rows, path)
        prepare_community(rows)
        size_mb = path.stat().st_size / 1024 / 1024
        print(f"{count} rows, {size_mb:.1f} MB XLSX written in {time.perf_counter() - started:.0f} s")
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(run_ours, path, count)
            profile.dump_stats(os.environ.get("BENCH_PROFILE_OUT", os.devnull))
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
            pstats.Stats(profile).sort_stats("tottime").print_stats(20)
            return
        ours, sealed, plain = alternate_all(
            args.rounds,
            lambda: run_ours(path, count),
            lambda: run_sealed_baseline(path, url, count),
            lambda: run_plain_baseline(path, url, count),
        )
        for number, (a, b, c) in enumerate(zip(ours, sealed, plain, strict=True), start=1):
            print(f"round {number}: ours {a:.2f} s, baseline {b:.2f} s, plain baseline {c:.2f} s")
        from django.db import connections

        connections.close_all()
        child = run_child([str(Path(__file__)), "--child", str(path), str(count)], env={"DATABASE_URL": url})
        print(f"child run: {child.result['seconds']:.2f} s, peak {child.peak_mb:.0f} MB")
    ours_s, baseline_s, plain_s = median(ours), median(sealed), median(plain)
    print(
        last_line(
            "import_register",
            ratio=ours_s / baseline_s,
            ratio_plain=ours_s / plain_s,
            ours_s=ours_s,
            baseline_s=baseline_s,
            plain_s=plain_s,
            peak_mb=child.peak_mb,
            rows=count,
            db="postgresql",
        )
    )


if __name__ == "__main__":
    main()
