"""Every write of visitor registrations: the public form, the live list's buttons, the retention timer."""

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.identity import Checked
from alleykeeper.gates.actions import log_gate_passage
from alleykeeper.gates.models import Direction, Gate, GateFlag, GateLogEntry, PassageKind
from alleykeeper.places.models import Division, KeyArea, key_area_hits, lookback_window
from alleykeeper.screening.actions import record_key_person
from alleykeeper.screening.models import KeyPerson, KeyPersonSource
from alleykeeper.visitors.flags import flag_key_areas
from alleykeeper.visitors.models import Registration, new_code

REGISTRATION_FIELDS = ("name", "doc_type", "arrival_date", "transport", "transport_number", "reason")
CODE_ATTEMPTS = 8


class SubmissionKeyTaken(Exception):
    """The form's hidden key names a registration at another gate: a forged or copied form."""


def key_area_names(origin: Division, passed: list[Division], arrival: date) -> list[str]:
    """Key areas the visitor came from or passed through in the look-back window before arriving.

    Never from the ID number's address code (GUIDE.md section 3). Someone who arrived longer ago than the
    window is past it and not flagged. places.key_area_hits decides; a cached list of the divisions that
    have any key-area period only spares the public form that query when none of the places is one."""
    if arrival < timezone.localdate() - timedelta(days=settings.KEY_AREA_LOOKBACK_DAYS):
        return []
    places = [origin, *passed]
    declared = _key_area_division_codes()
    if not any(code in declared for place in places for code in place.lineage_codes()):
        return []
    start, end = lookback_window(arrival)
    names: list[str] = []
    for division in places:
        for hit in key_area_hits(division, start, end):
            if hit.division.name not in names:
                names.append(hit.division.name)
    return names


KEY_AREA_CODES_CACHE = "visitors:key-area-division-codes"
KEY_AREA_CODES_SECONDS = 30  # a newly declared key area flags arrivals within half a minute


def _key_area_division_codes() -> frozenset[str]:
    codes = cache.get(KEY_AREA_CODES_CACHE)
    if codes is None:
        codes = frozenset(KeyArea.objects.values_list("division_id", flat=True).distinct())
        cache.set(KEY_AREA_CODES_CACHE, codes, KEY_AREA_CODES_SECONDS)
    return codes


@dataclass(frozen=True)
class Submitted:
    registration: Registration
    created: bool


def register_visitor(
    gate: Gate,
    data: dict,
    *,
    submission_key: str,
    doc: Checked,
    phone: Checked,
    origin: Division,
    passed: list[Division],
) -> Submitted:
    """Create the registration once per submission key (double taps and retries get the same one).

    Get-or-create that survives races: insert first (the common case costs one statement); the unique
    key decides, and the loser of a race (or a retry) reads the winner's row. In autocommit the insert
    commits by itself, so a returned registration is committed. Not audited per row: the public actor is
    anonymous and an audit line would outlive the purge."""
    registration = Registration(
        gate=gate,
        submission_key=submission_key,
        origin=origin,
        places_passed=[{"code": d.code, "name": d.name} for d in passed],
        host_address=data["host_address"],
        host_name=data["host_name"],
        key_area_names="、".join(key_area_names(origin, passed, data["arrival_date"]))[:200],
        **{field: data[field] for field in REGISTRATION_FIELDS},
    )
    registration.seal_identity(doc, phone)
    for _ in range(CODE_ATTEMPTS):
        registration.code = new_code()
        try:
            # Inside an outer transaction (tests, scripts) a savepoint keeps it usable after a conflict.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                registration.save(force_insert=True)
            return Submitted(registration, created=True)
        except IntegrityError:
            registration.pk = None
            existing = _by_key(gate, submission_key)
            if existing is not None:  # a retry, or a concurrent copy of the same submission that won
                return Submitted(existing, created=False)
            # otherwise the short code was taken at this gate: draw another
    raise IntegrityError("no free registration code at this gate")


def _by_key(gate: Gate, submission_key: str) -> Registration | None:
    found = Registration.objects.filter(submission_key=submission_key).first()
    if found is not None and found.gate_id != gate.pk:
        raise SubmissionKeyTaken
    return found


@transaction.atomic
def make_key_person(actor, registration: Registration) -> KeyPerson:
    """One step from a flagged arrival to a key person; pressing twice gives the same key person."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("gate__enclosure", "origin", "key_person")
        .get(pk=registration.pk)
    )
    if registration.key_person is not None:
        return registration.key_person
    transport = registration.get_transport_display()
    if registration.transport_number:
        transport = f"{transport} {registration.transport_number}"
    person = record_key_person(
        actor,
        community=registration.gate.enclosure.community,
        name=registration.name,
        source=KeyPersonSource.VISITOR,
        source_ref=f"visitors.registration:{registration.pk}",
        doc=Checked(value=registration.full_document_number()),
        phone=Checked(value=registration.full_phone()),
        origin=registration.origin,
        arrival_date=registration.arrival_date,
        travel_history=[
            {"code": p.get("code", ""), "name": p.get("name", ""), "until": registration.arrival_date.isoformat()}
            for p in registration.places_passed
        ],
        transport=transport[:100],
        contact_note=f"来访 {registration.host_address}（{registration.host_name}）"[:300],
    )
    if person.doc_type != registration.doc_type:
        person.doc_type = registration.doc_type
        person.save(update_fields=["doc_type"])
    registration.key_person = person
    flag_key_areas([registration])  # keep the reason with the row, also for areas declared since
    registration.key_area_names = registration.key_areas[:200]
    registration.save(update_fields=["key_person", "key_area_names"])
    record_event(
        actor,
        "visitor.key_person",
        registration,
        label=f"来访登记 {registration.code}",
        detail={"key_person": person.pk, "key_areas": registration.key_area_names},
    )
    return person


@dataclass(frozen=True)
class Purged:
    registrations: int
    gate_log_entries: int
    batches: int


def purge_visitor_data(*, batch_size: int = 500, now: datetime | None = None) -> Purged:
    """Delete visitor registrations and gate-log entries older than VISITOR_RETENTION_DAYS.

    Small batches, each its own short transaction, so that the public form keeps writing while this runs
    (and SQLite's single writer is held only for one batch). Only counts go to the audit log. Safe to run
    twice: the second run deletes nothing and says so."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.VISITOR_RETENTION_DAYS)
    registrations, batches = _delete_in_batches(Registration.objects.filter(created_at__lt=cutoff), batch_size)
    gate_log_entries, more = _delete_in_batches(GateLogEntry.objects.older_than(cutoff), batch_size)
    batches += more
    record_event(
        None,
        "visitor.purge",
        label="来访登记与出入记录到期删除",
        row_count=registrations + gate_log_entries,
        detail={
            "registrations": registrations,
            "gate_log_entries": gate_log_entries,
            "batches": batches,
            "retention_days": settings.VISITOR_RETENTION_DAYS,
            "cutoff": cutoff.isoformat(),
        },
    )
    return Purged(registrations, gate_log_entries, batches)


def _delete_in_batches(queryset, batch_size: int) -> tuple[int, int]:
    deleted = batches = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted, batches
            queryset.model.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        batches += 1


def log_visitor_entry(actor, registration: Registration, temperature: str = "") -> GateLogEntry:
    """The duty staff let a registered visitor in: one gate-log entry named by the registration's code.
    Raises gates.actions.GateLogError (a Chinese message) for an implausible temperature."""
    flag_key_areas([registration])
    flags = [GateFlag.KEY_AREA] if registration.key_areas else []
    return log_gate_passage(
        actor,
        registration.gate,
        direction=Direction.IN,
        kind=PassageKind.VISITOR,
        visitor_code=registration.code,
        temperature=temperature.strip() or None,
        extra_flags=flags,
    )
