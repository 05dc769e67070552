"""Login throttling (GUIDE.md section 4): per account and per client, refused before any password is hashed."""

from unittest import mock

import pytest
from django.contrib.auth import base_user, forms
from django.test import Client
from django.urls import reverse

from testkit.world import make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PASSWORD = "Correct-horse-42"
LOCKED = "尝试次数过多"
WRONG = "用户名或密码不对"


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_FAILURES_PER_CLIENT = 5
    settings.TRUSTED_PROXIES = []
    return settings


@pytest.fixture
def wangcl(limits):
    return make_user("wangcl", "grid_worker", password=PASSWORD)


def _login(client: Client, username: str, password: str, ip: str = "192.0.2.10", forwarded: str = ""):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_right_password_logs_in(wangcl):
    client = Client()
    response = _login(client, "wangcl", PASSWORD)
    assert response.status_code == 302 and _logged_in(client)


def test_account_locks_after_failures_even_with_the_right_password(wangcl):
    client = Client()
    for _ in range(3):
        response = _login(client, "wangcl", "wrong-password")
        assert response.status_code == 200 and WRONG in response.content.decode()
    # Locked now: from this client, from another client, and with the name typed in capitals.
    for ip, username in (("192.0.2.10", "wangcl"), ("198.51.100.99", "wangcl"), ("192.0.2.10", "WangCL")):
        response = _login(client, username, PASSWORD, ip=ip)
        assert response.status_code == 200
        page = response.content.decode()
        assert LOCKED in page and "分钟后再试" in page
        assert not _logged_in(client)


def test_locked_login_never_reaches_authenticate_or_the_hasher(wangcl):
    client = Client()
    for _ in range(3):
        _login(client, "wangcl", "wrong-password")
    with (
        mock.patch.object(forms, "authenticate", wraps=forms.authenticate) as authenticate,
        mock.patch.object(base_user, "check_password", wraps=base_user.check_password) as check_password,
        mock.patch.object(base_user, "make_password", wraps=base_user.make_password) as make_password,
    ):
        response = _login(client, "wangcl", PASSWORD)
        assert LOCKED in response.content.decode()
        assert authenticate.call_count == 0
        assert check_password.call_count == 0 and make_password.call_count == 0
        # An unlocked account on the same client still goes through authenticate(): the patch is live.
        make_user("wujj", "grid_worker", password=PASSWORD)
        response = _login(client, "wujj", PASSWORD)
        assert response.status_code == 302 and authenticate.call_count == 1


def test_success_resets_the_account_counter(wangcl):
    client = Client()
    for _ in range(2):
        _login(client, "wangcl", "wrong-password")
    assert _login(client, "wangcl", PASSWORD).status_code == 302
    client = Client()
    for _ in range(2):
        _login(client, "wangcl", "wrong-password")
    assert _login(client, "wangcl", PASSWORD).status_code == 302, "two new failures after a success do not lock"


def test_client_locks_after_failures_on_many_accounts(wangcl):
    client = Client()
    for n in range(5):  # guessing across accounts: each account stays under its own limit
        _login(client, f"nobody{n}", "wrong-password", ip="203.0.113.7")
    response = _login(client, "wangcl", PASSWORD, ip="203.0.113.7")
    assert LOCKED in response.content.decode() and not _logged_in(client)
    other = Client()
    assert _login(other, "wangcl", PASSWORD, ip="203.0.113.8").status_code == 302


def test_forwarded_for_is_ignored_from_an_untrusted_peer(wangcl):
    client = Client()
    for n in range(5):  # a forged, rotating X-Forwarded-For does not escape the per-client limit
        _login(client, f"nobody{n}", "wrong-password", ip="203.0.113.7", forwarded=f"10.9.8.{n}")
    response = _login(client, "wangcl", PASSWORD, ip="203.0.113.7", forwarded="10.9.8.200")
    assert LOCKED in response.content.decode()


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(wangcl, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    client = Client()
    for n in range(5):
        _login(client, f"nobody{n}", "wrong-password", ip="127.0.0.1", forwarded="198.51.100.7, 10.0.0.3")
    locked = _login(client, "wangcl", PASSWORD, ip="127.0.0.1", forwarded="198.51.100.7")
    assert LOCKED in locked.content.decode()
    # Another person behind the same proxy is a different client.
    other = Client()
    assert _login(other, "wangcl", PASSWORD, ip="127.0.0.1", forwarded="198.51.100.8").status_code == 302


def test_throttle_counts_under_hashed_keys(wangcl):
    from django.core.cache import cache

    from alleykeeper.core import ratelimit

    _login(Client(), "wangcl", "wrong-password", ip="192.0.2.55")
    user_key, ip_key = ratelimit._key("login-user", "wangcl"), ratelimit._key("login-ip", "192.0.2.55")
    assert cache.get(user_key) == 1 and cache.get(ip_key) == 1
    assert "wangcl" not in user_key and "192.0.2.55" not in ip_key, "no username or address in cache keys"
