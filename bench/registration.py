"""Benchmark: the public visitor registration endpoint under the morning rush.

gunicorn (several sync workers, 127.0.0.1 only) serves the real form endpoint (/v/<token>/: CSRF, rate
limits, validation of ID and phone, key-area check, AES-GCM sealing, idempotent insert) and, on the same
server, a bare Django endpoint that inserts the same row as posted (no validation, encryption or rate
limiting; mounted only because ALLEYKEEPER_BENCH=1). 16 concurrent clients (threads, http.client, loopback)
post registrations, ours and baseline alternating for several rounds; medians are reported.

    .venv/bin/python bench/registration.py          # quick: about a minute, half of it migrating two databases
    .venv/bin/python bench/registration.py --full   # longer rounds, more of them

Prints the SQLite line, then the PostgreSQL line last (own database ak_bench_registration, created and
dropped here):  registration: ratio=... ours_rps=... baseline_rps=... p99_ms=... db=postgresql
Targets: ratio >= 0.5 and p99_ms <= 150 at 16 clients. Benchmarks are not tests: compare ratios.
"""

import argparse
import itertools
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from _common import SERVER, create_database, drop_database, last_line, median, percentile, postgres_url

from alleykeeper.visitors.tests.live_server import Site, Visitor, gunicorn, prepare_site, visitor_fields

DB_NAME = "ak_bench_registration"
UNLIMITED = {"VISITOR_RATE_PER_CLIENT": "1000000000", "VISITOR_RATE_PER_GATE": "1000000000"}
_serial = itertools.count()


@dataclass
class Phase:
    ok: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)  # what each error was: an HTTP status or an exception

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def run_phase(visitors: list[Visitor], path: str, seconds: float) -> Phase:
    """Every visitor posts back to back for `seconds` (bounded in time; each request has a 30 s timeout)."""
    phase, lock = Phase(), threading.Lock()
    start = time.monotonic()
    stop_at = start + seconds
    finished: list[float] = []

    def client(visitor: Visitor) -> None:
        ok = errors = 0
        latencies = []
        failures: Counter = Counter()
        while time.monotonic() < stop_at:
            n = next(_serial)
            fields = visitor_fields(n, f"bench{n:012d}{os.getpid():08d}xx")
            began = time.perf_counter()
            try:
                status, _ = visitor.post(path, fields)
            except OSError as error:
                status, failure = 0, type(error).__name__
            else:
                failure = f"HTTP {status}"
            latencies.append((time.perf_counter() - began) * 1000)
            if status == 303:
                ok += 1
            else:
                errors += 1
                failures[failure] += 1
        with lock:
            phase.ok += ok
            phase.errors += errors
            phase.latencies_ms += latencies
            phase.failures += failures
            finished.append(time.monotonic())

    threads = [threading.Thread(target=client, args=(v,), daemon=True) for v in visitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    phase.seconds = max(finished, default=stop_at) - start
    return phase


def bench(site: Site, db_label: str, *, clients: int, rounds: int, seconds: float, workers: int) -> str:
    with gunicorn(site, workers=workers) as port:
        visitors = [Visitor(port, site.token) for _ in range(clients)]
        for visitor in visitors:
            visitor.open_form()
        ours_path, baseline_path = f"/v/{site.token}/", f"/v/bench-baseline/{site.token}/"
        run_phase(visitors, ours_path, 1.0)  # warm up both: imports, connections, caches
        run_phase(visitors, baseline_path, 1.0)
        ours, baseline = [], []
        for round_no in range(rounds):
            order = [(ours_path, ours), (baseline_path, baseline)]
            for path, results in order if round_no % 2 == 0 else reversed(order):
                results.append(run_phase(visitors, path, seconds))
    for label, phases in (("ours", ours), ("baseline", baseline)):
        failures = sum((p.failures for p in phases), Counter())
        if failures:  # say what failed, so that an error is never a bare count
            print(f"{db_label} {label} errors: " + ", ".join(f"{k} x{n}" for k, n in failures.most_common()))
    ours_rps = median([p.rps for p in ours])
    baseline_rps = median([p.rps for p in baseline])
    return last_line(
        "registration",
        ratio=round(ours_rps / baseline_rps, 2) if baseline_rps else 0.0,
        ours_rps=round(ours_rps),
        baseline_rps=round(baseline_rps),
        p95_ms=round(median([percentile(p.latencies_ms, 95) for p in ours])),
        p99_ms=round(median([percentile(p.latencies_ms, 99) for p in ours])),
        clients=clients,
        workers=workers,
        errors=sum(p.errors for p in ours) + sum(p.errors for p in baseline),
        db=db_label,
    )


def prepare_in_parallel(targets: dict[str, str], workdir: Path) -> dict[str, Site | Exception]:
    """Migrate each database in its own process at the same time (setup is most of a quick run)."""
    sites: dict[str, Site | Exception] = {}

    def prepare(label: str, url: str) -> None:
        try:
            folder = workdir / label
            folder.mkdir()
            sites[label] = prepare_site(url, folder, ALLEYKEEPER_BENCH="1", **UNLIMITED)
        except Exception as error:  # reported by main()
            sites[label] = error

    threads = [threading.Thread(target=prepare, args=item) for item in targets.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return sites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="longer rounds and more of them")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()
    rounds, seconds = (5, 10.0) if args.full else (3, 2.5)
    options = {"clients": args.clients, "seconds": seconds, "workers": args.workers}

    workdir = Path(tempfile.mkdtemp(prefix="ak_bench_registration_"))
    targets = {"sqlite": f"sqlite:///{workdir / 'bench.sqlite3'}"}
    try:
        create_database(DB_NAME)
        targets["postgresql"] = postgres_url(DB_NAME)
    except Exception as error:
        print(f"PostgreSQL not reachable at {SERVER} ({type(error).__name__}); only SQLite is measured.")
    try:
        sites = prepare_in_parallel(targets, workdir)
        for label in targets:  # SQLite first, PostgreSQL last: its line is the last line
            site = sites.get(label)
            if not isinstance(site, Site):
                print(f"{label}: could not prepare the database: {site}")
                continue
            label_rounds = rounds if label == "postgresql" or args.full else 2
            print(bench(site, label, rounds=label_rounds, **options), flush=True)
    finally:
        if "postgresql" in targets:
            drop_database(DB_NAME)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
