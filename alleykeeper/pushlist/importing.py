"""Importing a push list: read the file (core.tabular), prepare each row (prepare: read, match, seal,
propose), and write people and candidates chunk by chunk, in one transaction.

A few queries per chunk, never one per row. Rows are written as plain column values rather than model
instances: on PostgreSQL with COPY, elsewhere with bulk_create. On PostgreSQL the two slow waits overlap
the Python work on the other core: the sheet is parsed (calamine lets go of the GIL) while the register is
read, and each chunk is written by a writer thread while this one prepares the next.
"""

import io
import itertools
import json
import operator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from psycopg import Copy
from psycopg.copy import FileWriter

from alleykeeper.core.tabular import Table, open_table
from alleykeeper.places.lookup import DivisionIndex
from alleykeeper.pushlist.columns import SYNONYMS, RowReader
from alleykeeper.pushlist.matching import Register
from alleykeeper.pushlist.models import BatchStatus, MatchState, PushBatch, PushedPerson, PushMatch
from alleykeeper.pushlist.prepare import Context, Prepared, prepare_chunks
from alleykeeper.screening.models import KeyPerson

MAX_REPORTED_ERRORS = 2000  # the error report of a broken 100,000-row file stays readable
PERSON_FIELDS = list(PushedPerson._meta.concrete_fields)  # with the id, taken from the sequence beforehand
MATCH_FIELDS = [f for f in PushMatch._meta.concrete_fields if not f.primary_key]
PERSON_PK = PushedPerson._meta.pk


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


def _copy_data(cursor, fields: list, records: list[dict]) -> bytes:
    """Rows in COPY's text format, with psycopg's own adapters and no per-value work in Django."""
    defaults = {f.attname: f.get_default() for f in fields}
    json_names = [f.attname for f in fields if f.get_internal_type() == "JSONField"]
    values_of = operator.itemgetter(*[f.attname for f in fields])
    buffer = io.BytesIO()
    with Copy(cursor, binary=False, writer=FileWriter(buffer)) as copy:
        for record in records:
            row = defaults | record
            for name in json_names:
                value = row[name]
                # Most rows have no problems: an empty list needs no encoder.
                row[name] = "[]" if value.__class__ is list and not value else json.dumps(value, ensure_ascii=False)
            copy.write_row(values_of(row))
    return buffer.getvalue()


def _copy_statement(model, fields: list) -> str:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    return f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"


def _send(raw_connection, statements: list[tuple[str, bytes]]) -> None:
    """Run in the writer thread, on the connection (and in the transaction) of the import: little more
    than waiting for the server, so this thread hardly needs the GIL."""
    with raw_connection.cursor() as cursor:
        for statement, data in statements:
            with cursor.copy(statement) as copy:
                copy.write(data)


def _match_records(person_ids: list[int], kept: list[Prepared]) -> list[dict]:
    return [
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
        for person_id, prepared in zip(person_ids, kept, strict=True)
        for c in prepared.candidates
    ]


class _ChunkWriter:
    """Writes chunks in file order. On PostgreSQL the rows are formatted here and a writer thread sends
    them on the import's own connection, at most one chunk behind, while this thread prepares the next
    (so the caller runs no query until `finish`). The people's ids are taken from their sequence at the
    start, so that candidates need no read-back, and the key checks run with each COPY, not all at commit."""

    def __init__(self, expected_rows: int) -> None:
        self._copying = connection.vendor == "postgresql"
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future | None = None
        if self._copying:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self._ids = iter(self._reserve(expected_rows))

    @staticmethod
    def _reserve(count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [PushedPerson._meta.db_table, PERSON_PK.column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def write(self, kept: list[Prepared]) -> None:
        if not kept:
            return
        if not self._copying:
            people = PushedPerson.objects.bulk_create([PushedPerson(**p.values) for p in kept], batch_size=500)
            matches = _match_records([p.pk for p in people], kept)
            PushMatch.objects.bulk_create([PushMatch(**m) for m in matches], batch_size=500)
            return
        ids = list(itertools.islice(self._ids, len(kept)))
        if len(ids) < len(kept):  # more rows than the upload counted: the connection must be free to ask
            self._wait()
            ids += self._reserve(len(kept) - len(ids))
        people = [{PERSON_PK.attname: pk} | p.values for pk, p in zip(ids, kept, strict=True)]
        cursor = connection.connection.cursor()
        statements = [(_copy_statement(PushedPerson, PERSON_FIELDS), _copy_data(cursor, PERSON_FIELDS, people))]
        matches = _match_records(ids, kept)
        if matches:
            statements.append((_copy_statement(PushMatch, MATCH_FIELDS), _copy_data(cursor, MATCH_FIELDS, matches)))
        if self._pool is None:  # started late: a forked pool of prepare workers must never fork a thread
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="pushlist-copy")
        self._wait()
        self._pending = self._pool.submit(_send, connection.connection, statements)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def finish(self) -> None:
        """Wait for the last chunk."""
        self._wait()
        if self._copying:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's own mode, for the rest of the transaction

    def close(self) -> None:
        """Let the thread end, on error too: the connection is this thread's again (to roll back)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _load(batch: PushBatch, path: Path) -> tuple[Table, Context, _ChunkWriter]:
    """Read the sheet in a thread while the register, the divisions and the people's ids are read here
    (calamine parses without the GIL); the households' addresses are read now too, so that no query waits
    until the writing."""
    with ThreadPoolExecutor(1, thread_name_prefix="pushlist-read") as pool:
        reading = pool.submit(read_table, path, batch.header_row)
        register = Register(batch.community_id)
        register.addresses()
        divisions = DivisionIndex()
        writer = _ChunkWriter(batch.row_count)  # the rows the upload counted; more are asked for if need be
        table = reading.result()
    context = Context(
        batch_id=batch.pk,
        community_id=batch.community_id,
        received_on=batch.received_on,
        reader=RowReader({key: int(index) for key, index in batch.mapping.items() if index is not None}, divisions),
        register=register,
    )
    return table, context, writer


@transaction.atomic
def import_rows(batch: PushBatch, path: Path) -> ImportCounts:
    """Read the file and write the batch's people and match candidates. The caller records the audit event."""
    table, context, writer = _load(batch, path)
    counts = ImportCounts()
    errors: list[dict] = []
    seen: dict[tuple, int] = {}
    key_people: set[int] = set()
    try:
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
                state = prepared.values["match_state"]
                if state == MatchState.MATCHED:
                    counts.matched += 1
                    if prepared.values.get("key_person_id"):
                        key_people.add(prepared.values["key_person_id"])
                elif state == MatchState.REVIEW:
                    counts.review += 1
                else:
                    counts.unmatched += 1
            counts.imported += len(kept)
            writer.write(kept)
        writer.finish()
    finally:
        writer.close()
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
