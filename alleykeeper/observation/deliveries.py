"""Services to the door: a need becomes a request, is assigned, delivered without contact, and confirmed
by the family in the next call."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alleykeeper.audit.actions import record_event
from alleykeeper.observation.models import (
    OPEN_REQUEST_STATUSES,
    FollowUp,
    NeedKind,
    ObservationCase,
    RequestStatus,
    ServiceRequest,
)


class DeliveryError(Exception):
    """A delivery step that cannot be done now; the message says why, in Chinese."""


def _actor(actor):
    return actor if actor is not None and actor.is_authenticated else None


@transaction.atomic
def create_request(
    actor, case: ObservationCase, kind: str, detail: str = "", *, now: datetime | None = None
) -> ServiceRequest:
    now = now or timezone.now()
    if kind not in NeedKind.values:
        raise DeliveryError("请选择需要配送的物品类别。")
    request = ServiceRequest.objects.create(
        case=case,
        kind=kind,
        detail=" ".join(detail.split())[:200],
        requested_at=now,
        requested_by=_actor(actor),
        due_by=now + timedelta(hours=settings.OBSERVATION_REQUEST_DUE_HOURS),
    )
    record_event(actor, "observation.request", request, parent=case, label=f"{case.name} {request.get_kind_display()}")
    return request


def open_requests_for_needs(
    actor, case: ObservationCase, needs: list[str], detail: str = "", *, now: datetime | None = None
) -> list[ServiceRequest]:
    """Needs said in a call become requests, one per kind not already requested and still open."""
    if not needs:
        return []
    already = set(
        ServiceRequest.objects.filter(case=case, status__in=OPEN_REQUEST_STATUSES).values_list("kind", flat=True)
    )
    return [create_request(actor, case, kind, detail, now=now) for kind in needs if kind not in already]


@transaction.atomic
def assign_request(actor, request: ServiceRequest, assignee, *, now: datetime | None = None) -> ServiceRequest:
    if request.status not in (RequestStatus.REQUESTED, RequestStatus.ASSIGNED):
        raise DeliveryError("已送达或已结束的配送不能再派单。")
    request.assignee, request.assigned_at, request.status = assignee, now or timezone.now(), RequestStatus.ASSIGNED
    request.save(update_fields=["assignee", "assigned_at", "status"])
    record_event(
        actor,
        "observation.request_assign",
        request,
        parent=request.case,
        label=str(request),
        detail={"to": assignee.pk},
    )
    return request


@transaction.atomic
def deliver_request(
    actor, request: ServiceRequest, left_at: str, delivered_at: datetime | None = None, *, now: datetime | None = None
) -> ServiceRequest:
    """Contactless delivery: where it was left and when. The family confirms in the next call."""
    now = now or timezone.now()
    delivered_at = delivered_at or now
    left_at = " ".join((left_at or "").split())
    if request.status not in (RequestStatus.REQUESTED, RequestStatus.ASSIGNED):
        raise DeliveryError("这单已经登记过送达或已结束。")
    if not left_at:
        raise DeliveryError("请写明物品放在哪里，如“挂在门把手上”。")
    if delivered_at > now + timedelta(minutes=5):
        raise DeliveryError("送达时间不能晚于现在。")
    if delivered_at < request.requested_at:
        raise DeliveryError("送达时间不能早于提出需求的时间。")
    if request.assignee_id is None:
        request.assignee, request.assigned_at = _actor(actor), now
    request.status, request.left_at, request.delivered_at = RequestStatus.DELIVERED, left_at[:100], delivered_at
    request.delivered_by = _actor(actor)
    request.save(update_fields=["status", "left_at", "delivered_at", "delivered_by", "assignee", "assigned_at"])
    record_event(actor, "observation.request_deliver", request, parent=request.case, label=str(request))
    return request


@transaction.atomic
def cancel_request(actor, request: ServiceRequest, reason: str) -> ServiceRequest:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DeliveryError("请填写取消原因。")
    if request.status not in OPEN_REQUEST_STATUSES:
        raise DeliveryError("这单已经结束。")
    request.status = RequestStatus.CANCELLED
    request.save(update_fields=["status"])
    record_event(actor, "observation.request_cancel", request, parent=request.case, label=str(request), reason=reason)
    return request


def settle_confirmations(
    actor, case: ObservationCase, followup: FollowUp, answers: dict[int, bool], *, now: datetime | None = None
) -> None:
    """The family's answer in a call: received (confirmed) or not received (back to the deliverer)."""
    if not answers:
        return
    now = now or timezone.now()
    delivered = ServiceRequest.objects.filter(case=case, status=RequestStatus.DELIVERED, pk__in=list(answers))
    for request in delivered:
        if answers[request.pk]:
            request.status, request.confirmed_at, request.confirmed_in = RequestStatus.CONFIRMED, now, followup
            request.save(update_fields=["status", "confirmed_at", "confirmed_in"])
            record_event(actor, "observation.request_confirm", request, parent=case, label=str(request))
        else:
            request.status, request.delivered_at, request.left_at = RequestStatus.ASSIGNED, None, ""
            request.due_by = max(request.due_by, now + timedelta(hours=2))
            request.save(update_fields=["status", "delivered_at", "left_at", "due_by"])
            record_event(
                actor, "observation.request_not_received", request, parent=case, label=str(request), reason="家属未收到"
            )
