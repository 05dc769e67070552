"""Importing a push list: read the file (core.tabular), prepare each row (prepare: read, match, seal,
propose), and write people and candidates chunk by chunk, in one transaction.

A few queries per chunk, never one per row. Rows are written as plain column values rather than model
instances: on PostgreSQL with COPY, elsewhere with bulk_create. On PostgreSQL the two slow waits overlap
the Python work on the other core: the sheet is parsed (calamine lets go of the GIL) while the register is
read, and each chunk is written by a writer thread while this one prepares the next.
"""

import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from alleykeeper.core.copying import CopySender, copy_data, copy_statement, reserve_ids
from alleykeeper.core.tabular import Table, open_table
from alleykeeper.places.lookup import DivisionIndex
from alleykeeper.pushlist.columns import SYNONYMS, RowReader
from alleykeeper.pushlist.matching import Register
from alleykeeper.pushlist.models import BatchStatus, MatchState, PushBatch, PushedPerson, PushMatch
from alleykeeper.pushlist.prepare import (
    KEY_PERSON_AT,
    PERSON_COLUMNS,
    STATE_AT,
    Context,
    Prepared,
    prepare_chunks,
)
from alleykeeper.screening.models import KeyPerson

MAX_REPORTED_ERRORS = 2000  # the error report of a broken 100,000-row file stays readable
# A candidate's columns, in the order _match_rows gives them.
MATCH_COLUMNS = (
    "person_id",
    "resident_id",
    "key_person_id",
    "household_id",
    "grid_id",
    "rule",
    "confidence",
    "reason",
    "status",
)


def _rest(model: type, columns: tuple[str, ...]) -> tuple[list[str], tuple]:
    """The model's other columns (not the primary key, not a change time) and their defaults, as COPY sends
    them (JSON as text): the same for every row of an import."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in (*columns, *STAMPED)]
    defaults = tuple(
        json.dumps(f.get_default()) if f.get_internal_type() == "JSONField" else f.get_default() for f in fields
    )
    return [f.attname for f in fields], defaults


# A pushed person's change time (auto_now): stamped with the import's time, as bulk_create's auto_now does.
STAMPED = ("updated_at",)
PERSON_REST, PERSON_DEFAULTS = _rest(PushedPerson, PERSON_COLUMNS)
MATCH_REST, MATCH_DEFAULTS = _rest(PushMatch, MATCH_COLUMNS)
PERSON_COPY = copy_statement(PushedPerson, ["id", *PERSON_COLUMNS, *STAMPED, *PERSON_REST])
MATCH_COPY = copy_statement(PushMatch, [*MATCH_COLUMNS, *MATCH_REST])


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


def read_table(path: Path, header_row: int | None = None, *, keep_parsed: bool = False) -> Table:
    """The list's cells: parsed from the file at the upload (and kept, `keep_parsed`), read from what
    the upload kept afterwards (core.tabular.parsed_copy)."""
    return open_table(path, SYNONYMS, header_row=header_row, keep_parsed=keep_parsed)


def _match_rows(person_ids: list[int], kept: list[Prepared]) -> list[tuple]:
    """The candidates of these people, as MATCH_COLUMNS."""
    return [
        (
            person_id,
            c.resident_id,
            c.key_person_id,
            c.household_id,
            c.grid_id,
            c.rule,
            c.confidence,
            c.reason[:200],
            c.status,
        )
        for person_id, prepared in zip(person_ids, kept, strict=True)
        for c in prepared.candidates
    ]


def _person(prepared: Prepared) -> PushedPerson:
    """A prepared row as a model instance, for bulk_create (not PostgreSQL): the problems as a list."""
    person = PushedPerson(**dict(zip(PERSON_COLUMNS, prepared.values, strict=True)))
    person.problems = prepared.problems
    return person


class _ChunkWriter:
    """Writes chunks in file order. On PostgreSQL the rows are formatted here and sent by a writer thread
    (core.copying), at most one chunk behind, while this thread prepares the next (so the caller runs no
    query until `finish`). The people's ids are taken from their sequence at the start, so that candidates
    need no read-back."""

    def __init__(self, expected_rows: int) -> None:
        self._sender: CopySender | None = None
        self._now = timezone.now()
        if connection.vendor == "postgresql":
            self._sender = CopySender().start()
            self._ids = iter(reserve_ids(PushedPerson, expected_rows))

    def write(self, kept: list[Prepared]) -> None:
        if not kept:
            return
        if self._sender is None:
            people = PushedPerson.objects.bulk_create([_person(p) for p in kept], batch_size=500)
            matches = _match_rows([p.pk for p in people], kept)
            PushMatch.objects.bulk_create(
                [PushMatch(**dict(zip(MATCH_COLUMNS, m, strict=True))) for m in matches], batch_size=500
            )
            return
        ids = list(itertools.islice(self._ids, len(kept)))
        if len(ids) < len(kept):  # more rows than the upload counted: the connection must be free to ask
            self._sender.wait()
            ids += reserve_ids(PushedPerson, len(kept) - len(ids))
        # Each row formatted as it is: a prepared row already holds its columns in PERSON_COPY's order.
        person_defaults, match_defaults = (self._now, *PERSON_DEFAULTS), MATCH_DEFAULTS
        self._sender.send(
            (PERSON_COPY, copy_data((pk, *p.values, *person_defaults) for pk, p in zip(ids, kept, strict=True))),
            (MATCH_COPY, copy_data((*m, *match_defaults) for m in _match_rows(ids, kept))),
        )

    def finish(self) -> None:
        """Wait for the last chunk."""
        if self._sender is not None:
            sender, self._sender = self._sender, None
            sender.finish()

    def close(self) -> None:
        """Let the thread end, on error too: the connection is this thread's again (to roll back)."""
        if self._sender is not None:
            self._sender.abandon()


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
    rows = list(table.data_rows())
    del table  # the rows are let go of chunk by chunk as they are prepared (prepare_chunks)
    counts = ImportCounts()
    errors: list[dict] = []
    seen: dict[tuple, int] = {}
    key_people: set[int] = set()
    try:
        for chunk in prepare_chunks(rows, context):
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
                state = prepared.values[STATE_AT]
                if state == MatchState.MATCHED:
                    counts.matched += 1
                    if prepared.values[KEY_PERSON_AT]:
                        key_people.add(prepared.values[KEY_PERSON_AT])
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
            "updated_at",
        ]
    )
    return counts
