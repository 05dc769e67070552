"""Benchmark: importing and reconciling a push list against the register, against calamine + a hash join.

Ours: what an admin does on the pages, without the web: `pushlist.actions.upload_push_list` (the file
stored privately and hashed, its type sniffed, the zip checked, the sheet read, the header row found
under two title rows and the columns guessed; the cells read kept beside the upload), `confirm_mapping`,
then `import_batch` as the background task runs it: the cells kept read back (not the file), every row
checked (ID checksum, IDs stored as numbers, phones with +86 and dashes, names with spaces, dates, origins
resolved to divisions), sealed (AES-GCM, blind index, mask), matched against the register and the key persons (ID, phone, pinyin-aware name with address, in
memory after a few queries), an outcome proposed, people and candidates written, one audit record.
Push-list tables are emptied between rounds, so every round is a first import.

Baselines, written as the least a careful engineer would write by hand (GUIDE.md section 6):
- `ratio` (the fair one): the same file read with python-calamine (to_python); every ID number and phone
  sealed as a push list stores it, with core.crypto's AES-GCM and HMAC blind index called directly (one
  key, no framework) and the mask; the one hash join on the blind indexes (the register's ID and phone
  indexes read in one query into dicts, a row matched by ID, else by phone); the sealed rows with their
  match COPY'd by psycopg into a plain table in one transaction.
- `ratio_plain` (the old one): the same read, the register's ID indexes in one query, one hash join on the
  ID; nothing sealed, nothing written.

Ours and the two baselines run in turn over several rounds (the order rotates each round); medians are
reported. Peak memory is measured separately: one more run of ours in a fresh child process, whose own
peak resident set (VmHWM in /proc/self/status, not inherited from this parent) is reported as peak_mb.

    .venv/bin/python bench/reconcile.py          # quick: 20k residents, 20k push rows
    .venv/bin/python bench/reconcile.py --full   # 100k residents, 100k push rows

Own PostgreSQL database ak_bench_reconcile (created and dropped here; BENCH_DB_NAME names another). Last line:
    reconcile: ratio=... ratio_plain=... ours_s=... baseline_s=... plain_s=... peak_mb=... rows=... db=postgresql
Targets at 100k rows: ratio <= 2.5, ratio_plain <= 5, peak_mb <= 400. Benchmarks are not tests: compare
ratios, not times.
"""

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from datetime import date, timedelta
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

DB_NAME = os.environ.get("BENCH_DB_NAME", "ak_bench_reconcile")
RECEIVED = date(2020, 2, 3)
TITLES = [["XX区疫情防控指挥部 大数据推送名单"], ["推送日期：2020年2月3日", "", "", "请各社区三日内反馈"]]
HEADER = ["序号", "姓名", "身份证号码", "联系电话", "来源地", "抵达日期", "现住址", "交通方式", "备注"]
ORIGINS = ["湖北省武汉市江岸区", "湖北省武汉市", "湖北孝感", "湖北省黄冈市黄州区", "浙江省温州市", "广东省深圳市南山区"]
PUSH_TABLES = "pushlist_pushmatch, pushlist_pushedperson, pushlist_pushbatch"
# What the rows of a real push list are, and how often (the rest are people who do not live here).
MIX = [("id", 0.55), ("phone", 0.12), ("name_address", 0.05), ("id_as_number", 0.04), ("scientific", 0.02)]


def seed(residents: int):
    from alleykeeper.demo.synthetic import seed_register

    return seed_register(None, households=max(1, round(residents / 2.7)), seed=11).community


def register_people(community) -> list[tuple]:
    """Clear values of the register's people, to write a push list that names some of them (setup only)."""
    from alleykeeper.core.crypto import decrypt
    from alleykeeper.registry.models import Resident

    rows = Resident.objects.filter(household__community=community).values_list(
        "name", "doc_number_enc", "phone_enc", "household__building__name", "household__room"
    )
    return [(name, decrypt(doc), decrypt(phone), building, room) for name, doc, phone, building, room in rows]


def messy_phone(phone: str, rng: random.Random) -> str:
    style = rng.random()
    if not phone:
        return ""
    if style < 0.3:
        return f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
    if style < 0.5:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return phone


def spaced(name: str, rng: random.Random) -> str:
    return f"{name[0]} {name[1:]}" if len(name) > 1 and rng.random() < 0.2 else name


CHINESE_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")


def build_rows(people: list[tuple], count: int) -> list[list]:
    from alleykeeper.core.identity import id_check_char

    rng = random.Random(3)
    chosen = rng.sample(people, min(len(people), count))
    rows: list[list] = []
    for number in range(1, count + 1):
        draw, kind = rng.random(), "stranger"
        for name, share in MIX:
            if draw < share:
                kind = name
                break
            draw -= share
        arrival = (RECEIVED - timedelta(days=rng.randrange(0, 20))).isoformat()
        origin, transport = rng.choice(ORIGINS), rng.choice(["", "G1234", "CZ3456", "自驾"])
        if kind == "stranger" or not chosen:
            first17 = f"4201{rng.randrange(10, 99)}19{rng.randrange(50, 99)}0{rng.randrange(1, 9)}1{rng.randrange(1, 9)}{rng.randrange(100, 999)}"
            doc, phone = first17 + id_check_char(first17), f"15{rng.randrange(10**9):09d}"
            # A stranger's name as a list would give it: letters only (a name with digits is refused and left out).
            stranger = "路人" + str(number).translate(CHINESE_DIGITS)
            rows.append([number, stranger, doc, phone, origin, arrival, "", transport, ""])
            continue
        name, doc, phone, building, room = chosen.pop()
        address = f"开元街道{building}{room}室"
        if kind == "id":
            rows.append(
                [number, spaced(name, rng), doc, messy_phone(phone, rng), origin, arrival, address, transport, ""]
            )
        elif kind == "phone":
            rows.append([number, spaced(name, rng), "", messy_phone(phone, rng), origin, arrival, "", transport, ""])
        elif kind == "name_address":
            rows.append([number, name, "", "", origin, arrival, address, transport, ""])
        elif kind == "id_as_number" and doc.isdigit():
            rows.append([number, name, int(doc), int(phone) if phone else "", origin, arrival, address, transport, ""])
        else:  # an ID that a spreadsheet turned into scientific notation, as text
            rows.append([number, name, f"{int(doc[:-1]) / 10**16:.5f}E+17", phone, origin, arrival, "", "", ""])
    return rows


def write_xlsx(rows: list[list], path: Path) -> None:
    """A push list as it arrives: two title rows, numbers where Excel made numbers, text elsewhere."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("推送名单")
    for index, title in enumerate(TITLES):
        sheet.write_row(index, 0, title)
    sheet.write_row(len(TITLES), 0, HEADER)
    for index, row in enumerate(rows, start=len(TITLES) + 1):
        for col, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(index, col, value)
            elif value != "":
                sheet.write_string(index, col, value)
    workbook.close()


def empty_push_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {PUSH_TABLES}, audit_auditevent CASCADE")


def import_once(path: Path, community_id: int) -> dict:
    """Ours: upload, accept the guessed columns, import (as the task does)."""
    from alleykeeper.pushlist import actions
    from alleykeeper.registry.models import Community

    community = Community.objects.get(pk=community_id)

    def chunks():
        with open(path, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                yield chunk

    uploaded = actions.upload_push_list(None, community, chunks(), path.name, received_on=RECEIVED, source="基准")
    actions.confirm_mapping(uploaded.batch, uploaded.batch.mapping)
    counts = actions.import_batch(None, uploaded.batch)
    assert counts is not None, uploaded.batch.status_message
    return counts.__dict__


def run_ours(path: Path, community_id: int, expected: int) -> float:
    empty_push_tables()
    seconds, counts = timed(lambda: import_once(path, community_id))
    assert counts["rows"] == expected, f"our import read {counts['rows']} rows, expected {expected}"
    return seconds


def run_plain_baseline(path: Path, expected: int) -> float:
    """The old baseline, kept as ratio_plain: read, the register's ID blind indexes in one query, one hash
    join on the ID; nothing sealed, nothing written."""
    from python_calamine import CalamineWorkbook

    from alleykeeper.core.crypto import blind_index
    from alleykeeper.registry.models import Resident

    def work() -> int:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            data = workbook.get_sheet_by_index(0).to_python()
        register = dict(Resident.objects.exclude(doc_number_index="").values_list("doc_number_index", "id"))
        matched = 0
        for row in data[len(TITLES) + 1 :]:
            if blind_index("doc", str(row[2]).strip().upper()) in register:
                matched += 1
        assert len(data) - len(TITLES) - 1 == expected
        return matched

    seconds, _ = timed(work)
    return seconds


def run_sealed_baseline(path: Path, database_url: str, expected: int) -> float:
    """The fair baseline (ratio): the same read; every ID number and phone sealed as a push list stores it
    (AES-GCM ciphertext, HMAC blind index, mask; core.crypto's functions called directly with its one
    key); the one hash join on the blind indexes (the register's ID and phone indexes read in one query,
    ID first, then phone); the sealed rows with their match COPY'd in one transaction. What a careful
    engineer writes by hand: strip the ID and upper-case its X, keep the phone's digits, no other check."""
    import psycopg
    from python_calamine import CalamineWorkbook

    from alleykeeper.core.crypto import blind_index, encrypt
    from alleykeeper.core.identity import mask_document, mask_phone

    digits = re.compile(r"\D")
    columns = ["c0 text", "c1 text", *(f"c{i} text" for i in range(4, len(HEADER)))]
    columns += [f"{part} text" for part in ("doc_enc", "doc_index", "doc_masked", "phone_enc", "phone_index")]
    columns += ["phone_masked text", "resident_id integer"]
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS baseline_push; CREATE TABLE baseline_push ({', '.join(columns)})")

        def work() -> None:
            with CalamineWorkbook.from_path(str(path)) as workbook:
                data = workbook.get_sheet_by_index(0).to_python()
            by_doc, by_phone = {}, {}
            for pk, doc_index, phone_index in connection.execute(
                "SELECT r.id, r.doc_number_index, r.phone_index FROM registry_resident r"
            ):
                if doc_index:
                    by_doc[doc_index] = pk
                if phone_index:
                    by_phone.setdefault(phone_index, pk)
            rows = data[len(TITLES) + 1 :]
            assert len(rows) == expected
            with connection.transaction(), connection.cursor() as cursor:
                with cursor.copy("COPY baseline_push FROM STDIN") as copy:
                    for row in rows:
                        doc = str(row[2]).strip().upper()
                        phone = digits.sub("", str(row[3]))
                        doc_index = blind_index("doc", doc) if doc else ""
                        phone_index = blind_index("phone", phone) if phone else ""
                        resident = by_doc.get(doc_index) if doc_index else None
                        if resident is None and phone_index:
                            resident = by_phone.get(phone_index)
                        copy.write_row(
                            [
                                str(row[0]),
                                str(row[1]),
                                *(str(cell) for cell in row[4:]),
                                encrypt(doc) if doc else "",
                                doc_index,
                                mask_document(doc) if doc else "",
                                encrypt(phone) if phone else "",
                                phone_index,
                                mask_phone(phone) if phone else "",
                                resident,
                            ]
                        )

        seconds, _ = timed(work)
        count = connection.execute("SELECT count(*) FROM baseline_push").fetchone()[0]
        assert count == expected, "the sealed baseline did not copy every row"
        connection.execute("TRUNCATE baseline_push")
    return seconds


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree_pss_mb() -> float:
    """Proportional memory of this process and its worker processes (shared pages counted once)."""
    pids = [os.getpid()]
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:
            continue
    return sum(_pss_mb(pid) for pid in pids)


def child_main(path: str, community_id: int) -> None:
    """One run of ours in a fresh process, for its own peak memory: the peak resident set of this
    process (VmHWM) or, when PUSHLIST_IMPORT_PROCESSES forks workers, the peak of the summed PSS of
    this process and its workers (sampled every 50 ms), whichever is larger."""
    import threading

    setup_django(os.environ["DATABASE_URL"])
    empty_push_tables()
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], _tree_pss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    seconds, counts = timed(lambda: import_once(Path(path), community_id))
    done.set()
    sampler.join()
    print(json.dumps({"seconds": seconds, "peak_mb": max(peak_rss_mb(), peak[0]), **counts}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="100k residents and push rows (default: 20k)")
    parser.add_argument("--rows", type=int, help="any other size (residents and push rows)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true", help="profile one run of ours instead (cProfile)")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "COMMUNITY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child[0], int(args.child[1]))
        return
    count = args.rows or (100_000 if args.full else 20_000)
    work = Path(tempfile.mkdtemp(prefix="ak-bench-reconcile-"))
    os.environ["PRIVATE_UPLOAD_ROOT"] = str(work / "uploads")
    os.environ["IMPORT_MAX_ROWS"] = str(max(count, 300_000))
    with bench_database(DB_NAME, keep=args.keep) as url:
        setup_django(url)
        migrate()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("load_divisions", stdout=open(os.devnull, "w"))
        community = seed(count)
        rows = build_rows(register_people(community), count)
        path = work / "push.xlsx"
        write_xlsx(rows, path)
        size_mb = path.stat().st_size / 1024 / 1024
        print(f"register and {count}-row push list ({size_mb:.1f} MB) ready in {time.perf_counter() - started:.0f} s")
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(run_ours, path, community.pk, count)
            profile.dump_stats(os.environ.get("BENCH_PROFILE_OUT", os.devnull))
            pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
            return
        ours, sealed, plain = alternate_all(
            args.rounds,
            lambda: run_ours(path, community.pk, count),
            lambda: run_sealed_baseline(path, url, count),
            lambda: run_plain_baseline(path, count),
        )
        for number, (a, b, c) in enumerate(zip(ours, sealed, plain, strict=True), start=1):
            print(f"round {number}: ours {a:.2f} s, baseline {b:.2f} s, plain baseline {c:.2f} s")
        from django.db import connections

        connections.close_all()
        child = run_child(
            [str(Path(__file__)), "--child", str(path), str(community.pk)],
            env={"DATABASE_URL": url, "PRIVATE_UPLOAD_ROOT": str(work / "uploads")},
        )
        result = child.result
        print(
            f"child run: {result['seconds']:.2f} s, peak {child.peak_mb:.0f} MB; imported {result['imported']}, "
            f"matched {result['matched']}, review {result['review']}, unmatched {result['unmatched']}, "
            f"rows with problems {result['with_problems']}"
        )
    ours_s, baseline_s, plain_s = median(ours), median(sealed), median(plain)
    print(
        last_line(
            "reconcile",
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
