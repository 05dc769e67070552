"""Test support: a signed-in test client whose session passed the second factor, as after the login's code step;
the code an authenticator shows now (browser tests and scripts/screenshots.py type it).

Only tests and scripts use this (conftest.py patches `Client.force_login` with it); production code never marks a
session verified without a code.
"""

import time

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from alleykeeper.accounts.middleware import LAST_SEEN_KEY

_plain_force_login = Client.force_login


def force_login_verified(client: Client, user, backend: str | None = None) -> None:
    """`Client.force_login`, then the session is verified with the user's authenticator (one is enrolled if
    the user has none)."""
    _plain_force_login(client, user, backend)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="测试验证器", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[LAST_SEEN_KEY] = timezone.now().timestamp()  # as the login stamps it
    session.save()


def current_code(device: TOTPDevice) -> str:
    """The code the authenticator shows now; the next step's when this step's code was used already (a code
    is accepted once)."""
    device.refresh_from_db()
    step_now = int(time.time() - device.t0) // device.step
    drift = 1 if device.last_t is not None and device.last_t >= step_now else 0
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):0{device.digits}d}"
    )
