"""Closed management: enclosures (圈拦/片区), their temporary gates (临时出入口), duty rosters and the gate log."""

import secrets
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from alleykeeper.accounts.scope import ScopedQuerySet


def new_gate_token() -> str:
    """Unguessable public name of a gate, printed in its QR code (GUIDE.md section 4)."""
    return secrets.token_urlsafe(18)


# Three shifts a day; an end at or before its start means the next day. A gate may override it.
DEFAULT_SHIFT_PATTERN = "00:00-08:00,08:00-16:00,16:00-00:00"


class ScopedByCommunity(ScopedQuerySet):
    """Rows that belong to a community but to no grid: every member of the community's staff sees them."""

    grid_path = None


class Enclosure(models.Model):
    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, related_name="enclosures")
    name = models.CharField("片区", max_length=50)
    notes = models.TextField("说明", blank=True)
    # GeoJSON Polygon or MultiPolygon (WGS84), drawn on the prevention map; written only by maps.actions,
    # which checks it (maps.geometry). Null: not drawn yet.
    geometry = models.JSONField("范围", null=True, blank=True, editable=False)

    objects = ScopedByCommunity.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "封闭片区"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="enclosure_unique_name")]

    def __str__(self) -> str:
        return self.name


class EnclosureBuilding(models.Model):
    """A building inside an enclosure. A building is in at most one enclosure (the unique constraint);
    its households carry the enclosure too (Household.enclosure), set by actions.set_enclosure_buildings."""

    enclosure = models.ForeignKey(Enclosure, on_delete=models.CASCADE, related_name="building_links")
    building = models.OneToOneField("registry.Building", on_delete=models.CASCADE, related_name="enclosure_link")

    class Meta:
        verbose_name = verbose_name_plural = "片区楼栋"

    def __str__(self) -> str:
        return f"{self.enclosure_id}:{self.building_id}"


class GateState(models.TextChoices):
    OPEN = "open", "开放"
    CLOSED = "closed", "关闭"
    RESIDENTS_ONLY = "residents_only", "仅限居民"


class GateQuerySet(ScopedByCommunity):
    community_path = "enclosure__community_id"

    def in_service(self) -> "GateQuerySet":
        """Gates that need people on duty: every gate not closed (its state as now: states keep no history)."""
        return self.exclude(state=GateState.CLOSED)

    def staffed_at(self, moment: datetime) -> "GateQuerySet":
        """Gates with a shift covering `moment` that has at least one person booked."""
        on_duty = Shift.objects.covering(moment).filter(gate_id=models.OuterRef("pk"), members__isnull=False)
        return self.filter(models.Exists(on_duty))

    def open_by_hours_at(self, moment: datetime) -> "GateQuerySet":
        """Gates whose opening hours include `moment` (its local time of day). A gate without hours is open all
        day; closing at or before the opening time means closing the next day (22:00–06:00 is open at 03:00)."""
        t = timezone.localtime(moment).time()
        all_day = Q(opens_at=None) | Q(closes_at=None)
        same_day = Q(opens_at__lt=models.F("closes_at"), opens_at__lte=t, closes_at__gt=t)
        overnight = Q(opens_at__gte=models.F("closes_at")) & (Q(opens_at__lte=t) | Q(closes_at__gt=t))
        return self.filter(all_day | same_day | overnight)

    def unstaffed_at(self, moment: datetime) -> "GateQuerySet":
        """Gates in service and open by their hours at `moment` with nobody on duty (no shift, or a shift with
        nobody booked). A gate outside its hours needs nobody: it is not counted."""
        on_duty = Shift.objects.covering(moment).filter(gate_id=models.OuterRef("pk"), members__isnull=False)
        return self.in_service().open_by_hours_at(moment).exclude(models.Exists(on_duty))


class Gate(models.Model):
    enclosure = models.ForeignKey(Enclosure, on_delete=models.PROTECT, related_name="gates", verbose_name="片区")
    name = models.CharField("卡口", max_length=50)
    location = models.CharField("位置", max_length=100, blank=True)
    # The gate's position, a GeoJSON Point (WGS84), which replaced the old latitude/longitude pair
    # (migration 0004). Written only by maps.actions (see Enclosure.geometry).
    geometry = models.JSONField("位置", null=True, blank=True, editable=False)
    opens_at = models.TimeField("开放时间", null=True, blank=True)
    closes_at = models.TimeField("关闭时间", null=True, blank=True)
    state = models.CharField("状态", max_length=20, choices=GateState.choices, default=GateState.OPEN)
    token = models.CharField(max_length=40, unique=True, default=new_gate_token, editable=False)
    token_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    shift_pattern = models.CharField(
        "班次模板",
        max_length=200,
        default=DEFAULT_SHIFT_PATTERN,
        help_text="每天的班次，用逗号分隔，如 00:00-08:00,08:00-16:00,16:00-00:00；结束早于开始表示次日。",
    )
    # The weekly roster (RosterEntry rows) generates shifts only while this is on: a pause keeps the entries.
    weekly_roster_active = models.BooleanField("按每周排班自动生成班次", default=True)
    # Changed: auto_now, so every write path names it in update_fields (the API syncs by it, updated_since).
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = GateQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "卡口"
        ordering = ["enclosure_id", "name"]
        constraints = [models.UniqueConstraint(fields=["enclosure", "name"], name="gate_unique_name")]
        indexes = [models.Index(fields=["updated_at", "id"], name="gate_updated")]

    def __str__(self) -> str:
        return self.name

    @property
    def hours_label(self) -> str:
        if not self.opens_at or not self.closes_at:
            return "全天"
        return f"{self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class RosterEntryQuerySet(ScopedQuerySet):
    grid_path = None
    community_path = "gate__enclosure__community_id"


class RosterEntry(models.Model):
    """One line of a gate's weekly roster (每周排班): on the given weekdays, from `starts` to `ends` (an end at
    or before the start falls on the next day: 16:00–00:00 ends at midnight, 22:00–06:00 the next morning),
    a group of people with its leader. roster.generate_shifts turns it into ordinary shifts linked to it.
    Who may stand when is not checked here: the generated shift's bookings meet gates/rules.py like any other."""

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="roster_entries", verbose_name="卡口")
    # The weekdays as digits, Monday 0 ... Sunday 6 ("01234": Monday to Friday), in order, each once.
    weekdays = models.CharField("星期", max_length=7)
    starts = models.TimeField("开始")
    ends = models.TimeField("结束")
    min_strength = models.PositiveSmallIntegerField("最少人数", default=3)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="带班负责人",
    )
    crew = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="组员")

    objects = RosterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "每周排班"
        ordering = ["gate_id", "weekdays", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(min_strength__gte=1), name="roster_entry_min_strength_positive"),
            models.CheckConstraint(
                condition=Q(weekdays__regex=r"^0?1?2?3?4?5?6?$") & ~Q(weekdays=""), name="roster_entry_weekdays"
            ),
            models.CheckConstraint(condition=~Q(starts=models.F("ends")), name="roster_entry_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.gate} {self.weekdays_label} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def days(self) -> list[int]:
        return [int(d) for d in self.weekdays]

    @property
    def weekdays_label(self) -> str:
        names = "一二三四五六日"
        if self.weekdays == "0123456":
            return "每天"
        if self.weekdays == "01234":
            return "周一至周五"
        return "周" + "、".join(names[d] for d in self.days)

    @property
    def overnight(self) -> bool:
        return self.ends <= self.starts


class SkippedShift(models.Model):
    """A shift of a roster entry cancelled by hand on one day: the generator does not make it again.
    Written by roster.cancel_shift (and delete_shift for a generated shift)."""

    entry = models.ForeignKey(RosterEntry, on_delete=models.CASCADE, related_name="skips", verbose_name="每周排班")
    day = models.DateField("日期")
    reason = models.CharField("原因", max_length=100, blank=True)
    cancelled_at = models.DateTimeField("取消时间")
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="取消人"
    )

    class Meta:
        verbose_name = verbose_name_plural = "取消的班次"
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["entry", "day"], name="skipped_shift_once")]

    def __str__(self) -> str:
        return f"{self.entry} {self.day}"


class ShiftQuerySet(ScopedQuerySet):
    grid_path = None
    community_path = "gate__enclosure__community_id"

    def overlapping(self, start: datetime, end: datetime) -> "ShiftQuerySet":
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def covering(self, at: datetime) -> "ShiftQuerySet":
        return self.filter(starts_at__lte=at, ends_at__gt=at)


class Shift(models.Model):
    """One duty period at one gate, staffed by a group (ShiftMember) with exactly one leader.

    The rules (no double booking, enough rest, one leader) live in gates/rules.py and are applied by
    gates/roster.py; the constraints below are the part the database can hold."""

    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="shifts", verbose_name="卡口")
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    min_strength = models.PositiveSmallIntegerField("最少人数", default=3)
    # Made by roster.generate_shifts from this weekly-roster entry (null: planned by hand).
    roster_entry = models.ForeignKey(
        RosterEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts", verbose_name="每周排班"
    )
    # A person swapped, added or removed, or the times changed, by hand: a later change of the weekly roster
    # leaves this shift as it is (an untouched generated shift is made again from the new roster).
    changed_by_hand = models.BooleanField("手工调整过", default=False)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "班次"
        ordering = ["starts_at", "gate_id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(min_strength__gte=1), name="shift_min_strength_positive"),
            models.UniqueConstraint(fields=["gate", "starts_at"], name="shift_unique_start_per_gate"),
        ]
        indexes = [models.Index(fields=["gate", "starts_at"]), models.Index(fields=["starts_at", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.gate} {timezone.localtime(self.starts_at):%m-%d %H:%M}"

    # The three below read `members` through prefetch_related when the list prefetched it.
    @property
    def strength(self) -> int:
        return len(self.members.all())

    @property
    def below_strength(self) -> bool:
        return self.strength < self.min_strength

    @property
    def shortfall(self) -> int:
        return max(0, self.min_strength - self.strength)

    @property
    def leader(self) -> "ShiftMember | None":
        return next((m for m in self.members.all() if m.is_leader), None)

    @property
    def crew(self) -> list["ShiftMember"]:
        return [m for m in self.members.all() if not m.is_leader]


class ShiftMember(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="members", verbose_name="班次")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shift_memberships", verbose_name="人员"
    )
    is_leader = models.BooleanField("带班负责人", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "值班人员"
        ordering = ["-is_leader", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "user"], name="shift_member_once"),
            models.UniqueConstraint(fields=["shift"], condition=Q(is_leader=True), name="shift_one_leader"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shift}"


class Direction(models.TextChoices):
    IN = "in", "进"
    OUT = "out", "出"


class PassageKind(models.TextChoices):
    RESIDENT = "resident", "居民"
    VISITOR = "visitor", "访客"
    COURIER = "courier", "快递/外卖"
    VEHICLE = "vehicle", "车辆"


class GateFlag(models.TextChoices):
    FEVER = "fever", "体温异常"
    OUT_OF_PROVINCE = "out_of_province", "外省车牌"
    KEPT_OUTSIDE = "kept_outside", "拦于门外"
    OTHER_ENCLOSURE = "other_enclosure", "非本片区居民"
    GATE_STATE = "gate_state", "卡口状态不允许"
    KEY_AREA = "key_area", "来自重点地区"


class GateLogQuerySet(ScopedQuerySet):
    grid_path = None
    community_path = "gate__enclosure__community_id"

    def older_than(self, cutoff: datetime) -> "GateLogQuerySet":
        """Entries the retention command deletes (VISITOR_RETENTION_DAYS)."""
        return self.filter(at__lt=cutoff)

    def flagged(self, flag: str) -> "GateLogQuerySet":
        """Entries carrying one flag; works the same on SQLite and PostgreSQL (see GateLogEntry.flags)."""
        return self.filter(flags__contains=f" {flag} ")

    def on_day(self, day: date) -> "GateLogQuerySet":
        """Entries of the local calendar day `day` (an index-friendly range)."""
        start = timezone.make_aware(datetime.combine(day, time.min))
        return self.between(start, start + timedelta(days=1))

    def tally(self) -> dict:
        """The counts the gate log shows for a day: let in (entries()), out, kept outside (turned_back()),
        fevers. One query."""
        return self.aggregate(**_TALLY)

    def counted_as(self, name: str) -> "GateLogQuerySet":
        """The entries behind one of tally()'s counts (TALLIED names them), so that a count opens its list."""
        return self.filter(_COUNTED[name])

    def tally_by_gate(self) -> dict[int, dict]:
        """The same per gate, in one query: {gate_id: {entered, left, kept_outside, fever}}."""
        rows = self.order_by().values("gate_id").annotate(**_TALLY)
        return {row.pop("gate_id"): row for row in rows}

    def between(self, start: datetime | None, end: datetime) -> "GateLogQuerySet":
        """Recorded in [start, end) (`start=None`: since the beginning, within VISITOR_RETENTION_DAYS)."""
        queryset = self.filter(at__lt=end)
        return queryset if start is None else queryset.filter(at__gte=start)

    def entries(self) -> "GateLogQuerySet":
        """People and vehicles let in: arrivals not kept outside."""
        return self.counted_as("entered")

    def turned_back(self) -> "GateLogQuerySet":
        """Arrivals kept outside the gate (劝返, couriers and delivery riders included)."""
        return self.counted_as("kept_outside")


# What the gate log counts for a day, with the figures' own definitions (entries(), turned_back(): a courier is
# always recorded as kept outside), so that the log page, the home page and the dashboard agree.
_KEPT_OUTSIDE = Q(flags__contains=f" {GateFlag.KEPT_OUTSIDE} ")
_COUNTED = {
    "entered": Q(direction=Direction.IN) & ~_KEPT_OUTSIDE,
    "left": Q(direction=Direction.OUT),
    "kept_outside": _KEPT_OUTSIDE,
    "fever": Q(flags__contains=f" {GateFlag.FEVER} "),
}
_TALLY = {name: models.Count("id", filter=condition) for name, condition in _COUNTED.items()}
# tally()'s counts by name, with the words the pages show for each.
TALLIED = {"entered": "进入", "left": "外出", "kept_outside": "拦于门外", "fever": "体温异常"}


class GateLogEntry(models.Model):
    """One passage (or a courier kept outside) recorded by duty staff. Written only by
    actions.log_gate_passage. Deleted after the retention period, so it is not copied to the audit log."""

    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="log_entries", verbose_name="卡口")
    at = models.DateTimeField("时间", db_index=True)
    direction = models.CharField("方向", max_length=3, choices=Direction.choices)
    kind = models.CharField("类别", max_length=10, choices=PassageKind.choices)
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="居民"
    )
    visitor_code = models.CharField("登记码", max_length=12, blank=True, db_index=True)
    temperature = models.DecimalField("体温", max_digits=3, decimal_places=1, null=True, blank=True)
    plate = models.CharField("车牌", max_length=10, blank=True)
    note = models.CharField("备注", max_length=100, blank=True)
    # Space-delimited flag codes (" fever out_of_province "): one plain column that SQLite and
    # PostgreSQL both filter with a LIKE (see GateLogQuerySet.flagged), and new flags need no migration.
    flags = models.CharField("标记", max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="登记人"
    )

    objects = GateLogQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "出入记录"
        ordering = ["-at", "-id"]
        indexes = [
            # A gate's log, newest first. Direction and flags ride along so that the figures' counts per gate and
            # time (entries, kept outside: the dashboard's trends, the daily report) are read from the index alone.
            models.Index(fields=["gate", "-at"], include=["direction", "flags"], name="gatelog_gate_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(temperature__isnull=True) | Q(temperature__gte=30, temperature__lte=45),
                name="gatelog_temperature_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gate} {timezone.localtime(self.at):%m-%d %H:%M} {self.get_kind_display()}{self.get_direction_display()}"

    @property
    def flag_codes(self) -> list[str]:
        return self.flags.split()

    @property
    def flag_labels(self) -> list[str]:
        labels = dict(GateFlag.choices)
        return [labels.get(code, code) for code in self.flags.split()]

    def warnings(self) -> list[str]:
        """What the duty staff must do about this passage now, in words (the gate log's and the visitor list's)."""
        codes = self.flag_codes
        notes = []
        if GateFlag.FEVER in codes:
            notes.append(f"体温 {self.temperature} ℃ 达到发热标准：请复测，并按流程报告社区、引导就医。")
        if GateFlag.OUT_OF_PROVINCE in codes:
            notes.append(f"{self.plate} 是外省车牌：请询问来处，必要时请车上人员扫码登记。")
        if GateFlag.OTHER_ENCLOSURE in codes:
            notes.append("这位居民不属于本片区，请核实。")
        if GateFlag.GATE_STATE in codes:
            notes.append(f"本卡口当前状态为“{self.gate.get_state_display()}”，请核实是否放行。")
        return notes
