"""SMS to the person under observation: a reminder at each follow-up slot with their self-report link, and
one when observation ends. Only where a mobile is known and they agreed; quiet hours respected (the
sender waits); a reply of STOP or a worker's switch turns it off.

The message row records the text with the link left out (〔专属链接〕): the link lets anyone holding it
report for the person, so it lives sealed on ResidentSms and is put in only when the SMS leaves.
"""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alleykeeper.alerts.models import ChannelConfig, ChannelKind, Kind, Message, ResidentSms, Status
from alleykeeper.alerts.text import absolute, resident_text
from alleykeeper.audit.actions import record_event
from alleykeeper.core.crypto import blind_index, decrypt, encrypt
from alleykeeper.core.identity import check_phone
from alleykeeper.observation import schedule
from alleykeeper.observation.actions import CaseError, issue_report_link
from alleykeeper.observation.models import OPEN_STATUSES, CaseStatus, FollowUpSlot, ObservationCase

LINK_PLACEHOLDER = "〔专属链接〕"
STOP_WORDS = {"STOP", "TD", "T", "N", "退订", "取消", "停止", "0000"}


class SmsSwitchError(Exception):
    """A switch that cannot be made; the message says why, in Chinese."""


def _mobile_of(case: ObservationCase) -> str:
    digits = decrypt(case.phone_enc) if case.phone_enc else ""
    checked = check_phone(digits) if digits else None
    if checked is None or not checked.ok or not checked.value.startswith("1") or len(checked.value) != 11:
        return ""
    return checked.value


def _local_hhmm(moment: datetime) -> str:
    return moment.astimezone(schedule.local_zone()).strftime("%H:%M")


@transaction.atomic
def switch_on(actor, case: ObservationCase, *, now: datetime | None = None) -> ResidentSms:
    """The person agreed (worker's record): issue a fresh self-report link, kept sealed for the SMS."""
    now = now or timezone.now()
    if case.status not in OPEN_STATUSES:
        raise SmsSwitchError("观察已经结束，不能再开启短信提醒。")
    mobile = _mobile_of(case)
    if not mobile:
        raise SmsSwitchError("这个人没有登记手机号（或不是手机号），不能发短信。请先在台账中补充手机号。")
    try:
        token = issue_report_link(actor, case)
    except CaseError as error:
        raise SmsSwitchError(str(error)) from error
    subscription, _ = ResidentSms.objects.get_or_create(case=case)
    subscription.consent, subscription.consent_by, subscription.consent_at = True, actor, now
    subscription.phone_index = blind_index("phone", mobile)
    subscription.link_token_enc = encrypt(token)
    subscription.stopped_at, subscription.stop_source = None, ""
    subscription.save()
    record_event(actor, "alerts.sms_on", case, parent=case.household)
    return subscription


@transaction.atomic
def switch_off(actor, case: ObservationCase, source: str = "worker", *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    updated = ResidentSms.objects.filter(case=case, stopped_at__isnull=True).update(stopped_at=now, stop_source=source)
    if updated:
        Message.objects.filter(case=case, channel=ChannelKind.SMS, status=Status.PENDING).update(
            status=Status.CANCELLED, error="已退订", next_attempt_at=None
        )
        record_event(actor, "alerts.sms_off", case, parent=case.household, detail={"source": source})


def stop_by_reply(phone: str, content: str, *, now: datetime | None = None) -> int:
    """A reply through the provider's upstream callback: STOP (or 退订, TD...) stops every SMS to that mobile."""
    if content.strip().upper() not in STOP_WORDS:
        return 0
    checked = check_phone(phone or "")
    if not checked.value:
        return 0
    index = blind_index("phone", checked.value)
    stopped = 0
    for subscription in ResidentSms.objects.filter(phone_index=index, stopped_at__isnull=True).select_related(
        "case__household"
    ):
        switch_off(None, subscription.case, "reply", now=now)
        stopped += 1
    return stopped


def schedule_messages(since: datetime, now: datetime) -> int:
    """The resident SMS rows of the window: a reminder per slot that came due, an end notice per case
    released. Only for communities whose SMS channel is on, and people who agreed and did not stop."""
    from alleykeeper.alerts.scan import insert

    on = set(ChannelConfig.objects.filter(kind=ChannelKind.SMS, enabled=True).values_list("community_id", flat=True))
    if not on:
        return 0
    subscribed = ResidentSms.objects.filter(consent=True, stopped_at__isnull=True, case__community__in=on)
    rows = []
    slots = FollowUpSlot.objects.filter(
        case__in=subscribed.values("case_id"), case__status__in=OPEN_STATUSES, due_at__gt=since, due_at__lte=now
    ).select_related("case")
    for slot in slots:
        body = resident_text(Kind.RESIDENT_REMINDER, slot=_local_hhmm(slot.closes_at), link=LINK_PLACEHOLDER)
        rows.append(_row(slot.case, Kind.RESIDENT_REMINDER, f"slot:{slot.pk}", body, now, expires_at=slot.closes_at))
    ended = ObservationCase.objects.filter(
        pk__in=subscribed.values("case_id"), status=CaseStatus.RELEASED, closed_at__gt=since, closed_at__lte=now
    )
    for case in ended:
        day = schedule.local_date(case.closed_at)
        body = resident_text(Kind.RESIDENT_END, day=f"{day:%m月%d日}")
        rows.append(_row(case, Kind.RESIDENT_END, f"case:{case.pk}:end", body, now))
    return insert(rows)


def _row(case: ObservationCase, kind: str, key: str, body: str, now: datetime, expires_at=None) -> Message:
    return Message(
        community_id=case.community_id,
        grid_id=case.grid_id,
        case=case,
        kind=kind,
        event_key=key,
        channel=ChannelKind.SMS,
        recipient_key=f"case:{case.pk}",
        recipient_label=case.phone_masked or "本人",
        title=Kind(kind).label,
        body=body,
        status=Status.PENDING,
        next_attempt_at=now,
        expires_at=expires_at,
        created_at=now,
    )


def template_params(row: Message, subscription: ResidentSms | None) -> dict:
    """What the provider's approved template is filled with, and the full text (with the real link)."""
    if row.kind == Kind.RESIDENT_REMINDER:
        token = decrypt(subscription.link_token_enc) if subscription else ""
        link = absolute(reverse("observation:self_report", args=[token])) if token else ""
        slot = _local_hhmm(row.expires_at) if row.expires_at else ""
        return {"time": slot, "link": link, "sms_text": row.body.replace(LINK_PLACEHOLDER, link)}
    return {"sms_text": row.body}
