"""Every write of the push-list feature: pages, tasks and tests call these, and each one is audited."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.batch import cyclic_gc_paused
from alleykeeper.core.identity import Checked, format_phone
from alleykeeper.core.stale_uploads import remove_orphan_uploads
from alleykeeper.core.tabular import TabularError, remove_upload, store_upload
from alleykeeper.pushlist.importing import ImportCounts, import_rows, read_table
from alleykeeper.pushlist.models import (
    ACCEPTED,
    BatchStatus,
    MatchState,
    MatchStatus,
    Outcome,
    PushBatch,
    PushedPerson,
    PushMatch,
)
from alleykeeper.pushlist.outcomes import propose_outcome
from alleykeeper.registry.models import Community
from alleykeeper.screening.actions import record_key_person
from alleykeeper.screening.models import KeyPerson, KeyPersonSource

UPLOAD_DIR = "pushlist"
UPLOAD_KEEP = timedelta(hours=24)  # a file waiting for its columns, or left by a failed import, at most


def upload_dir() -> Path:
    return Path(settings.PRIVATE_UPLOAD_ROOT) / UPLOAD_DIR


@dataclass
class Uploaded:
    batch: PushBatch
    created: bool  # False: this very file was uploaded before; nothing new was added


def upload_push_list(
    actor,
    community: Community,
    chunks: Iterable[bytes],
    file_name: str,
    *,
    received_on: date,
    source: str = "",
    note: str = "",
) -> Uploaded:
    """Keep the file privately, find its header row and guess the columns. The same file (SHA-256) for
    the same community gives back the batch it already made: importing a batch twice adds nothing."""
    stored = store_upload(chunks, upload_dir())
    existing = PushBatch.objects.filter(community=community, file_sha256=stored.sha256).first()
    if existing is not None:
        stored.path.unlink(missing_ok=True)
        return Uploaded(existing, False)
    try:
        table = read_table(stored.path, keep_parsed=True)  # the mapping step and the import read what is kept
    except TabularError:
        remove_upload(stored.path)
        raise
    try:
        with transaction.atomic():
            batch = PushBatch.objects.create(
                community=community,
                received_on=received_on,
                source=source,
                note=note,
                file_name=Path(file_name).name[:200],
                file_sha256=stored.sha256,
                upload_path=str(stored.path),
                header_row=table.header_row,
                columns=table.header() if table.header_row is not None else [],
                mapping=table.mapping,
                row_count=table.data_count(),
                created_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:  # the same file sent twice at once
        remove_upload(stored.path)
        return Uploaded(PushBatch.objects.get(community=community, file_sha256=stored.sha256), False)
    return Uploaded(batch, True)


def reread_header(batch: PushBatch, header_row: int) -> PushBatch:
    """The user says the header is on another row: read again and guess the columns from there."""
    table = read_table(Path(batch.upload_path), header_row)
    batch.header_row = table.header_row
    batch.columns = table.header()
    batch.mapping = table.mapping
    batch.row_count = table.data_count()
    batch.save(update_fields=["header_row", "columns", "mapping", "row_count", "updated_at"])
    return batch


def confirm_mapping(batch: PushBatch, mapping: dict[str, int]) -> PushBatch:
    batch.mapping = mapping
    batch.status = BatchStatus.PENDING
    batch.status_message = ""
    batch.save(update_fields=["mapping", "status", "status_message", "updated_at"])
    return batch


def import_batch(actor, batch: PushBatch) -> ImportCounts | None:
    """Read, match and write the whole batch (run by the task). A failure leaves nothing half-written."""
    if batch.status != BatchStatus.PENDING:
        return None
    path = Path(batch.upload_path)
    try:
        with cyclic_gc_paused():  # ~10% of a large list otherwise goes to the collector's scans
            counts = import_rows(batch, path)
    except (TabularError, OSError) as problem:
        batch.status = BatchStatus.FAILED
        batch.status_message = (
            str(problem)[:300] if isinstance(problem, TabularError) else "上传的文件已丢失，请重新上传。"
        )
        batch.save(update_fields=["status", "status_message", "updated_at"])
        return None
    except Exception:
        # Nothing was written (one transaction); say so instead of leaving the page waiting forever.
        batch.status = BatchStatus.FAILED
        batch.status_message = "导入时出现程序错误，名单没有导入。请稍后重试；仍然失败请联系系统管理员。"
        batch.save(update_fields=["status", "status_message", "updated_at"])
        raise
    record_event(
        actor,
        "pushlist.import",
        batch,
        label=str(batch),
        row_count=counts.imported,
        scope=batch.community.name,
        detail=asdict(counts),
    )
    remove_upload(path)
    return counts


def discard_batch(actor, batch: PushBatch) -> None:
    """Forget an upload whose columns were never confirmed (or whose import failed)."""
    if batch.upload_path:
        remove_upload(Path(batch.upload_path))
    record_event(actor, "pushlist.discard", batch, label=str(batch))
    batch.delete()


def purge_stale(now: datetime | None = None) -> int:
    """Delete the files of push lists kept longer than UPLOAD_KEEP: columns never confirmed, an import that
    failed or was cut off. The batch stays, failed, saying why (it can still be discarded); the file, full ID
    numbers and phones in clear, does not. Run by `manage.py purge_imports` (core.stale_uploads)."""
    cutoff = (now or timezone.now()) - UPLOAD_KEEP
    stale = list(PushBatch.objects.exclude(upload_path="").filter(updated_at__lt=cutoff))
    for batch in stale:
        remove_upload(Path(batch.upload_path))
        if batch.status == BatchStatus.MAPPING:
            batch.status_message = "上传后一天内没有确认表头，文件已删除。如仍需比对，请放弃这一批后重新上传。"
        elif batch.status == BatchStatus.PENDING:
            batch.status_message = "导入中断，文件已删除。请放弃这一批后重新上传。"
        batch.status, batch.upload_path = BatchStatus.FAILED, ""
        batch.save(update_fields=["status", "status_message", "upload_path", "updated_at"])
    known = {
        Path(path).name for path in PushBatch.objects.exclude(upload_path="").values_list("upload_path", flat=True)
    }
    return len(stale) + remove_orphan_uploads(upload_dir(), known, cutoff)


# -- review and outcomes -------------------------------------------------------------------------------


def _refresh_person(person: PushedPerson) -> None:
    """Repeat the accepted match on the person (or clear it) and propose an outcome again."""
    matches = list(person.matches.all())
    accepted = next((m for m in matches if m.status in ACCEPTED), None)
    if accepted is not None:
        person.match_state = MatchState.MATCHED
        person.resident_id, person.key_person_id = accepted.resident_id, accepted.key_person_id
        person.household_id, person.grid_id = accepted.household_id, accepted.grid_id
        person.match_rule, person.match_confidence, person.match_reason = (
            accepted.rule,
            accepted.confidence,
            accepted.reason,
        )
    else:
        person.match_state = (
            MatchState.REVIEW if any(m.status == MatchStatus.PENDING for m in matches) else MatchState.UNMATCHED
        )
        person.resident_id = person.key_person_id = person.household_id = person.grid_id = None
        person.match_rule, person.match_confidence, person.match_reason = "", 0, ""
    person.proposed_outcome, person.proposed_reason = propose_outcome(
        state=person.match_state,
        key_person=person.key_person_id is not None,
        arrival=person.arrival_date,
        received_on=person.batch.received_on,
        doc_unusable=bool(person.doc_number_masked) and not person.doc_number_index,
        has_phone=bool(person.phone_index),
        note=f"{person.list_note} {person.transport}",
    )
    person.save(
        update_fields=[
            "match_state",
            "resident",
            "key_person",
            "household",
            "grid",
            "match_rule",
            "match_confidence",
            "match_reason",
            "proposed_outcome",
            "proposed_reason",
            "updated_at",
        ]
    )


def _sync_on_push_list(key_person_ids: set[int]) -> None:
    """A key person is on a push list while any accepted match of any batch points at them."""
    if not key_person_ids:
        return
    listed = set(
        PushMatch.objects.filter(key_person_id__in=key_person_ids, status__in=ACCEPTED).values_list(
            "key_person_id", flat=True
        )
    )
    KeyPerson.objects.filter(pk__in=listed, on_push_list=False).update(on_push_list=True)
    KeyPerson.objects.filter(pk__in=key_person_ids - listed, on_push_list=True).update(on_push_list=False)


@transaction.atomic
def confirm_match(actor, match: PushMatch, note: str = "") -> PushMatch:
    """This candidate is the person: the other candidates of the same person are set aside."""
    now = timezone.now()
    person = match.person
    touched = {m.key_person_id for m in person.matches.all() if m.key_person_id}
    for other in person.matches.exclude(pk=match.pk).filter(status__in=[*ACCEPTED, MatchStatus.PENDING]):
        other.status, other.decided_by, other.decided_at = MatchStatus.REJECTED, actor, now
        other.decision_note = "已确认为另一位居民"
        other.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    match.status, match.decided_by, match.decided_at, match.decision_note = MatchStatus.CONFIRMED, actor, now, note
    match.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _refresh_person(person)
    _sync_on_push_list(touched)
    record_event(
        actor,
        "pushlist.match_confirm",
        person,
        parent=person.batch,
        label=person.name,
        reason=note,
        detail={"match": match.pk, "rule": match.rule, "confidence": match.confidence, "resident": match.resident_id},
    )
    return match


@transaction.atomic
def reject_match(actor, match: PushMatch, note: str = "") -> PushMatch:
    """This candidate is not the person (a namesake, a family member's phone, a wrong ID on the list)."""
    person = match.person
    match.status, match.decided_by, match.decided_at = MatchStatus.REJECTED, actor, timezone.now()
    match.decision_note = note
    match.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _refresh_person(person)
    if match.key_person_id:
        _sync_on_push_list({match.key_person_id})
    record_event(
        actor,
        "pushlist.match_reject",
        person,
        parent=person.batch,
        label=person.name,
        reason=note,
        detail={"match": match.pk, "rule": match.rule, "confidence": match.confidence, "resident": match.resident_id},
    )
    return match


@transaction.atomic
def set_outcome(actor, person: PushedPerson, outcome: str, note: str = "") -> PushedPerson:
    """The worker's finding. A person found living here (screened or missed) becomes a key person, the
    input of home observation, if they are not one already."""
    if outcome not in Outcome.values:
        raise ValueError(outcome)
    previous = person.outcome
    person.outcome, person.outcome_note = outcome, note
    person.outcome_by, person.outcome_at = actor, timezone.now()
    person.save(update_fields=["outcome", "outcome_note", "outcome_by", "outcome_at", "updated_at"])
    if outcome in (Outcome.SCREENED, Outcome.MISSED) and person.key_person_id is None:
        _make_key_person(actor, person)
    record_event(
        actor,
        "pushlist.outcome",
        person,
        parent=person.batch,
        label=person.name,
        reason=note,
        detail={"outcome": outcome, "previous": previous},
    )
    return person


def _make_key_person(actor, person: PushedPerson) -> None:
    resident = person.resident
    doc = phone = None
    if resident is None or not resident.doc_number_index:
        # Clear values are read only to hand them to the key-person record, which seals them again.
        doc = Checked(value=person.full_document_number()) if person.doc_number_index else None
    if resident is None or not resident.phone_index:
        phone = Checked(value=person.full_phone()) if person.phone_index else None
    key_person = record_key_person(
        actor,
        community=person.community,
        name=person.name,
        source=KeyPersonSource.PUSH_LIST,
        source_ref=f"推送名单 {person.batch.received_on:%Y-%m-%d} 第 {person.row_number} 行",
        resident=resident,
        household=person.household,
        doc=doc,
        phone=phone,
        origin=person.origin,
        arrival_date=person.arrival_date,
        transport=person.transport,
        on_push_list=True,
    )
    person.key_person = key_person
    person.grid_id = person.grid_id or key_person.grid_id
    person.save(update_fields=["key_person", "grid", "updated_at"])
    PushMatch.objects.filter(person=person, status__in=ACCEPTED).update(key_person=key_person)


# -- reading in full -------------------------------------------------------------------------------------


def reveal_pushed_identity(actor, person: PushedPerson, field: str, purpose: str, client_ip: str | None = None) -> str:
    """One full value, for a worker who must call or check the person; every reveal is audited."""
    if field == "doc":
        value = person.full_document_number()
    else:
        value = format_phone(person.full_phone())
    record_event(
        actor,
        f"identity.reveal_{field}",
        person,
        parent=person.batch,
        label=person.name,
        purpose=purpose,
        client_ip=client_ip,
    )
    return value


def record_feedback_export(
    actor, batch: PushBatch, *, purpose: str, file_format: str, row_count: int, scope: str
) -> None:
    record_event(
        actor,
        "pushlist.export",
        batch,
        label=str(batch),
        purpose=purpose,
        scope=scope,
        row_count=row_count,
        detail={"format": file_format},
    )
