"""Importing a push list: read the file (core.tabular), prepare each row (prepare: read, match, seal,
propose), and write people and candidates chunk by chunk, in one transaction.

A few queries per chunk, never one per row. Rows are written as plain column values rather than model
instances: on PostgreSQL with COPY, elsewhere with bulk_create.
"""

import json
import operator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from alleykeeper.core.tabular import Table, open_table
from alleykeeper.places.lookup import DivisionIndex
from alleykeeper.pushlist.columns import SYNONYMS
from alleykeeper.pushlist.matching import Register
from alleykeeper.pushlist.models import BatchStatus, MatchState, PushBatch, PushedPerson, PushMatch
from alleykeeper.pushlist.prepare import Context, Prepared, prepare_chunks
from alleykeeper.screening.models import KeyPerson

MAX_REPORTED_ERRORS = 2000  # the error report of a broken 100,000-row file stays readable
PERSON_FIELDS = [f for f in PushedPerson._meta.concrete_fields if not f.primary_key]
MATCH_FIELDS = [f for f in PushMatch._meta.concrete_fields if not f.primary_key]


@dataclass
class ImportCounts:
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    duplicates: int = 0
    matched: int = 0
    review: int = 0
    unmatched: int = 0
    with_problems: int = 0


def read_table(path: Path, header_row: int | None = None) -> Table:
    return open_table(path, SYNONYMS, header_row=header_row)


def _copy(model, fields: list, records: list[dict]) -> None:
    """PostgreSQL COPY: the fastest way in, with no per-value work in Django."""
    defaults = {f.attname: f.get_default() for f in fields}
    json_names = [f.attname for f in fields if f.get_internal_type() == "JSONField"]
    values_of = operator.itemgetter(*[f.attname for f in fields])
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for record in records:
            row = defaults | record
            for name in json_names:
                value = row[name]
                # Most rows have no problems: an empty list needs no encoder.
                row[name] = "[]" if value.__class__ is list and not value else json.dumps(value, ensure_ascii=False)
            copy.write_row(values_of(row))


def _write_people(batch: PushBatch, records: list[dict]) -> list[int]:
    """Insert the people; their ids in the order given."""
    if not records:
        return []
    if connection.vendor == "postgresql":
        _copy(PushedPerson, PERSON_FIELDS, records)
        numbers = [r["row_number"] for r in records]
        ids = dict(
            PushedPerson.objects.filter(
                batch=batch, row_number__gte=min(numbers), row_number__lte=max(numbers)
            ).values_list("row_number", "id")
        )
        return [ids[number] for number in numbers]
    people = PushedPerson.objects.bulk_create([PushedPerson(**r) for r in records], batch_size=500)
    return [p.pk for p in people]


def _write_matches(records: list[dict]) -> None:
    if not records:
        return
    if connection.vendor == "postgresql":
        _copy(PushMatch, MATCH_FIELDS, records)
    else:
        PushMatch.objects.bulk_create([PushMatch(**r) for r in records], batch_size=500)


@transaction.atomic
def import_rows(batch: PushBatch, table: Table) -> ImportCounts:
    """Write the batch's people and match candidates. The caller records the audit event."""
    context = Context(
        batch_id=batch.pk,
        community_id=batch.community_id,
        received_on=batch.received_on,
        mapping={key: int(index) for key, index in batch.mapping.items() if index is not None},
        divisions=DivisionIndex(),
        register=Register(batch.community_id),
    )
    counts = ImportCounts()
    errors: list[dict] = []
    seen: dict[tuple, int] = {}
    key_people: set[int] = set()
    for chunk in prepare_chunks(list(table.data_rows()), context):
        kept: list[Prepared] = []
        for prepared in chunk:
            counts.rows += 1
            number = prepared.row_number
            if prepared.values is None:
                counts.skipped += 1
                errors.append({"row": number, "problems": [prepared.fatal], "imported": False})
                continue
            if prepared.identity in seen:
                counts.duplicates += 1
                problem = f"与第 {seen[prepared.identity]} 行是同一人，未重复导入。"
                errors.append({"row": number, "problems": [problem], "imported": False})
                continue
            seen[prepared.identity] = number
            kept.append(prepared)
            if prepared.problems:
                counts.with_problems += 1
                errors.append({"row": number, "problems": prepared.problems, "imported": True})
        ids = _write_people(batch, [p.values for p in kept])
        matches = []
        for person_id, prepared in zip(ids, kept, strict=True):
            counts.imported += 1
            state = prepared.values["match_state"]
            if state == MatchState.MATCHED:
                counts.matched += 1
                if prepared.values.get("key_person_id"):
                    key_people.add(prepared.values["key_person_id"])
            elif state == MatchState.REVIEW:
                counts.review += 1
            else:
                counts.unmatched += 1
            matches.extend(
                {
                    "person_id": person_id,
                    "resident_id": c.resident_id,
                    "key_person_id": c.key_person_id,
                    "household_id": c.household_id,
                    "grid_id": c.grid_id,
                    "rule": c.rule,
                    "confidence": c.confidence,
                    "reason": c.reason[:200],
                    "status": c.status,
                }
                for c in prepared.candidates
            )
        _write_matches(matches)
    if key_people:
        # The key persons the list confirms are no longer "found locally, not on any push list".
        KeyPerson.objects.filter(pk__in=key_people, on_push_list=False).update(on_push_list=True)
    batch.row_count = counts.rows
    batch.imported_count = counts.imported
    batch.errors = errors[:MAX_REPORTED_ERRORS]
    batch.status = BatchStatus.DONE
    batch.status_message = (
        f"导入 {counts.imported} 人，比对上 {counts.matched}，待确认 {counts.review}，未比对上 {counts.unmatched}"
        + (f"；{counts.skipped} 行无法导入" if counts.skipped else "")
        + (f"；{counts.duplicates} 行重复" if counts.duplicates else "")
        + "。"
    )
    batch.imported_at = timezone.now()
    batch.upload_path = ""
    batch.save(
        update_fields=[
            "row_count",
            "imported_count",
            "errors",
            "status",
            "status_message",
            "imported_at",
            "upload_path",
        ]
    )
    return counts
