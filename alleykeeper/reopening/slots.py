"""Staggered reopening (错峰复工): slots per day and place with a capacity, taken by approved enterprises.

A slot never takes more than its capacity, also when many book at once: a booking increases `taken` with one
conditional UPDATE (... SET taken = taken + 1 WHERE taken < capacity), which the database applies row by row
under its own lock, and a check constraint backs it. No read-then-write race is possible.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.registry.models import Community
from alleykeeper.reopening.errors import ReopeningError
from alleykeeper.reopening.models import Application, ApplicationStatus, Enterprise, ReopeningSlot


def open_slots(
    actor, community: Community, first: date, last: date, places: list[tuple[str, str]], capacity: int
) -> int:
    """Create the slots of each day and place (an existing one gets the new capacity, never below what is
    taken); the number of slots created or changed."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    changed = 0
    with transaction.atomic():
        existing = {
            (s.day, s.mall, s.floor): s
            for s in ReopeningSlot.objects.select_for_update().filter(community=community, day__in=days)
        }
        new = []
        for day in days:
            for mall, floor in places:
                slot = existing.get((day, mall, floor))
                if slot is None:
                    new.append(ReopeningSlot(community=community, day=day, mall=mall, floor=floor, capacity=capacity))
                elif slot.capacity != max(capacity, slot.taken):
                    slot.capacity = max(capacity, slot.taken)
                    slot.save(update_fields=["capacity"])
                    changed += 1
        ReopeningSlot.objects.bulk_create(new)
        record_event(
            actor,
            "slot.open",
            community,
            row_count=len(new) + changed,
            detail={"first": first.isoformat(), "last": last.isoformat(), "capacity": capacity},
        )
    return len(new) + changed


def slots_for(enterprise: Enterprise, today: date | None = None):
    """The slots an enterprise may take: its place's, from today on, with room."""
    today = today or timezone.localdate()
    return ReopeningSlot.objects.for_enterprise(enterprise).filter(day__gte=today).with_room()


def take_slot(actor, application: Application, slot: ReopeningSlot, now: datetime | None = None) -> None:
    """The approved enterprise takes the slot (giving back the one it had); a full slot refuses."""
    enterprise = application.enterprise
    if application.status != ApplicationStatus.APPROVED:
        raise ReopeningError("批准复工后才能预约复工时段。")
    if (slot.community_id, slot.mall, slot.floor) != (enterprise.community_id, enterprise.mall, enterprise.floor):
        raise ReopeningError("只能预约本企业所在商场楼层（或沿街商铺）的时段。")
    if slot.day < timezone.localdate(now):
        raise ReopeningError("这个时段已经过去了，请选择今天或以后的时段。")
    if application.slot_id == slot.pk:
        return
    with transaction.atomic():
        taken = ReopeningSlot.objects.filter(pk=slot.pk, taken__lt=F("capacity")).update(taken=F("taken") + 1)
        if not taken:
            raise ReopeningError(f"{slot.day:%m月%d日} {slot.place} 已约满，请选择其他日期。")
        previous = application.slot_id
        if previous is not None:
            ReopeningSlot.objects.filter(pk=previous, taken__gt=0).update(taken=F("taken") - 1)
        application.slot = slot
        application.planned_date = slot.day
        application.save(update_fields=["slot", "planned_date", "updated_at"])
        record_event(actor, "slot.take", application, parent=enterprise, detail={"slot": slot.pk, "previous": previous})


def day_loads(slots) -> list[dict]:
    """The calendar: per day, its slots and the load (taken of capacity)."""
    days: dict[date, dict] = {}
    for slot in slots:
        day = days.setdefault(slot.day, {"day": slot.day, "slots": [], "taken": 0, "capacity": 0})
        day["slots"].append(slot)
        day["taken"] += slot.taken
        day["capacity"] += slot.capacity
    for day in days.values():
        day["percent"] = round(100 * day["taken"] / day["capacity"]) if day["capacity"] else 0
    return list(days.values())


def openings(enterprises, first: date, last: date) -> int:
    """Enterprises whose booked slot falls in [first, last] (the openings of a day or a week)."""
    booked = Application.objects.filter(
        enterprise__in=enterprises, status=ApplicationStatus.APPROVED, slot__day__gte=first, slot__day__lte=last
    )
    return booked.count()


def capacity_left(slots) -> int:
    totals = slots.aggregate(capacity=Sum("capacity"), taken=Sum("taken"))
    return (totals["capacity"] or 0) - (totals["taken"] or 0)
