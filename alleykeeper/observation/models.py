"""Home medical observation (居家医学观察): cases, their follow-up slots and calls, deliveries, notes.

Lists read stored state: each case keeps its fever state and last temperature, each slot its status
(written by `observation_tick` and by the follow-up action), each request its due time. No list computes
"the latest follow-up of every case" row by row.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from alleykeeper.accounts.scope import ScopedQuerySet, scope_of


class Reason(models.TextChoices):
    KEY_AREA = "key_area", "自重点地区来（返）"
    CLOSE_CONTACT = "close_contact", "密切接触者"
    OTHER = "other", "其他"


class DayZeroBasis(models.TextChoices):
    ARRIVAL = "arrival", "抵达本地之日"
    DEPARTURE = "departure", "离开重点地区之日"
    LAST_EXPOSURE = "last_exposure", "末次接触之日"


class CaseStatus(models.TextChoices):
    ACTIVE = "active", "观察中"
    EXTENDED = "extended", "已延期"
    RELEASED = "released", "已解除"
    TRANSFERRED = "transferred", "已转送"


OPEN_STATUSES = (CaseStatus.ACTIVE, CaseStatus.EXTENDED)


class TransferDestination(models.TextChoices):
    HOSPITAL = "hospital", "定点医院"
    CENTRAL_ISOLATION = "central_isolation", "集中隔离点"


class FeverState(models.TextChoices):
    NONE = "none", "正常"
    RETEST_DUE = "retest_due", "待复测"
    FEVER = "fever", "复测仍发热，待上报"
    ESCALATED = "escalated", "已上报"


def _between(queryset, field: str, start, end):
    """Rows whose `field` falls in [start, end); `start=None` means since the beginning."""
    queryset = queryset.filter(**{f"{field}__lt": end})
    return queryset if start is None else queryset.filter(**{f"{field}__gte": start})


class CaseQuerySet(ScopedQuerySet):
    def open(self) -> "CaseQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    # History, for figures at a past moment (a daily report regenerated later): read from the opening and
    # closing times, never from today's status. A case closed exactly at `moment` was still open then
    # (its closing belongs to the period that starts at `moment`).
    def open_at(self, moment) -> "CaseQuerySet":
        return self.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=moment), opened_at__lt=moment)

    def opened_between(self, start, end) -> "CaseQuerySet":
        return _between(self, "opened_at", start, end)

    def released_between(self, start, end) -> "CaseQuerySet":
        return _between(self.filter(status=CaseStatus.RELEASED), "closed_at", start, end)

    def transferred_between(self, start, end) -> "CaseQuerySet":
        return _between(self.filter(status=CaseStatus.TRANSFERRED), "closed_at", start, end)

    def escalated_between(self, start, end) -> "CaseQuerySet":
        """Fevers reported upward (to the health centre, a fever clinic) in the period."""
        return _between(self, "escalated_at", start, end)

    def with_fever_between(self, start, end) -> "CaseQuerySet":
        """People with a fever: a case with at least one fever reading (FollowUp.is_fever: at or above
        FEVER_THRESHOLD and plausible, first reading or retest) recorded in the period."""
        fevers = FollowUp.objects.fevers().between(start, end).filter(case_id=models.OuterRef("pk"))
        return self.filter(models.Exists(fevers))


class ObservationCase(models.Model):
    """One person under home observation. `grid` and `community` repeat the household's, for scoping
    without joins. The phone is a copy of the sealed phone of the resident or key person (ciphertext and
    masked form only), so that the worker can call and the case survives a register change."""

    sealed_fields = ("phone_enc",)  # see core.models.SealedIdentity

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    grid = models.ForeignKey("registry.Grid", on_delete=models.PROTECT, verbose_name="网格")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="observation_cases", verbose_name="住户"
    )
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="observation_cases"
    )
    key_person = models.ForeignKey(
        "screening.KeyPerson", null=True, blank=True, on_delete=models.SET_NULL, related_name="observation_cases"
    )
    name = models.CharField("姓名", max_length=50)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField("电话", max_length=20, blank=True, editable=False)

    reason = models.CharField("观察原因", max_length=20, choices=Reason.choices)
    reason_note = models.CharField("原因说明", max_length=200, blank=True)
    origin = models.ForeignKey(
        "places.Division", null=True, blank=True, on_delete=models.PROTECT, verbose_name="来自（地区）"
    )
    day_zero_basis = models.CharField("第0天依据", max_length=20, choices=DayZeroBasis.choices)
    day_zero = models.DateField("第0天")
    started_on = models.DateField("开始居家观察")
    planned_end = models.DateField("计划解除日期")
    assigned_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="observation_cases", verbose_name="责任网格员"
    )

    status = models.CharField("状态", max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    extension_reason = models.CharField("延期原因", max_length=300, blank=True)
    transfer_destination = models.CharField("转送去向", max_length=20, choices=TransferDestination.choices, blank=True)
    closing_reason = models.CharField("解除/转送说明", max_length=300, blank=True)
    closed_at = models.DateTimeField("解除/转送时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    fever_state = models.CharField("发热状态", max_length=20, choices=FeverState.choices, default=FeverState.NONE)
    retest_due_at = models.DateTimeField("复测时间", null=True, blank=True)
    escalated_at = models.DateTimeField("上报时间", null=True, blank=True)
    escalation_reason = models.CharField("上报原因", max_length=300, blank=True)
    last_temperature = models.DecimalField("最近体温", max_digits=3, decimal_places=1, null=True, blank=True)
    last_followup_at = models.DateTimeField("最近随访", null=True, blank=True)

    # The personal report link: only a hash is stored; the link itself is shown once when issued.
    report_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    report_token_issued_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField("开案时间")
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "居家观察"
        ordering = ["planned_end", "id"]
        indexes = [
            models.Index(fields=["assigned_worker", "status"]),
            models.Index(fields=["grid", "status"]),
            models.Index(fields=["community", "status", "planned_end"]),
            models.Index(fields=["status", "closed_at"]),
            models.Index(fields=["fever_state"], condition=~Q(fever_state="none"), name="obs_case_fever"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__gte=models.F("day_zero")), name="obs_case_end_after_day0"),
            models.CheckConstraint(condition=Q(started_on__gte=models.F("day_zero")), name="obs_case_start_after_day0"),
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(status__in=["active", "extended"], resident__isnull=False),
                name="obs_case_one_open_per_resident",
            ),
            models.UniqueConstraint(
                fields=["key_person"],
                condition=Q(status__in=["active", "extended"], key_person__isnull=False),
                name="obs_case_one_open_per_key_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（居家观察）"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class SlotStatus(models.TextChoices):
    PENDING = "pending", "待随访"
    OVERDUE = "overdue", "已逾期"
    DONE = "done", "已完成"
    MISSED = "missed", "未完成"


class SlotQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SlotQuerySet":
        return self.filter(case__in=ObservationCase.objects.visible_to(user))

    # From history (due, done and closing times), so that a past moment reads as it stood then. At the
    # present moment they give what the stored statuses say once observation_tick has run.
    def missed_between(self, start, end) -> "SlotQuerySet":
        """Follow-ups whose window closed in the period without a reached call (a call is only ever
        recorded inside its slot's window, so done_at, when set, is before closes_at)."""
        not_done = Q(done_at__isnull=True) | Q(done_at__gte=models.F("closes_at"))
        return _between(self.filter(not_done), "closes_at", start, end)

    def overdue_at(self, moment) -> "SlotQuerySet":
        """Follow-ups overdue at `moment`: past their time plus OBSERVATION_FOLLOWUP_GRACE_MINUTES, window
        still open, not done, and the case not closed (closing a case marks its open slots missed)."""
        grace = timedelta(minutes=settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES)
        return self.filter(
            Q(done_at__isnull=True) | Q(done_at__gte=moment),
            Q(case__closed_at__isnull=True) | Q(case__closed_at__gte=moment),
            due_at__lte=moment - grace,
            closes_at__gt=moment,
        )


class FollowUpSlot(models.Model):
    """One due follow-up of one case (twice a day by default). Created ahead when the case opens or is
    extended, and by the tick for cases kept open past their planned end. `closes_at` is the end of its
    window: after it an unfinished slot is missed. The tick moves pending → overdue → missed."""

    case = models.ForeignKey(ObservationCase, on_delete=models.CASCADE, related_name="slots")
    due_at = models.DateTimeField("应随访时间")
    closes_at = models.DateTimeField("截止")
    status = models.CharField("状态", max_length=10, choices=SlotStatus.choices, default=SlotStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("未接通次数", default=0)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "随访时段"
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "due_at"], name="obs_slot_unique_due")]
        indexes = [
            # The order of today's lists (due time, then id): read in index order, stopped at the page size.
            models.Index(fields=["status", "due_at", "id"], name="obs_slot_status_due"),
            models.Index(fields=["status", "closes_at"]),
            # History, whatever the status (missed_between, overdue_at: the figures at a report's cutoff and
            # the dashboard's trends): the slots whose window closes in a period, answered from the index alone.
            models.Index(fields=["closes_at"], include=["case", "due_at", "done_at"], name="obs_slot_closes"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_at:%Y-%m-%d %H:%M}"


class Channel(models.TextChoices):
    CALL = "call", "电话"
    VISIT = "visit", "上门"
    SELF = "self", "本人上报"


class Mood(models.TextChoices):
    GOOD = "good", "良好"
    OK = "ok", "一般"
    ANXIOUS = "anxious", "焦虑"
    LOW = "low", "低落"


class Symptom(models.TextChoices):
    COUGH = "cough", "咳嗽"
    FATIGUE = "fatigue", "乏力"
    SORE_THROAT = "sore_throat", "咽痛"
    SHORT_BREATH = "short_breath", "呼吸困难"
    DIARRHOEA = "diarrhoea", "腹泻"
    SMELL_TASTE = "smell_taste", "嗅觉味觉减退"
    OTHER = "other", "其他不适"


class NeedKind(models.TextChoices):
    GROCERIES = "groceries", "买菜"
    MEDICINE = "medicine", "药品"
    MASKS = "masks", "口罩"
    GLOVES = "gloves", "手套"
    OTHER = "other", "其他"


class Flag(models.TextChoices):
    OUT_OF_RANGE = "out_of_range", "体温超出合理范围"
    REPEATED = "repeated", "多次上报同一数值"
    SAME_MINUTE = "same_minute", "总在同一分钟上报"


class FollowUpQuerySet(models.QuerySet):
    def fevers(self) -> "FollowUpQuerySet":
        return self.filter(is_fever=True)

    def between(self, start, end) -> "FollowUpQuerySet":
        return _between(self, "recorded_at", start, end)


class FollowUp(models.Model):
    """One call, visit or self-report. An unreached call counts as an attempt on its slot; a reached
    one (or a self-report) completes the slot."""

    case = models.ForeignKey(ObservationCase, on_delete=models.CASCADE, related_name="followups")
    slot = models.ForeignKey(FollowUpSlot, null=True, blank=True, on_delete=models.SET_NULL, related_name="followups")
    channel = models.CharField("方式", max_length=10, choices=Channel.choices, default=Channel.CALL)
    reached = models.BooleanField("已接通", default=True)
    temperature = models.DecimalField("体温（℃）", max_digits=3, decimal_places=1, null=True, blank=True)
    symptoms = models.JSONField("症状", default=list, blank=True)
    mood = models.CharField("情绪", max_length=10, choices=Mood.choices, blank=True)
    needs = models.JSONField("需求", default=list, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    is_retest = models.BooleanField("复测", default=False)
    is_fever = models.BooleanField("发热", default=False)
    flags = models.JSONField("存疑", default=list, blank=True)
    flagged = models.BooleanField("需核实", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("时间")

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "随访记录"
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["case", "-recorded_at"]),
            models.Index(fields=["flagged", "recorded_at"], condition=Q(flagged=True), name="obs_followup_flagged"),
            # The fevers of a case in a period (with_fever_between: the figure and its 28-day trend); a few
            # readings in a hundred are fevers, so the index stays small.
            models.Index(fields=["case", "recorded_at"], condition=Q(is_fever=True), name="obs_followup_fever"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.recorded_at:%m-%d %H:%M}"

    def symptom_labels(self) -> list[str]:
        return [Symptom(s).label for s in self.symptoms if s in Symptom.values]

    def flag_labels(self) -> list[str]:
        return [Flag(f).label for f in self.flags if f in Flag.values]


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "待派单"
    ASSIGNED = "assigned", "待配送"
    DELIVERED = "delivered", "已送达，待确认"
    CONFIRMED = "confirmed", "家属已确认"
    CANCELLED = "cancelled", "已取消"


OPEN_REQUEST_STATUSES = (RequestStatus.REQUESTED, RequestStatus.ASSIGNED, RequestStatus.DELIVERED)


def late_request_q(now) -> Q:
    """A delivery past its due time and not yet at the door (超时)."""
    return Q(due_by__lt=now, status__in=[RequestStatus.REQUESTED, RequestStatus.ASSIGNED])


class RequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RequestQuerySet":
        """Those who follow cases see the requests of cases in scope; a volunteer sees only what was
        assigned to them."""
        from alleykeeper.accounts.roles import Capability

        scope = scope_of(user)
        if scope.everything:
            return self
        mine = Q(assignee_id=user.pk)
        if user.can(Capability.FOLLOW_UP) or user.can(Capability.MANAGE_OBSERVATION):
            if scope.grid_ids is not None:
                mine |= Q(case__grid_id__in=scope.grid_ids)
            else:
                mine |= Q(case__community_id__in=scope.community_ids)
        return self.filter(mine)

    def to_deliver_by(self, user) -> "RequestQuerySet":
        """The deliveries assigned to `user` and not yet taken to the door (我的配送 → 待送)."""
        return self.filter(assignee_id=user.pk, status=RequestStatus.ASSIGNED)


class ServiceRequest(models.Model):
    """A need turned into a delivery to the door: requested → assigned → delivered (contactless: where it
    was left and when) → confirmed by the family in the next call."""

    case = models.ForeignKey(ObservationCase, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField("物品", max_length=12, choices=NeedKind.choices)
    detail = models.CharField("说明", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=RequestStatus.choices, default=RequestStatus.REQUESTED)
    requested_at = models.DateTimeField("提出时间")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_by = models.DateTimeField("应送达时间")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        verbose_name="配送人",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    left_at = models.CharField("放置位置", max_length=100, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_in = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="confirmed_requests"
    )

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "上门服务"
        ordering = ["due_by", "id"]
        indexes = [
            models.Index(fields=["status", "due_by"]),
            models.Index(fields=["assignee", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.get_status_display()}）"


class CaseNote(models.Model):
    """A free note on a case, allowed at any time, also after release (GUIDE.md section 3)."""

    case = models.ForeignKey(ObservationCase, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField("内容", max_length=500)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "观察备注"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:30]
