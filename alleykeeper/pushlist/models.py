"""The government's push list (大数据推送名单): dated batches, the people on them, and their matches
against the register and the key persons (GUIDE.md section 3, push-list outcomes)."""

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from alleykeeper.accounts.scope import ScopedQuerySet, scope_of
from alleykeeper.core.batch import minutes_waiting
from alleykeeper.core.identity import age_on
from alleykeeper.core.models import SealedIdentity


class BatchStatus(models.TextChoices):
    MAPPING = "mapping", "待确认表头"
    PENDING = "pending", "正在导入"
    DONE = "done", "已导入"
    FAILED = "failed", "导入失败"


class PushBatchQuerySet(ScopedQuerySet):
    grid_path = None
    community_path = "community_id"


class PushBatch(models.Model):
    """One push list as received: a file, on a date, from someone. The file's SHA-256 makes importing
    the same file again add nothing."""

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT, verbose_name="社区")
    received_on = models.DateField("收到日期")
    source = models.CharField("推送单位", max_length=100, blank=True, help_text="如：区疫情防控指挥部大数据组")
    note = models.CharField("备注", max_length=200, blank=True)
    file_name = models.CharField("文件名", max_length=200)
    file_sha256 = models.CharField(max_length=64, editable=False)
    # While pending: the private copy of the upload and how to read it. The file is deleted once imported.
    upload_path = models.CharField(max_length=300, blank=True, editable=False)
    header_row = models.IntegerField(null=True, blank=True, editable=False)
    columns = models.JSONField(default=list, blank=True, editable=False)  # the header row's names
    mapping = models.JSONField(default=dict, blank=True, editable=False)  # field key -> column index
    status = models.CharField("状态", max_length=10, choices=BatchStatus.choices, default=BatchStatus.MAPPING)
    status_message = models.CharField("说明", max_length=300, blank=True)
    row_count = models.IntegerField("数据行数", default=0)
    imported_count = models.IntegerField("导入人数", default=0)
    # Rows not imported and rows imported with problems: [{"row": 7, "problems": ["..."], "imported": bool}].
    # Masked like everything else: no clear ID or phone ever lands here.
    errors = models.JSONField("逐行问题", default=list, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # Changed: auto_now, so every write path names it in update_fields (the API syncs by it, updated_since).
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = PushBatchQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "推送名单批次"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "file_sha256"], name="pushbatch_unique_file"),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="pushbatch_updated")]

    def __str__(self) -> str:
        return f"{self.received_on} {self.source or '推送名单'}"

    @property
    def is_running(self) -> bool:
        return self.status == BatchStatus.PENDING

    @property
    def waiting_minutes(self) -> int:
        """Minutes since the import was started, once long enough to say so (an import of 100,000 rows takes
        seconds): the task worker may not be running (core.batch.minutes_waiting)."""
        return minutes_waiting(self.updated_at) if self.status == BatchStatus.PENDING else 0


class Outcome(models.TextChoices):
    """GUIDE.md section 3: what became of each pushed person."""

    SCREENED = "screened", "已排查"
    WRONG_INFO = "wrong_info", "信息有误"
    MISSED = "missed", "漏排"
    NOT_LIVING_HERE = "not_living_here", "不在本地居住"
    PAST_WINDOW = "past_window", "超过排查期"
    PASSED_THROUGH = "passed_through", "途经未停留"


class MatchState(models.TextChoices):
    UNMATCHED = "unmatched", "未比对上"
    REVIEW = "review", "待人工确认"
    MATCHED = "matched", "已比对上"


class MatchRule(models.TextChoices):
    ID = "id", "证件号码"
    PHONE = "phone", "电话"
    NAME_ADDRESS = "name_address", "姓名+住址"
    NAME = "name", "姓名"


class MatchStatus(models.TextChoices):
    AUTO = "auto", "自动确认"
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "人工确认"
    REJECTED = "rejected", "已否定"


ACCEPTED = (MatchStatus.AUTO, MatchStatus.CONFIRMED)
# References to rows the import has just read in the same transaction (register, key persons, divisions):
# no database constraint and no index of their own. PostgreSQL checks every constrained reference of every
# inserted row at commit, with a row lock on the referenced row: for a 100,000-row list that check costs
# more than the rest of the write. Deletions are still handled by Django (on_delete), and the lists filter
# by batch first, so the composite indexes below serve them.
_REFERENCE = {"db_constraint": False, "db_index": False}


class PushedPersonQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PushedPersonQuerySet":
        """A grid worker sees the people matched (or proposed for review) in their grids, never another
        grid's; community-wide staff also see those matched to no grid."""
        scope = scope_of(user)
        if scope.everything:
            return self
        if scope.grid_ids is not None:
            grids = list(scope.grid_ids)
            in_review = PushMatch.objects.filter(grid_id__in=grids, status=MatchStatus.PENDING).values("person_id")
            return self.filter(Q(grid_id__in=grids) | Q(pk__in=in_review))
        return self.filter(community_id__in=scope.community_ids)

    def to_reach(self) -> "PushedPersonQuerySet":
        """People nobody has acted on yet (PushedPerson.reached is false): no outcome recorded and no
        match to a known key person. The home page's "推送名单待落实" and the batch page's filter."""
        return self.filter(outcome="", key_person__isnull=True)

    def settled_between(self, start, end) -> "PushedPersonQuerySet":
        """People whose outcome (核查结果) was set in [start, end) (`start=None`: since the beginning).
        Filter on `outcome` for one kind. A changed outcome counts where and when it was last set: the
        earlier one is not kept (a signed daily report keeps the figures it had)."""
        queryset = self.exclude(outcome="").filter(outcome_at__lt=end)
        return queryset if start is None else queryset.filter(outcome_at__gte=start)

    def received_between(self, start, end) -> "PushedPersonQuerySet":
        """People on push lists imported in [start, end) (`start=None`: since the beginning)."""
        queryset = self.filter(batch__imported_at__lt=end)
        return queryset if start is None else queryset.filter(batch__imported_at__gte=start)


class PushedPerson(SealedIdentity):
    """One person on a push list. The fields from `resident` to `match_reason` repeat the accepted match
    (see PushMatch) so that lists, scope and reports need no extra joins; actions keep them in step."""

    # Nobody looks pushed people up by blind index (the register is what is looked up), so these two
    # columns carry no index: a 100,000-row import writes every index of the table for every row.
    doc_number_index = models.CharField(max_length=32, blank=True, editable=False)
    phone_index = models.CharField(max_length=32, blank=True, editable=False)

    batch = models.ForeignKey(
        PushBatch, on_delete=models.CASCADE, related_name="people", verbose_name="批次", db_index=False
    )
    community = models.ForeignKey(
        "registry.Community", on_delete=models.PROTECT, verbose_name="社区", db_constraint=False, db_index=False
    )
    row_number = models.IntegerField("表格行号")
    name = models.CharField("姓名", max_length=50)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    origin = models.ForeignKey(
        "places.Division", null=True, blank=True, on_delete=models.PROTECT, verbose_name="来自", **_REFERENCE
    )
    origin_text = models.CharField("来源地（原文）", max_length=100, blank=True)
    arrival_date = models.DateField("抵达日期", null=True, blank=True)
    address_text = models.CharField("名单上的住址", max_length=200, blank=True)
    transport = models.CharField("交通方式", max_length=100, blank=True)
    list_note = models.CharField("名单备注", max_length=200, blank=True)
    problems = models.JSONField("数据问题", default=list, blank=True)

    match_state = models.CharField("比对状态", max_length=10, choices=MatchState.choices, default=MatchState.UNMATCHED)
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="push_records", **_REFERENCE
    )
    key_person = models.ForeignKey(
        "screening.KeyPerson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="push_records",
        **_REFERENCE,
    )
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.SET_NULL, **_REFERENCE)
    grid = models.ForeignKey(
        "registry.Grid", null=True, blank=True, on_delete=models.SET_NULL, verbose_name="网格", **_REFERENCE
    )
    match_rule = models.CharField("比对依据", max_length=20, choices=MatchRule.choices, blank=True)
    match_confidence = models.PositiveSmallIntegerField("可信度", default=0)
    match_reason = models.CharField("比对说明", max_length=200, blank=True)

    proposed_outcome = models.CharField("建议结果", max_length=20, choices=Outcome.choices, blank=True)
    proposed_reason = models.CharField("建议依据", max_length=200, blank=True)
    outcome = models.CharField("核查结果", max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField("核查说明", max_length=300, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    # The API syncs by it. No index: an import writes every index of the table for every row, and a sync
    # reads one scope's rows.
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = PushedPersonQuerySet.as_manager()

    @property
    def age(self) -> int | None:
        """Shown instead of the birth date beside the masked ID number (core.identity.age_on says why)."""
        return age_on(self.birth_date, timezone.localdate()) if self.birth_date else None

    class Meta:
        verbose_name = verbose_name_plural = "推送人员"
        ordering = ["batch_id", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="pushedperson_unique_row"),
        ]
        indexes = [
            models.Index(fields=["batch", "match_state"]),
            models.Index(fields=["grid", "batch"]),
            # Outcomes set in a period, per community (settled_between: the figures of each outcome). Only rows
            # with an outcome are in it: an import writes none (every row arrives without one).
            models.Index(fields=["community", "outcome_at"], condition=~Q(outcome=""), name="pushedperson_settled"),
            # Key persons a list named, with the list (listed_by: found locally and on no list, at a cutoff).
            # Only rows matched to a key person are in it: few, whatever the size of the list.
            models.Index(
                fields=["key_person"],
                include=["batch"],
                condition=Q(key_person__isnull=False),
                name="pushedperson_listed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reached(self) -> bool:
        """Someone has acted on this person: a worker's outcome, or a match to a known key person."""
        return bool(self.outcome) or self.key_person_id is not None


class PushMatch(models.Model):
    """One candidate for a pushed person: a resident and/or key person, why, and how sure we are.
    Sure candidates are accepted on import (AUTO); the rest wait in the review queue (PENDING)."""

    person = models.ForeignKey(PushedPerson, on_delete=models.CASCADE, related_name="matches")
    resident = models.ForeignKey("registry.Resident", null=True, blank=True, on_delete=models.CASCADE, **_REFERENCE)
    key_person = models.ForeignKey(
        "screening.KeyPerson", null=True, blank=True, on_delete=models.CASCADE, db_constraint=False
    )
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.SET_NULL, **_REFERENCE)
    grid = models.ForeignKey("registry.Grid", null=True, blank=True, on_delete=models.SET_NULL, **_REFERENCE)
    rule = models.CharField("依据", max_length=20, choices=MatchRule.choices)
    confidence = models.PositiveSmallIntegerField("可信度")
    reason = models.CharField("说明", max_length=200)
    status = models.CharField("状态", max_length=10, choices=MatchStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("确认说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "比对候选"
        ordering = ["person_id", "-confidence", "id"]
        indexes = [models.Index(fields=["grid", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(key_person__isnull=False), name="pushmatch_has_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.confidence}"


def listed_by(moment) -> QuerySet:
    """Pushed people matched to a key person on a list imported before `moment`: the key persons a push
    list had named by then (the key_person_id column of the result)."""
    return PushedPerson.objects.filter(key_person__isnull=False, batch__imported_at__lt=moment).values("key_person_id")


def found_locally_not_listed(key_persons: QuerySet, moment=None) -> QuerySet:
    """Key persons found here whom no push list names (本地发现、不在推送名单): they must be reported upward.
    With `moment`, as it stood then: found before it and named by no list imported before it (a match
    confirmed later moves the person out of the figure of the day it was confirmed, not before: the
    match's own date is not stored). Without, by the stored flag (KeyPerson.on_push_list), as now."""
    if moment is None:
        return key_persons.filter(on_push_list=False)
    return key_persons.filter(created_at__lt=moment).exclude(pk__in=listed_by(moment))
