"""Every write to the register goes through these functions: pages, admin, imports and commands alike."""

import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass

from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.copying import CopySender, copy_data, copy_statement, reserve_ids
from alleykeeper.core.crypto import blind_index, decrypt, encrypt, seal_phone
from alleykeeper.core.identity import Checked, format_phone, mask_document, mask_phone
from alleykeeper.core.models import apply_changes
from alleykeeper.core.ordering import natural_sort_key
from alleykeeper.registry.import_fields import HOUSEHOLD_KEYS
from alleykeeper.registry.imports import ImportRow, norm
from alleykeeper.registry.models import (
    Alley,
    Building,
    Community,
    Grid,
    Household,
    RelationToHead,
    Resident,
    Unit,
    pinyin_keys,
)

GRID_FIELDS = ("name", "sort_number")
RESIDENT_FIELDS = ("name", "doc_type", "sex", "birth_date", "relation", "status", "notes")
HOUSEHOLD_FIELDS = ("building", "unit", "room", "kind", "landlord_name", "tenancy_start", "tenancy_end", "notes")


def apply_resident_identity(resident: Resident, doc: Checked | None, phone: Checked | None) -> None:
    resident.name_pinyin, resident.name_initials = pinyin_keys(resident.name)
    resident.seal_identity(doc, phone)


def save_grid(actor, grid: Grid, data: dict | None = None) -> Grid:
    """Create or change a grid (its name, its sort number). The one place that keeps `name_key`, the
    natural-order key of the name (core.ordering), in step with the name: every list of grids sorts by it."""
    data = data or {}
    created = grid.pk is None
    if created:
        for name in GRID_FIELDS:
            if name in data:
                setattr(grid, name, data[name])
        changed = list(GRID_FIELDS)
    else:
        changed = apply_changes(grid, data, GRID_FIELDS)
    grid.name = norm(grid.name)
    grid.name_key = natural_sort_key(grid.name)
    with transaction.atomic():
        grid.save()
        action = "grid.create" if created else "grid.update"
        record_event(actor, action, grid, parent=grid.community, detail={"fields": changed})
    return grid


@transaction.atomic
def set_alley_lead(actor, alley: Alley, name: str, kind: str) -> Alley:
    """Who leads the alley (巷长): a name and whether a cadre, a party member or a volunteer; an empty name
    removes the lead. No phone is kept (GUIDE.md section 4). Audited with the old and the new lead."""
    name = name.strip()
    kind = kind if name else ""
    before = {"name": alley.lead_name, "kind": alley.lead_kind}
    if before == {"name": name, "kind": kind}:
        return alley
    alley.lead_name, alley.lead_kind = name, kind
    alley.save(update_fields=["lead_name", "lead_kind"])
    record_event(
        actor, "alley.lead", alley, parent=alley.grid, detail={"before": before, "after": {"name": name, "kind": kind}}
    )
    return alley


@transaction.atomic
def create_resident(actor, household: Household, data: dict, *, doc: Checked | None, phone: Checked | None) -> Resident:
    resident = Resident(household=household, **{f: data[f] for f in RESIDENT_FIELDS if f in data})
    apply_resident_identity(resident, doc, phone)
    resident.save()
    record_event(actor, "resident.create", resident, parent=household)
    return resident


@transaction.atomic
def update_resident(actor, resident: Resident, data: dict, *, doc: Checked | None, phone: Checked | None) -> Resident:
    changed = apply_changes(resident, data, RESIDENT_FIELDS)
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


def _enclosures_of(building_ids: Iterable[int]) -> dict[int, int]:
    """Building id -> the enclosure it is in (closed management), for the enclosed ones."""
    enclosed = Building.objects.filter(pk__in=building_ids, enclosure_link__isnull=False)
    return dict(enclosed.values_list("pk", "enclosure_link__enclosure_id"))


def _place_household(household: Household, building: Building) -> None:
    """The household's copies of its building's place: grid and community for scoping, and the enclosure
    (gates.actions.set_enclosure_buildings sets them for every household when a building's changes)."""
    household.building = building
    household.grid_id = building.alley.grid_id
    household.community_id = building.alley.grid.community_id
    household.enclosure_id = _enclosures_of([building.pk]).get(building.pk)


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
    changed = apply_changes(household, data, HOUSEHOLD_FIELDS)
    # Always re-derive grid, community and enclosure from the building: they are copies of its place.
    _place_household(household, household.building)
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


# ---- Import of the community's spreadsheets (registry.imports validates; this writes, all or nothing) ----

IMPORT_BATCH = 2000
COPY_CHUNK = 5000  # new residents per COPY: the writer sends one chunk while the next is sealed


@dataclass
class ImportCounts:
    rows: int = 0
    places_created: int = 0  # alleys, buildings and units
    households_created: int = 0
    households_updated: int = 0
    residents_created: int = 0
    residents_updated: int = 0


def _maker(model: type[models.Model], **common) -> Callable[..., models.Model]:
    """New unsaved instances for a bulk insert, without Django's per-field __init__ (it costs more than
    sealing a row): one prototype is built the normal way, defaults included, and copied for each row.
    `values` are attribute names (household_id, not household)."""
    prototype = model(**common).__dict__

    def make(**values) -> models.Model:
        obj = model.__new__(model)
        obj.__dict__.update(prototype)
        obj._state = ModelState()
        obj.__dict__.update(values)
        return obj

    return make


# A new household's COPY columns: the id (taken beforehand) and the rest, the two timestamps last.
HOUSEHOLD_COLUMNS = [
    f.attname for f in Household._meta.concrete_fields if f.attname not in ("created_at", "updated_at")
] + ["created_at", "updated_at"]


def _copy_stamp() -> str:
    """Now, as COPY text: formatted once, not twice per row (a datetime costs COPY as much as the rest)."""
    return timezone.now().isoformat()


def _new_household_rows(new: list[Household]) -> list[tuple]:
    """Give the new households their ids. On PostgreSQL they come from the table's sequence, so that the
    residents can be formatted before the households are in, and the households' COPY rows are returned for
    the writer; elsewhere they are inserted now (bulk_create) and nothing is returned."""
    if not new:
        return []
    if connection.vendor != "postgresql":
        Household.objects.bulk_create(new, batch_size=IMPORT_BATCH)
        return []
    for household, pk in zip(new, reserve_ids(Household, len(new)), strict=True):
        household.pk = pk
    values, stamp = operator.attrgetter(*HOUSEHOLD_COLUMNS[:-2]), _copy_stamp()
    return [(*values(household), stamp, stamp) for household in new]


def _ensure_places(rows: list[ImportRow], counts: ImportCounts) -> dict[tuple, tuple[int, int | None]]:
    """Alleys, buildings and units the rows name, created when missing: household key -> (building, unit).
    Worked out on the distinct households (a file names each household on every resident's row)."""
    keys = {r.household_key for r in rows}
    alleys = {(a.grid_id, norm(a.name)): a.pk for a in Alley.objects.filter(grid_id__in={k[0] for k in keys})}
    new = sorted({(k[0], k[1]) for k in keys} - alleys.keys())
    alleys.update(
        {(a.grid_id, a.name): a.pk for a in Alley.objects.bulk_create([Alley(grid_id=g, name=n) for g, n in new])}
    )
    wanted = {(alleys[(k[0], k[1])], k[2]) for k in keys}
    buildings = {(b.alley_id, norm(b.name)): b.pk for b in Building.objects.filter(alley_id__in={a for a, _ in wanted})}
    fresh = sorted(wanted - buildings.keys())
    created = Building.objects.bulk_create([Building(alley_id=a, name=n) for a, n in fresh], batch_size=IMPORT_BATCH)
    buildings.update({(b.alley_id, b.name): b.pk for b in created})
    building_of = {k: buildings[(alleys[(k[0], k[1])], k[2])] for k in keys}
    wanted_units = {(building_of[k], k[3]) for k in keys if k[3]}
    units = {
        (u.building_id, norm(u.name)): u.pk for u in Unit.objects.filter(building_id__in={b for b, _ in wanted_units})
    }
    fresh_units = sorted(wanted_units - units.keys())
    made = Unit.objects.bulk_create([Unit(building_id=b, name=n) for b, n in fresh_units], batch_size=IMPORT_BATCH)
    units.update({(u.building_id, u.name): u.pk for u in made})
    counts.places_created = len(new) + len(fresh) + len(fresh_units)
    return {k: (building, units[(building, k[3])] if k[3] else None) for k, building in building_of.items()}


def _landlord_phone_changed(household: Household, phone: Checked) -> bool:
    sealed = seal_phone(phone.value)
    return household.landlord_phone_masked != sealed.masked or decrypt(household.landlord_phone_enc) != phone.value


def _plan_households(
    rows: list[ImportRow], community, placed: dict[tuple, tuple[int, int | None]], counts: ImportCounts
) -> tuple[dict[tuple, int], set[int], list[tuple[tuple, Household]]]:
    """Household key -> id, the ids that existed before, and the new households by key (not yet written).
    Changed ones are updated now (a blank cell never erases a value)."""
    existing = {
        (h.building_id, h.unit_id, norm(h.room)): h
        for h in Household.objects.filter(building_id__in={b for b, _ in placed.values()})
    }
    merged: dict[tuple, tuple[dict, Checked | None]] = {}
    for r in rows:
        data, phone = merged.setdefault(r.household_key, ({}, None))
        for key, value in r.household.items():
            data.setdefault(key, value)
        if phone is None and r.landlord_phone is not None:
            merged[r.household_key] = (data, r.landlord_phone)
    ids: dict[tuple, int] = {}
    new_household = _maker(Household)
    enclosures = _enclosures_of({building_id for building_id, _ in placed.values()})
    new: list[tuple[tuple, Household]] = []
    changed: list[Household] = []
    now = timezone.now()
    for key, (data, phone) in merged.items():
        building_id, unit_id = placed[key]
        household = existing.get((building_id, unit_id, key[4]))
        if household is None:
            household = new_household(
                building_id=building_id,
                unit_id=unit_id,
                room=key[4],
                grid_id=key[0],
                community_id=community.pk,
                enclosure_id=enclosures.get(building_id),
                **data,
            )
            if phone is not None:
                sealed = seal_phone(phone.value)
                household.landlord_phone_enc, household.landlord_phone_masked = sealed.encrypted, sealed.masked
            new.append((key, household))
            continue
        ids[key] = household.pk
        dirty = [f for f, value in data.items() if getattr(household, f) != value]
        for f in dirty:
            setattr(household, f, data[f])
        if phone is not None and _landlord_phone_changed(household, phone):
            sealed = seal_phone(phone.value)
            household.landlord_phone_enc, household.landlord_phone_masked = sealed.encrypted, sealed.masked
            dirty.append("landlord_phone")
        if dirty:
            household.updated_at = now
            changed.append(household)
    fields = [*HOUSEHOLD_KEYS, "landlord_phone_enc", "landlord_phone_masked", "updated_at"]
    Household.objects.bulk_update(changed, fields, batch_size=IMPORT_BATCH)
    counts.households_created, counts.households_updated = len(new), len(changed)
    return ids, set(ids.values()), new


def _plan_residents(
    rows: list[ImportRow], household_ids: dict[tuple, int], existed: set[int], counts: ImportCounts
) -> list[tuple[ImportRow, int]]:
    """Residents matched by ID blind index, else by household and name; changed ones updated now. Returns
    the rows of new residents with their household ids. An ID registered to a household the file does not
    name fails the unique constraint (IntegrityError): registry.imports reports that case as a row error
    before, this only guards a race."""
    by_household: dict[int, list[Resident]] = {}
    if existed:
        for resident in Resident.objects.filter(household_id__in=existed).order_by("id"):
            by_household.setdefault(resident.household_id, []).append(resident)
    by_doc = {r.doc_number_index: r for people in by_household.values() for r in people if r.doc_number_index}
    # Rows with an ID are matched first, so that a row without one never takes a person an ID names.
    found: dict[int, Resident] = {}
    for index, r in enumerate(rows):
        if r.doc_index and r.doc_index in by_doc:
            found[index] = by_doc[r.doc_index]
    matched = {resident.pk for resident in found.values()}
    fresh: list[tuple[ImportRow, int]] = []
    changed: list[Resident] = []
    now = timezone.now()
    for index, r in enumerate(rows):
        household_id = household_ids[r.household_key]
        resident = found.get(index)
        if resident is None and by_household:
            # Same name in the same household, unless both carry (different) ID numbers: namesakes exist.
            # Those without an ID first: the row most likely completes them.
            candidates = [
                p
                for p in by_household.get(household_id, ())
                if p.pk not in matched and norm(p.name) == r.name and not (r.doc_index and p.doc_number_index)
            ]
            resident = min(candidates, key=lambda p: bool(p.doc_number_index), default=None)
        if resident is None:
            fresh.append((r, household_id))
            continue
        matched.add(resident.pk)
        data = {"name": r.name, **r.resident}
        dirty = [f for f, value in data.items() if getattr(resident, f) != value]
        for f in dirty:
            setattr(resident, f, data[f])
        doc = r.doc if r.doc and resident.doc_number_index != r.doc_index else None
        phone = r.phone if r.phone and resident.phone_index != blind_index("phone", r.phone.value) else None
        if dirty or doc or phone:
            apply_resident_identity(resident, doc, phone)
            resident.updated_at = now
            changed.append(resident)
    identity = ["doc_number_enc", "doc_number_index", "doc_number_masked", "phone_enc", "phone_index", "phone_masked"]
    fields = [*RESIDENT_FIELDS, "name_pinyin", "name_initials", *identity, "updated_at"]
    Resident.objects.bulk_update(changed, fields, batch_size=IMPORT_BATCH)
    counts.residents_created, counts.residents_updated = len(fresh), len(changed)
    return fresh


# Columns of a new resident, in the order _new_resident_rows gives them (the primary key comes from the table).
NEW_RESIDENT_COLUMNS = (
    "doc_type", "doc_number_enc", "doc_number_index", "doc_number_masked", "phone_enc", "phone_index",
    "phone_masked", "household_id", "name", "name_pinyin", "name_initials", "sex", "birth_date", "relation",
    "status", "notes", "created_at", "updated_at",
)  # fmt: skip


def _new_resident_rows(fresh: list[tuple[ImportRow, int]], now: object) -> Iterator[tuple]:
    """Plain tuples for COPY: what create_resident stores (pinyin keys, identity sealed by core.crypto,
    the model's defaults), without building a model instance per row. The ID's blind index was computed
    when the row was checked (ImportRow.doc_index), so sealing reuses it. `now` stamps created_at and
    updated_at (text for COPY: see _copy_stamp)."""
    default_doc_type = Resident._meta.get_field("doc_type").get_default()
    status_default = Resident._meta.get_field("status").get_default()
    for r, household_id in fresh:
        data = r.resident
        doc_enc = doc_index = doc_masked = phone_enc = phone_index = phone_masked = ""
        if r.doc is not None:
            doc_enc, doc_index, doc_masked = (
                encrypt(r.doc.value),
                r.doc_index or blind_index("doc", r.doc.value),
                mask_document(r.doc.value),
            )
        if r.phone is not None:  # what seal_phone stores, without a Sealed per row
            phone = r.phone.value
            phone_enc, phone_index, phone_masked = encrypt(phone), blind_index("phone", phone), mask_phone(phone)
        pinyin, initials = pinyin_keys(r.name)
        yield (
            data.get("doc_type", default_doc_type), doc_enc, doc_index, doc_masked,
            phone_enc, phone_index, phone_masked, household_id, r.name, pinyin, initials, data.get("sex", ""),
            data.get("birth_date"), data.get("relation", RelationToHead.OTHER), data.get("status", status_default),
            data.get("notes", ""), now, now,
        )  # fmt: skip


def _insert_residents(fresh: list[tuple[ImportRow, int]], sender: CopySender | None) -> None:
    """COPY chunk by chunk on PostgreSQL: the writer sends one while the next is sealed; bulk_create elsewhere."""
    if sender is None:
        Resident.objects.bulk_create(
            [
                Resident(**dict(zip(NEW_RESIDENT_COLUMNS, row, strict=True)))
                for row in _new_resident_rows(fresh, timezone.now())
            ],
            batch_size=IMPORT_BATCH,
        )
        return
    statement, stamp = copy_statement(Resident, NEW_RESIDENT_COLUMNS), _copy_stamp()
    for start in range(0, len(fresh), COPY_CHUNK):
        sender.send((statement, copy_data(_new_resident_rows(fresh[start : start + COPY_CHUNK], stamp))))


@transaction.atomic
def import_rows(
    actor, community, rows: list[ImportRow], *, label: str = "", detail: dict | None = None
) -> ImportCounts:
    """Write validated import rows in one transaction: households keyed by grid/alley/building/unit/room,
    residents by ID blind index, else by household and name. Importing the same rows twice adds nothing.
    One audit event "register.import" records the row count and what changed."""
    # One import per community at a time: a second one waits here instead of racing on the same keys.
    list(Community.objects.select_for_update().filter(pk=community.pk).values_list("pk"))
    counts = ImportCounts(rows=len(rows))
    if rows:
        # Every read and update first; then only inserts, which a writer thread sends on PostgreSQL while
        # this one seals and formats the next rows (core.copying).
        placed = _ensure_places(rows, counts)
        household_ids, existed, new_households = _plan_households(rows, community, placed, counts)
        household_rows = _new_household_rows([household for _, household in new_households])
        household_ids.update({key: household.pk for key, household in new_households})
        fresh = _plan_residents(rows, household_ids, existed, counts)
        if connection.vendor == "postgresql":
            with CopySender() as sender:
                sender.send((copy_statement(Household, HOUSEHOLD_COLUMNS), copy_data(household_rows)))
                _insert_residents(fresh, sender)
        else:
            _insert_residents(fresh, None)
    record_event(
        actor,
        "register.import",
        community,
        label=label or community.name,
        scope=community.name,
        row_count=len(rows),
        detail={**asdict(counts), **(detail or {})},
    )
    return counts
