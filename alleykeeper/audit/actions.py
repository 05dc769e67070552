"""The one function that writes the audit log."""

from django.db import models

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.logging import redact


def _ref(obj: models.Model | None) -> tuple[str, int | None]:
    if obj is None:
        return "", None
    return obj._meta.label_lower, obj.pk


def record_event(
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
    object_type, object_id = _ref(obj)
    parent_type, parent_id = _ref(parent)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=str(actor) if actor is not None and actor.is_authenticated else "系统",
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
        detail=detail or {},
    )
