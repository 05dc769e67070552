"""Every write of stock: one function each. A draw locks the item row (select_for_update: PostgreSQL waits for
another draw of the same item to finish; SQLite serialises write transactions anyway), reads the stock as it
is now and refuses a draw larger than it, so two people drawing at once can never take it below zero."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.supplies.models import (
    HAND_OUT_KINDS,
    IN_KINDS,
    MoveKind,
    StockMove,
    SupplyItem,
    amount_text,
    counts_whole,
)


class SupplyError(Exception):
    """A refused write, with the message to show (Chinese, says what to fix)."""


def _locked(item: SupplyItem) -> SupplyItem:
    return SupplyItem.objects.select_for_update().get(pk=item.pk)


def whole_units_problem(item_name: str, unit: str, quantity: Decimal) -> str:
    """The message when a quantity of a whole-counted item (counts_whole) has a fraction, else ""."""
    if counts_whole(unit) and quantity != quantity.to_integral_value():
        return f"{item_name}按“{unit.strip()}”计，数量要填整数（填的是 {amount_text(quantity)}）。"
    return ""


def _check_whole(item: SupplyItem, quantity: Decimal) -> None:
    problem = whole_units_problem(item.name, item.unit, quantity)
    if problem:
        raise SupplyError(problem)


def _move(actor, item: SupplyItem, kind: str, quantity: Decimal, at: datetime | None, **fields) -> StockMove:
    now = timezone.now()
    item.on_hand += quantity
    item.save(update_fields=["on_hand", "updated_at"])
    return StockMove.objects.create(
        item=item,
        kind=kind,
        quantity=quantity,
        balance=item.on_hand,
        at=at or now,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
        recorded_at=now,
        **fields,
    )


def save_item(actor, community, item: SupplyItem | None, data: dict) -> SupplyItem:
    """Create an item (no stock yet) or change its name, kind, unit and low-stock threshold."""
    if item is None:
        item = SupplyItem(community=community, created_at=timezone.now())
    for name in ("name", "kind", "unit", "low_threshold"):
        setattr(item, name, data[name])
    if item.pk is None:
        item.save()
        record_event(actor, "supplies.item_create", item)
    else:
        item.save(update_fields=["name", "kind", "unit", "low_threshold", "updated_at"])
        record_event(actor, "supplies.item_update", item)
    return item


def receive_stock(
    actor,
    item: SupplyItem,
    kind: str,
    quantity: Decimal,
    *,
    source: str = "",
    note: str = "",
    at: datetime | None = None,
) -> StockMove:
    """Stock in: a purchase, a donation or an allocation from the street."""
    if kind not in IN_KINDS:
        raise SupplyError("入库类型应为采购、捐赠或街道调拨。")
    if quantity <= 0:
        raise SupplyError("入库数量应大于 0。")
    _check_whole(item, quantity)
    with transaction.atomic():
        move = _move(actor, _locked(item), kind, quantity, at, source=source, note=note)
    record_event(actor, "supplies.receive", move.item, detail={"move": move.pk, "quantity": str(quantity)})
    return move


def draw_stock(
    actor,
    item: SupplyItem,
    kind: str,
    quantity: Decimal,
    *,
    recipient=None,
    gate=None,
    household=None,
    note: str = "",
    at: datetime | None = None,
) -> StockMove:
    """Stock out (to a gate, a cleaner, a household under observation, a volunteer, or used in a
    disinfection): refused when the stock on hand, read under the row lock, is less than `quantity`.
    Called inside the caller's transaction when it is part of a larger write (a disinfection done)."""
    if kind not in (*HAND_OUT_KINDS, MoveKind.DISINFECTION):
        raise SupplyError("出库类型不对。")
    if quantity <= 0:
        raise SupplyError("领用数量应大于 0。")
    _check_whole(item, quantity)
    with transaction.atomic():
        locked = _locked(item)
        if locked.on_hand < quantity:
            unit = locked.unit
            raise SupplyError(
                f"{locked.name}库存只剩 {amount_text(locked.on_hand)} {unit}，本次要领 {amount_text(quantity)} {unit}。"
                "请少领一些，或先登记入库。"
            )
        move = _move(actor, locked, kind, -quantity, at, recipient=recipient, gate=gate, household=household, note=note)
    record_event(actor, "supplies.draw", move.item, detail={"move": move.pk, "kind": kind, "quantity": str(quantity)})
    item.on_hand = move.balance
    return move


def correct_stock(actor, item: SupplyItem, counted: Decimal, reason: str) -> StockMove:
    """A stocktake: set the stock to what was counted, with the reason and who did it (the only way stock
    goes below what the moves say)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise SupplyError("请填写更正原因，如：盘点发现破损 2 瓶。")
    if counted < 0:
        raise SupplyError("盘点数量不能小于 0。")
    _check_whole(item, counted)
    with transaction.atomic():
        locked = _locked(item)
        difference = counted - locked.on_hand
        if difference == 0:
            raise SupplyError(f"盘点数与账面库存（{amount_text(locked.on_hand)} {locked.unit}）相同，不需要更正。")
        move = _move(actor, locked, MoveKind.CORRECTION, difference, None, note=reason)
    record_event(actor, "supplies.correct", move.item, reason=reason, detail={"move": move.pk, "to": str(counted)})
    return move
