"""Every write to the register goes through these functions: pages, admin, imports and commands alike."""

from dataclasses import dataclass

from django.db import transaction

from alleykeeper.audit.actions import record_event
from alleykeeper.core.crypto import seal_phone
from alleykeeper.core.identity import Checked, format_phone
from alleykeeper.registry.models import Building, Household, Resident, Unit, pinyin_keys

RESIDENT_FIELDS = ("name", "doc_type", "sex", "birth_date", "relation", "status", "notes")
HOUSEHOLD_FIELDS = ("building", "unit", "room", "kind", "landlord_name", "tenancy_start", "tenancy_end", "notes")


def apply_resident_identity(resident: Resident, doc: Checked | None, phone: Checked | None) -> None:
    resident.name_pinyin, resident.name_initials = pinyin_keys(resident.name)
    resident.seal_identity(doc, phone)


@transaction.atomic
def create_resident(actor, household: Household, data: dict, *, doc: Checked | None, phone: Checked | None) -> Resident:
    resident = Resident(household=household, **{f: data[f] for f in RESIDENT_FIELDS if f in data})
    apply_resident_identity(resident, doc, phone)
    resident.save()
    record_event(actor, "resident.create", resident, parent=household)
    return resident


@transaction.atomic
def update_resident(actor, resident: Resident, data: dict, *, doc: Checked | None, phone: Checked | None) -> Resident:
    changed = [f for f in RESIDENT_FIELDS if f in data and getattr(resident, f) != data[f]]
    for f in changed:
        setattr(resident, f, data[f])
    apply_resident_identity(resident, doc, phone)
    resident.save()
    if doc is not None:
        changed.append("doc_number")
    if phone is not None:
        changed.append("phone")
    record_event(actor, "resident.update", resident, parent=resident.household, detail={"fields": changed})
    return resident


@transaction.atomic
def move_resident(actor, resident: Resident, to: Household, reason: str) -> Resident:
    origin = resident.household
    resident.household = to
    resident.save(update_fields=["household", "updated_at"])
    record_event(actor, "resident.move_out", resident, parent=origin, reason=reason, detail={"to": to.pk})
    record_event(actor, "resident.move_in", resident, parent=to, reason=reason, detail={"from": origin.pk})
    return resident


def _place_household(household: Household, building: Building) -> None:
    household.building = building
    household.grid_id = building.alley.grid_id
    household.community_id = building.alley.grid.community_id


@transaction.atomic
def create_household(actor, data: dict, *, landlord_phone: Checked | None = None) -> Household:
    household = Household(**{f: data[f] for f in HOUSEHOLD_FIELDS if f in data})
    _place_household(household, data["building"])
    if landlord_phone is not None:
        sealed = seal_phone(landlord_phone.value)
        household.landlord_phone_enc, household.landlord_phone_masked = sealed.encrypted, sealed.masked
    household.save()
    record_event(actor, "household.create", household)
    return household


@transaction.atomic
def update_household(actor, household: Household, data: dict, *, landlord_phone: Checked | None = None) -> Household:
    changed = [f for f in HOUSEHOLD_FIELDS if f in data and getattr(household, f) != data[f]]
    for f in changed:
        setattr(household, f, data[f])
    if "building" in changed:
        _place_household(household, data["building"])
    if landlord_phone is not None:
        sealed = seal_phone(landlord_phone.value)
        household.landlord_phone_enc, household.landlord_phone_masked = sealed.encrypted, sealed.masked
        changed.append("landlord_phone")
    household.save()
    record_event(actor, "household.update", household, detail={"fields": changed})
    return household


@dataclass(frozen=True)
class Revealed:
    label: str
    value: str


def reveal_identity(actor, resident: Resident, field: str, purpose: str, client_ip: str | None = None) -> Revealed:
    """Show one full value to someone allowed to see it; every reveal is audited (who, when, what, why)."""
    if field == "doc":
        revealed = Revealed(resident.get_doc_type_display(), resident.full_document_number())
    else:
        revealed = Revealed("电话", format_phone(resident.full_phone()))
    record_event(
        actor, f"identity.reveal_{field}", resident, parent=resident.household, purpose=purpose, client_ip=client_ip
    )
    return revealed


def get_or_create_unit(building: Building, name: str) -> Unit | None:
    if not name:
        return None
    unit, _ = Unit.objects.get_or_create(building=building, name=name)
    return unit
