"""The second factor (TOTP): roles that can reveal identity data, export or manage staff enrol an authenticator
and confirm its code at login; until the session is verified those pages refuse with a link to do so.

The test clients here sign in with the plain `force_login` (no second factor), unlike the personas of the
rest of the suite (testkit/second_factor.py)."""

import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from alleykeeper.accounts.roles import Role
from alleykeeper.accounts.second_factor import SECOND_FACTOR_ROLES
from testkit.second_factor import _plain_force_login

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-passw0rd-for-tests"
MOMENT = "2026-03-10 02:00:00+00:00"


def _unverified(user) -> Client:
    client = Client()
    _plain_force_login(client, user)
    return client


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_roles_that_reveal_export_or_manage_staff_need_it():
    assert SECOND_FACTOR_ROLES == {Role.ADMIN, Role.GRID_WORKER, Role.STREET_OFFICER}


def test_unverified_admin_is_refused_export_with_a_link_to_verify(world):
    client = _unverified(world.admin)
    home = client.get("/").content.decode()
    assert "绑定手机验证器" in home and reverse("accounts:two_factor") in home
    response = client.get(reverse("registry:export"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "需要先完成两步验证" in page and reverse("accounts:two_factor") in page
    resident = world.household_a.residents.get()
    assert client.post(reverse("registry:resident_reveal", args=[resident.pk]), {}).status_code == 403


def test_duty_staff_needs_no_second_factor(world):
    assert "两步验证" not in _unverified(world.duty).get("/").content.decode()


@time_machine.travel(MOMENT, tick=False)
def test_admin_enrols_an_authenticator_and_then_may_export(world):
    client = _unverified(world.admin)
    url = reverse("accounts:two_factor")
    assert "开始绑定" in client.get(url).content.decode()
    client.post(url, {"start": "1"})
    device = TOTPDevice.objects.get(user=world.admin)
    assert not device.confirmed
    page = client.get(url).content.decode()
    assert "<svg" in page and "基于时间" in page
    for bad in ("", "12345", "abcdef", "1234567"):
        response = client.post(url, {"code": bad})
        assert "6 位数字" in response.content.decode(), bad
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    assert "验证码不对" in client.post(url, {"code": wrong}).content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    # django-otp throttles after a failure: the next code is tried a little later
    with time_machine.travel(time.time() + 2, tick=False):
        response = client.post(url, {"code": " ".join(_code(device))})  # spaces are fine
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(reverse("registry:export")).status_code == 200
        assert "两步验证已启用" in client.get(url).content.decode()


@time_machine.travel(MOMENT, tick=False)
def test_login_asks_the_code_of_an_enrolled_account(world):
    world.admin.set_password(PASSWORD)
    world.admin.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=world.admin, name="手机", confirmed=True)
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login_code"))
    assert client.get("/").status_code == 302  # not signed in before the code
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    assert "验证码不对" in client.post(reverse("accounts:login_code"), {"code": wrong}).content.decode()
    with time_machine.travel(time.time() + 2, tick=False):
        response = client.post(reverse("accounts:login_code"), {"code": _code(device), "next": "/register/export/"})
        assert response.status_code == 302 and response["Location"] == "/register/export/"
        assert client.get(reverse("registry:export")).status_code == 200


@time_machine.travel(MOMENT, tick=False)
def test_the_code_step_expires(world):
    world.admin.set_password(PASSWORD)
    world.admin.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=world.admin, name="手机", confirmed=True)
    client = Client()
    client.post(reverse("accounts:login"), {"username": "admin", "password": PASSWORD})
    with time_machine.travel(time.time() + 600, tick=False):
        response = client.post(reverse("accounts:login_code"), {"code": _code(device)})
        assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
        assert client.get("/").status_code == 302


def test_the_code_step_needs_the_password_first(world):
    client = Client()
    assert client.get(reverse("accounts:login_code")).status_code == 302


def test_admin_site_asks_the_second_factor(world):
    world.admin.is_staff = True
    world.admin.save(update_fields=["is_staff"])
    response = _unverified(world.admin).get(reverse("admin:index"))
    assert response.status_code == 302
    following = Client().get(reverse("admin:index"), follow=True)
    assert following.redirect_chain[-1][0].startswith(reverse("accounts:login"))
