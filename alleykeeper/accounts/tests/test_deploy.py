"""`manage.py check --deploy --fail-level WARNING` passes with production settings from the environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    """What an operator sets in production (README, Configuration); no .env file is read."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "ALLEYKEEPER_ENV_FILE": str(tmp_path / "no.env"),
        "DJANGO_SETTINGS_MODULE": "alleykeeper.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "alleykeeper.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://alleykeeper.example.org",
        "SITE_URL": "https://alleykeeper.example.org",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "SECURE_PROXY_SSL_HEADER": "1",
        "TRUSTED_PROXIES": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own manage.py with our own interpreter
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_settings(production_env):
    result = _check(production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_when_debug_is_on(production_env):
    result = _check({**production_env, "DEBUG": "1"})
    assert result.returncode != 0
    assert "W018" in result.stdout + result.stderr  # DEBUG in deployment


def test_missing_secret_key_is_named(production_env):
    env = dict(production_env)
    del env["SECRET_KEY"]
    result = _check(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_per_process_cache(production_env):
    result = _check({**production_env, "CACHE_BACKEND": "locmem"})
    assert result.returncode != 0
    assert "CACHE_BACKEND=locmem" in result.stderr and "REDIS_URL" in result.stderr


def test_production_without_redis_shares_the_cache_in_the_database(production_env):
    script = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    done = subprocess.run(  # noqa: S603 - our own manage.py with our own interpreter
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "shell", "-c", script],
        env=production_env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip().endswith("django.core.cache.backends.db.DatabaseCache"), done.stderr
