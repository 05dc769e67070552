"""Closed cases are kept OBSERVATION_RETENTION_DAYS after release or transfer, then deleted with their
follow-ups, slots, requests and notes. The audit log keeps only the counts."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.observation.models import (
    OPEN_STATUSES,
    CaseNote,
    FollowUp,
    FollowUpSlot,
    ObservationCase,
    ServiceRequest,
)


@dataclass(frozen=True)
class Purged:
    cases: int
    followups: int
    requests: int


def purge_closed_cases(now: datetime | None = None, *, batch: int = 1000) -> Purged:
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OBSERVATION_RETENTION_DAYS)
    old = ObservationCase.objects.exclude(status__in=OPEN_STATUSES).filter(closed_at__lt=cutoff)
    cases = followups = requests = 0
    while ids := list(old.values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            followups += FollowUp.objects.filter(case_id__in=ids).delete()[0]
            requests += ServiceRequest.objects.filter(case_id__in=ids).delete()[0]
            FollowUpSlot.objects.filter(case_id__in=ids).delete()
            CaseNote.objects.filter(case_id__in=ids).delete()
            cases += ObservationCase.objects.filter(pk__in=ids).delete()[0]
    if cases:
        record_event(
            None,
            "observation.purge",
            label="居家观察到期清理",
            row_count=cases,
            scope=f"{settings.OBSERVATION_RETENTION_DAYS} 天前结束的观察",
            detail={"followups": followups, "requests": requests},
        )
    return Purged(cases, followups, requests)
