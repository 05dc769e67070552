"""Fixtures shared by every app's tests and the browser tests: the world and its personas."""

import pytest
from django.test import Client

from testkit.second_factor import force_login_verified
from testkit.world import World, build_world

# Personas signed in by `force_login` (in every fixture, whatever its scope) have passed the second factor, as
# after the login's code step (testkit/second_factor.py); the second factor itself is tested through the login
# (accounts/tests/test_second_factor.py, e2e/test_totp.py).
Client.force_login = force_login_verified


@pytest.fixture(autouse=True, scope="session")
def _no_idle_timeout() -> None:
    """Tests move the clock by hours, days or back with one signed-in client, in fixtures of every scope; the
    idle timeout has its own test (core/tests/test_security_headers.py)."""
    from django.conf import settings

    settings.SESSION_IDLE_MINUTES = 30 * 24 * 60


@pytest.fixture(autouse=True)
def _fast_and_immediate(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(db) -> World:
    return build_world()


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_admin(world) -> Client:
    return _client_for(world.admin)


@pytest.fixture
def as_worker_a(world) -> Client:
    return _client_for(world.worker_a)


@pytest.fixture
def as_worker_b(world) -> Client:
    return _client_for(world.worker_b)


@pytest.fixture
def as_duty(world) -> Client:
    return _client_for(world.duty)


@pytest.fixture
def as_officer(world) -> Client:
    return _client_for(world.officer)


@pytest.fixture
def personas(world) -> dict[str, Client]:
    clients = {
        name: _client_for(getattr(world, name))
        for name in ("admin", "worker_a", "worker_b", "duty", "officer", "volunteer")
    }
    clients["anonymous"] = Client()
    return clients
