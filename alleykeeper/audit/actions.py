"""What writes the audit log: record_event (one record), record_events (a batch), both made by audit_event."""

from django.db import models

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.logging import redact


def _ref(obj: models.Model | None) -> tuple[str, int | None]:
    if obj is None:
        return "", None
    return obj._meta.label_lower, obj.pk


# Paths from an audited object to its community, tried in order.
_COMMUNITY_PATHS = (
    ("community_id",),
    ("household", "community_id"),
    ("enclosure", "community_id"),
    ("gate", "enclosure", "community_id"),
    ("case", "community_id"),
    ("campaign", "community_id"),
    ("batch", "community_id"),
)


def _community_id(obj: models.Model | None) -> int | None:
    if obj is None:
        return None
    if obj._meta.label_lower == "registry.community":
        return obj.pk
    for path in _COMMUNITY_PATHS:
        value: object = obj
        for step in path:
            value = getattr(value, step, None)
            if value is None:
                break
        if isinstance(value, int):
            return value
    return None


def _redact_detail(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_detail(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_detail(item) for item in value]
    return value


def record_event(actor, action: str, obj: models.Model | None = None, **what: object) -> AuditEvent:
    """Write the audit record of one action (the keyword arguments are audit_event's)."""
    event = audit_event(actor, action, obj, **what)
    event.save()
    return event


def record_events(events: list[AuditEvent]) -> list[AuditEvent]:
    """Write the records of several actions at once (each made by audit_event): a command's batch, as the
    street's daily reports are, in one INSERT rather than one per record."""
    return AuditEvent.objects.bulk_create(events)


def audit_event(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    parent: models.Model | None = None,
    label: str = "",
    purpose: str = "",
    reason: str = "",
    scope: str = "",
    row_count: int | None = None,
    client_ip: str | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """The audit record of one action, not written yet: who, what, where (its community), why."""
    object_type, object_id = _ref(obj)
    parent_type, parent_id = _ref(parent)
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=str(actor) if actor is not None and actor.is_authenticated else "系统",
        community_id=_community_id(obj) or _community_id(parent),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=redact(label or (str(obj) if obj is not None else ""))[:200],
        parent_type=parent_type,
        parent_id=parent_id,
        purpose=purpose,
        reason=redact(reason)[:300],
        scope=redact(scope)[:300],
        row_count=row_count,
        client_ip=client_ip or None,
        detail=_redact_detail(detail or {}),
    )
