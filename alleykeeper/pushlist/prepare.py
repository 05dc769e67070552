"""Turning rows of a push list into what is written: read, match, seal, propose — per row, no database.

This is the CPU-bound part of an import (ID checksums, AES-GCM, keyed hashes, pinyin). A large list is
prepared by a few forked worker processes (PUSHLIST_IMPORT_PROCESSES, for lists of at least
PARALLEL_MIN_ROWS rows): the table, the register and the division index are built before the fork and
inherited, so only row ranges go to the workers and prepared rows come back, in order. The workers never
touch the database; the parent writes while they prepare the next rows.
"""

import itertools
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


@dataclass(slots=True)
class Prepared:
    row_number: int
    fatal: str
    problems: list[str]
    identity: tuple  # who this is, to drop a second row of the same person
    values: dict | None  # column values of the PushedPerson, None when the row cannot be imported
    candidates: list[Candidate]


def identity_key(row: ReadRow) -> tuple:
    """Two rows of one list are the same person by ID number, else by name and phone."""
    if row.doc_index:
        return ("doc", row.doc_index)
    if row.phone_index:
        return ("phone", row.name, row.phone_index)
    return ("name", row.name, row.address)


def _seal(values: dict, row: ReadRow, resident: tuple | None) -> None:
    """SealedIdentity columns, as core.crypto's seal functions fill them, with the blind indexes RowReader.read
    has already computed. A value equal to the register's (same blind index) reuses its ciphertext."""
    if row.doc is not None:
        values["doc_type"] = row.doc_type or DocumentType.ID_CARD
        values["doc_number_index"] = row.doc_index  # empty for a wrong number: kept to be corrected, never matched
        if resident is not None and row.doc_index and resident[R_DOC] == row.doc_index:
            values["doc_number_enc"], values["doc_number_masked"] = resident[R_DOC_ENC], resident[R_DOC_MASKED]
        else:
            values["doc_number_enc"], values["doc_number_masked"] = encrypt(row.doc.value), mask_document(row.doc.value)
    if row.phone is not None:
        values["phone_index"] = row.phone_index
        if resident is not None and resident[R_PHONE] == row.phone_index:
            values["phone_enc"], values["phone_masked"] = resident[R_PHONE_ENC], resident[R_PHONE_MASKED]
        else:
            values["phone_enc"], values["phone_masked"] = encrypt(row.phone.value), mask_phone(row.phone.value)


def prepare_row(row_number: int, cells: list, context: Context) -> Prepared:
    row = context.reader.read(row_number, cells)
    if row.fatal:
        return Prepared(row_number, row.fatal, row.problems, (), None, [])
    candidates = context.register.match(row)
    best = candidates[0] if candidates else None
    values = {
        "batch_id": context.batch_id,
        "community_id": context.community_id,
        "row_number": row.row_number,
        "name": row.name,
        "birth_date": row.birth_date,
        "origin_id": row.origin.code if row.origin is not None else None,
        "origin_text": row.origin_text,
        "arrival_date": row.arrival,
        "address_text": row.address,
        "transport": row.transport,
        "list_note": row.note,
        "problems": row.problems,
        "match_state": MatchState.REVIEW if best is not None else MatchState.UNMATCHED,
    }
    _seal(values, row, context.register.by_id.get(best.resident_id) if best is not None else None)
    if best is not None and best.status == MatchStatus.AUTO:
        values["match_state"] = MatchState.MATCHED
        values["resident_id"] = best.resident_id
        values["key_person_id"] = best.key_person_id
        values["household_id"] = best.household_id
        values["grid_id"] = best.grid_id
        values["match_rule"] = best.rule
        values["match_confidence"] = best.confidence
        values["match_reason"] = best.reason[:200]
    key_person = values.get("key_person_id") is not None
    values["proposed_outcome"], values["proposed_reason"] = context.propose(values["match_state"], key_person, row)
    return Prepared(row_number, "", row.problems, identity_key(row), values, candidates)


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
