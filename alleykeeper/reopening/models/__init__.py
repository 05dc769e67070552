"""Enterprise reopening (复工复产): the enterprise register, policy calls, applications through an
unguessable link or entered by staff, materials, review and the joint on-site inspection of the four gates.

States (stored, never computed row by row in lists):
- an enterprise: closed → applying → approved → open, and suspended after a failed re-inspection;
- an application: submitted → under review → inspected → approved, or returned (with reasons; the
  enterprise corrects it and submits again) or rejected. `actions.py` is the one place that moves them.

Returning staff, reopening slots and daily health reports live in models/returning.py.
"""

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from alleykeeper.accounts.scope import ScopedQuerySet
from alleykeeper.reopening.models.returning import FOUR_CATEGORIES as FOUR_CATEGORIES
from alleykeeper.reopening.models.returning import DailyReport as DailyReport
from alleykeeper.reopening.models.returning import HealthState as HealthState
from alleykeeper.reopening.models.returning import ReopeningSlot as ReopeningSlot
from alleykeeper.reopening.models.returning import ReturningStaff as ReturningStaff


class EnterpriseState(models.TextChoices):
    CLOSED = "closed", "未复工"
    APPLYING = "applying", "申请中"
    APPROVED = "approved", "已批准"
    OPEN = "open", "已复工"
    SUSPENDED = "suspended", "暂停营业"


class Sector(models.TextChoices):
    CATERING = "catering", "餐饮"
    RETAIL = "retail", "零售商超"
    PERSONAL_SERVICE = "personal_service", "美容美发等生活服务"
    EDUCATION = "education", "教育培训"
    OFFICE = "office", "办公企业"
    MANUFACTURING = "manufacturing", "生产加工"
    OTHER = "other", "其他"


class PreventionGate(models.TextChoices):
    """The four gates (四关) of the report: what an application declares and an inspection checks."""

    PUBLICITY = "publicity", "宣传关"
    ENTRY = "entry", "进出关"
    DISINFECTION = "disinfection", "消杀关"
    SUPERVISION = "supervision", "督促关"


GATE_DONE_FIELDS = {
    "publicity": "told_at__isnull",  # told = not null: see gate_done / gate_not_done
    "entry": "entry_done",
    "disinfection": "disinfection_done",
    "supervision": "supervision_done",
}


def gate_done_q(gate: str, done: bool = True) -> Q:
    """Enterprises whose gate is done (or not): 宣传关 by the policy call (told_at), the others by the last
    inspection. The overview's filter and its counts both use it."""
    if gate == PreventionGate.PUBLICITY:
        return Q(told_at__isnull=not done)
    return Q(**{GATE_DONE_FIELDS[gate]: done})


class EnterpriseQuerySet(ScopedQuerySet):
    def not_told(self) -> "EnterpriseQuerySet":
        """Enterprises nobody has told the reopening policy yet (宣传关 not done)."""
        return self.filter(told_at__isnull=True)

    def gate_done(self, gate: str, done: bool = True) -> "EnterpriseQuerySet":
        return self.filter(gate_done_q(gate, done))

    def report_missing(self, day: date, sent_before: datetime | None = None) -> "EnterpriseQuerySet":
        """Open enterprises (opened on or before `day`) that have sent no daily health report for `day`
        (none sent before `sent_before`, when given: missing at a cutoff, a report sent later not counted)."""
        sent = DailyReport.objects.filter(enterprise=OuterRef("pk"), day=day)
        if sent_before is not None:
            sent = sent.filter(submitted_at__lt=sent_before)
        return self.filter(~Exists(sent), state=EnterpriseState.OPEN, opened_on__lte=day)


class Enterprise(models.Model):
    """One enterprise or individual business. Its address is a building of the register, or a shop inside a
    shopping centre (building name, floor, shop number). `grid` and `community` scope it like a household.
    The contact's phone is sealed like a resident's (ciphertext, blind index, masked form)."""

    sealed_fields = ("phone_enc",)  # see core.models.SealedIdentity

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    grid = models.ForeignKey("registry.Grid", on_delete=models.PROTECT, verbose_name="网格")
    name = models.CharField("企业名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    no_credit_code = models.BooleanField("无统一社会信用代码（个体工商户）", default=False)
    building = models.ForeignKey(
        "registry.Building", null=True, blank=True, on_delete=models.PROTECT, verbose_name="所在楼栋（台账）"
    )
    mall = models.CharField("商场/综合体", max_length=60, blank=True, help_text="如：开元盛世广场")
    floor = models.CharField("楼层", max_length=10, blank=True, help_text="如：1F、B1")
    shop_number = models.CharField("铺位号", max_length=20, blank=True, help_text="如：1F-023")
    sector = models.CharField("行业", max_length=20, choices=Sector.choices, default=Sector.OTHER)
    contact_name = models.CharField("联系人", max_length=50)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=32, blank=True, editable=False)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    headcount = models.PositiveIntegerField("员工人数", default=0)
    state = models.CharField("状态", max_length=12, choices=EnterpriseState.choices, default=EnterpriseState.CLOSED)
    state_reason = models.CharField("状态说明", max_length=300, blank=True)
    # The policy call (宣传关) last recorded, kept here so that the overview needs no subquery per row.
    told_at = models.DateTimeField("已告知政策", null=True, blank=True)
    # The other three gates as the latest inspection found them (every item of the gate passed); the
    # overview filters on these columns.
    entry_done = models.BooleanField("进出关已落实", default=False)
    disinfection_done = models.BooleanField("消杀关已落实", default=False)
    supervision_done = models.BooleanField("督促关已落实", default=False)
    opened_on = models.DateField("复工日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业"
        ordering = ["mall", "floor", "shop_number", "name", "id"]
        indexes = [
            models.Index(fields=["community", "state"]),
            models.Index(fields=["grid", "state"]),
            models.Index(fields=["phone_index"], name="reopening_ent_phone_ix"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="reopening_enterprise_unique_code",
                violation_error_message="这个统一社会信用代码已经登记过另一家企业，请核对。",
            ),
            models.CheckConstraint(
                condition=Q(no_credit_code=False) | Q(credit_code=""),
                name="reopening_enterprise_code_or_none",
                violation_error_message="勾选了“无统一社会信用代码”就不要再填代码。",
            ),
            models.CheckConstraint(
                condition=Q(building__isnull=False) | ~Q(mall=""),
                name="reopening_enterprise_has_address",
                violation_error_message="请填写所在商场（和楼层、铺位号），或选择所在楼栋。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def gates(self) -> list[tuple[str, bool]]:
        """The four gates (四关) and whether each is done, in the report's order."""
        return [
            (PreventionGate.PUBLICITY.label, self.told_at is not None),
            (PreventionGate.ENTRY.label, self.entry_done),
            (PreventionGate.DISINFECTION.label, self.disinfection_done),
            (PreventionGate.SUPERVISION.label, self.supervision_done),
        ]

    @property
    def address(self) -> str:
        if self.mall:
            return "".join(part for part in (self.mall, f" {self.floor}" if self.floor else "", f" {self.shop_number}"))
        return str(self.building) if self.building_id else ""


class CallChannel(models.TextChoices):
    PHONE = "phone", "电话"
    VISIT = "visit", "上门"


class PolicyCall(models.Model):
    """Staff told the enterprise the reopening policy and prevention requirements (宣传关)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="calls")
    channel = models.CharField("方式", max_length=10, choices=CallChannel.choices, default=CallChannel.PHONE)
    told_at = models.DateTimeField("告知时间")
    told_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "政策告知"
        ordering = ["-told_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.told_at:%m-%d %H:%M}"


class LinkQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LinkQuerySet":
        return self.filter(enterprise__in=Enterprise.objects.visible_to(user))


class EnterpriseLink(models.Model):
    """The enterprise's own link to its application (no account). Only a hash of the token is stored; the
    link is shown once when issued. It reaches this one enterprise, expires, and can be revoked."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_at = models.DateTimeField("发放时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField("有效期至")
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)

    objects = LinkQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业填报链接"
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.issued_at:%m-%d}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    UNDER_REVIEW = "under_review", "审核中"
    INSPECTED = "inspected", "已现场核查"
    APPROVED = "approved", "已批准"
    RETURNED = "returned", "已退回修改"
    REJECTED = "rejected", "不予批准"


OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.INSPECTED,
    ApplicationStatus.RETURNED,
)


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ApplicationQuerySet":
        return self.filter(enterprise__in=Enterprise.objects.visible_to(user))

    def waiting(self) -> "ApplicationQuerySet":
        """Applications waiting for the community: submitted, under review or inspected (not yet decided)."""
        return self.filter(
            status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.INSPECTED]
        )

    def opening_between(self, first: date, last: date) -> "ApplicationQuerySet":
        """Approved applications whose reopening slot falls on a day in [first, last] (openings of a day, a week)."""
        return self.filter(status=ApplicationStatus.APPROVED, slot__day__gte=first, slot__day__lte=last)


class Application(models.Model):
    """A reopening application (督促关): filled through the enterprise's link or entered by staff. The planned
    date and time are free for now; the staggered slots of a later part attach here."""

    sealed_fields = ("contact_phone_enc",)  # see core.models.SealedIdentity

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="applications")
    status = models.CharField(
        "状态", max_length=15, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    planned_date = models.DateField("计划复工日期")
    planned_start = models.TimeField("营业开始时间", null=True, blank=True)
    planned_end = models.TimeField("营业结束时间", null=True, blank=True)
    measures_publicity = models.TextField("宣传关：告知员工、张贴宣传", blank=True)
    measures_entry = models.TextField("进出关：员工登记、测温、返岗人员摸排", blank=True)
    measures_disinfection = models.TextField("消杀关：每日消毒、通风", blank=True)
    measures_supervision = models.TextField("督促关：防疫负责人、制度与物资", blank=True)
    contact_name = models.CharField("防疫联系人", max_length=50)
    contact_phone_enc = models.TextField(blank=True, editable=False)
    contact_phone_masked = models.CharField("防疫联系人电话", max_length=20, blank=True, editable=False)
    via_link = models.BooleanField("企业通过链接填报", default=False)
    submitted_at = models.DateTimeField("提交时间")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField("退回/不予批准原因", max_length=500, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice_number = models.CharField("复工通知书编号", max_length=30, blank=True)
    # The staggered-reopening slot the approved enterprise took (reopening.slots.take_slot).
    slot = models.ForeignKey(
        ReopeningSlot, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "复工申请"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(status__in=["submitted", "under_review", "inspected", "returned"]),
                name="reopening_one_open_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} 复工申请（{self.get_status_display()}）"

    def measures(self) -> list[tuple[str, str]]:
        return [
            (PreventionGate.PUBLICITY.label, self.measures_publicity),
            (PreventionGate.ENTRY.label, self.measures_entry),
            (PreventionGate.DISINFECTION.label, self.measures_disinfection),
            (PreventionGate.SUPERVISION.label, self.measures_supervision),
        ]


class MaterialQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MaterialQuerySet":
        return self.filter(enterprise__in=Enterprise.objects.visible_to(user))


class Material(models.Model):
    """An attached file (core.uploads): an application's material or an inspection photo. Stored under
    PRIVATE_UPLOAD_ROOT/reopening with a random name; served only as an attachment to staff in scope."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="materials")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="materials"
    )
    title = models.CharField("材料名称", max_length=100)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    stored_name = models.CharField(max_length=40, unique=True, editable=False)
    kind = models.CharField("类型", max_length=5)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_at = models.DateTimeField("上传时间")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "复工材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class InspectorUnit(models.TextChoices):
    COMMUNITY = "community", "社区"
    ENTERPRISE_OFFICE = "enterprise_office", "街道企业办"
    MARKET_SUPERVISION = "market_supervision", "市场监督所"
    SAFETY_OFFICE = "safety_office", "安办"


class ChecklistItem(models.Model):
    """One point the joint inspection checks, under one of the four gates; for every sector, or for one."""

    gate = models.CharField("关口", max_length=15, choices=PreventionGate.choices)
    sector = models.CharField(
        "适用行业", max_length=20, choices=Sector.choices, blank=True, help_text="不填则适用所有行业"
    )
    text = models.CharField("核查内容", max_length=200)
    sort_number = models.PositiveSmallIntegerField("排序号", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "现场核查项目"
        ordering = ["sort_number", "id"]

    def __str__(self) -> str:
        return f"{self.get_gate_display()}：{self.text}"


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "InspectionQuerySet":
        return self.filter(enterprise__in=Enterprise.objects.visible_to(user))


class Inspection(models.Model):
    """The joint on-site inspection of an application, or a re-inspection of an open enterprise."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="inspections")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="inspections"
    )
    is_reinspection = models.BooleanField("复查", default=False)
    inspected_on = models.DateField("核查日期")
    inspectors = models.CharField("核查人员", max_length=200)
    units = models.JSONField("参加单位", default=list)
    passed = models.BooleanField("全部通过", default=False)
    note = models.CharField("核查意见", max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "现场核查"
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.inspected_on}"

    def unit_labels(self) -> list[str]:
        return [InspectorUnit(u).label for u in self.units if u in InspectorUnit.values]


class InspectionResult(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    gate = models.CharField("关口", max_length=15, choices=PreventionGate.choices)
    text = models.CharField("核查内容", max_length=200)  # as checked, whatever the item later becomes
    passed = models.BooleanField("通过")
    note = models.CharField("说明", max_length=300, blank=True)
    photo = models.ForeignKey(Material, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "核查结果"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.text}：{'通过' if self.passed else '未通过'}"


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "待确认列"
    INVALID = "invalid", "有错误，未导入"
    DONE = "done", "已导入"
    FAILED = "failed", "失败"
    DISCARDED = "discarded", "已放弃"


class EnterpriseImportQuerySet(ScopedQuerySet):
    grid_path = None


class EnterpriseImport(models.Model):
    """One upload of an enterprise list: read with core.tabular like the register's, the columns mapped by
    the user, every row checked, then all rows written or none."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("状态", max_length=12, choices=ImportStatus.choices, default=ImportStatus.MAPPING)
    file_name = models.CharField("文件名", max_length=200)
    file_path = models.CharField(max_length=100, blank=True, editable=False)
    file_sha256 = models.CharField(max_length=64, editable=False)
    header_row = models.IntegerField(null=True, blank=True)
    columns = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    rows_total = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [row, column, message]
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnterpriseImportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业名单导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name
