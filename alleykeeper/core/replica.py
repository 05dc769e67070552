"""Reads from a PostgreSQL streaming replica (DATABASE_REPLICA_URL), only where a view opts in and never after a
write: README "Read replica".

- Opt in: `@use_replica` on a view (dashboards, reports, exports, long lists), or `with reading_replica():`.
  A streamed download reads the replica while it streams too.
- Read your writes: once the request (or task) wrote anything through the ORM, the rest of it reads the primary
  (the router's `db_for_write` marks it), and so does anything inside a transaction on the primary. The next
  requests of the same browser read the primary too for REPLICA_PIN_SECONDS (a short cookie), so a page shown
  right after a save never misses the save because of replication lag.
- Writes that nothing reads back in the request (the audit record of an export, the session) do not count.
- Without DATABASE_REPLICA_URL nothing changes: there is one database.
"""

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "ak_primary"
# Writes that do not make the request read the primary afterwards: nothing reads them back in the request.
UNREAD_WRITES = frozenset({"audit.auditevent", "sessions.session"})


@dataclass
class _Scope:
    allowed: bool = False
    wrote: bool = False


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("alleykeeper_replica_scope", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reading_replica() -> Iterator[None]:
    """Reads inside go to the replica (unless something was written first in this request or task)."""
    scope = _scope.get()
    token = None
    if scope is None:
        scope = _Scope()
        token = _scope.set(scope)
    allowed_before, scope.allowed = scope.allowed, True
    try:
        yield
    finally:
        scope.allowed = allowed_before
        if token is not None:
            _scope.reset(token)


def use_replica(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view whose reads may come from the replica; a streamed response reads it while streaming."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.COOKIES.get(PIN_COOKIE):
            return view(request, *args, **kwargs)
        with reading_replica():
            scope = _scope.get()
            response = view(request, *args, **kwargs)
        if getattr(response, "streaming", False):
            response.streaming_content = _streaming_in(scope, response.streaming_content)
        return response

    return wrapped


def _streaming_in(scope: _Scope | None, content: Iterator[bytes]) -> Iterator[bytes]:
    scope = scope or _Scope()
    token = _scope.set(scope)
    allowed_before, scope.allowed = scope.allowed, True
    try:
        yield from content
    finally:
        scope.allowed = allowed_before
        try:
            _scope.reset(token)
        except ValueError:  # closed from another context (a server that closes elsewhere): nothing to restore
            pass


class ReplicaRouter:
    """DATABASE_ROUTERS when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model: type[Model], **hints: object) -> str | None:
        scope = _scope.get()
        if scope is None or not scope.allowed or scope.wrote or connections["default"].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: object) -> str:
        scope = _scope.get()
        if scope is not None and model._meta.label_lower not in UNREAD_WRITES:
            scope.wrote = True
        return "default"

    def allow_relation(self, obj1: Model, obj2: Model, **hints: object) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        return db == "default"


class ReplicaScopeMiddleware:
    """One scope per request: what it wrote decides where its later reads go; a request that wrote pins the
    browser to the primary for REPLICA_PIN_SECONDS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = _Scope()
        token = _scope.set(scope)
        try:
            response = self.get_response(request)
        finally:
            _scope.reset(token)
        if scope.wrote and replica_configured():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
