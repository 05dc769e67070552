"""Households and residents through the API: scope, masking, the audited reveal, keyset pages, sync."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from alleykeeper.api.models import TokenScope
from alleykeeper.api.tests.conftest import api_for
from alleykeeper.audit.models import AuditEvent
from alleykeeper.registry.models import Resident
from testkit.world import add_resident, make_household, make_id

pytestmark = pytest.mark.django_db


def _all(client, path: str, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        body = client.get(path, **params, **({"cursor": cursor} if cursor else {})).json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_lists_are_scoped_like_the_pages(world):
    names = {r["name"] for r in _all(api_for(world.worker_a), "/api/v1/residents")}
    assert names == {"王翠琳"}
    assert {r["name"] for r in _all(api_for(world.admin), "/api/v1/residents")} == {"王翠琳", "吴晶晶"}
    assert {h["id"] for h in _all(api_for(world.officer), "/api/v1/households")} == {
        world.household_a.pk,
        world.household_b.pk,
    }


def test_residents_of_one_household_and_a_household_number_out_of_range(world):
    admin = api_for(world.admin)
    assert {r["name"] for r in _all(admin, "/api/v1/residents", household=world.household_a.pk)} == {"王翠琳"}
    for bad in ("91716173598184202947264512", "0", "-3", "一"):  # beyond a bigint (found by schemathesis)
        response = admin.get("/api/v1/residents", household=bad)
        body = response.json()
        assert response.status_code == 422 and body["errors"][0]["field"].endswith("household"), bad


def test_out_of_scope_is_404_and_no_capability_is_403(world):
    other = world.household_other.residents.get()
    worker_a = api_for(world.worker_a)
    assert worker_a.get(f"/api/v1/residents/{other.pk}").status_code == 404
    assert worker_a.get(f"/api/v1/households/{world.household_b.pk}").status_code == 404
    assert worker_a.get("/api/v1/households/999999").status_code == 404
    refused = api_for(world.duty).get("/api/v1/residents")
    assert refused.status_code == 403 and refused.json()["message"]


def test_every_identity_value_is_masked(world):
    resident = world.household_a.residents.get()
    body = api_for(world.admin).get(f"/api/v1/residents/{resident.pk}").json()
    assert body["doc_number"] == resident.doc_number_masked and "*" in body["doc_number"]
    assert body["phone"] == "138****1234"
    full_id, full_phone = resident.full_document_number(), resident.full_phone()
    for path in ("/api/v1/residents", f"/api/v1/residents/{resident.pk}", "/api/v1/households"):
        text = api_for(world.admin).get(path).content.decode()
        assert full_id not in text and full_phone not in text


def test_reveal_needs_a_purpose_and_is_audited(world):
    resident = world.household_a.residents.get()
    client = api_for(world.worker_a, TokenScope.WRITE)
    for bad in ({"field": "doc"}, {"field": "doc", "purpose": "curiosity"}, {"field": "name", "purpose": "screening"}):
        response = client.post(f"/api/v1/residents/{resident.pk}/reveal", bad)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "invalid" and response.json()["errors"]
    assert (
        "follow_up"
        in client.post(f"/api/v1/residents/{resident.pk}/reveal", {"field": "doc", "purpose": "x"}).json()["message"]
    )
    assert not AuditEvent.objects.filter(action__startswith="identity.reveal").exists()
    response = client.post(f"/api/v1/residents/{resident.pk}/reveal", {"field": "doc", "purpose": "screening"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response.json()["value"] == resident.full_document_number()
    event = AuditEvent.objects.get(action="identity.reveal_doc")
    assert event.actor == world.worker_a and event.purpose == "screening" and event.object_id == resident.pk


def test_reveal_out_of_scope_or_without_permission(world):
    other = world.household_other.residents.get()
    assert (
        api_for(world.worker_a, "write")
        .post(f"/api/v1/residents/{other.pk}/reveal", {"field": "doc", "purpose": "screening"})
        .status_code
        == 404
    )
    mine = world.household_a.residents.get()
    officer = api_for(world.officer, "write")
    assert (
        officer.post(f"/api/v1/residents/{mine.pk}/reveal", {"field": "doc", "purpose": "screening"}).status_code == 403
    )


def test_keyset_pages_are_stable_under_inserts(world):
    """Rows added while a client pages (before or after its cursor) never repeat or skip a row it had not read."""
    for i in range(7):
        add_resident(world.household_a, f"居民{i}", make_id(order=f"{300 + 2 * i:03d}"))
    client = api_for(world.admin)
    first = client.get("/api/v1/residents", limit=3).json()
    seen = [r["id"] for r in first["items"]]
    # Inserted mid-way: ids grow, so new rows land after the cursor and are read once, never shifting a page.
    add_resident(world.household_b, "新来的", make_id(order="500"))
    cursor = first["next_cursor"]
    while cursor:
        body = client.get("/api/v1/residents", limit=3, cursor=cursor).json()
        seen += [r["id"] for r in body["items"]]
        cursor = body["next_cursor"]
    expected = list(Resident.objects.visible_to(world.admin).order_by("pk").values_list("pk", flat=True))
    assert seen == expected and len(seen) == len(set(seen)) == 10


def test_a_cursor_of_another_list_is_refused(world):
    for i in range(3):
        make_household(world.grid_a, "9号楼", f"10{i}")
    client = api_for(world.admin)
    cursor = client.get("/api/v1/households", limit=1).json()["next_cursor"]
    response = client.get("/api/v1/residents", cursor=cursor)
    assert response.status_code == 400 and "next_cursor" in response.json()["message"]
    for bad in ("%%%", "e30", "a" * 400):
        assert client.get("/api/v1/households", cursor=bad).status_code == 400


def test_updated_since_lists_only_changes(world):
    start = timezone.now()
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        changed = world.household_a.residents.get()
        changed.notes = "改过"
        changed.save(update_fields=["notes", "updated_at"])
    client = api_for(world.admin)
    since = (start + timedelta(minutes=30)).isoformat()
    assert [r["id"] for r in _all(client, "/api/v1/residents", updated_since=since)] == [changed.pk]
    assert client.get("/api/v1/residents", updated_since="yesterday").status_code == 422
    # Offsets and years at ISO 8601's ends (PostgreSQL's offsets stop at ±15:59; UTC may leave the calendar).
    for edge, found in (("1200-09-13T07:47:31-22:03", 2), ("0001-01-01T00:00:00", 2), ("9999-12-31T23:59:59-23:59", 0)):
        assert len(_all(client, "/api/v1/residents", updated_since=edge)) == found, edge


def test_list_queries_do_not_grow(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_for(world.admin)
    client.get("/api/v1/households")  # the token's first use is noted (one UPDATE), then not for 5 minutes

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, limit=100).status_code == 200
        return len(captured)

    few = {path: count(path) for path in ("/api/v1/households", "/api/v1/residents")}
    for i in range(20):
        household = make_household(world.grid_a, f"{i % 3 + 20}号楼", f"{i}01")
        add_resident(household, f"居民{i}", make_id(order=f"{600 + 2 * i:03d}"))
    assert {path: count(path) for path in few} == few
