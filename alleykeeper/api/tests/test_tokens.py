"""API tokens: the owner creates (secret shown once, stored hashed), lists and revokes them; scopes hold."""

import pytest
from django.test import Client
from django.urls import reverse

from alleykeeper.api.models import ApiToken, TokenScope, hash_secret
from alleykeeper.api.tests.conftest import ApiClient, api_for
from alleykeeper.audit.models import AuditEvent
from testkit.second_factor import _plain_force_login

pytestmark = pytest.mark.django_db


def _create(client, name: str = "区健康平台", scope: str = "read", purpose: str = "report_upward") -> str:
    response = client.post(reverse("api:tokens"), {"name": name, "scope": scope, "purpose": purpose})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return response.context["created"].secret


def test_owner_creates_a_token_seen_once_and_stored_hashed(world, as_worker_a):
    secret = _create(as_worker_a, scope="write")
    token = ApiToken.objects.get(owner=world.worker_a)
    assert token.scope == TokenScope.WRITE and token.secret_hash == hash_secret(secret)
    assert not ApiToken.objects.filter(secret_hash=secret).exists()  # never the secret itself
    page = as_worker_a.get(reverse("api:tokens")).content.decode()
    assert "区健康平台" in page and token.prefix in page and secret not in page
    assert AuditEvent.objects.filter(action="api_token.create", actor=world.worker_a).exists()


def test_a_session_without_the_second_factor_makes_no_token(world):
    """A token acts without a session (the API asks no code), so only a session verified with a code makes one:
    else a grid worker who never enrolled could reveal ID numbers through the API."""
    client = Client()
    _plain_force_login(client, world.worker_a)
    response = client.post(reverse("api:tokens"), {"name": "区健康平台", "scope": "write"})
    assert response.status_code == 400 and "两步验证" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_bad_token_form_says_what_to_fix(as_worker_a):
    ok = {"name": "x", "scope": "read", "purpose": "screening"}
    for bad in (
        {**ok, "name": ""},
        {**ok, "scope": "admin"},
        {**ok, "name": "x" * 61},
        {**ok, "purpose": ""},
        {**ok, "purpose": "curiosity"},
    ):
        response = as_worker_a.post(reverse("api:tokens"), bad)
        assert response.status_code == 400
        assert response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_token_list_is_the_owners_only(world, as_worker_a, as_worker_b):
    _create(as_worker_a, name="甲的令牌")
    assert "甲的令牌" not in as_worker_b.get(reverse("api:tokens")).content.decode()
    token = ApiToken.objects.get()
    assert as_worker_b.post(reverse("api:revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoked_token_is_refused(world, as_worker_a):
    secret = _create(as_worker_a)
    client = ApiClient(secret)
    assert client.get("/api/v1/residents").status_code == 200
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    response = as_worker_a.post(reverse("api:revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = client.get("/api/v1/residents")
    assert refused.status_code == 401
    assert "令牌" in refused.json()["message"]
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_no_token_or_a_wrong_one_is_401(world):
    for client in (ApiClient(None), ApiClient("ak_wrong"), ApiClient("not-even-ours")):
        response = client.get("/api/v1/households")
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_inactive_owner_token_is_refused(world):
    client = api_for(world.worker_a)
    world.worker_a.is_active = False
    world.worker_a.save(update_fields=["is_active"])
    assert client.get("/api/v1/households").status_code == 401


def test_read_token_cannot_write(world):
    resident = world.household_a.residents.get()
    read, write = api_for(world.worker_a, TokenScope.READ), api_for(world.worker_a, TokenScope.WRITE)
    body = {"field": "phone", "purpose": "screening"}
    refused = read.post(f"/api/v1/residents/{resident.pk}/reveal", body)
    assert refused.status_code == 403 and refused.json()["code"] == "read_only_token"
    assert not AuditEvent.objects.filter(action="identity.reveal_phone").exists()
    assert write.post(f"/api/v1/residents/{resident.pk}/reveal", body).status_code == 200


def test_session_cookie_does_not_open_the_api(as_admin):
    """A signed-in browser is no API client: without a token the API answers 401 (and needs no CSRF)."""
    assert as_admin.get("/api/v1/households").status_code == 401


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/residents" in schema["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()


def test_every_list_call_is_a_bulk_read_audited_with_the_tokens_purpose(world, as_worker_a):
    """GUIDE 4: every bulk read records who, when, scope, row count and a purpose from the fixed list. A token is
    created with its purpose (the system behind it reads for that); each page of a list is one audit record."""
    secret = _create(as_worker_a, name="区健康平台同步", purpose="follow_up")
    token = ApiToken.objects.get()
    assert "用途：居家观察随访" in as_worker_a.get(reverse("api:tokens")).content.decode()
    client = ApiClient(secret)
    page = client.get("/api/v1/residents?limit=1")
    assert page.status_code == 200
    rows = len(page.json()["items"])
    event = AuditEvent.objects.get(action="api.list")
    assert (event.actor, event.purpose, event.row_count) == (world.worker_a, "follow_up", rows)
    assert "居民" in event.scope and "区健康平台同步" in event.scope and event.detail["token"] == token.pk
    client.get("/api/v1/households")
    client.get("/api/v1/key-persons")
    assert AuditEvent.objects.filter(action="api.list").count() == 3
    client.get(f"/api/v1/residents/{world.household_a.residents.get().pk}")  # one record is no bulk read
    assert AuditEvent.objects.filter(action="api.list").count() == 3
