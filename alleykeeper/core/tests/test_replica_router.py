"""The replica router's rules, without a replica (test_replica.py runs them against a real one): reads go to the
replica only inside an opt-in scope, never after a write of the same request, never inside a transaction on the
primary; writes always go to the primary; a request that wrote pins the browser to the primary."""

import pytest
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core import replica
from alleykeeper.core.replica import PIN_COOKIE, ReplicaRouter, ReplicaScopeMiddleware, reading_replica, use_replica
from alleykeeper.registry.models import Household

router = ReplicaRouter()


def test_reads_go_to_the_replica_only_inside_the_scope():
    assert router.db_for_read(Household) is None
    with reading_replica():
        assert router.db_for_read(Household) == "replica"
    assert router.db_for_read(Household) is None


def test_after_a_write_the_scope_reads_the_primary():
    with reading_replica():
        assert router.db_for_write(Household) == "default"
        assert router.db_for_read(Household) is None


def test_an_audit_record_is_a_write_nothing_reads_back():
    with reading_replica():
        router.db_for_write(AuditEvent)
        assert router.db_for_read(Household) == "replica"


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_on_the_primary_reads_stay_there():
    with reading_replica(), transaction.atomic():
        assert router.db_for_read(Household) is None


def test_migrations_only_on_the_primary():
    assert router.allow_migrate("default", "registry") and not router.allow_migrate("replica", "registry")


def _through_middleware(view, request: HttpRequest) -> HttpResponse:
    return ReplicaScopeMiddleware(lambda r: use_replica(view)(r))(request)


def test_a_request_that_wrote_pins_the_browser_to_the_primary(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    seen = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(router.db_for_read(Household))
        router.db_for_write(Household)
        seen.append(router.db_for_read(Household))
        return HttpResponse("ok")

    response = _through_middleware(view, RequestFactory().post("/"))
    assert seen == ["replica", None]
    assert response.cookies[PIN_COOKIE].value == "1"

    pinned = RequestFactory().get("/")
    pinned.COOKIES[PIN_COOKIE] = "1"
    seen.clear()
    _through_middleware(lambda r: HttpResponse(seen.append(router.db_for_read(Household)) or "ok"), pinned)
    assert seen == [None]


def test_a_streamed_download_reads_the_replica_while_it_streams():
    def rows():
        yield router.db_for_read(Household) or "default"

    def view(request: HttpRequest) -> HttpResponse:
        return StreamingHttpResponse(rows())

    response = _through_middleware(view, RequestFactory().get("/"))
    assert b"".join(response.streaming_content) == b"replica"
    assert router.db_for_read(Household) is None  # and nothing is left behind
