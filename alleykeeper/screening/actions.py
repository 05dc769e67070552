"""Screening actions. `record_key_person` is the one door into the key-person list."""

from datetime import date

from django.db import transaction
from django.db.models import Q

from alleykeeper.audit.actions import record_event
from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import Checked
from alleykeeper.places.models import Division
from alleykeeper.registry.models import Community, Household, Resident
from alleykeeper.screening.models import KeyPerson


@transaction.atomic
def record_key_person(
    actor,
    *,
    community: Community,
    name: str,
    source: str,
    source_ref: str = "",
    resident: Resident | None = None,
    household: Household | None = None,
    doc: Checked | None = None,
    phone: Checked | None = None,
    origin: Division | None = None,
    arrival_date: date | None = None,
    travel_history: list[dict] | None = None,
    contact_note: str = "",
    transport: str = "",
    on_push_list: bool = False,
) -> KeyPerson:
    """Create the key person, or update the one already known (same resident, ID number or phone)."""
    if resident is not None and household is None:
        household = resident.household
    person = _existing(community, resident, doc, phone)
    created = person is None
    if person is None:
        person = KeyPerson(
            community=community,
            source=source,
            source_ref=source_ref,
            created_by=actor if actor and actor.is_authenticated else None,
        )
    person.name = name or person.name
    person.resident = resident or person.resident
    person.household = household or person.household
    person.grid_id = person.household.grid_id if person.household else person.grid_id
    person.origin = origin or person.origin
    person.arrival_date = arrival_date or person.arrival_date
    if travel_history:
        person.travel_history = [*person.travel_history, *[t for t in travel_history if t not in person.travel_history]]
    person.contact_note = contact_note or person.contact_note
    person.transport = transport or person.transport
    person.on_push_list = person.on_push_list or on_push_list
    if not created and source_ref and source_ref not in person.notes:
        person.notes = f"{person.notes}\n另见 {source_ref}".strip()
    if resident is not None and doc is None and not person.doc_number_enc:
        person.doc_type, person.doc_number_enc = resident.doc_type, resident.doc_number_enc
        person.doc_number_index, person.doc_number_masked = resident.doc_number_index, resident.doc_number_masked
    if resident is not None and phone is None and not person.phone_enc:
        person.phone_enc, person.phone_index, person.phone_masked = (
            resident.phone_enc,
            resident.phone_index,
            resident.phone_masked,
        )
    person.seal_identity(doc, phone)
    person.save()
    record_event(
        actor,
        "key_person.create" if created else "key_person.update",
        person,
        parent=person.household,
        detail={"source": source, "source_ref": source_ref},
    )
    return person


def _existing(
    community: Community, resident: Resident | None, doc: Checked | None, phone: Checked | None
) -> KeyPerson | None:
    match = Q(pk__in=[])
    if resident is not None:
        match |= Q(resident=resident)
    if doc is not None and doc.value:
        match |= Q(doc_number_index=blind_index("doc", doc.value))
    if resident is not None and resident.doc_number_index:
        match |= Q(doc_number_index=resident.doc_number_index)
    if phone is not None and phone.value and doc is None and resident is None:
        match |= Q(phone_index=blind_index("phone", phone.value))
    return (
        KeyPerson.objects.filter(match, community=community).exclude(status="cleared").order_by("-created_at").first()
    )
