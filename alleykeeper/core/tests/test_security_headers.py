"""Security headers and the content security policy on every response, what the crawl flags as inline script,
and the session idle timeout (the crawl checks the policy on every page: testkit/crawl.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from testkit.crawl import csp_problems, html_problems

pytestmark = pytest.mark.django_db
PAGE = "<!doctype html><html><head><title>t</title></head><body><h1>t</h1>{}</body></html>"


def test_a_page_carries_the_policy_and_the_security_headers(client):
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert csp_problems(policy) == []
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert "<script>" not in response.content.decode()


def test_a_loose_or_missing_policy_is_flagged():
    assert csp_problems("") == ["no Content-Security-Policy header"]
    assert csp_problems("default-src 'self'; script-src 'self' 'unsafe-inline'")
    assert csp_problems("default-src *")


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<button onclick="go()">x</button>',
        '<div hx-on::after-swap="x()"></div>',
        '<a href="javascript:go()">x</a>',
    ],
)
def test_the_crawl_flags_inline_script(markup):
    problems, _ = html_problems(PAGE.format(markup))
    assert problems, markup


def test_json_data_and_script_files_are_fine():
    markup = '<script id="c" type="application/json">{"a": 1}</script><script src="/static/core/app.js"></script>'
    assert html_problems(PAGE.format(markup))[0] == []


def test_an_idle_session_is_signed_out(as_admin, settings):
    settings.SESSION_IDLE_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert as_admin.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert as_admin.get("/").status_code == 200  # still there, and the idle clock starts again
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert as_admin.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=89), tick=False):
        response = as_admin.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "已自动退出" in response.content.decode()
