"""Every write of API tokens: create (the secret is shown once), revoke, and note a use."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from alleykeeper.api.models import ApiToken, hash_secret
from alleykeeper.audit.actions import record_event
from alleykeeper.audit.models import Purpose

SECRET_PREFIX = "ak_"  # noqa: S105 - a visible marker of our tokens (secret scanners know it), not a secret
# A token's last use is written at most this often: a busy client does not turn every read into a write.
LAST_USED_STEP = timedelta(minutes=5)


@dataclass
class NewToken:
    token: ApiToken
    secret: str  # shown to the owner once, never stored


def create_token(
    owner, name: str, scope: str, *, purpose: str = Purpose.REPORT_UPWARD, now: datetime | None = None
) -> NewToken:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        owner=owner,
        name=name,
        scope=scope,
        purpose=purpose,
        prefix=secret[: len(SECRET_PREFIX) + 5],
        secret_hash=hash_secret(secret),
        created_at=now or timezone.now(),
    )
    record_event(owner, "api_token.create", token, purpose=purpose, detail={"name": name, "scope": scope})
    return NewToken(token, secret)


def revoke_token(actor, token: ApiToken, *, now: datetime | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor, "api_token.revoke", token, detail={"name": token.name})
    return token


def token_for_secret(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The active token of `secret` with its owner, its last use noted; None for an unknown or revoked one."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    token = ApiToken.objects.active().select_related("owner").filter(secret_hash=hash_secret(secret)).first()
    if token is None or not token.owner.is_active:
        return None
    moment = now or timezone.now()
    if token.last_used_at is None or moment - token.last_used_at > LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
        token.last_used_at = moment
    return token


def record_list_read(request, resource: str, label: str, rows: int) -> None:
    """A list call is a bulk read of people's data (GUIDE 4): who (the token's owner), which list, how many rows,
    and why (the purpose the token was created with), one audit record per page."""
    token = request.auth
    record_event(
        request.user,
        "api.list",
        token,
        label=f"接口读取：{label}",
        purpose=token.purpose,
        scope=f"{label}（令牌“{token.name}”）",
        row_count=rows,
        detail={"resource": resource, "token": token.pk},
    )
