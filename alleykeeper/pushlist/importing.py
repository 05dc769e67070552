"""Importing a push list: read the file (core.tabular), read each row (columns), match it (matching),
propose an outcome (outcomes) and write people and candidates in chunks, in one transaction.

A query per chunk, never per row: 100,000 rows take a few dozen queries in all.
"""

from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from alleykeeper.core.tabular import Table, open_table
from alleykeeper.places.lookup import DivisionIndex
from alleykeeper.pushlist.columns import SYNONYMS, ReadRow, read_row
from alleykeeper.pushlist.matching import Candidate, Register
from alleykeeper.pushlist.models import (
    BatchStatus,
    MatchState,
    MatchStatus,
    PushBatch,
    PushedPerson,
    PushMatch,
)
from alleykeeper.pushlist.outcomes import propose_outcome
from alleykeeper.screening.models import KeyPerson

CHUNK = 5000
MAX_REPORTED_ERRORS = 2000  # the error report of a broken 100,000-row file stays readable


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


def _identity_key(row: ReadRow) -> tuple:
    """Two rows of one list are the same person by ID number, else by name and phone."""
    if row.doc_index:
        return ("doc", row.doc_index)
    if row.phone_index:
        return ("phone", row.name, row.phone_index)
    return ("name", row.name, row.address)


def _person(batch: PushBatch, row: ReadRow, candidates: list[Candidate]) -> PushedPerson:
    person = PushedPerson(
        batch=batch,
        community_id=batch.community_id,
        row_number=row.row_number,
        name=row.name,
        birth_date=row.birth_date,
        origin=row.origin,
        origin_text=row.origin_text,
        arrival_date=row.arrival,
        address_text=row.address,
        transport=row.transport,
        list_note=row.note,
        problems=row.problems,
    )
    person.seal_identity(row.doc, row.phone)
    if row.doc is not None and not row.doc.ok:
        person.doc_number_index = ""  # kept (sealed) to be corrected, never used to match
    accepted = candidates[0] if candidates and candidates[0].status == MatchStatus.AUTO else None
    if accepted is not None:
        person.match_state = MatchState.MATCHED
        person.resident_id, person.key_person_id = accepted.resident_id, accepted.key_person_id
        person.household_id, person.grid_id = accepted.household_id, accepted.grid_id
        person.match_rule, person.match_confidence = accepted.rule, accepted.confidence
        person.match_reason = accepted.reason[:200]
    elif candidates:
        person.match_state = MatchState.REVIEW
    person.proposed_outcome, person.proposed_reason = propose_outcome(
        state=person.match_state,
        key_person=person.key_person_id is not None,
        arrival=row.arrival,
        received_on=batch.received_on,
        doc_unusable=row.doc_unusable,
        has_phone=row.phone is not None,
        note=f"{row.note} {row.transport}",
    )
    return person


def _chunks(iterable, size: int):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


@transaction.atomic
def import_rows(batch: PushBatch, table: Table) -> ImportCounts:
    """Write the batch's people and match candidates. The caller records the audit event."""
    mapping = {key: int(index) for key, index in batch.mapping.items() if index is not None}
    divisions = DivisionIndex()
    register = Register(batch.community_id)
    counts = ImportCounts()
    errors: list[dict] = []
    seen: dict[tuple, int] = {}
    key_people: set[int] = set()
    for chunk in _chunks(table.data_rows(), CHUNK):
        people: list[PushedPerson] = []
        candidate_lists: list[list[Candidate]] = []
        for row_number, cells in chunk:
            counts.rows += 1
            row = read_row(row_number, cells, mapping, divisions)
            if row.fatal:
                counts.skipped += 1
                errors.append({"row": row_number, "problems": [row.fatal], "imported": False})
                continue
            key = _identity_key(row)
            if key in seen:
                counts.duplicates += 1
                errors.append(
                    {"row": row_number, "problems": [f"与第 {seen[key]} 行是同一人，未重复导入。"], "imported": False}
                )
                continue
            seen[key] = row_number
            candidates = register.match(row)
            person = _person(batch, row, candidates)
            people.append(person)
            candidate_lists.append(candidates)
            if row.problems:
                counts.with_problems += 1
                errors.append({"row": row_number, "problems": row.problems, "imported": True})
        PushedPerson.objects.bulk_create(people, batch_size=1000)
        matches = []
        for person, candidates in zip(people, candidate_lists, strict=True):
            counts.imported += 1
            if person.match_state == MatchState.MATCHED:
                counts.matched += 1
                if person.key_person_id:
                    key_people.add(person.key_person_id)
            elif person.match_state == MatchState.REVIEW:
                counts.review += 1
            else:
                counts.unmatched += 1
            matches.extend(
                PushMatch(
                    person_id=person.pk,
                    resident_id=c.resident_id,
                    key_person_id=c.key_person_id,
                    household_id=c.household_id,
                    grid_id=c.grid_id,
                    rule=c.rule,
                    confidence=c.confidence,
                    reason=c.reason[:200],
                    status=c.status,
                )
                for c in candidates
            )
        PushMatch.objects.bulk_create(matches, batch_size=1000)
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
