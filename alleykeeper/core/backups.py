"""Backup and restore of the database (README "Backups"): pg_dump / pg_restore on PostgreSQL, SQLite's online
backup on a laptop. A backup holds ID numbers and phones sealed as they are in the database: it is readable
again only with the same FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY, which are never in it (keep them apart)."""

import os
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

POSTGRES = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"


class BackupError(Exception):
    pass


def _postgres_env(db: dict) -> dict[str, str]:
    """libpq's variables for the database of the settings (no password on a command line)."""
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGHOST": db.get("HOST") or "", "PGPORT": str(db.get("PORT") or "")}
    if db.get("USER"):
        env["PGUSER"] = db["USER"]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def backup(directory: Path, now: datetime, alias: str = "default") -> Path:
    """Write one backup of the database into `directory`; returns its path."""
    db = settings.DATABASES[alias]
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    if db["ENGINE"] == POSTGRES:
        target = directory / f"alleykeeper-{stamp}.dump"
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
        _run(command, _postgres_env(db))
    elif db["ENGINE"] == SQLITE:
        target = directory / f"alleykeeper-{stamp}.sqlite3"
        connections[alias].ensure_connection()
        with sqlite3.connect(target) as copy:
            connections[alias].connection.backup(copy)  # consistent while the app keeps writing (WAL)
        copy.close()
    else:
        raise BackupError(f"no backup for the database engine {db['ENGINE']}")
    target.chmod(0o600)
    return target


def restore(source: Path, alias: str = "default") -> None:
    """Restore a backup into the database of the settings, which must be empty (a new database)."""
    db = settings.DATABASES[alias]
    if connections[alias].introspection.table_names():
        raise BackupError(f"the database {db['NAME']} is not empty: restore into a new, empty database")
    if db["ENGINE"] == POSTGRES:
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", db["NAME"], str(source)],
            _postgres_env(db),
        )
    elif db["ENGINE"] == SQLITE:
        connections[alias].close()
        with sqlite3.connect(source) as backup_file, sqlite3.connect(db["NAME"]) as target:
            backup_file.backup(target)
    else:
        raise BackupError(f"no restore for the database engine {db['ENGINE']}")


def remove_old(directory: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` backups of the directory; returns those removed."""
    found = sorted(directory.glob("alleykeeper-*.*"), key=lambda path: path.name, reverse=True)
    for old in found[keep:]:
        old.unlink()
    return found[keep:]


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")
