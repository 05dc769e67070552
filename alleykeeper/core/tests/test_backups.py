"""Backup and restore (manage.py backup_database / restore_database): a backup restored into a new, empty
database gives an app that runs (migrations up to date, a page served) and reads the sealed ID numbers and
phones, with the same keys. SQLite (the laptop) always; PostgreSQL (pg_dump / pg_restore) when the suite runs
on it. Each database is made and removed here, in processes of its own, as an operator would."""

import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from alleykeeper.visitors.tests.live_server import (
    PYTHON,
    ROOT,
    drop_postgres_database,
    postgres_url,
    recreate_postgres_database,
)
from testkit.world import make_id

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
ID_NUMBER = make_id(born="19800214", order="123")
PHONE = "13812348000"

SEED = f"""
from alleykeeper.registry.models import Community, Grid, Street
from testkit.world import add_resident, make_household

street = Street.objects.create(name="开元街道")
community = Community.objects.create(street=street, name="开元社区")
grid = Grid.objects.create(community=community, name="第一网格")
add_resident(make_household(grid, "3号楼", "302"), "王翠琳", "{ID_NUMBER}", "{PHONE}")
"""
READ = """
from alleykeeper.registry.models import Resident
from django.test import Client

resident = Resident.objects.get()
print(resident.full_document_number(), resident.full_phone(), resident.doc_number_masked)
print("healthz", Client(HTTP_HOST="127.0.0.1").get("/healthz").status_code)
"""


def _manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603 - our own manage.py with our own interpreter
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env={**_env(), "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "LOG_LEVEL": "ERROR"}


def _round_trip(original: str, restored: str, backups: Path) -> None:
    _manage(original, "migrate", "--no-input", "-v", "0")
    _manage(original, "shell", "-c", SEED)
    written = _manage(original, "backup_database", "--dir", str(backups)).stdout
    [backup] = list(backups.iterdir())
    assert "backup written" in written and backup.stat().st_mode & 0o777 == 0o600

    _manage(restored, "restore_database", str(backup))
    _manage(restored, "migrate", "--check")  # the schema came back whole: nothing left to migrate
    read = _manage(restored, "shell", "-c", READ).stdout
    assert f"{ID_NUMBER} {PHONE} {ID_NUMBER[:6]}********{ID_NUMBER[-4:]}" in read
    assert "healthz 200" in read

    again = subprocess.run(  # noqa: S603 - the same command, refused
        [PYTHON, "manage.py", "restore_database", str(backup)],
        cwd=ROOT,
        env={**_env(), "DATABASE_URL": restored},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode != 0 and "not empty" in again.stderr


def test_sqlite_backup_restores_into_a_new_file(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'laptop.sqlite3'}", f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path / "b")


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump / pg_restore: the suite runs on SQLite")
def test_postgres_backup_restores_into_an_empty_database(tmp_path):
    suffix = uuid.uuid4().hex[:8]
    original, restored = postgres_url(f"ak_backup_{suffix}"), postgres_url(f"ak_restore_{suffix}")
    recreate_postgres_database(original)
    recreate_postgres_database(restored)
    try:
        _round_trip(original, restored, tmp_path / "b")
    finally:
        drop_postgres_database(original)
        drop_postgres_database(restored)
