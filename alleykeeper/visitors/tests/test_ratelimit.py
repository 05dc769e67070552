"""Rate limits per client and per gate (HTTP 429, friendly page), and the trusted-proxy rule for the client."""

import pytest
from django.test import Client

from alleykeeper.visitors.models import Registration
from alleykeeper.visitors.tests.conftest import form_data, make_gate
from testkit.world import make_id

pytestmark = pytest.mark.django_db


def _post(visit, n: int, client: Client | None = None, **meta: str):
    data = form_data(key=f"key{n:021d}", doc_number=make_id(order=f"{n:03d}"))
    return (client or Client()).post(visit.url, data, **meta)


def test_one_client_is_limited_per_minute_with_a_friendly_page(visit, settings):
    settings.VISITOR_RATE_PER_CLIENT = 3
    assert [_post(visit, n).status_code for n in range(3)] == [303, 303, 303]
    response = _post(visit, 3)
    page = response.content.decode()
    assert response.status_code == 429 and "提交太频繁了" in page and "不会丢失" in page
    assert response["Retry-After"] == "60"
    assert Registration.objects.count() == 3
    # another client is not affected
    assert _post(visit, 4, REMOTE_ADDR="10.1.2.3").status_code == 303
    # reading the form is never limited
    assert Client().get(visit.url).status_code == 200


def test_one_gate_is_limited_whoever_posts(world, visit, settings):
    settings.VISITOR_RATE_PER_GATE = 2
    settings.VISITOR_RATE_PER_CLIENT = 100
    codes = [_post(visit, n, REMOTE_ADDR=f"10.0.0.{n + 1}").status_code for n in range(3)]
    assert codes == [303, 303, 429]
    other = make_gate(world, name="西门")
    data = form_data(key="w" * 24, doc_number=make_id(order="888"))
    assert Client().post(f"/v/{other.token}/", data, REMOTE_ADDR="10.0.0.9").status_code == 303
    assert Registration.objects.count() == 3


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(visit, settings):
    """A client cannot dodge its limit by sending a different X-Forwarded-For on each post."""
    settings.VISITOR_RATE_PER_CLIENT = 2
    settings.TRUSTED_PROXIES = []
    codes = [_post(visit, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]
    assert codes == [303, 303, 429]


def test_behind_a_trusted_proxy_each_client_counts_alone(visit, settings):
    settings.VISITOR_RATE_PER_CLIENT = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    first = [_post(visit, n, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code for n in range(3)]
    assert first == [303, 303, 429]
    # a second phone behind the same proxy still gets through
    assert _post(visit, 5, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy).status_code == 303
    # a spoofed hop before the real one does not help: the rightmost untrusted address is the client
    spoofed = _post(visit, 6, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **proxy)
    assert spoofed.status_code == 429


def test_forged_tokens_count_against_the_client(visit, settings):
    settings.VISITOR_RATE_PER_CLIENT = 2
    for _ in range(2):
        assert Client().post("/v/forged-token-that-is-long-enough/", form_data()).status_code == 404
    assert _post(visit, 1).status_code == 429
