"""Disinfection (消杀): the places a community disinfects, the plans that say what, with what and how often,
and the tasks of each day made from them (and from home observation) by `generate_disinfection_tasks`.

Overdue is read from history: a task is overdue from `overdue_at` (its due time plus the grace,
SANITATION_GRACE_MINUTES, fixed when it is made) if it was not done by then, so a past day's figure
recomputes the same whenever it is asked.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from alleykeeper.accounts.scope import ScopedQuerySet


class PlaceKind(models.TextChoices):
    STAIRWELL = "stairwell", "楼道"
    LIFT = "lift", "电梯"
    PASSAGE = "passage", "公共通道"
    TOILET = "toilet", "公共厕所"
    DRAIN = "drain", "下水道/排水沟"
    TRANSFER_STATION = "transfer_station", "垃圾中转站"
    MALL = "mall", "商场公共区域"
    GATE = "gate", "卡口"


class Surface(models.TextChoices):
    HANDLES = "handles", "门把手"
    SWITCHES = "switches", "开关"
    BUTTONS = "buttons", "按钮"
    HANDRAILS = "handrails", "扶手"
    FLOORS = "floors", "地面"
    WALLS = "walls", "墙面"


class Frequency(models.TextChoices):
    DAILY = "daily", "每天一次"
    TIMES = "times", "每天多次（按指定时间）"
    EVERY_N_DAYS = "every_n_days", "每隔几天一次"
    WEEKDAYS = "weekdays", "每周指定几天"


WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


class PlaceQuerySet(ScopedQuerySet):
    grid_path = None
    community_path = "community_id"


class Place(models.Model):
    """A place disinfected: a building (its stairwell, its lift…), a gate, an alley (its passage, its drain)
    or a described place (the rubbish transfer station). `sequence` is the walking order set by the admin."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    kind = models.CharField("场所类型", max_length=20, choices=PlaceKind.choices)
    building = models.ForeignKey(
        "registry.Building", null=True, blank=True, on_delete=models.PROTECT, verbose_name="楼栋"
    )
    gate = models.ForeignKey("gates.Gate", null=True, blank=True, on_delete=models.PROTECT, verbose_name="卡口")
    alley = models.ForeignKey("registry.Alley", null=True, blank=True, on_delete=models.PROTECT, verbose_name="小巷")
    description = models.CharField("场所说明", max_length=100, blank=True, help_text="如：县后街垃圾中转站")
    sequence = models.PositiveIntegerField("巡查顺序号", default=100, help_text="小的先走；同号按小巷、楼栋排。")

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "消杀场所"
        ordering = ["community_id", "sequence", "alley__name", "building__name", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "building"], condition=Q(building__isnull=False), name="place_unique_building"
            ),
            models.UniqueConstraint(fields=["kind", "gate"], condition=Q(gate__isnull=False), name="place_unique_gate"),
            models.UniqueConstraint(
                fields=["community", "kind", "alley", "description"],
                condition=Q(building__isnull=True, gate__isnull=True),
                name="place_unique_described",
            ),
        ]

    def __str__(self) -> str:
        """Where, then what: 3号楼电梯, 孝感巷东段下水道/排水沟; a description that already says what (甲第巷公共厕所,
        孝感巷下水道口) is not followed by the kind again."""
        kind = self.get_kind_display()
        if self.description and any(part in self.description for part in kind.split("/")):
            return self.where
        return f"{self.where}{kind}"

    @property
    def where(self) -> str:
        if self.building_id:
            return str(self.building)
        if self.gate_id:
            return self.gate.name
        return f"{self.alley.name if self.alley_id else ''}{self.description}"


class PlanQuerySet(ScopedQuerySet):
    grid_path = None
    community_path = "community_id"


class Plan(models.Model):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="plans", verbose_name="场所")
    surfaces = models.JSONField("消杀部位", default=list)
    agent = models.CharField("消毒剂", max_length=50, help_text="如：84消毒液、75%酒精")
    dilution = models.CharField("配比/浓度", max_length=50, help_text="如：1:100、原液")
    supply_item = models.ForeignKey(
        "supplies.SupplyItem", null=True, blank=True, on_delete=models.PROTECT, verbose_name="从哪种物资领用"
    )
    amount = models.DecimalField("每次用量", max_digits=8, decimal_places=2, null=True, blank=True)
    frequency = models.CharField("频次", max_length=20, choices=Frequency.choices, default=Frequency.DAILY)
    times = models.JSONField("时间", default=list)  # ["08:00", "14:00"]: the due times of each day
    every_n_days = models.PositiveSmallIntegerField("每隔几天", null=True, blank=True)
    weekdays = models.JSONField("星期", default=list)  # 0 = Monday
    starts_on = models.DateField("开始日期")
    cleaner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="disinfection_plans",
        verbose_name="保洁/消杀员",
    )
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(editable=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "消杀计划"
        ordering = ["community_id", "place__sequence", "id"]

    def __str__(self) -> str:
        return f"{self.place} {self.frequency_label}"

    def occurs_on(self, day: date) -> bool:
        if not self.active or day < self.starts_on:
            return False
        if self.frequency == Frequency.EVERY_N_DAYS:
            return (day - self.starts_on).days % max(self.every_n_days or 1, 1) == 0
        if self.frequency == Frequency.WEEKDAYS:
            return day.weekday() in self.weekdays
        return True

    @property
    def frequency_label(self) -> str:
        times = "、".join(self.times)
        if self.frequency == Frequency.EVERY_N_DAYS:
            return f"每{self.every_n_days}天 {times}"
        if self.frequency == Frequency.WEEKDAYS:
            return f"{'、'.join(WEEKDAY_NAMES[d] for d in self.weekdays)} {times}"
        return f"每天 {times}"

    @property
    def surface_labels(self) -> str:
        labels = dict(Surface.choices)
        return "、".join(labels.get(s, s) for s in self.surfaces)


OVERDUE_DAYS = 7  # overdue tasks not done are listed and counted this many days back


class TaskSource(models.TextChoices):
    PLAN = "plan", "消杀计划"
    OBSERVATION = "observation", "居家观察户楼道"


class TaskQuerySet(ScopedQuerySet):
    grid_path = None
    community_path = "community_id"

    def on_day(self, day: date) -> "TaskQuerySet":
        return self.filter(day=day)

    def for_cleaner(self, user) -> "TaskQuerySet":
        """A cleaner's tasks: theirs, and the unassigned ones (observation stairwells) of their communities."""
        return self.visible_to(user).filter(Q(cleaner=user) | Q(cleaner__isnull=True))

    def done_between(self, start, end) -> "TaskQuerySet":
        return self.filter(done_at__gte=start, done_at__lt=end)

    def overdue_between(self, start, end) -> "TaskQuerySet":
        """Became overdue in [start, end): not done by their due time plus the grace (history)."""
        return self.filter(overdue_at__gte=start, overdue_at__lt=end).filter(
            Q(done_at__isnull=True) | Q(done_at__gt=models.F("overdue_at"))
        )

    def overdue_at(self, moment) -> "TaskQuerySet":
        """Overdue and still not done at `moment`."""
        return self.filter(overdue_at__lte=moment).filter(Q(done_at__isnull=True) | Q(done_at__gt=moment))

    def overdue_recent(self, now: datetime) -> "TaskQuerySet":
        """Overdue and still not done now, of the last OVERDUE_DAYS days (today's included): what the 逾期 list
        shows and every 逾期 count counts; older ones are left to the records."""
        return self.overdue_at(now).filter(day__gte=timezone.localdate(now) - timedelta(days=OVERDUE_DAYS))

    def tally(self, now: datetime) -> dict[str, int]:
        """The counts of the 今日消杀 page and the cleaner's home, each the length of the list it opens: today's
        tasks left (not yet overdue) and done, and the overdue ones (overdue_recent, earlier days' too)."""
        today = self.on_day(timezone.localdate(now)).aggregate(
            open=Count("id", filter=Q(done_at__isnull=True, overdue_at__gt=now)),
            done=Count("id", filter=Q(done_at__isnull=False)),
        )
        return {**today, "overdue": self.overdue_recent(now).count()}

    def walking_order(self) -> "TaskQuerySet":
        return self.order_by(
            "place__sequence", "place__alley__name", "place__building__name", "place__kind", "due_at", "id"
        )


class DisinfectionTask(models.Model):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="tasks", verbose_name="场所")
    source = models.CharField("来源", max_length=20, choices=TaskSource.choices)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    day = models.DateField("日期")
    due_at = models.DateTimeField("应完成时间")
    overdue_at = models.DateTimeField("逾期时间")
    cleaner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disinfection_tasks",
        verbose_name="保洁/消杀员",
    )
    surfaces = models.JSONField("消杀部位", default=list)
    agent = models.CharField("消毒剂", max_length=50)
    dilution = models.CharField("配比/浓度", max_length=50)

    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="完成人",
    )
    agent_used = models.CharField("实际用药", max_length=50, blank=True)
    amount_used = models.DecimalField("用量", max_digits=8, decimal_places=2, null=True, blank=True)
    stock_move = models.OneToOneField(
        "supplies.StockMove", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    photo_name = models.CharField(max_length=40, blank=True, editable=False)
    photo_kind = models.CharField(max_length=10, blank=True, editable=False)
    note = models.CharField("备注", max_length=300, blank=True)
    # Changed: auto_now, so every write path names it in update_fields (the API syncs by it, updated_since).
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "消杀任务"
        ordering = ["day", "due_at", "id"]
        indexes = [
            models.Index(fields=["community", "day"]),
            models.Index(fields=["overdue_at"]),
            models.Index(fields=["done_at"]),
            models.Index(fields=["updated_at", "id"], name="task_updated"),
        ]
        constraints = [
            # One task per plan and due time; one observation stairwell task per place and day: the command
            # can run twice.
            models.UniqueConstraint(
                fields=["plan", "due_at"], condition=Q(plan__isnull=False), name="task_unique_plan"
            ),
            models.UniqueConstraint(
                fields=["place", "day"], condition=Q(source="observation"), name="task_unique_observation"
            ),
            models.CheckConstraint(condition=Q(overdue_at__gte=models.F("due_at")), name="task_overdue_after_due"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False), name="task_done_has_who"
            ),
            models.CheckConstraint(
                condition=Q(amount_used__isnull=True) | Q(amount_used__gte=0), name="task_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def surface_labels(self) -> str:
        labels = dict(Surface.choices)
        return "、".join(labels.get(s, s) for s in self.surfaces)

    def state_at(self, now: datetime) -> str:
        if self.done_at is not None:
            return "done_late" if self.done_at > self.overdue_at else "done"
        return "overdue" if now >= self.overdue_at else "open"

    def state_label(self, now: datetime) -> str:
        return {"done": "已完成", "done_late": "逾期完成", "overdue": "逾期", "open": "待完成"}[self.state_at(now)]
