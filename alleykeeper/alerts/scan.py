"""The scan (`manage.py scan_alerts`, every minute by a timer): find new events since the watermark, turn
each into messages for its recipients, and hand what is due to the sending job.

Idempotent: messages are inserted with ignore_conflicts against the unique (kind, event_key,
recipient_key, channel), so a second run, two runs at once or an overlapping window make nothing new.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alleykeeper.alerts import resident
from alleykeeper.alerts.events import ADMINS, WORKERS, Event, all_events
from alleykeeper.alerts.models import GROUP_CHANNELS, ChannelConfig, ChannelKind, Message, ScanMark, Status
from alleykeeper.alerts.rules import Audience, rules_for, terms_of
from alleykeeper.alerts.tasks import send_due_messages
from alleykeeper.alerts.text import for_group

MARK = "events"
OVERLAP = timedelta(minutes=5)


@dataclass(frozen=True)
class ScanResult:
    events: int
    created: int
    enqueued: bool


def _window(now: datetime) -> tuple[datetime, ScanMark]:
    mark, _ = ScanMark.objects.get_or_create(
        name=MARK, defaults={"watermark": now - timedelta(minutes=settings.ALERTS_SCAN_LOOKBACK_MINUTES)}
    )
    return min(mark.watermark, now) - OVERLAP, mark


def _recipients(event: Event, terms, audience: Audience) -> list:
    people = {}
    if terms.to_case_worker and event.audience != ADMINS:
        if event.case_worker_id is not None:
            worker = audience.by_id.get(event.case_worker_id)
            people.update({worker.pk: worker} if worker else {})
        elif event.grid_id is not None:
            people.update({u.pk: u for u in audience.grid_workers.get(event.grid_id, [])})
    if event.audience != WORKERS:
        if terms.to_admins or event.audience == ADMINS:
            people.update({u.pk: u for u in audience.admins.get(event.community_id, [])})
        people.update({pk: audience.by_id[pk] for pk in terms.user_ids if pk in audience.by_id})
    return [u for u in people.values() if (u.pk, event.kind) not in audience.muted]


def messages_for(events: list[Event], now: datetime) -> list[Message]:
    """The message rows of these events: per recipient on their channels, and once per event per group robot."""
    communities = {e.community_id for e in events}
    stored = rules_for(communities)
    extra = {pk for terms in stored.values() for pk in terms.user_ids}
    for event in events:
        if event.case_worker_id:
            extra.add(event.case_worker_id)
    audience = Audience.load(communities, extra, now)
    configured = set(
        ChannelConfig.objects.filter(community__in=communities, enabled=True).values_list("community_id", "kind")
    )
    rows = []
    for event in events:
        terms = terms_of(stored, event.community_id, event.kind)
        if not terms.enabled:
            continue

        def row(channel: str, key: str, label: str, recipient=None, text: str = "", event: Event = event) -> Message:
            inbox = channel == ChannelKind.INBOX
            return Message(
                community_id=event.community_id,
                grid_id=event.grid_id,
                case_id=event.case_id,
                kind=event.kind,
                event_key=event.key,
                channel=channel,
                recipient=recipient,
                recipient_key=key,
                recipient_label=label[:60],
                title=event.title,
                body=(text or event.body)[:500],
                link=event.link,
                status=Status.SENT if inbox else Status.PENDING,
                sent_at=now if inbox else None,
                next_attempt_at=None if inbox else now,
                created_at=now,
            )

        for person in _recipients(event, terms, audience):
            rows.append(row(ChannelKind.INBOX, f"user:{person.pk}", str(person), person))
            if ChannelKind.EMAIL in terms.channels and person.email and (event.community_id, "email") in configured:
                rows.append(row(ChannelKind.EMAIL, f"user:{person.pk}", str(person), person))
        if event.audience != WORKERS:
            for channel in GROUP_CHANNELS:
                if channel in terms.channels and (event.community_id, channel) in configured:
                    label = ChannelKind(channel).label
                    rows.append(row(channel, "group", label, text=for_group(event.title, event.body, event.link)))
    return rows


def insert(rows: list[Message]) -> int:
    """Insert, leaving alone those that exist (the unique constraint); returns how many are new."""
    if not rows:
        return 0
    before = Message.objects.count()
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return Message.objects.count() - before


def scan(now: datetime | None = None, *, send: bool = True) -> ScanResult:
    now = now or timezone.now()
    with transaction.atomic():
        since, mark = _window(now)
        events = all_events(since, now)
        created = insert(messages_for(events, now)) + resident.schedule_messages(since, now)
        if mark.watermark < now:
            ScanMark.objects.filter(pk=mark.pk).update(watermark=now)
    enqueued = False
    if send and Message.objects.due(now).exists():
        transaction.on_commit(lambda: send_due_messages.enqueue())
        enqueued = True
    return ScanResult(events=len(events), created=created, enqueued=enqueued)
