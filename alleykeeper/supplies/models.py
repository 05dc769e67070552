"""Supplies (物资): a community's items with their units, and every move of stock in or out.

The stock on hand is kept on the item (`on_hand`), written only by supplies.actions under a row lock together
with the move that changes it, so that it always equals the sum of the moves; a database check keeps it from
going below zero. A draw that would take more than is there is refused; the only way to bring the stock
below what the moves say (spoiled, lost, miscounted) is a recorded correction with a reason and its author.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from alleykeeper.accounts.scope import ScopedQuerySet

USE_DAYS = 7  # days of stock left: at the average daily use of the last seven days
ZERO = Decimal("0")


class ItemKind(models.TextChoices):
    ALCOHOL = "alcohol", "酒精"
    DISINFECTANT = "disinfectant", "消毒液"
    MASK = "mask", "口罩"
    GLOVES = "gloves", "手套"
    THERMOMETER = "thermometer", "体温计/测温枪"
    PROTECTIVE_SUIT = "protective_suit", "防护服"
    OTHER = "other", "其他"


class MoveKind(models.TextChoices):
    PURCHASE = "purchase", "采购入库"
    DONATION = "donation", "捐赠入库"
    ALLOCATION = "allocation", "街道调拨入库"
    TO_GATE = "to_gate", "发放到卡口"
    TO_CLEANER = "to_cleaner", "发放给保洁/消杀员"
    TO_HOUSEHOLD = "to_household", "发放给居家观察户"
    TO_VOLUNTEER = "to_volunteer", "发放给志愿者"
    DISINFECTION = "disinfection", "消杀用量"
    CORRECTION = "correction", "盘点更正"


IN_KINDS = (MoveKind.PURCHASE, MoveKind.DONATION, MoveKind.ALLOCATION)
OUT_KINDS = (MoveKind.TO_GATE, MoveKind.TO_CLEANER, MoveKind.TO_HOUSEHOLD, MoveKind.TO_VOLUNTEER, MoveKind.DISINFECTION)
HAND_OUT_KINDS = (MoveKind.TO_GATE, MoveKind.TO_CLEANER, MoveKind.TO_HOUSEHOLD, MoveKind.TO_VOLUNTEER)


# Units of things handed out whole and never split (a mask, a suit, a pair of gloves): their quantities are whole
# numbers. Anything else (瓶, 桶, 升, 公斤: a bottle of disinfectant is used a part at a time) takes two decimals.
WHOLE_UNITS = frozenset("个只套副双件把台顶张片支条块枚根盏")


def counts_whole(unit: str) -> bool:
    return unit.strip() in WHOLE_UNITS


def amount_text(value: Decimal | None) -> str:
    """3, 2.5, 0.25: no trailing zeros."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class ItemQuerySet(ScopedQuerySet):
    grid_path = None  # a community's store, no grid's
    community_path = "community_id"

    def with_use(self, now: datetime) -> "ItemQuerySet":
        """`used` on each item: what went out (not corrections) in the USE_DAYS days up to `now`, positive."""
        since = now - timedelta(days=USE_DAYS)
        used = Sum("moves__quantity", filter=Q(moves__kind__in=OUT_KINDS, moves__at__gte=since, moves__at__lt=now))
        return self.annotate(used=-Coalesce(used, ZERO, output_field=models.DecimalField()))

    def low(self) -> "ItemQuerySet":
        return self.filter(on_hand__lte=models.F("low_threshold"))

    def low_at(self, moment) -> "ItemQuerySet":
        """Low in stock at `moment`, read from the moves (history: a past report recomputes)."""
        moves = (
            StockMove.objects.filter(item_id=models.OuterRef("pk"), at__lt=moment)
            .order_by()
            .values("item_id")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        stock = Coalesce(models.Subquery(moves), ZERO, output_field=models.DecimalField())
        return (
            self.filter(created_at__lt=moment)
            .annotate(stock_then=stock)
            .filter(stock_then__lte=models.F("low_threshold"))
        )

    def short_at(self, moment) -> "ItemQuerySet":
        """Fewer than USE_DAYS days of stock left at `moment` (days left = stock × USE_DAYS ÷ what went out in
        the USE_DAYS days before): the stock then is less than that use. Read from the moves, like low_at."""

        def total(**filters) -> Coalesce:
            moves = (
                StockMove.objects.filter(item_id=models.OuterRef("pk"), at__lt=moment, **filters)
                .order_by()
                .values("item_id")
                .annotate(total=Sum("quantity"))
                .values("total")
            )
            return Coalesce(models.Subquery(moves), ZERO, output_field=models.DecimalField())

        since = moment - timedelta(days=USE_DAYS)
        return (
            self.filter(created_at__lt=moment)
            .annotate(stock_then=total(), used_then=-total(kind__in=OUT_KINDS, at__gte=since))
            .filter(used_then__gt=0, stock_then__lt=models.F("used_then"))
        )


class SupplyItem(models.Model):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    name = models.CharField("物资名称", max_length=50, help_text="如：84消毒液、75%酒精、一次性医用口罩")
    kind = models.CharField("类别", max_length=20, choices=ItemKind.choices)
    unit = models.CharField("单位", max_length=10, help_text="如：瓶、升、个、副、套")
    low_threshold = models.DecimalField(
        "低库存提醒线", max_digits=10, decimal_places=2, default=ZERO, help_text="库存不高于此数时提醒补货。"
    )
    on_hand = models.DecimalField("库存", max_digits=12, decimal_places=2, default=ZERO, editable=False)
    created_at = models.DateTimeField("建档时间", editable=False)
    # Changed: auto_now, so every write path names it in update_fields (the API syncs by it, updated_since).
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "物资"
        ordering = ["community_id", "kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="supply_item_unique_name"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="supply_item_stock_not_negative"),
            models.CheckConstraint(condition=Q(low_threshold__gte=0), name="supply_item_threshold_not_negative"),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="supply_item_updated")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_low(self) -> bool:
        return self.on_hand <= self.low_threshold

    def days_left(self, used: Decimal) -> Decimal | None:
        """Days the stock lasts at the average daily use of the last USE_DAYS days (`used` in those days);
        None when nothing was used."""
        if used is None or used <= 0:
            return None
        return (self.on_hand * USE_DAYS / used).quantize(Decimal("0.1"))

    @property
    def on_hand_text(self) -> str:
        return amount_text(self.on_hand)


class MoveQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MoveQuerySet":
        return self.filter(item__in=SupplyItem.objects.visible_to(user))


class StockMove(models.Model):
    """One move of stock: positive in, negative out. `balance` is the stock right after it."""

    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="moves", verbose_name="物资")
    kind = models.CharField("类型", max_length=20, choices=MoveKind.choices)
    quantity = models.DecimalField("数量", max_digits=12, decimal_places=2)
    balance = models.DecimalField("结存", max_digits=12, decimal_places=2)
    at = models.DateTimeField("时间")
    source = models.CharField("来源", max_length=100, blank=True, help_text="供货单位、捐赠人或调拨文号")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supplies_received",
        verbose_name="领用人",
    )
    gate = models.ForeignKey("gates.Gate", null=True, blank=True, on_delete=models.PROTECT, verbose_name="卡口")
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, verbose_name="居家观察户"
    )
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="登记人"
    )
    recorded_at = models.DateTimeField("登记时间")

    objects = MoveQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "物资出入库"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["item", "at"])]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="stock_move_balance_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind__in=IN_KINDS) | Q(quantity__gt=0), name="stock_move_in_is_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=OUT_KINDS) | Q(quantity__lt=0), name="stock_move_out_is_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind=MoveKind.CORRECTION) | ~Q(note=""), name="stock_move_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.get_kind_display()} {amount_text(self.quantity)}"

    @property
    def quantity_text(self) -> str:
        return ("+" if self.quantity > 0 else "") + amount_text(self.quantity)

    @property
    def balance_text(self) -> str:
        return amount_text(self.balance)

    @property
    def to_whom(self) -> str:
        if self.recipient_id:
            return str(self.recipient)
        if self.gate_id:
            return str(self.gate)
        if self.household_id:
            return self.household.address
        return self.source
