"""Every write of disinfection: save a plan (with its place), and mark a task done (drawing the amount used from
supplies' stock in the same transaction, with an optional photo stripped of its metadata by core.uploads)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.core.uploads import JPEG, PNG, UploadError, delete_stored, store_checked_file
from alleykeeper.sanitation.generation import regenerate_plan
from alleykeeper.sanitation.models import DisinfectionTask, Place, PlaceKind, Plan
from alleykeeper.supplies.actions import SupplyError, draw_stock
from alleykeeper.supplies.models import MoveKind, SupplyItem

PHOTO_FOLDER = "sanitation"
NOT_A_PHOTO = "照片只能是 JPG 或 PNG 图片，请重新拍照上传。"


class SanitationError(Exception):
    """A refused write, with the message to show (Chinese, says what to fix)."""


def place_for(community, kind: str, *, building=None, gate=None, alley=None, description: str = "") -> Place:
    """The place (made if new): a building's or a gate's by its kind, else an alley's or a described one."""
    if building is not None:
        place, _ = Place.objects.get_or_create(
            kind=kind, building=building, defaults={"community": community, "alley_id": building.alley_id}
        )
    elif gate is not None:
        place, _ = Place.objects.get_or_create(kind=kind, gate=gate, defaults={"community": community})
    else:
        place, _ = Place.objects.get_or_create(
            community=community, kind=kind, alley=alley, description=description, building=None, gate=None
        )
    return place


def save_plan(actor, community, plan: Plan | None, data: dict, *, now: datetime | None = None) -> Plan:
    """Create or change a plan; its tasks not yet due are remade from it."""
    now = now or timezone.now()
    with transaction.atomic():
        place = place_for(
            community,
            data["place_kind"],
            building=data.get("building"),
            gate=data.get("gate"),
            alley=data.get("alley"),
            description=data.get("description", ""),
        )
        if data.get("sequence") is not None and place.sequence != data["sequence"]:
            place.sequence = data["sequence"]
            place.save(update_fields=["sequence"])
        created = plan is None
        if plan is None:
            plan = Plan(community=community, created_by=actor, created_at=now)
        plan.place = place
        for name in ("surfaces", "agent", "dilution", "supply_item", "amount", "frequency", "times"):
            setattr(plan, name, data[name])
        plan.every_n_days = data.get("every_n_days")
        plan.weekdays = data.get("weekdays") or []
        plan.starts_on, plan.cleaner, plan.active = data["starts_on"], data["cleaner"], data["active"]
        plan.save()
        made = regenerate_plan(plan, now)
        record_event(actor, "sanitation.plan_create" if created else "sanitation.plan_update", plan, row_count=made)
    return plan


@dataclass
class Done:
    """What the cleaner records: when (None: now), with what, how much from which item, a photo, a note."""

    agent_used: str
    amount: Decimal | None
    item: SupplyItem | None
    photo: UploadedFile | None = None
    note: str = ""
    done_at: datetime | None = None


def complete_task(actor, task: DisinfectionTask, done: Done) -> DisinfectionTask:
    """Mark a task done. The amount is drawn from the item's stock in the same transaction (refused, with
    nothing saved, when the stock is short); the photo is checked and stored first and removed again if the
    rest fails."""
    if done.amount is not None and done.amount < 0:
        raise SanitationError("用量不能小于 0。")
    if done.amount and done.item is None:
        raise SanitationError("请选择用量从哪种物资中扣除。")
    if done.item is not None and done.item.community_id != task.community_id:
        raise SanitationError("所选物资不属于本社区。")
    stored = None
    if done.photo is not None:
        stored = store_checked_file(done.photo, PHOTO_FOLDER)  # UploadError: says what to fix
        if stored.kind not in (JPEG, PNG):
            delete_stored(PHOTO_FOLDER, stored.name)
            raise UploadError(NOT_A_PHOTO)
    try:
        with transaction.atomic():
            locked = DisinfectionTask.objects.select_for_update().select_related("place").get(pk=task.pk)
            if locked.done_at is not None:
                raise SanitationError("这项任务已经登记完成了。")
            move = None
            if done.amount:
                move = draw_stock(
                    actor, done.item, MoveKind.DISINFECTION, done.amount, note=f"消杀：{locked.place}"[:300]
                )
            locked.done_at = done.done_at or timezone.now()
            locked.done_by = actor
            locked.agent_used = done.agent_used or locked.agent
            locked.amount_used = done.amount
            locked.stock_move = move
            locked.note = done.note
            if stored is not None:
                locked.photo_name, locked.photo_kind = stored.name, stored.kind
            locked.save(
                update_fields=[
                    *("done_at", "done_by", "agent_used", "amount_used", "stock_move"),
                    *("note", "photo_name", "photo_kind", "updated_at"),
                ]
            )
            record_event(actor, "sanitation.task_done", locked, detail={"late": locked.done_at > locked.overdue_at})
    except BaseException:
        if stored is not None:
            delete_stored(PHOTO_FOLDER, stored.name)
        raise
    return locked


__all__ = ["Done", "PlaceKind", "SanitationError", "SupplyError", "UploadError", "complete_task", "save_plan"]
