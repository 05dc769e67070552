"""Uploaded spreadsheets are kept only while they are needed (waiting for their columns to be confirmed, for their
import, for their error report): each app that keeps uploads (core.tabular's store_upload) registers how it deletes
its stale ones, in its AppConfig.ready, and `manage.py purge_imports` (a daily timer) runs them all. A file of ID
numbers left at the mapping step is not kept for ever."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

_STALE_UPLOAD_PURGES: list[Callable[[datetime], int]] = []


def purges_stale_uploads(purge: Callable[[datetime], int]) -> None:
    """Register `purge(now)`: deletes what its app kept too long as of `now`, returns how many files."""
    if purge not in _STALE_UPLOAD_PURGES:
        _STALE_UPLOAD_PURGES.append(purge)


def purge_stale_uploads(now: datetime) -> int:
    return sum(purge(now) for purge in _STALE_UPLOAD_PURGES)


def remove_orphan_uploads(directory: Path, known: set[str], cutoff: datetime) -> int:
    """Delete the uploads under `directory` (and the cells kept of them) that no record names (`known`: the
    uploads' file names) and that are older than `cutoff`: left behind by a crash, or kept of a deleted upload."""
    count = 0
    if directory.is_dir():
        for path in directory.glob("*.upload*"):
            upload = path.name.split(".upload", 1)[0] + ".upload"
            if upload not in known and path.stat().st_mtime < cutoff.timestamp():
                path.unlink(missing_ok=True)
                count += 1
    return count
