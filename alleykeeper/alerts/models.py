"""Alerts that reach people (通知与提醒): the channels of a community, who gets what, mutes, and every message.

One row per message (`Message`): one event of one kind, to one recipient, on one channel. A unique
constraint on (kind, event_key, recipient_key, channel) makes "one alert per event per recipient" hold
however often the scan runs. Delivery state lives on the row (status, attempts, next_attempt_at), so a
provider that is down loses nothing: the row waits and is sent when it is back.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from alleykeeper.accounts.scope import ScopedQuerySet


class Kind(models.TextChoices):
    FEVER = "fever", "发热"
    RETEST_FEVER = "retest_fever", "复测仍发热"
    OVERDUE = "overdue", "随访逾期"
    MISSED_TWICE = "missed_twice", "连续两次未随访"
    KEY_AREA_VISITOR = "key_area_visitor", "重点地区来访"
    PUSHLIST_BATCH = "pushlist_batch", "推送名单待排查"
    REPORT_UNSIGNED = "report_unsigned", "日报未签发"
    LOW_STOCK = "low_stock", "物资库存不足"
    REOPENING_WAITING = "reopening_waiting", "复工申请待审核"
    RESIDENT_REMINDER = "resident_reminder", "本人上报提醒（短信）"
    RESIDENT_END = "resident_end", "观察结束通知（短信）"
    DIGEST = "digest", "汇总"
    TEST = "test", "测试消息"


# The kinds staff receive (rules, mutes); the others go to residents or are made by the sender itself.
STAFF_KINDS = [k for k in Kind if k not in (Kind.RESIDENT_REMINDER, Kind.RESIDENT_END, Kind.DIGEST, Kind.TEST)]


class ChannelKind(models.TextChoices):
    INBOX = "inbox", "站内消息"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    SMS = "sms", "短信"
    EMAIL = "email", "电子邮件"


GROUP_CHANNELS = (ChannelKind.WECOM, ChannelKind.DINGTALK)
CONFIGURABLE_CHANNELS = (ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.SMS, ChannelKind.EMAIL)


class ChannelConfig(models.Model):
    """A channel of a community, set up by its admin. Secrets (a robot's webhook, which carries its key, a
    signing secret, an SMS access key secret) are sealed like ID numbers and never shown again: the page
    shows `hint` only (the last four characters)."""

    community = models.ForeignKey("registry.Community", on_delete=models.CASCADE, related_name="alert_channels")
    kind = models.CharField("渠道", max_length=10, choices=ChannelKind.choices)
    enabled = models.BooleanField("启用", default=True)
    endpoint_enc = models.TextField(blank=True, editable=False)
    secret_enc = models.TextField(blank=True, editable=False)
    hint = models.CharField("已保存的密钥", max_length=40, blank=True, editable=False)
    # Not secret: SMS provider, access key id, signature name and template codes.
    options = models.JSONField(default=dict, blank=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_outcome = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知渠道"
        constraints = [models.UniqueConstraint(fields=["community", "kind"], name="alerts_one_channel_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class Rule(models.Model):
    """Who gets an alert of one kind in one community, on which channels. Without a row the defaults of
    rules.DEFAULT_RULES apply."""

    community = models.ForeignKey("registry.Community", on_delete=models.CASCADE, related_name="alert_rules")
    kind = models.CharField("提醒类型", max_length=20, choices=Kind.choices)
    enabled = models.BooleanField("发送", default=True)
    to_case_worker = models.BooleanField("责任网格员", default=True)
    to_admins = models.BooleanField("社区管理员", default=False)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="另外通知（如社区医生）"
    )
    channels = models.JSONField("渠道", default=list)

    class Meta:
        verbose_name = verbose_name_plural = "提醒规则"
        constraints = [models.UniqueConstraint(fields=["community", "kind"], name="alerts_one_rule_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class Mute(models.Model):
    """A person's "not now" for one kind: no message of that kind reaches them until `until`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_mutes")
    kind = models.CharField("提醒类型", max_length=20, choices=Kind.choices)
    until = models.DateTimeField("静音至")

    class Meta:
        verbose_name = verbose_name_plural = "静音"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="alerts_one_mute_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class Status(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    DIGESTED = "digested", "已并入汇总"
    FAILED = "failed", "发送失败"
    CANCELLED = "cancelled", "已取消"


class MessageQuerySet(ScopedQuerySet):
    grid_path = "grid_id"

    def visible_to(self, user) -> "MessageQuerySet":
        """A grid worker's messages of their grids (and any addressed to them); community staff those of
        their communities."""
        return super().visible_to(user) | self.filter(recipient_id=user.pk)

    def inbox_of(self, user) -> "MessageQuerySet":
        return self.filter(channel=ChannelKind.INBOX, recipient=user)

    def unread(self) -> "MessageQuerySet":
        return self.filter(read_at__isnull=True)

    def due(self, now) -> "MessageQuerySet":
        return self.filter(status__in=[Status.PENDING, Status.SENDING], next_attempt_at__lte=now)


class Message(models.Model):
    """One message: kind and event (what happened), recipient and channel (who, where), delivery state.
    Text is written masked when the row is made (names 王**, no ID number, no full phone); the resident's
    phone is read from the case when the SMS leaves, never copied here."""

    community = models.ForeignKey("registry.Community", on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey("registry.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey(
        "observation.ObservationCase", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_messages"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    event_key = models.CharField(max_length=80)
    channel = models.CharField("渠道", max_length=10, choices=ChannelKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="alert_messages"
    )
    recipient_key = models.CharField(max_length=40)
    recipient_label = models.CharField("接收人", max_length=60)
    title = models.CharField("标题", max_length=100)
    body = models.CharField("内容", max_length=500)
    link = models.CharField(max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField("原因", max_length=300, blank=True)
    digest = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="digested")
    created_at = models.DateTimeField("时间")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("已读", null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "消息记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "event_key", "recipient_key", "channel"], name="alerts_one_message_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"], name="alerts_inbox"),
            models.Index(fields=["status", "next_attempt_at"], name="alerts_due"),
            models.Index(fields=["community", "channel", "sent_at"], name="alerts_rate"),
            models.Index(fields=["case", "-created_at"], name="alerts_case"),
            models.Index(fields=["created_at"], name="alerts_created"),
            models.Index(fields=["community", "status"], condition=Q(status="failed"), name="alerts_failed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_label}"


class ScanMark(models.Model):
    """How far the scan has read each source: events after `watermark` (less an overlap) are looked at."""

    name = models.CharField(max_length=40, unique=True)
    watermark = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "扫描进度"

    def __str__(self) -> str:
        return self.name


class ResidentSms(models.Model):
    """SMS to a person under observation: only where a mobile is known and they agreed. Their self-report
    link is issued when SMS is switched on and kept sealed (observation keeps only its hash). A reply of
    STOP, or a worker's switch, stops it (`stopped_at`)."""

    case = models.OneToOneField("observation.ObservationCase", on_delete=models.CASCADE, related_name="resident_sms")
    consent = models.BooleanField("本人同意接收短信", default=False)
    consent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    consent_at = models.DateTimeField(null=True, blank=True)
    phone_index = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    link_token_enc = models.TextField(blank=True, editable=False)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_source = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "本人短信"

    def __str__(self) -> str:
        return f"{self.case_id}"

    @property
    def active(self) -> bool:
        return self.consent and self.stopped_at is None
