"""Returning staff (进出关): adding them, screening them, and an admin's decision on a block.

`screen_staff` is the one screening of returning staff. For a list of people it asks, with a fixed number of
queries whatever the list's length: the register (residents by the document's blind index), key persons
(screening's `unresolved()`), the push list (pushlist's `to_reach()`), observation cases (observation's
`open()`, and those released, which end a key-area block) and the key areas of the look-back window before
each person's return (places.key_area_hits, asked only for places that have ever been a key area).

Anyone of the four categories (四类人员) or from a key area blocks the approval of their enterprise until
resolved: the observation finished (a released case, or the observation period since return has passed), a
key person cleared, a pushed person checked, or an admin's recorded decision with a reason. Key-area flags
come from where the person came from and passed through, never from the ID number's address code.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import Checked
from alleykeeper.observation.models import CaseStatus, FeverState, ObservationCase, Reason
from alleykeeper.places.models import Division, KeyArea, key_area_hits, lookback_window
from alleykeeper.pushlist.models import PushedPerson
from alleykeeper.registry.models import Resident
from alleykeeper.reopening.errors import ReopeningError
from alleykeeper.reopening.models import FOUR_CATEGORIES, Enterprise, HealthState, ReturningStaff
from alleykeeper.screening.models import KeyPerson

STAFF_FIELDS = ("name", "doc_type", "returned_on", "health_state")


@dataclass(frozen=True)
class StaffEntry:
    """One returning person as a form or an import row gives them, checked."""

    data: dict  # name, doc_type, returned_on, health_state
    doc: Checked
    phone: Checked | None
    origin: Division
    passed: list[Division]


def _finding(key: str, text: str, blocks: bool) -> dict:
    return {"key": key, "text": text, "blocks": blocks}


def screen_staff(rows: list[ReturningStaff], today: date | None = None) -> None:
    """Set `findings`, `blocking` and `resident` on each row (not saved): see the module docstring."""
    if not rows:
        return  # an enterprise without returning staff: nothing to ask
    today = today or timezone.localdate()
    indexes = {row.doc_number_index for row in rows if row.doc_number_index}
    residents = {
        r.doc_number_index: r
        for r in Resident.objects.filter(doc_number_index__in=indexes).select_related("household__building__alley")
    }
    resident_ids = [r.pk for r in residents.values()]
    matched = KeyPerson.objects.filter(Q(doc_number_index__in=indexes) | Q(resident_id__in=resident_ids))
    key_persons = list(matched.only("pk", "doc_number_index", "resident_id", "status"))
    unresolved = set(matched.unresolved().values_list("pk", flat=True))
    pushed = list(PushedPerson.objects.to_reach().filter(doc_number_index__in=indexes).only("pk", "doc_number_index"))
    cases = ObservationCase.objects.filter(
        Q(resident_id__in=resident_ids) | Q(key_person_id__in=[k.pk for k in key_persons])
    ).only("pk", "resident_id", "key_person_id", "status", "reason", "fever_state", "planned_end", "day_zero")
    open_cases = list(cases.open())
    released = list(cases.filter(status=CaseStatus.RELEASED))
    declared = set(KeyArea.objects.values_list("division_id", flat=True).distinct())
    passed_codes = {p.get("code") for row in rows for p in row.places_passed}
    divisions = {d.code: d for d in Division.objects.filter(code__in=passed_codes)}
    for row in rows:
        resident = residents.get(row.doc_number_index)
        mine_kp = [k for k in key_persons if k.doc_number_index == row.doc_number_index or (
            resident is not None and k.resident_id == resident.pk)]  # fmt: skip
        kp_ids = {k.pk for k in mine_kp}

        def is_mine(case: ObservationCase, resident=resident, kp_ids=kp_ids) -> bool:
            return (resident is not None and case.resident_id == resident.pk) or case.key_person_id in kp_ids

        findings = [
            _finding("register", f"本社区台账居民：{resident.household.address}", False)
            if resident is not None
            else _finding("register", "不在本社区台账中", False)
        ]
        if row.health_state in FOUR_CATEGORIES:
            label = HealthState(row.health_state).label
            findings.append(_finding(f"health:{row.health_state}", f"四类人员：{label}（企业申报）", True))
        for person in mine_kp:
            if person.pk in unresolved:
                text = f"重点人员，{person.get_status_display()}"
                findings.append(_finding(f"key_person:{person.pk}", text, True))
        for person in pushed:
            if person.doc_number_index == row.doc_number_index:
                findings.append(_finding(f"push:{person.pk}", "在大数据推送名单中，尚未核查", True))
        for case in open_cases:
            if is_mine(case):
                text = f"正在居家医学观察，至 {case.planned_end:%Y-%m-%d}"
                if case.reason == Reason.CLOSE_CONTACT:
                    text += "（密切接触者，四类人员）"
                if case.fever_state != FeverState.NONE:
                    text += "（发热未排除，四类人员）"
                findings.append(_finding(f"observation:{case.pk}", text, True))
        findings += _key_area_findings(row, divisions, declared, [c for c in released if is_mine(c)], today)
        row.resident = resident
        row.findings = findings
        row.blocking = any(f["blocks"] and f["key"] not in row.cleared_keys for f in findings)


def _key_area_findings(
    row: ReturningStaff, divisions: dict, declared: set[str], released: list[ObservationCase], today: date
) -> list[dict]:
    """Key areas the person came from or passed through in the look-back window before their return. The
    block ends when their observation finished: a released case, or the observation period since return."""
    places = [row.origin, *(divisions[p["code"]] for p in row.places_passed if p.get("code") in divisions)]
    start, end = lookback_window(row.returned_on)
    observed = today >= row.returned_on + timedelta(days=settings.OBSERVATION_DAYS)
    released_after = any(case.day_zero >= start for case in released)
    findings, seen = [], set()
    for place in places:
        if not declared.intersection(place.lineage_codes()):
            continue  # never a key area: no query
        for hit in key_area_hits(place, start, end):
            if hit.division_id in seen:
                continue
            seen.add(hit.division_id)
            text = f"来自或途经重点地区 {hit.division.name}（{start:%m-%d}～{end:%m-%d} 期间为重点地区）"
            if released_after:
                text += "；居家观察已解除"
            elif observed:
                text += f"；返回已满 {settings.OBSERVATION_DAYS} 天"
            key = f"key_area:{hit.division_id}:{row.returned_on.isoformat()}"
            findings.append(_finding(key, text, not (released_after or observed)))
    return findings


def add_staff(
    actor, enterprise: Enterprise, entry: StaffEntry, *, via_link: bool, now: datetime | None = None
) -> ReturningStaff:
    """Add a returning person (or update the one with the same document at this enterprise) and screen them."""
    now = now or timezone.now()
    return add_staff_many(actor, enterprise, [entry], via_link=via_link, now=now)[0]


def add_staff_many(
    actor, enterprise: Enterprise, entries: list[StaffEntry], *, via_link: bool, now: datetime | None = None
) -> list[ReturningStaff]:
    """Add or update several people at once (an import: all or none), screened together."""
    now = now or timezone.now()
    rows: list[ReturningStaff] = []
    with transaction.atomic():
        existing = {
            s.doc_number_index: s
            for s in enterprise.staff.select_for_update().filter(
                doc_number_index__in=[_sealed_index(e.doc) for e in entries]
            )
        }
        for entry in entries:
            row = existing.get(_sealed_index(entry.doc)) or ReturningStaff(
                enterprise=enterprise, created_at=now, via_link=via_link
            )
            for name in STAFF_FIELDS:
                setattr(row, name, entry.data[name])
            row.origin = entry.origin
            row.places_passed = [{"code": d.code, "name": d.name} for d in entry.passed]
            row.seal_identity(entry.doc, entry.phone if entry.phone is not None and entry.phone.value else None)
            rows.append(row)
        screen_staff(rows, timezone.localdate(now))
        for row in rows:
            row.screened_at = now
            row.save()
        record_event(
            actor,
            "staff.add",
            enterprise,
            row_count=len(rows),
            detail={"via_link": via_link, "blocking": sum(r.blocking for r in rows)},
        )
    return rows


def _sealed_index(doc: Checked) -> str:
    return blind_index("doc", doc.value)  # as core.crypto.seal_document indexes it


def rescreen_enterprise(enterprise: Enterprise, now: datetime | None = None) -> int:
    """Screen the enterprise's staff again (a key area declared, an observation finished); the number blocking."""
    return _rescreen(list(enterprise.staff.select_related("origin")), now or timezone.now())


def _rescreen(rows: list[ReturningStaff], now: datetime) -> int:
    screen_staff(rows, timezone.localdate(now))
    for row in rows:
        row.screened_at = now
    ReturningStaff.objects.bulk_update(rows, ["findings", "blocking", "resident", "screened_at"])
    return sum(row.blocking for row in rows)


RESCREEN_BATCH = 500


def rescreen_recent(now: datetime | None = None) -> tuple[int, int]:
    """Screen again everyone still blocking or back within the look-back and observation periods (anyone
    older can neither gain nor lose a key-area block), in batches of a fixed number of queries each."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    recent = today - timedelta(days=settings.KEY_AREA_LOOKBACK_DAYS + settings.OBSERVATION_DAYS)
    pks = list(
        ReturningStaff.objects.filter(Q(blocking=True) | Q(returned_on__gte=recent)).values_list("pk", flat=True)
    )
    blocking = 0
    for start in range(0, len(pks), RESCREEN_BATCH):
        batch = ReturningStaff.objects.filter(pk__in=pks[start : start + RESCREEN_BATCH]).select_related("origin")
        blocking += _rescreen(list(batch), now)
    return len(pks), blocking


def decide_staff_block(actor, staff: ReturningStaff, reason: str, now: datetime | None = None) -> None:
    """An admin's recorded decision that this person's current blocks are resolved, with the reason (audited).
    A block found later (a new key area, a new observation case) blocks again."""
    reason = (reason or "").strip()
    if not reason:
        raise ReopeningError("请写明处理决定和理由，例如：已核实未离开泉州、已完成14天居家观察。")
    keys = [f["key"] for f in staff.blocking_findings()]
    if not keys:
        raise ReopeningError("这名返岗人员没有需要处理的限制。")
    with transaction.atomic():
        staff.cleared_keys = sorted(set(staff.cleared_keys) | set(keys))
        staff.cleared_reason, staff.cleared_at, staff.cleared_by = reason[:300], now or timezone.now(), actor
        staff.blocking = False
        staff.save(update_fields=["cleared_keys", "cleared_reason", "cleared_at", "cleared_by", "blocking"])
        record_event(actor, "staff.decide_block", staff, parent=staff.enterprise, reason=reason, detail={"keys": keys})


def blocking_message(enterprise: Enterprise) -> str:
    """Why approval is refused, naming the people who block it; "" when nobody does."""
    blocking = list(enterprise.staff.blocking()[:5])
    if not blocking:
        return ""
    names = "、".join(person.name for person in blocking)
    return f"返岗人员 {names} 属于四类人员或来自重点地区，尚未解除，不能批准。请等观察结束，或由管理员记录处理决定。"
