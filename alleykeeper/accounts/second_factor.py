"""The second factor (TOTP, django-otp): who needs it, and whether this session has it.

A role that can reveal identity data, export or manage staff needs a second factor: its capabilities that do
so (GUARDED) answer no (`User.can`) in a web session not verified with a code. Elsewhere (management commands,
tasks) there is no session and `can` is unchanged. django-otp's OTPMiddleware marks `request.user` with
`is_verified()`; the device, its key and its throttling (failed codes back off) live in the database.
"""

from typing import TYPE_CHECKING

from django.conf import settings

from alleykeeper.accounts.roles import CAPABILITIES, Capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django_otp.plugins.otp_totp.models import TOTPDevice

GUARDED = frozenset({Capability.REVEAL_IDENTITY, Capability.EXPORT_REGISTER, Capability.MANAGE_STAFF})
SECOND_FACTOR_ROLES = frozenset(role for role, capabilities in CAPABILITIES.items() if capabilities & GUARDED)
# The user waiting for a code between the password and the second step of the login (accounts/views.py).
PENDING_USER_KEY = "ak_second_factor_user"
PENDING_BACKEND_KEY = "ak_second_factor_backend"
PENDING_SINCE_KEY = "ak_second_factor_since"
PENDING_SECONDS = 300


def needs_second_factor(user: "AbstractBaseUser") -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in SECOND_FACTOR_ROLES))


def session_verified(user: "AbstractBaseUser") -> bool:
    """False only for a web session (OTPMiddleware ran) not verified with a code."""
    is_verified = getattr(user, "is_verified", None)
    return is_verified is None or bool(is_verified())


def pending(user: "AbstractBaseUser") -> bool:
    """A signed-in user of a second-factor role whose session has no code yet (the banner, the 403 page)."""
    return needs_second_factor(user) and not session_verified(user)


def confirmed_device(user: "AbstractBaseUser") -> "TOTPDevice | None":
    from django_otp.plugins.otp_totp.models import TOTPDevice  # a model: not imported while models load

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def new_device(user: "AbstractBaseUser") -> "TOTPDevice":
    """A fresh unconfirmed device (any earlier unconfirmed one is dropped): confirmed by its first code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=settings.OTP_TOTP_ISSUER, confirmed=False)
