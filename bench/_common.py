"""Shared pieces of the benchmarks (GUIDE.md section 6): a dedicated PostgreSQL database, Django set up
on it, alternating rounds, medians and percentiles, peak memory of a child process, the last line.

Every benchmark runs from the repository root as `.venv/bin/python bench/<name>.py` and uses its own
database (ak_bench_<name>), created and dropped here, never the default one. Set BENCH_POSTGRES to point
at another server (default postgres://postgres@127.0.0.1:5432).
"""

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def postgres_url(name: str) -> str:
    return f"{SERVER}/{name}"


def _admin_connection():
    import psycopg

    return psycopg.connect(postgres_url("postgres"), autocommit=True)


def drop_database(name: str) -> None:
    from psycopg import sql

    with _admin_connection() as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def create_database(name: str) -> None:
    """A fresh, empty database (an old one of the same name, left by an interrupted run, is dropped)."""
    from psycopg import sql

    drop_database(name)
    with _admin_connection() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# Production-like settings for an in-process Django: DEBUG off, no HTTPS redirect (the test client speaks
# plain HTTP), the test client's host allowed. Set before django.setup(); real env wins over .env.
BENCH_ENV = {
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
}


def setup_django(database_url: str) -> None:
    """Point Django at `database_url` and set it up (call once per process, before importing models)."""
    os.environ.update(BENCH_ENV)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alleykeeper.settings")
    import django
    from django.test.utils import override_settings

    django.setup()
    from django.conf import settings

    # Templates use {% static %}; without collectstatic there is no manifest, so use the plain storage.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    # The benchmarks' signed-in clients have passed the second factor, as the tests' personas have.
    from django.test import Client

    from testkit.second_factor import force_login_verified

    Client.force_login = force_login_verified


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@contextmanager
def bench_database(name: str, *, keep: bool = False) -> Iterator[str]:
    """Create the benchmark's own database, yield its URL, drop it afterwards (unless keep)."""
    create_database(name)
    try:
        yield postgres_url(name)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up yet; the drop below still runs
            pass
        if not keep:
            drop_database(name)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def timed(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def alternate(rounds: int, ours: Callable[[], float], baseline: Callable[[], float]) -> tuple[list[float], list[float]]:
    """Run ours and the baseline alternately, swapping which goes first each round; return both lists."""
    ours_times, baseline_times = [], []
    for round_number in range(rounds):
        pair = [(ours, ours_times), (baseline, baseline_times)]
        for function, times in pair if round_number % 2 == 0 else reversed(pair):
            times.append(function())
    return ours_times, baseline_times


def alternate_all(rounds: int, *functions: Callable[[], float]) -> list[list[float]]:
    """Run each function once a round, the order rotating from round to round (ours and two baselines:
    each goes first, last and in between as often); one list of times per function, in their order."""
    times: list[list[float]] = [[] for _ in functions]
    for round_number in range(rounds):
        shift = round_number % len(functions)
        for position in [*range(shift, len(functions)), *range(shift)]:
            times[position].append(functions[position]())
    return times


def peak_rss_mb() -> float:
    """Peak resident memory of this process's own address space (VmHWM).

    Not ru_maxrss: on Linux a child's ru_maxrss starts from its parent's peak (the image it was forked
    from counts until exec), so a child of a big parent would report the parent's memory. VmHWM belongs
    to the current image only. Falls back to ru_maxrss (KiB on Linux) where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class ChildRun:
    result: dict
    peak_mb: float
    wall_s: float


def run_child(args: list[str], env: dict[str, str] | None = None) -> ChildRun:
    """Run `python <args>` as a child; its last stdout line is JSON. If that JSON has "peak_mb" (the
    child's own peak_rss_mb()), that is the peak; otherwise ru_maxrss of exactly this child (os.wait4),
    which on Linux may include the parent's memory at fork time."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, text=True
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"child {args} failed with exit code {process.returncode}")
    lines = [line for line in output.splitlines() if line.strip()]
    result = json.loads(lines[-1])
    return ChildRun(result, result.get("peak_mb", usage.ru_maxrss / 1024), time.perf_counter() - started)


def last_line(name: str, **values: object) -> str:
    """The benchmark's last line: `name: key=value ...` (floats rounded for reading)."""

    def show(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 10 else f"{value:.0f}"
        return str(value)

    return f"{name}: " + " ".join(f"{key}={show(value)}" for key, value in values.items())
