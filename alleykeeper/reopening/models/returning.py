"""The second half of enterprise reopening: returning staff and their screening (进出关), the staggered
reopening slots (错峰复工) and the daily health reports of open enterprises.

Screening results are stored on each returning person (`findings`, `blocking`), written only by
reopening.staff.screen_staff; lists and counts read the stored columns, never screen row by row.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from alleykeeper.accounts.scope import ScopedQuerySet
from alleykeeper.core.models import SealedIdentity


class HealthState(models.TextChoices):
    """What the enterprise declares of a returning person's health. All but the first are of the four
    categories (四类人员: confirmed, suspected, fever not ruled out, close contact)."""

    HEALTHY = "healthy", "健康，无发热等症状"
    FEVER = "fever", "发热或有症状，未排除"
    CLOSE_CONTACT = "close_contact", "密切接触者"
    SUSPECTED = "suspected", "疑似病例"
    CONFIRMED = "confirmed", "确诊病例"


FOUR_CATEGORIES = (HealthState.FEVER, HealthState.CLOSE_CONTACT, HealthState.SUSPECTED, HealthState.CONFIRMED)


class StaffQuerySet(ScopedQuerySet):
    grid_path = "enterprise__grid_id"
    community_path = "enterprise__community_id"

    def blocking(self) -> "StaffQuerySet":
        """People whose screening blocks their enterprise's approval (not resolved, not decided by an admin)."""
        return self.filter(blocking=True)


class ReturningStaff(SealedIdentity):
    """One person returning to work at an enterprise (返岗人员), typed in by staff or by the enterprise through
    its link, or imported from the enterprise's spreadsheet. Document and phone are sealed (blind index for
    matching against the register, key persons and the push list). Where they come from and the places they
    passed decide key-area flags, never the ID number's address code."""

    enterprise = models.ForeignKey("reopening.Enterprise", on_delete=models.CASCADE, related_name="staff")
    name = models.CharField("姓名", max_length=50)
    origin = models.ForeignKey("places.Division", on_delete=models.PROTECT, related_name="+", verbose_name="从哪里返回")
    # [{"code": "420100", "name": "武汉市"}, ...]
    places_passed = models.JSONField("途经地", default=list, blank=True)
    returned_on = models.DateField("返回本地日期")
    health_state = models.CharField("健康状况", max_length=15, choices=HealthState.choices, default=HealthState.HEALTHY)
    via_link = models.BooleanField("企业通过链接填报", default=False)
    created_at = models.DateTimeField("登记时间")
    # Screening (reopening.staff.screen_staff): what was found, and whether it blocks approval.
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    findings = models.JSONField("筛查结果", default=list, blank=True)  # [{"key", "text", "blocks"}]
    blocking = models.BooleanField("未解除限制", default=False)
    screened_at = models.DateTimeField("筛查时间", null=True, blank=True)
    # An admin's recorded decision: the blocking findings it covered (their keys), who, when and why.
    cleared_keys = models.JSONField(default=list, blank=True, editable=False)
    cleared_reason = models.CharField("处理决定及理由", max_length=300, blank=True)
    cleared_at = models.DateTimeField("决定时间", null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "返岗人员"
        ordering = ["-blocking", "returned_on", "id"]
        # The unique constraint below indexes (enterprise, document); screening looks documents up in other
        # apps' tables, never in this one.
        indexes = [models.Index(fields=["enterprise", "blocking"])]
        constraints = [
            # One person once per enterprise: the same spreadsheet imported twice adds nobody.
            models.UniqueConstraint(
                fields=["enterprise", "doc_number_index"], name="reopening_staff_once_per_enterprise"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def places_passed_names(self) -> str:
        return "、".join(place.get("name", "") for place in self.places_passed)

    def blocking_findings(self) -> list[dict]:
        return [f for f in self.findings if f.get("blocks")]


class SlotQuerySet(ScopedQuerySet):
    grid_path = None

    def between(self, start: date, end: date) -> "SlotQuerySet":
        return self.filter(day__gte=start, day__lte=end)

    def with_room(self) -> "SlotQuerySet":
        return self.filter(taken__lt=F("capacity"))

    def for_enterprise(self, enterprise) -> "SlotQuerySet":
        """Slots of the enterprise's place: its shopping centre and floor, or the shop streets (no mall)."""
        return self.filter(community_id=enterprise.community_id, mall=enterprise.mall, floor=enterprise.floor)


class ReopeningSlot(models.Model):
    """A day's reopening capacity for one place (错峰复工): a floor of a shopping centre, or the shop streets
    (mall and floor blank). `taken` counts the enterprises booked; it never exceeds `capacity` (a database
    constraint, and bookings increase it only with a conditional UPDATE)."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    day = models.DateField("复工日期")
    mall = models.CharField("商场", max_length=60, blank=True, help_text="沿街商铺留空")
    floor = models.CharField("楼层", max_length=10, blank=True)
    capacity = models.PositiveIntegerField("可复工企业数")
    taken = models.PositiveIntegerField("已预约", default=0)

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "错峰复工时段"
        ordering = ["day", "mall", "floor", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "day", "mall", "floor"], name="reopening_slot_unique_place"),
            models.CheckConstraint(condition=Q(taken__lte=F("capacity")), name="reopening_slot_not_over"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%m-%d} {self.place}"

    @property
    def place(self) -> str:
        return f"{self.mall} {self.floor}".strip() if self.mall else "沿街商铺"

    @property
    def full(self) -> bool:
        return self.taken >= self.capacity


class ReportQuerySet(ScopedQuerySet):
    grid_path = "enterprise__grid_id"
    community_path = "enterprise__community_id"


class DailyReport(models.Model):
    """An open enterprise's daily health report (每日健康日报): staff present, anyone with fever or symptoms.
    A report with nobody unwell is a zero report (零报告), and is still sent every day."""

    enterprise = models.ForeignKey("reopening.Enterprise", on_delete=models.CASCADE, related_name="reports")
    day = models.DateField("日期")
    staff_present = models.PositiveIntegerField("到岗人数")
    unwell = models.PositiveIntegerField("发热或有症状人数", default=0)
    unwell_note = models.CharField("症状与处置", max_length=300, blank=True)
    via_link = models.BooleanField("企业通过链接填报", default=False)
    submitted_at = models.DateTimeField("填报时间")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业健康日报"
        ordering = ["-day", "enterprise_id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "day"], name="reopening_one_report_a_day")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.day}"

    @property
    def is_zero(self) -> bool:
        return self.unwell == 0
