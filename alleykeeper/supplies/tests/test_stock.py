"""Stock arithmetic: in, out, corrections; a draw never takes the stock below zero, even two at once."""

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from alleykeeper.supplies import actions
from alleykeeper.supplies.models import MoveKind, StockMove, SupplyItem
from alleykeeper.supplies.tests.conftest import make_item

pytestmark = pytest.mark.django_db


def test_in_and_out_keep_the_stock_equal_to_the_moves(world, cleaner, bleach):
    actions.receive_stock(None, bleach, MoveKind.DONATION, Decimal("5"), source="爱心企业")
    actions.draw_stock(None, bleach, MoveKind.TO_CLEANER, Decimal("3"), recipient=cleaner)
    bleach.refresh_from_db()
    assert bleach.on_hand == Decimal("12")
    assert sum(StockMove.objects.filter(item=bleach).values_list("quantity", flat=True)) == Decimal("12")
    assert StockMove.objects.filter(item=bleach).order_by("id").last().balance == Decimal("12")


def test_a_draw_larger_than_the_stock_is_refused_with_what_is_left(world, bleach):
    actions.draw_stock(None, bleach, MoveKind.TO_GATE, Decimal("7"))
    with pytest.raises(actions.SupplyError, match="84消毒液库存只剩 3 瓶，本次要领 5 瓶"):
        actions.draw_stock(None, bleach, MoveKind.TO_GATE, Decimal("5"))
    bleach.refresh_from_db()
    assert bleach.on_hand == Decimal("3")
    assert StockMove.objects.filter(item=bleach).count() == 2


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_zero_and_negative_amounts_are_refused(world, bleach, quantity):
    with pytest.raises(actions.SupplyError):
        actions.draw_stock(None, bleach, MoveKind.TO_GATE, Decimal(quantity))
    with pytest.raises(actions.SupplyError):
        actions.receive_stock(None, bleach, MoveKind.PURCHASE, Decimal(quantity))


def test_the_database_refuses_a_negative_stock_written_around_the_action(world, bleach):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplyItem.objects.filter(pk=bleach.pk).update(on_hand=Decimal("-1"))


def test_a_correction_needs_a_reason_and_is_the_way_below_the_moves(world, bleach):
    with pytest.raises(actions.SupplyError, match="更正原因"):
        actions.correct_stock(world.admin, bleach, Decimal("8"), "  ")
    move = actions.correct_stock(world.admin, bleach, Decimal("8"), "盘点发现破损 2 瓶")
    bleach.refresh_from_db()
    assert bleach.on_hand == Decimal("8") and move.quantity == Decimal("-2")
    assert move.recorded_by == world.admin and move.note == "盘点发现破损 2 瓶"


def test_sequential_draws_stop_at_zero(world, bleach):
    """The rule on SQLite (writers are serialised there): ten draws of 3 from 10 leave 1, three succeed."""
    done, refused = 0, 0
    for _ in range(10):
        try:
            actions.draw_stock(None, bleach, MoveKind.TO_GATE, Decimal("3"))
            done += 1
        except actions.SupplyError:
            refused += 1
    bleach.refresh_from_db()
    assert (done, refused, bleach.on_hand) == (3, 7, Decimal("1"))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_draws_cannot_go_below_zero(world):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers); the sequential rule runs above")
    item = make_item(world.community, stock="10")
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def draw() -> None:
        try:
            start.wait(timeout=10)
            actions.draw_stock(None, SupplyItem.objects.get(pk=item.pk), MoveKind.TO_GATE, Decimal("3"))
            outcomes.append("done")
        except actions.SupplyError:
            outcomes.append("refused")
        except BaseException as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    item.refresh_from_db()
    assert sorted(outcomes) == ["done"] * 3 + ["refused"] * 5
    assert item.on_hand == Decimal("1")
    assert sum(StockMove.objects.filter(item=item).values_list("quantity", flat=True)) == Decimal("1")


def test_days_left_at_the_rate_of_the_last_seven_days(world, bleach):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=3), tick=False):
        actions.draw_stock(None, bleach, MoveKind.TO_GATE, Decimal("2"))
    with time_machine.travel(now - timedelta(days=9), tick=False):
        actions.receive_stock(None, bleach, MoveKind.PURCHASE, Decimal("1"))
    # drawn at "now - 3 days" is inside the window; 7 in 7 days = 1 a day... here 2 in 7 days
    item = SupplyItem.objects.with_use(now).get(pk=bleach.pk)
    assert item.used == Decimal("2")
    assert item.days_left(item.used) == Decimal("31.5")  # 9 on hand / (2/7 a day)
    fresh = make_item(world.community, name="75%酒精")
    unused = SupplyItem.objects.with_use(now).get(pk=fresh.pk)
    assert unused.days_left(unused.used) is None


def test_low_at_a_past_moment_reads_the_moves(world, bleach):
    before = timezone.now()
    actions.draw_stock(None, bleach, MoveKind.TO_GATE, Decimal("9"))
    after = timezone.now() + timedelta(seconds=1)
    assert list(SupplyItem.objects.low_at(after)) == [bleach]
    assert list(SupplyItem.objects.low_at(before + timedelta(microseconds=1))) == []


def test_fewer_than_seven_days_left_read_from_the_moves(world, time_machine):
    """Days left = stock × 7 ÷ the week's use: bought 10, then 3 and 3 used on two days. After the first use
    16.3 days are left; after the second 4.7 (short); a correction is not use; a week later nothing was used,
    so no days-left figure at all (not short)."""
    day = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    time_machine.move_to(day - timedelta(days=10), tick=False)
    item = make_item(world.community, stock="10")
    actions.draw_stock(None, item, MoveKind.DISINFECTION, Decimal("3"), at=day - timedelta(days=3))
    actions.draw_stock(None, item, MoveKind.TO_GATE, Decimal("3"), at=day - timedelta(days=2))
    time_machine.move_to(day - timedelta(hours=12), tick=False)
    actions.correct_stock(None, item, Decimal("3"), "盘点发现破损 1 瓶")
    short = SupplyItem.objects.short_at
    assert not short(day - timedelta(days=2, hours=12)).exists()  # 7 left, 3 used: 16.3 days
    assert short(day - timedelta(days=1)).get() == item  # 4 left, 6 used: 4.7 days
    assert short(day).get() == item  # after the correction: 3 left, 6 used (the correction is not use)
    assert not short(day + timedelta(days=8)).exists()  # no use in the week before: no days left to count
    assert not short(day - timedelta(days=11)).exists()  # not created yet
