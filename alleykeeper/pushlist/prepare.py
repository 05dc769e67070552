"""Turning rows of a push list into what is written: read, match, seal, propose — per row, no database.

This is the CPU-bound part of an import (ID checksums, AES-GCM, keyed hashes, pinyin). A large list is
prepared by a few forked worker processes (PUSHLIST_IMPORT_PROCESSES, for lists of at least
PARALLEL_MIN_ROWS rows): the table, the register and the division index are built before the fork and
inherited, so only row ranges go to the workers and prepared rows come back, in order. The workers never
touch the database; the parent writes while they prepare the next rows.
"""

import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from alleykeeper.core.crypto import seal_document, seal_phone
from alleykeeper.core.identity import DocumentType
from alleykeeper.places.lookup import DivisionIndex
from alleykeeper.pushlist.columns import ReadRow, read_row
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
    mapping: dict[str, int]
    divisions: DivisionIndex
    register: Register


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


def _sealed_values(row: ReadRow, resident: tuple | None) -> dict:
    """SealedIdentity columns, filled by core.crypto's seal functions (as SealedIdentity.seal_identity
    does). A value equal to the register's (same blind index) reuses the register's ciphertext."""
    values: dict = {}
    if row.doc is not None:
        if resident is not None and row.doc_index and resident[R_DOC] == row.doc_index:
            encrypted, index, masked = resident[R_DOC_ENC], row.doc_index, resident[R_DOC_MASKED]
        else:
            sealed = seal_document(row.doc.value)
            # A wrong number is kept (sealed) to be corrected, never used to match.
            encrypted, index, masked = sealed.encrypted, sealed.index if row.doc.ok else "", sealed.masked
        values |= {
            "doc_type": row.doc_type or DocumentType.ID_CARD,
            "doc_number_enc": encrypted,
            "doc_number_index": index,
            "doc_number_masked": masked,
        }
    if row.phone is not None:
        if resident is not None and resident[R_PHONE] == row.phone_index:
            values |= {"phone_enc": resident[R_PHONE_ENC], "phone_index": row.phone_index}
            values["phone_masked"] = resident[R_PHONE_MASKED]
        else:
            sealed = seal_phone(row.phone.value)
            values |= {"phone_enc": sealed.encrypted, "phone_index": sealed.index, "phone_masked": sealed.masked}
    return values


def prepare_row(row_number: int, cells: list, context: Context) -> Prepared:
    row = read_row(row_number, cells, context.mapping, context.divisions)
    if row.fatal:
        return Prepared(row_number, row.fatal, row.problems, (), None, [])
    candidates = context.register.match(row)
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
        "match_state": MatchState.UNMATCHED,
    }
    resident = context.register.by_id.get(candidates[0].resident_id) if candidates else None
    values |= _sealed_values(row, resident)
    accepted = candidates[0] if candidates and candidates[0].status == MatchStatus.AUTO else None
    if accepted is not None:
        values |= {
            "match_state": MatchState.MATCHED,
            "resident_id": accepted.resident_id,
            "key_person_id": accepted.key_person_id,
            "household_id": accepted.household_id,
            "grid_id": accepted.grid_id,
            "match_rule": accepted.rule,
            "match_confidence": accepted.confidence,
            "match_reason": accepted.reason[:200],
        }
    elif candidates:
        values["match_state"] = MatchState.REVIEW
    values["proposed_outcome"], values["proposed_reason"] = propose_outcome(
        state=values["match_state"],
        key_person=values.get("key_person_id") is not None,
        arrival=row.arrival,
        received_on=context.received_on,
        doc_unusable=row.doc_unusable,
        has_phone=row.phone is not None,
        note=f"{row.note} {row.transport}",
    )
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
    """Prepared rows, chunk by chunk, in file order."""
    ranges = [(start, min(start + CHUNK, len(rows))) for start in range(0, len(rows), CHUNK)]
    processes = processes_for(len(rows))
    if processes == 1:
        for start, end in ranges:
            yield [prepare_row(number, cells, context) for number, cells in rows[start:end]]
        return
    context.register.addresses()  # read now: the workers must not query the database
    _INHERITED.update(rows=rows, context=context)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            yield from pool.imap(_prepare_range, ranges)
    finally:
        _INHERITED.clear()
