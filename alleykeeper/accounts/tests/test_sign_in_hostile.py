"""The sign-in forms posted with hostile values, as the site-wide test posts every other form (its crawl does not
reach them: its personas are signed in already): the password form, the code step of the login and the
enrolment of an authenticator. No server error, a refusal in words, nothing echoed unescaped, nobody signed in,
and the `next` address after the code never leads off the site."""

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from alleykeeper.core.tests.sitewide.test_hostile_forms import SCRIPT, TEXT_VALUES, shows_a_message
from testkit.second_factor import _plain_force_login

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-passw0rd-for-tests"
MOMENT = "2026-03-10 02:00:00+00:00"
OFF_SITE = ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "http:evil.example"]


def _refused(response, *, signed_in: bool = False) -> list[str]:
    page = response.content.decode(errors="replace")
    problems = []
    if response.status_code != 200:
        problems.append(f"answers {response.status_code}")
    if SCRIPT in page:
        problems.append("shows the script unescaped")
    if not shows_a_message(page):
        problems.append("refuses without a message")
    if "_auth_user_id" in response.wsgi_request.session and not signed_in:
        problems.append("signed someone in")
    return problems


@pytest.fixture
def admin(world):
    world.admin.set_password(PASSWORD)
    world.admin.save(update_fields=["password"])
    return world.admin


@pytest.mark.parametrize("field", ["username", "password"])
def test_the_password_form_refuses_hostile_values(admin, field):
    problems = []
    for kind, value in TEXT_VALUES.items():
        cache.clear()  # the login throttle would answer the later posts for us
        data = {"username": "admin", "password": PASSWORD, field: value}
        problems += [f"{field}={kind}: {p}" for p in _refused(Client().post(reverse("accounts:login"), data))]
    assert not problems, "\n".join(problems)


@time_machine.travel(MOMENT, tick=False)
def test_the_code_step_refuses_hostile_codes_and_never_leads_off_the_site(admin):
    device = TOTPDevice.objects.create(user=admin, name="手机", confirmed=True)
    problems = []
    for kind, value in TEXT_VALUES.items():
        cache.clear()
        client = Client()
        client.post(reverse("accounts:login"), {"username": "admin", "password": PASSWORD})
        response = client.post(reverse("accounts:login_code"), {"code": value, "next": OFF_SITE[0]})
        problems += [f"code={kind}: {p}" for p in _refused(response)]
    assert not problems, "\n".join(problems)

    for number, target in enumerate(OFF_SITE):
        cache.clear()
        client = Client()
        with time_machine.travel(f"2026-03-10 02:{number + 1:02d}:00+00:00", tick=False):  # a fresh code each
            code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
            client.post(reverse("accounts:login"), {"username": "admin", "password": PASSWORD})
            response = client.post(reverse("accounts:login_code"), {"code": code, "next": target})
        assert response.status_code == 302, target
        assert response["Location"] == reverse("center:home"), target  # signed in, and sent home instead


@time_machine.travel(MOMENT, tick=False)
def test_enrolling_an_authenticator_refuses_hostile_codes(admin):
    client = Client()
    _plain_force_login(client, admin)
    url = reverse("accounts:two_factor")
    client.post(url, {"start": "1"})
    problems = []
    for kind, value in TEXT_VALUES.items():
        problems += [f"code={kind}: {p}" for p in _refused(client.post(url, {"code": value}), signed_in=True)]
    assert not problems, "\n".join(problems)
    assert not TOTPDevice.objects.get(user=admin).confirmed
