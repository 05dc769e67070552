"""Sending what is due: claim, keep each robot's rate limit (more become one digest), send, and record the
outcome on the row. A transient failure (unreachable, 5xx, timeout, rate limited) waits with backoff and
is tried again by a later run; a refusal (bad key, refused by the provider) fails at once with its reason,
shown to the admin with a resend button.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Min
from django.urls import reverse

from alleykeeper.alerts import senders
from alleykeeper.alerts.models import GROUP_CHANNELS, ChannelConfig, ChannelKind, Kind, Message, ResidentSms, Status
from alleykeeper.alerts.resident import template_params
from alleykeeper.alerts.senders import DeliveryError, SmsAccount
from alleykeeper.alerts.text import absolute, for_group
from alleykeeper.core.crypto import decrypt
from alleykeeper.observation import schedule

LEASE = timedelta(minutes=5)  # a claimed row not finished by then (a worker killed mid-send) is due again
RATE_WINDOW = timedelta(seconds=60)


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    digested: int = 0


def backoff(attempts: int) -> timedelta:
    """30 s, 1, 2, 4, 8, 16 min, then every 30 min: a provider down for ten minutes is tried again within a
    few minutes of coming back, and one down for hours is not hammered."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 30 * 60))


def _claim(rows: list[Message], now: datetime) -> list[Message]:
    """Take rows for this run: a conditional update on the row's own due time, so that two senders running
    at once never send the same row."""
    claimed = []
    for row in rows:
        taken = Message.objects.filter(
            pk=row.pk, status__in=[Status.PENDING, Status.SENDING], next_attempt_at=row.next_attempt_at
        ).update(status=Status.SENDING, next_attempt_at=now + LEASE)
        if taken:
            row.status, row.next_attempt_at = Status.SENDING, now + LEASE
            claimed.append(row)
    return claimed


def _finish(row: Message, now: datetime, error: DeliveryError | None = None, result: SendResult | None = None) -> None:
    if error is None:
        row.status, row.sent_at, row.error, row.next_attempt_at = Status.SENT, now, "", None
        row.attempts += 1
        if result:
            result.sent += 1
    else:
        row.attempts += 1
        row.error = error.reason[:300]
        if error.transient and row.attempts < settings.ALERTS_MAX_ATTEMPTS:
            row.status, row.next_attempt_at = Status.PENDING, now + backoff(row.attempts)
            if result:
                result.retrying += 1
        else:
            row.status, row.next_attempt_at = Status.FAILED, None
            if result:
                result.failed += 1
    row.save(update_fields=["status", "sent_at", "error", "next_attempt_at", "attempts"])


def _release(row: Message, at: datetime) -> None:
    """Not now (rate limit, quiet hours): due again at `at`, no attempt counted."""
    row.status, row.next_attempt_at = Status.PENDING, at
    row.save(update_fields=["status", "next_attempt_at"])


def _cancel(row: Message, reason: str) -> None:
    row.status, row.error, row.next_attempt_at = Status.CANCELLED, reason, None
    row.save(update_fields=["status", "error", "next_attempt_at"])


# -- quiet hours (residents) -------------------------------------------------------------------------------


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime) -> datetime | None:
    """The end of the quiet hours (ALERTS_QUIET_HOURS, e.g. 21:30-07:30 local) if `now` is inside them."""
    if not settings.ALERTS_QUIET_HOURS:
        return None
    start_text, end_text = settings.ALERTS_QUIET_HOURS.split("-")
    start, end = _hhmm(start_text), _hhmm(end_text)
    local = now.astimezone(schedule.local_zone())
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return schedule.local_midnight(day).replace(hour=end.hour, minute=end.minute)


# -- sending one row -----------------------------------------------------------------------------------------


def _sms_account(config: ChannelConfig) -> SmsAccount:
    options = config.options or {}
    return SmsAccount(
        provider=options.get("provider", "console"),
        access_key_id=options.get("access_key_id", ""),
        access_key_secret=decrypt(config.secret_enc),
        sign_name=options.get("sign_name", ""),
        templates=options.get("templates", {}),
    )


def deliver(row: Message, config: ChannelConfig | None, params: dict | None = None) -> None:
    """Send one row on its channel; raises DeliveryError."""
    if row.channel == ChannelKind.INBOX:
        return
    if config is None or not config.enabled:
        raise DeliveryError(f"{ChannelKind(row.channel).label}未设置或已停用。", transient=False)
    if row.channel == ChannelKind.WECOM:
        senders.send_wecom(decrypt(config.endpoint_enc), row.body)
    elif row.channel == ChannelKind.DINGTALK:
        senders.send_dingtalk(decrypt(config.endpoint_enc), decrypt(config.secret_enc), row.body)
    elif row.channel == ChannelKind.EMAIL:
        if row.recipient is None or not row.recipient.email:
            raise DeliveryError("接收人没有电子邮箱。", transient=False)
        link = f"\n\n详情（需登录）：{absolute(row.link)}" if row.link else ""
        senders.send_email(row.recipient.email, f"[小巷管家] {row.title}", row.body + link)
    elif row.channel == ChannelKind.SMS:
        account = _sms_account(config)
        phone = decrypt(row.case.phone_enc) if row.case_id else (params or {}).get("phone", "")
        if not phone:
            raise DeliveryError("没有手机号。", transient=False)
        template = account.templates.get(row.kind, "")
        params = params or {"text": row.body}
        text = params.pop("sms_text", row.body)
        senders.sms_backend(account.provider).send(account, phone, template, params, text)


def _resident_check(row: Message, sms: dict[int, ResidentSms], now: datetime) -> str | datetime | None:
    """For a resident's SMS: a reason to cancel, a time to wait until (quiet hours), or None to send now."""
    subscription = sms.get(row.case_id)
    if subscription is None or not subscription.active:
        return "本人已退订或未同意接收短信。"
    if row.expires_at and now >= row.expires_at:
        return "已过时效（本时段已结束）。"
    later = quiet_until(now)
    if later is not None:
        if row.expires_at and later >= row.expires_at:
            return "已过时效（静默时段内，本时段已结束）。"
        return later
    return None


# -- rate limit and digest (group robots) ---------------------------------------------------------------------


def _digest(rows: list[Message], now: datetime) -> Message:
    counts = Counter(Kind(r.kind).label for r in rows)
    listed = "、".join(f"{label} {n} 条" for label, n in counts.most_common())
    first = rows[0]
    link = reverse("alerts:inbox")
    body = for_group("提醒汇总", f"另有 {len(rows)} 条提醒（{listed}），请登录查看。", link)
    digest = Message.objects.create(
        community_id=first.community_id,
        kind=Kind.DIGEST,
        event_key=f"digest:{first.pk}",
        channel=first.channel,
        recipient_key="group",
        recipient_label=first.recipient_label,
        title="提醒汇总",
        body=body[:500],
        link=link,
        status=Status.SENDING,
        next_attempt_at=now + LEASE,
        created_at=now,
    )
    Message.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=Status.DIGESTED, digest=digest, next_attempt_at=None
    )
    return digest


def _within_rate(rows: list[Message], now: datetime, result: SendResult) -> list[Message]:
    """Of one community's rows for one robot: what may go out now. A robot takes ALERTS_ROBOT_PER_MINUTE
    messages a minute; when more are due, all but one of the free places go out as they are and the rest
    become one digest; with no free place, they wait for the minute to pass."""
    first = rows[0]
    recent = Message.objects.filter(
        community_id=first.community_id, channel=first.channel, status=Status.SENT, sent_at__gt=now - RATE_WINDOW
    )
    free = settings.ALERTS_ROBOT_PER_MINUTE - recent.count()
    if len(rows) <= free:
        return rows
    if free <= 0:
        oldest = recent.aggregate(at=Min("sent_at"))["at"] or now
        for row in rows:
            _release(row, oldest + RATE_WINDOW)
        return []
    keep, rest = rows[: free - 1], rows[free - 1 :]
    result.digested += len(rest)
    return [*keep, _digest(rest, now)]


def send_due(now: datetime, *, limit: int | None = None) -> SendResult:
    result = SendResult()
    due = list(
        Message.objects.due(now)
        .select_related("recipient", "case")
        .order_by("next_attempt_at", "id")[: limit or settings.ALERTS_SEND_BATCH]
    )
    rows = _claim(due, now)
    if not rows:
        return result
    communities = {r.community_id for r in rows}
    configs = {(c.community_id, c.kind): c for c in ChannelConfig.objects.filter(community__in=communities)}
    sms = {s.case_id: s for s in ResidentSms.objects.filter(case__in={r.case_id for r in rows if r.case_id})}
    groups: dict[tuple[int, str], list[Message]] = defaultdict(list)
    others = []
    for row in rows:
        (groups[(row.community_id, row.channel)] if row.channel in GROUP_CHANNELS else others).append(row)
    for grouped in groups.values():
        others.extend(_within_rate(grouped, now, result))
    for row in others:
        if row.channel == ChannelKind.SMS and row.kind in (Kind.RESIDENT_REMINDER, Kind.RESIDENT_END):
            verdict = _resident_check(row, sms, now)
            if isinstance(verdict, str):
                _cancel(row, verdict)
                continue
            if verdict is not None:
                _release(row, verdict)
                continue
        try:
            deliver(row, configs.get((row.community_id, row.channel)), _params_of(row, sms))
        except DeliveryError as error:
            _finish(row, now, error, result)
        else:
            _finish(row, now, None, result)
    return result


def _params_of(row: Message, sms: dict[int, ResidentSms]) -> dict | None:
    if row.kind not in (Kind.RESIDENT_REMINDER, Kind.RESIDENT_END):
        return {"title": row.title, "text": row.body}
    return template_params(row, sms.get(row.case_id))
