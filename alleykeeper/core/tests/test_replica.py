"""Reads from a real PostgreSQL streaming replica: a second cluster on port 5433 following the local server
(scripts/make_replica.sh, run by .ci/run before the PostgreSQL suite; scripts/drop_replica.sh removes it).

A database of its own is made on the primary; the replica receives it by streaming replication. In a process
with DATABASE_REPLICA_URL set, the opted-in reads (a list page, `reading_replica()`) are served by the replica
(a server in recovery, on its own port), writes by the primary, and a read after a write in the same scope by
the primary, where the write is.
"""

import json
import os
import subprocess
import time
import uuid

import psycopg
import pytest
from django.conf import settings

from alleykeeper.visitors.tests.live_server import (
    PYTHON,
    ROOT,
    drop_postgres_database,
    postgres_url,
    recreate_postgres_database,
)

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
REPLICA_SERVER = os.environ.get("REPLICA_TEST_URL", "postgres://postgres@127.0.0.1:5433")


def _replica_up() -> bool:
    try:
        with psycopg.connect(f"{REPLICA_SERVER}/postgres", connect_timeout=2) as conn:
            return bool(conn.execute("select pg_is_in_recovery()").fetchone()[0])
    except psycopg.OperationalError:
        return False


pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="the read replica needs PostgreSQL"),
    pytest.mark.skipif(
        ON_POSTGRES and not _replica_up(),
        reason=f"no streaming replica at {REPLICA_SERVER}: run scripts/make_replica.sh (as root; .ci/run does)",
    ),
]

CHECKS = """
import json
import time

from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alleykeeper.core.replica import reading_replica
from alleykeeper.registry.models import Household, Street
from testkit.second_factor import force_login_verified
from testkit.world import build_world


def caught_up() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("select pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    for _ in range(400):
        with connections["replica"].cursor() as cursor:
            cursor.execute("select pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise SystemExit("the replica did not catch up within 20 s")


def served(block):
    with CaptureQueriesContext(connections["replica"]) as replica, CaptureQueriesContext(connections["default"]) as primary:
        value = block()
    return value, len(replica.captured_queries), len(primary.captured_queries)


out = {}
with connections["replica"].cursor() as cursor:
    cursor.execute("select pg_is_in_recovery(), inet_server_port()")
    out["replica_server"] = list(cursor.fetchone())
world = build_world()
caught_up()

def read_in_scope():
    with reading_replica():
        return Household.objects.count()
out["read"] = served(read_in_scope)
out["read_outside"] = served(lambda: Household.objects.count())

def write_then_read():
    with reading_replica():
        Street.objects.create(name="新建街道")
        return Street.objects.filter(name="新建街道").count()
out["write_then_read"] = served(write_then_read)

client = Client(HTTP_HOST="127.0.0.1")
force_login_verified(client, world.admin)
caught_up()
response, on_replica, on_primary = served(lambda: client.get("/register/households/"))
page = response.content.decode()
out["list"] = [response.status_code, on_replica, on_primary, all(h.room in page for h in Household.objects.visible_to(world.admin))]
print("RESULT=" + json.dumps(out))
"""


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py with our own interpreter
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"manage.py {args[0]}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _wait_for_database_on_replica(url: str) -> None:
    for _ in range(400):
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                if conn.execute("select to_regclass('django_migrations') is not null").fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass
        time.sleep(0.05)
    pytest.fail("the new database did not reach the replica within 20 s")


def test_reads_served_by_the_replica_writes_by_the_primary():
    name = f"ak_replica_{uuid.uuid4().hex[:8]}"
    primary = postgres_url(name)
    recreate_postgres_database(primary)
    env = {
        **os.environ,
        "DATABASE_URL": primary,
        "LOG_LEVEL": "ERROR",
        "DATABASE_REPLICA_URL": f"{REPLICA_SERVER}/{name}",
    }
    try:
        _manage(env, "migrate", "--no-input", "-v", "0")
        _wait_for_database_on_replica(f"{REPLICA_SERVER}/{name}")
        out = json.loads(_manage(env, "shell", "-c", CHECKS).split("RESULT=", 1)[1])
    finally:
        drop_postgres_database(primary)

    assert out["replica_server"] == [True, int(REPLICA_SERVER.rsplit(":", 1)[1])]  # a standby, on its own port
    households, on_replica, on_primary = out["read"]
    assert households > 0 and on_replica == 1 and on_primary == 0, out["read"]
    assert out["read_outside"][1:] == [0, 1], "outside an opted-in scope reads stay on the primary"
    streets, on_replica, on_primary = out["write_then_read"]
    assert streets == 1 and on_replica == 0 and on_primary >= 2, "the write and the read after it: the primary"
    status, on_replica, on_primary, every_household_shown = out["list"]
    assert status == 200 and on_replica > 0 and every_household_shown, out["list"]
