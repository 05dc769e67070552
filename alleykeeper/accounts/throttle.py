"""Login throttling per account and per client, checked before any password is hashed."""

from django.conf import settings

from alleykeeper.core import ratelimit


def is_locked(username: str, ip: str) -> bool:
    return (
        ratelimit.count("login-user", username.lower()) >= settings.LOGIN_FAILURES_PER_ACCOUNT
        or ratelimit.count("login-ip", ip) >= settings.LOGIN_FAILURES_PER_CLIENT
    )


def record_failure(username: str, ip: str) -> None:
    ratelimit.hit("login-user", username.lower(), settings.LOGIN_THROTTLE_WINDOW)
    ratelimit.hit("login-ip", ip, settings.LOGIN_THROTTLE_WINDOW)


def record_success(username: str) -> None:
    ratelimit.reset("login-user", username.lower())
