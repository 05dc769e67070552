"""Screening actions. `record_key_person` is the one door into the key-person list."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.audit.models import Purpose
from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import Checked
from alleykeeper.core.logging import redact
from alleykeeper.core.models import apply_changes
from alleykeeper.places.models import Division
from alleykeeper.registry.actions import create_resident, reveal_identity
from alleykeeper.registry.models import (
    Community,
    Household,
    HouseholdKind,
    RelationToHead,
    ResidenceStatus,
    Resident,
)
from alleykeeper.screening.answers import PersonSlot
from alleykeeper.screening.findings import Finding, evaluate
from alleykeeper.screening.models import (
    REACHED_OUTCOMES,
    Answer,
    Attempt,
    Campaign,
    CampaignHousehold,
    FirstScreening,
    HouseholdFilter,
    HouseholdStatus,
    KeyPerson,
    KeyPersonSource,
    Outcome,
    Question,
    ScreenedHousehold,
    ScreenedPerson,
)
from alleykeeper.screening.questionnaire import DEFAULT_QUESTIONS


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
    attempt: Attempt | None = None,
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
    if attempt is not None and person.attempt_id is None:
        person.attempt = attempt
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


# --- Campaigns --------------------------------------------------------------------------------------------------


class CampaignClosed(Exception):
    """Recording outside a campaign's dates."""


def natural_key(*parts: str) -> str:
    """Sort key where 3号楼 comes before 12号楼: runs of digits are zero-padded."""
    return "|".join(re.sub(r"\d+", lambda m: m[0].zfill(6), part or "") for part in parts)[:200]


def households_in_scope(campaign: Campaign):
    households = Household.objects.filter(grid_id__in=campaign.grids.values("id"))
    if campaign.household_filter == HouseholdFilter.RENTAL:
        households = households.filter(kind=HouseholdKind.RENTAL)
    elif campaign.household_filter == HouseholdFilter.OWNER:
        households = households.filter(kind=HouseholdKind.OWNER)
    return households


@transaction.atomic
def sync_campaign_scope(actor, campaign: Campaign) -> tuple[int, int]:
    """Enrol the households now in scope; drop untouched ones that left it. Households already
    contacted stay, so that no attempt is ever orphaned. Returns (added, removed)."""
    in_scope = households_in_scope(campaign)
    enrolled = CampaignHousehold.objects.filter(campaign=campaign, household=OuterRef("pk"))
    new = (
        in_scope.filter(~Exists(enrolled))
        .select_related("building__alley", "unit")
        .annotate(people=Count("residents"))
        .order_by()
    )
    rows = [
        CampaignHousehold(
            campaign=campaign,
            household_id=h.pk,
            grid_id=h.grid_id,
            sort_key=natural_key(h.building.alley.name, h.building.name, h.unit.name if h.unit_id else "", h.room),
            resident_count=h.people,
        )
        for h in new.iterator(chunk_size=2000)
    ]
    CampaignHousehold.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    left = CampaignHousehold.objects.filter(campaign=campaign, attempt_count=0).exclude(
        Exists(in_scope.filter(pk=OuterRef("household_id")))
    )
    removed = left.delete()[0]
    # A household moved to another grid is worked (and counted) by its new grid.
    moved = list(
        CampaignHousehold.objects.filter(campaign=campaign)
        .exclude(grid_id=F("household__grid_id"))
        .annotate(new_grid=F("household__grid_id"))
    )
    for row in moved:
        row.grid_id = row.new_grid
    CampaignHousehold.objects.bulk_update(moved, ["grid"], batch_size=1000)
    campaign.scope_synced_at = timezone.now()
    campaign.save(update_fields=["scope_synced_at"])
    record_event(
        actor,
        "campaign.sync_scope",
        campaign,
        row_count=len(rows),
        detail={"added": len(rows), "removed": removed, "moved": len(moved)},
    )
    return len(rows), removed


CAMPAIGN_FIELDS = ("name", "start_date", "end_date", "household_filter", "notes")


@transaction.atomic
def create_campaign(actor, data: dict) -> Campaign:
    """A campaign with the default questionnaire (三连问 + arrival date, origin, transport), scope enrolled."""
    grids = list(data["grids"])
    campaign = Campaign.objects.create(
        community_id=grids[0].community_id,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **{f: data[f] for f in CAMPAIGN_FIELDS if f in data},
    )
    campaign.grids.set(grids)
    Question.objects.bulk_create(
        [Question(campaign=campaign, order=(n + 1) * 10, **spec) for n, spec in enumerate(DEFAULT_QUESTIONS)]
    )
    record_event(actor, "campaign.create", campaign, detail={"grids": [g.pk for g in grids]})
    sync_campaign_scope(actor, campaign)
    return campaign


@transaction.atomic
def update_campaign(actor, campaign: Campaign, data: dict) -> Campaign:
    changed = apply_changes(campaign, data, CAMPAIGN_FIELDS)
    campaign.save(update_fields=changed or ["name"])
    grids = set(data.get("grids", campaign.grids.all()))
    if grids != set(campaign.grids.all()):
        campaign.grids.set(grids)
        changed.append("grids")
    record_event(actor, "campaign.update", campaign, detail={"fields": changed})
    if "grids" in changed or "household_filter" in changed:
        sync_campaign_scope(actor, campaign)
    return campaign


@transaction.atomic
def add_question(actor, campaign: Campaign, data: dict) -> Question:
    order = data.get("order")
    if order is None:
        order = (campaign.questions.aggregate(m=Max("order"))["m"] or 0) + 10
    question = Question.objects.create(
        campaign=campaign,
        order=order,
        text=data["text"],
        kind=data["kind"],
        options=data.get("options", []),
        key_answers=data.get("key_answers", []),
        required=data.get("required", False),
        min_value=data.get("min_value"),
        max_value=data.get("max_value"),
    )
    record_event(actor, "campaign.add_question", question, parent=campaign, detail={"kind": question.kind})
    return question


@transaction.atomic
def set_question_active(actor, question: Question, active: bool) -> Question:
    """Questions are switched off, never deleted: answers already given keep their question."""
    question.active = active
    question.save(update_fields=["active"])
    record_event(actor, "campaign.question_active", question, parent=question.campaign, detail={"active": active})
    return question


def reveal_phone_for_call(actor, resident: Resident, client_ip: str | None = None) -> str:
    """The full number for a tel: link, through the register's audited reveal (purpose: screening)."""
    revealed = reveal_identity(actor, resident, "phone", Purpose.SCREENING, client_ip)
    return re.sub(r"[^\d+]", "", revealed.value)


# --- Attempts ---------------------------------------------------------------------------------------------------


@dataclass
class AttemptResult:
    attempt: Attempt
    state: CampaignHousehold
    key_persons: list[KeyPerson]
    added_residents: list[Resident]
    repeated: bool = False  # the same form was submitted twice: nothing new was written


def source_ref_for(attempt: Attempt) -> str:
    return f"排查活动#{attempt.campaign_id}「{attempt.campaign.name[:30]}」记录#{attempt.pk}"


@transaction.atomic
def record_attempt(
    actor,
    campaign: Campaign,
    household: Household,
    *,
    channel: str,
    outcome: str,
    note: str = "",
    people: list[PersonSlot] | None = None,
    questions: dict[int, Question] | None = None,
    divisions: dict[str, Division] | None = None,
    client_token: str = "",
    at: datetime | None = None,
) -> AttemptResult:
    """Record one call or visit: the attempt, answers per person, people found at the door (added to the
    register), key persons for answers that point to a key area, and the household's campaign state."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    if not campaign.is_open_on(day):
        raise CampaignClosed
    state = CampaignHousehold.objects.select_for_update().get(campaign=campaign, household=household)
    if client_token:
        earlier = Attempt.objects.filter(campaign=campaign, client_token=client_token).first()
        if earlier is not None:
            return AttemptResult(earlier, state, [], [], repeated=True)
    people = people or []
    questions = questions or {}
    attempt = Attempt.objects.create(
        campaign=campaign,
        household=household,
        worker=actor,
        at=at,
        channel=channel,
        outcome=outcome,
        # A phone or ID number typed into a note is masked: clear values live only in sealed columns.
        note=redact(note),
        client_token=client_token,
    )
    added: list[Resident] = []
    answers: list[Answer] = []
    found: list[tuple[Resident, Finding]] = []
    for slot in people:
        resident = slot.resident
        if resident is None:
            resident = create_resident(
                actor,
                household,
                {
                    "name": slot.name,
                    "relation": RelationToHead.OTHER,
                    "status": ResidenceStatus.TEMPORARY,
                    "notes": f"排查时发现，台账中原无此人（{source_ref_for(attempt)}）",
                },
                doc=None,
                phone=slot.phone,
            )
            added.append(resident)
        finding = evaluate(questions, slot.values, divisions or {}, day)
        answers += [
            Answer(
                attempt=attempt,
                resident=resident,
                person_name=resident.name,
                question_id=qid,
                value=value,
                points_to_key_area=finding.flags.get(qid, False),
            )
            for qid, value in slot.values.items()
        ]
        if finding.points_to_key_area:
            found.append((resident, finding))
    Answer.objects.bulk_create(answers)
    keep_first_screening(attempt, [answer.resident_id for answer in answers])
    key_persons = [
        record_key_person(
            actor,
            community=campaign.community,
            name=resident.name,
            source=KeyPersonSource.SCREENING,
            source_ref=source_ref_for(attempt),
            resident=resident,
            household=household,
            origin=finding.origin,
            arrival_date=finding.arrival_date,
            travel_history=finding.travel_history,
            contact_note=finding.contact_note,
            transport=finding.transport,
            attempt=attempt,
        )
        for resident, finding in found
    ]
    _update_state(state, attempt)
    record_event(
        actor,
        "screening.attempt",
        attempt,
        parent=household,
        detail={
            "campaign": campaign.pk,
            "channel": channel,
            "outcome": outcome,
            "people": len(people),
            "added": [r.pk for r in added],
            "key_persons": [p.pk for p in key_persons],
            # Why each finding was made (question and answer, or key area and dates): no identity data.
            "findings": {str(resident.pk): finding.reasons for resident, finding in found},
        },
    )
    return AttemptResult(attempt, state, key_persons, added)


def keep_first_screening(attempt: Attempt, resident_ids: Iterable[int]) -> None:
    """Keep when the attempt's household (if it was reached or found vacant) and the residents who answered in
    it were first screened in its campaign: the earliest time stays, so an attempt recorded late for an earlier
    moment moves it back. record_attempt calls it with every attempt it writes."""
    if attempt.outcome in REACHED_OUTCOMES:
        _keep_earliest(ScreenedHousehold, attempt, "household_id", [attempt.household_id])
    _keep_earliest(ScreenedPerson, attempt, "resident_id", sorted(set(resident_ids)))


def _keep_earliest(model: type[FirstScreening], attempt: Attempt, field: str, ids: list[int]) -> None:
    if not ids:
        return
    model.objects.filter(campaign_id=attempt.campaign_id, at__gt=attempt.at, **{f"{field}__in": ids}).update(
        at=attempt.at
    )
    model.objects.bulk_create(
        [model(campaign_id=attempt.campaign_id, at=attempt.at, **{field: pk}) for pk in ids], ignore_conflicts=True
    )


def _update_state(state: CampaignHousehold, attempt: Attempt) -> None:
    """Covered when every resident is accounted for (answers in this campaign) after someone was reached,
    or when the household turned out to be vacant; otherwise back to the revisit queue."""
    residents = set(Resident.objects.filter(household_id=attempt.household_id).values_list("pk", flat=True))
    accounted = set(
        Answer.objects.filter(
            attempt__campaign_id=attempt.campaign_id, attempt__household_id=attempt.household_id, resident__in=residents
        ).values_list("resident_id", flat=True)
    )
    state.attempt_count += 1
    state.last_attempt = attempt
    state.last_attempt_at = attempt.at
    state.last_outcome = attempt.outcome
    state.reached = state.reached or attempt.outcome in REACHED_OUTCOMES
    state.resident_count, state.accounted_count = len(residents), len(accounted)
    covered = attempt.outcome == Outcome.VACANT or (state.reached and residents <= accounted)
    state.status = HouseholdStatus.COVERED if covered else HouseholdStatus.REVISIT
    state.covered_at = (state.covered_at or attempt.at) if covered else None
    state.save(
        update_fields=[
            "attempt_count",
            "last_attempt",
            "last_attempt_at",
            "last_outcome",
            "reached",
            "resident_count",
            "accounted_count",
            "status",
            "covered_at",
        ]
    )
