"""Turning rows of a push list into what is written: read, match, seal, propose — per row, no database.

This is the CPU-bound part of an import (ID checksums, AES-GCM, keyed hashes, pinyin). A large list is
prepared by a few forked worker processes (PUSHLIST_IMPORT_PROCESSES, for lists of at least
PARALLEL_MIN_ROWS rows): the table, the register and the division index are built before the fork and
inherited, so only row ranges go to the workers and prepared rows come back, in order. The workers never
touch the database; the parent writes while they prepare the next rows.
"""

import itertools
import json
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings

from alleykeeper.core.crypto import encrypt
from alleykeeper.core.identity import DocumentType, mask_document, mask_phone
from alleykeeper.pushlist.columns import ReadRow, RowReader
from alleykeeper.pushlist.matching import (
    R_DOC,
    R_DOC_ENC,
    R_DOC_MASKED,
    R_PHONE,
    R_PHONE_ENC,
    R_PHONE_MASKED,
    Candidate,
    Register,
)
from alleykeeper.pushlist.models import MatchState, MatchStatus
from alleykeeper.pushlist.outcomes import propose_outcome

CHUNK = 5000
PARALLEL_MIN_ROWS = 10_000


@dataclass(frozen=True)
class Context:
    batch_id: int
    community_id: int
    received_on: date
    reader: RowReader
    register: Register
    # Proposed outcomes by what they depend on: a list has few distinct combinations.
    outcomes: dict[tuple, tuple[str, str]] = field(default_factory=dict)

    def propose(self, state: str, key_person: bool, row: ReadRow) -> tuple[str, str]:
        note = f"{row.note} {row.transport}"
        key = (state, key_person, row.arrival, row.doc_unusable, row.phone is not None, note)
        proposed = self.outcomes.get(key)
        if proposed is None:
            proposed = self.outcomes[key] = propose_outcome(
                state=state,
                key_person=key_person,
                arrival=row.arrival,
                received_on=self.received_on,
                doc_unusable=row.doc_unusable,
                has_phone=row.phone is not None,
                note=note,
            )
        return proposed


# The PushedPerson columns an import fills, in the order prepare_row gives their values: each row is one
# tuple, ready for COPY (importing.py adds the id in front and the model's defaults for the other columns).
PERSON_COLUMNS = (
    "batch_id",
    "community_id",
    "row_number",
    "name",
    "birth_date",
    "origin_id",
    "origin_text",
    "arrival_date",
    "address_text",
    "transport",
    "list_note",
    "problems",  # as JSON text
    "doc_type",
    "doc_number_index",
    "doc_number_enc",
    "doc_number_masked",
    "phone_index",
    "phone_enc",
    "phone_masked",
    "match_state",
    "resident_id",
    "key_person_id",
    "household_id",
    "grid_id",
    "match_rule",
    "match_confidence",
    "match_reason",
    "proposed_outcome",
    "proposed_reason",
)
STATE_AT, KEY_PERSON_AT = PERSON_COLUMNS.index("match_state"), PERSON_COLUMNS.index("key_person_id")
# resident_id … match_reason of a person with no accepted match; the sealed columns of a missing value.
_NOT_MATCHED = (None, None, None, None, "", 0, "")
_NO_DOC = (DocumentType.ID_CARD, "", "", "")
_NO_PHONE = ("", "", "")


@dataclass(slots=True)
class Prepared:
    row_number: int
    fatal: str
    problems: list[str]
    identity: tuple  # who this is, to drop a second row of the same person
    values: tuple | None  # the PushedPerson's PERSON_COLUMNS, None when the row cannot be imported
    candidates: list[Candidate]


def identity_key(row: ReadRow) -> tuple:
    """Two rows of one list are the same person by ID number, else by name and phone."""
    if row.doc_index:
        return ("doc", row.doc_index)
    if row.phone_index:
        return ("phone", row.name, row.phone_index)
    return ("name", row.name, row.address)


def _sealed(row: ReadRow, resident: tuple | None) -> tuple:
    """SealedIdentity columns (doc_type … phone_masked of PERSON_COLUMNS), as core.crypto's seal functions
    fill them, with the blind indexes RowReader.read has already computed. A value equal to the register's
    (same blind index) reuses its ciphertext."""
    doc, phone = row.doc, row.phone
    if doc is None:
        sealed_doc = _NO_DOC
    elif resident is not None and row.doc_index and resident[R_DOC] == row.doc_index:
        sealed_doc = (row.doc_type or DocumentType.ID_CARD, row.doc_index, resident[R_DOC_ENC], resident[R_DOC_MASKED])
    else:
        # The index is empty for a wrong number: kept (sealed) to be corrected, never matched.
        sealed_doc = (row.doc_type or DocumentType.ID_CARD, row.doc_index, encrypt(doc.value), mask_document(doc.value))
    if phone is None:
        return (*sealed_doc, *_NO_PHONE)
    if resident is not None and resident[R_PHONE] == row.phone_index:
        return (*sealed_doc, row.phone_index, resident[R_PHONE_ENC], resident[R_PHONE_MASKED])
    return (*sealed_doc, row.phone_index, encrypt(phone.value), mask_phone(phone.value))


def prepare_row(row_number: int, cells: list, context: Context) -> Prepared:
    row = context.reader.read(row_number, cells)
    if row.fatal:
        return Prepared(row_number, row.fatal, row.problems, (), None, [])
    candidates = context.register.match(row)
    best = candidates[0] if candidates else None
    if best is None:
        state, matched = MatchState.UNMATCHED, _NOT_MATCHED
    elif best.status == MatchStatus.AUTO:
        state = MatchState.MATCHED
        matched = (
            best.resident_id,
            best.key_person_id,
            best.household_id,
            best.grid_id,
            best.rule,
            best.confidence,
            best.reason[:200],
        )
    else:
        state, matched = MatchState.REVIEW, _NOT_MATCHED
    problems = row.problems
    values = (
        context.batch_id,
        context.community_id,
        row.row_number,
        row.name,
        row.birth_date,
        row.origin.code if row.origin is not None else None,
        row.origin_text,
        row.arrival,
        row.address,
        row.transport,
        row.note,
        json.dumps(problems, ensure_ascii=False) if problems else "[]",
        *_sealed(row, context.register.by_id.get(best.resident_id) if best is not None else None),
        state,
        *matched,
        *context.propose(state, matched[1] is not None, row),
    )
    return Prepared(row_number, "", problems, identity_key(row), values, candidates)


# What forked workers inherit: set in the parent just before the pool starts, cleared afterwards.
_INHERITED: dict = {}


def _prepare_range(bounds: tuple[int, int]) -> list[Prepared]:
    rows, context = _INHERITED["rows"], _INHERITED["context"]
    return [prepare_row(number, cells, context) for number, cells in rows[bounds[0] : bounds[1]]]


def processes_for(row_count: int) -> int:
    wanted = getattr(settings, "PUSHLIST_IMPORT_PROCESSES", 1)
    if row_count < PARALLEL_MIN_ROWS or wanted < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return wanted


def prepare_chunks(rows: list[tuple[int, list]], context: Context) -> Iterator[list[Prepared]]:
    """Prepared rows, chunk by chunk, in file order. In this process, the cells of each chunk are let go
    of once it is prepared (`rows` is the caller's to give away): a 100,000-row list never holds all its
    cells and all its prepared rows at once."""
    ranges = [(start, min(start + CHUNK, len(rows))) for start in range(0, len(rows), CHUNK)]
    processes = processes_for(len(rows))
    if processes == 1:
        for start, end in ranges:
            prepared = [prepare_row(number, cells, context) for number, cells in rows[start:end]]
            rows[start:end] = itertools.repeat(None, end - start)
            yield prepared
        return
    context.register.addresses()  # read now: the workers must not query the database
    _INHERITED.update(rows=rows, context=context)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            yield from pool.imap(_prepare_range, ranges)
    finally:
        _INHERITED.clear()
