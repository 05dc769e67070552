"""Fault test: restart PostgreSQL in the middle of a stream of registrations served by gunicorn.

Every confirmed registration must be in the database, and every registration in the database must have
been confirmed to its visitor. Clients behave like phones: on an error page or a broken connection they
send the same form again (same submission key), which is what makes "in the database but never
confirmed" impossible even when a commit's acknowledgement is lost in the restart.

Runs only on PostgreSQL, as root, where pg_ctlcluster exists. It restarts the shared server: other test
runs on this machine see a few seconds of refused connections, so keep it to this one test.
"""

import http.client
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connections

from alleykeeper.visitors.tests.live_server import (
    Visitor,
    drop_postgres_database,
    gunicorn,
    postgres_url,
    prepare_site,
    recreate_postgres_database,
    visitor_fields,
)

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
CAN_RESTART = shutil.which("pg_ctlcluster") is not None and os.path.isdir("/etc/postgresql") and os.geteuid() == 0

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="fault test needs PostgreSQL"),
    pytest.mark.skipif(not CAN_RESTART, reason="needs root and pg_ctlcluster to restart PostgreSQL"),
]

CLIENTS = 2
RETRY_FOR_SECONDS = 60


def _cluster_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def _wait_for_postgres(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _restart_postgres() -> None:
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", _cluster_version(), "main", "restart"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603 - Debian's tool


class Stream:
    """Visitors posting one registration after another until told to stop; records what they were told."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.confirmed: dict[str, str] = {}  # submission key -> code shown to the visitor
        self.unconfirmed: list[str] = []  # keys given up on (must then not be in the database)
        self.statuses: dict[int | str, int] = {}
        self.errors: list[str] = []
        self.opened = 0  # clients with the form open (the restart waits for all: a form opened during the
        # outage rightly answers 503, which would be the test's race, not the site's fault)

    def count(self, status: int | str) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def run(self, client_no: int) -> None:
        visitor = Visitor(self.port, self.token)
        try:
            visitor.open_form()
        except Exception as error:  # reported by the test
            self.errors.append(f"open form: {error!r}")
            return
        with self.lock:
            self.opened += 1
        n = 0
        while not self.stop.is_set():
            n += 1
            key = f"fault{client_no:02d}x{n:08d}xxxxxxxx"
            fields = visitor_fields(client_no * 10_000 + n, key)
            code, deadline = "", time.monotonic() + RETRY_FOR_SECONDS
            while not code and time.monotonic() < deadline:
                try:
                    status, location = visitor.post(f"/v/{self.token}/", fields)
                    self.count(status)
                    if status == 303 and key in location:
                        code = visitor.confirmation_code(location)
                except (OSError, http.client.HTTPException) as error:
                    self.count(type(error).__name__)
                if not code:
                    time.sleep(0.2)
            with self.lock:
                if code:
                    self.confirmed[key] = code
                else:
                    self.unconfirmed.append(key)

    def confirmed_count(self) -> int:
        with self.lock:
            return len(self.confirmed)


def _wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_restart_during_registrations_loses_nothing_confirmed_and_confirms_everything_kept():
    url = postgres_url("ak_visitors_fault")
    recreate_postgres_database(url)
    workdir = Path(tempfile.mkdtemp(prefix="ak_fault_"))
    try:
        site = prepare_site(url, workdir, VISITOR_RATE_PER_CLIENT="100000", VISITOR_RATE_PER_GATE="100000")
        with gunicorn(site, workers=2) as port:
            stream = Stream(port, site.token)
            threads = [threading.Thread(target=stream.run, args=(i,), daemon=True) for i in range(CLIENTS)]
            for thread in threads:
                thread.start()
            try:
                assert _wait_until(lambda: stream.opened == CLIENTS and stream.confirmed_count() >= 10, 60), (
                    stream.statuses,
                    stream.errors,
                )
                before = stream.confirmed_count()
                _restart_postgres()
                _wait_for_postgres(url)
                assert _wait_until(lambda: stream.confirmed_count() >= before + 10, 90), stream.statuses
            finally:
                stream.stop.set()
                for thread in threads:
                    thread.join(timeout=RETRY_FOR_SECONDS + 30)
        with psycopg.connect(url) as conn:
            stored = dict(conn.execute("SELECT submission_key, code FROM visitors_registration").fetchall())
    finally:
        _wait_for_postgres(url.rsplit("/", 1)[0] + "/postgres")
        # This process's own connections (the test database of the rest of the suite) died in the restart:
        # close them so that the next test reconnects instead of failing on a dead socket.
        connections.close_all()
        drop_postgres_database(url)
        shutil.rmtree(workdir, ignore_errors=True)

    print("statuses during the stream:", stream.statuses, "confirmed:", len(stream.confirmed))
    assert not stream.errors
    assert stream.unconfirmed == []  # every visitor got a confirmation within the retry window
    assert stored == stream.confirmed  # both directions, and the code shown is the code kept
    # the outage answered the "register with the duty staff" page or dropped connections: never a 500
    assert set(stream.statuses) <= {303, 503, "RemoteDisconnected", "ConnectionRefusedError", "ConnectionResetError"}
