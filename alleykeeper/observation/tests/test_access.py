"""Who may open which observation page: role (403) and scope (404)."""

import pytest
from django.urls import reverse

from alleykeeper.observation.deliveries import create_request

pytestmark = pytest.mark.django_db

# persona -> status for (case in grid A, case in grid B)
CASE_MATRIX = {
    "admin": (200, 200),
    "worker_a": (200, 404),
    "worker_b": (404, 200),
    "officer": (403, 403),
    "duty": (403, 403),
    "volunteer": (403, 403),
}


@pytest.mark.parametrize("persona", list(CASE_MATRIX))
def test_case_pages_by_role_and_scope(world, personas, case_a, case_b, persona):
    client = personas[persona]
    for case, expected in zip((case_a, case_b), CASE_MATRIX[persona], strict=True):
        for name in ("case", "call", "notice", "request_new"):
            response = client.get(reverse(f"observation:{name}", args=[case.pk]))
            assert response.status_code == expected, (persona, name, case.name)


@pytest.mark.parametrize(
    ("persona", "today", "deliveries"),
    [
        ("admin", 200, 200),
        ("worker_a", 200, 200),
        ("officer", 403, 403),
        ("duty", 403, 403),
        ("volunteer", 403, 200),
    ],
)
def test_today_and_deliveries_by_role(world, personas, persona, today, deliveries):
    client = personas[persona]
    assert client.get(reverse("observation:today")).status_code == today
    assert client.get(reverse("observation:deliveries")).status_code == deliveries


def test_anonymous_is_sent_to_login(world, personas, case_a):
    for url in (reverse("observation:today"), reverse("observation:case", args=[case_a.pk])):
        response = personas["anonymous"].get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["extend", "transfer", "release", "escalate", "clear_fever", "reassign"])
def test_status_changes_are_for_managers_and_in_scope(world, as_worker_a, as_admin, personas, case_a, name):
    url = reverse(f"observation:{name}", args=[case_a.pk])
    assert as_worker_a.get(url).status_code == 403
    assert as_admin.get(url).status_code == 200
    assert personas["worker_b"].get(url).status_code == 403


def test_other_community_is_404_even_for_its_neighbours_admin(world, as_admin):
    from alleykeeper.observation.tests.conftest import open_case_for

    other = open_case_for(world, world.household_other, world.admin)
    assert as_admin.get(reverse("observation:case", args=[other.pk])).status_code == 404
    assert as_admin.post(reverse("observation:note", args=[other.pk]), {"text": "x"}).status_code == 404
    assert as_admin.post(reverse("observation:link", args=[other.pk])).status_code == 404


def test_phone_reveal_is_audited_and_scoped(world, as_worker_a, as_worker_b, case_a):
    from alleykeeper.audit.models import AuditEvent

    url = reverse("observation:phone", args=[case_a.pk])
    assert as_worker_b.post(url, {"purpose": "follow_up"}).status_code == 404
    response = as_worker_a.post(url, {"purpose": "follow_up"})
    assert response.status_code == 200 and "tel:13859901234" in response.content.decode()
    event = AuditEvent.objects.get(action="identity.reveal_phone", object_id=case_a.pk)
    assert event.purpose == "follow_up" and "13859901234" not in str(event.detail)
    # The case page and the call page, where the number is dialled, offer it masked with the button to show it.
    for name in ("observation:case", "observation:call"):
        page = as_worker_a.get(reverse(name, args=[case_a.pk])).content.decode()
        assert "13859901234" not in page and "138****1234" in page and url in page and "显示号码以拨打" in page, name


def test_lists_show_only_scope(world, as_worker_a, case_a, case_b):
    page = as_worker_a.get(reverse("observation:cases")).content.decode()
    assert case_a.name in page and case_b.name not in page
    create_request(world.admin, case_b, "groceries")
    page = as_worker_a.get(reverse("observation:today")).content.decode()
    assert case_b.name not in page
