"""Every write of the alerts app: channels, rules, mutes, reading the inbox, resending, the test message,
and the purge. Views, the admin and the commands call these."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alleykeeper.alerts.delivery import deliver
from alleykeeper.alerts.models import ChannelConfig, ChannelKind, Kind, Message, Mute, Rule, Status
from alleykeeper.alerts.senders import DeliveryError
from alleykeeper.alerts.tasks import send_due_messages
from alleykeeper.alerts.text import for_group, staff_text
from alleykeeper.audit.actions import record_event
from alleykeeper.core.crypto import encrypt
from alleykeeper.registry.models import Community


def _hint(secret: str) -> str:
    return f"…{secret[-4:]}" if len(secret) >= 8 else "…"


@dataclass(frozen=True)
class ChannelSettings:
    enabled: bool
    endpoint: str = ""  # blank: keep the saved one
    secret: str = ""  # blank: keep the saved one
    options: dict | None = None


@transaction.atomic
def save_channel(actor, community: Community, kind: str, data: ChannelSettings) -> ChannelConfig:
    """Create or change a channel; a secret typed in is sealed at once and never shown again."""
    config, _ = ChannelConfig.objects.get_or_create(community=community, kind=kind)
    config.enabled = data.enabled
    changed = []
    if data.endpoint:
        config.endpoint_enc = encrypt(data.endpoint)
        changed.append("endpoint")
    if data.secret:
        config.secret_enc = encrypt(data.secret)
        changed.append("secret")
    if changed:
        config.hint = _hint(data.secret or data.endpoint)
    if data.options is not None:
        config.options = data.options
    config.save()
    record_event(actor, "alerts.channel", config, label=config.get_kind_display(), detail={"changed": changed})
    return config


def test_channel(actor, config: ChannelConfig, *, address: str = "") -> str:
    """Send a test message now (the admin waits for the answer: this is the one send made in a request, so
    that a bad key or an unreachable robot is said in words on the page). Returns the outcome in words."""
    title, body = staff_text(Kind.TEST, channel=config.get_kind_display())
    text = for_group(title, body, "") if config.kind in (ChannelKind.WECOM, ChannelKind.DINGTALK) else body
    row = Message(
        community_id=config.community_id,
        kind=Kind.TEST,
        channel=config.kind,
        recipient=actor if config.kind == ChannelKind.EMAIL else None,
        title=title,
        body=text,
    )
    forced = ChannelConfig(**{f.attname: getattr(config, f.attname) for f in ChannelConfig._meta.concrete_fields})
    forced.enabled = True
    try:
        deliver(row, forced, {"phone": address, "text": text} if config.kind == ChannelKind.SMS else None)
    except DeliveryError as error:
        outcome = f"发送失败：{error.reason}"
    else:
        outcome = "发送成功，请到群里（或手机、邮箱）查看。"
    config.last_test_at, config.last_test_outcome = timezone.now(), outcome[:300]
    config.save(update_fields=["last_test_at", "last_test_outcome"])
    record_event(actor, "alerts.channel_test", config, label=config.get_kind_display(), detail={"outcome": outcome})
    return outcome


@transaction.atomic
def save_rule(actor, community: Community, kind: str, data: dict) -> Rule:
    rule, _ = Rule.objects.get_or_create(community=community, kind=kind)
    rule.enabled = data["enabled"]
    rule.to_case_worker = data["to_case_worker"]
    rule.to_admins = data["to_admins"]
    rule.channels = sorted({ChannelKind.INBOX, *data["channels"]})
    rule.save()
    rule.users.set(data["users"])
    record_event(actor, "alerts.rule", rule, label=rule.get_kind_display())
    return rule


def mute_kind(user, kind: str, hours: int, *, now: datetime | None = None) -> Mute:
    now = now or timezone.now()
    mute, _ = Mute.objects.update_or_create(user=user, kind=kind, defaults={"until": now + timedelta(hours=hours)})
    return mute


def unmute_kind(user, kind: str) -> None:
    Mute.objects.filter(user=user, kind=kind).delete()


def mark_read(user, message_ids: list[int] | None = None, *, now: datetime | None = None) -> int:
    rows = Message.objects.inbox_of(user).unread()
    if message_ids is not None:
        rows = rows.filter(pk__in=message_ids)
    return rows.update(read_at=now or timezone.now())


@transaction.atomic
def resend_message(actor, message: Message, *, now: datetime | None = None) -> Message:
    """A failed (or cancelled) message is due again now; the sending job is asked to run."""
    now = now or timezone.now()
    if message.status not in (Status.FAILED, Status.CANCELLED):
        return message
    message.status, message.next_attempt_at, message.attempts, message.error = Status.PENDING, now, 0, ""
    message.save(update_fields=["status", "next_attempt_at", "attempts", "error"])
    record_event(actor, "alerts.resend", message, label=message.get_kind_display())
    transaction.on_commit(lambda: send_due_messages.enqueue())
    return message


def purge_messages(*, now: datetime | None = None) -> int:
    """Messages older than ALERTS_RETENTION_DAYS are deleted (a scheduled command)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ALERTS_RETENTION_DAYS)
    Message.objects.filter(created_at__lt=cutoff, digest__isnull=False).update(digest=None)
    deleted, _ = Message.objects.filter(created_at__lt=cutoff).delete()
    return deleted
