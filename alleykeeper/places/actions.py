"""Writes to the division list. `load_divisions` is the one door: the command and tests call it."""

from dataclasses import dataclass

from django.db import transaction

from alleykeeper.audit.actions import record_event
from alleykeeper.places.divisions import DivisionRow
from alleykeeper.places.models import Division


@dataclass(frozen=True)
class LoadSummary:
    created: int
    updated: int
    unchanged: int
    retired: int  # codes in the database that the new list no longer has: kept, old codes are real


@transaction.atomic
def load_divisions(actor, rows: list[DivisionRow], *, source: str = "") -> LoadSummary:
    """Insert new divisions, update renamed or re-parented ones; never delete (key areas and people
    point at divisions, and an old code stays a real place in old records). Idempotent."""
    existing = {d.code: (d.name, d.level, d.parent_id) for d in Division.objects.all()}
    to_create: list[Division] = []
    to_update: list[Division] = []
    for row in rows:
        division = Division(code=row.code, name=row.name, level=row.level, parent_id=row.parent_code)
        old = existing.get(row.code)
        if old is None:
            to_create.append(division)
        elif old != (row.name, row.level, row.parent_code):
            to_update.append(division)
    # Parents first: foreign keys are checked at commit on PostgreSQL but SQLite is less forgiving.
    to_create.sort(key=lambda d: d.level)
    Division.objects.bulk_create(to_create, batch_size=500)
    Division.objects.bulk_update(to_update, ["name", "level", "parent"], batch_size=500)
    new_codes = {row.code for row in rows}
    summary = LoadSummary(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(rows) - len(to_create) - len(to_update),
        retired=sum(1 for code in existing if code not in new_codes),
    )
    if summary.created or summary.updated:
        record_event(
            actor,
            "divisions.load",
            label="行政区划",
            row_count=summary.created + summary.updated,
            detail={"source": source, **summary.__dict__},
        )
    return summary
