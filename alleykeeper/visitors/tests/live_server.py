"""The real thing for the fault test and bench/registration.py: gunicorn on loopback against a database of
its own, and a plain http.client visitor that fetches the form and posts it (cookies and CSRF included).

Production settings (DEBUG off) with only what a loopback test must change: plain HTTP (no SSL redirect or
secure cookies), static files without a manifest (no collectstatic), limits from the caller."""

import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parents[3]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable

OVERLAY = """
from alleykeeper.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""

SEED = """
import sys
import django
from django.core.management import call_command

django.setup()
call_command("migrate", "--no-input", verbosity=0)
from alleykeeper.gates.models import Enclosure, Gate
from alleykeeper.places.models import Division
from alleykeeper.registry.models import Community, Street

street, _ = Street.objects.get_or_create(name="开元街道")
community, _ = Community.objects.get_or_create(street=street, name="开元社区")
enclosure, _ = Enclosure.objects.get_or_create(community=community, name="东片区")
gate, _ = Gate.objects.get_or_create(enclosure=enclosure, name="东门")
Division.objects.get_or_create(code="440000", defaults={"name": "广东省", "level": 1})
Division.objects.get_or_create(code="440300", defaults={"name": "深圳市", "level": 2, "parent_id": "440000"})
sys.stdout.write("TOKEN=" + gate.token + "\\n")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url(name: str, base: str = "") -> str:
    """URL of database `name` on the server of `base` (default: the server the settings point at)."""
    if base:
        return f"{base.rstrip('/')}/{name}"
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def _admin_conninfo(url: str) -> str:
    return re.sub(r"/[^/]+$", "/postgres", url)


def recreate_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Site:
    """A prepared database (migrated, one gate) and the environment to serve it with."""

    env: dict[str, str]
    token: str
    workdir: Path


def prepare_site(database_url: str, workdir: Path, **extra_env: str) -> Site:
    """Migrate `database_url` (which must be a database of its own) and make one gate, in one process."""
    (workdir / "loopback_settings.py").write_text(OVERLAY, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": f"{workdir}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "loopback_settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        **extra_env,
    }
    site = Site(env=env, token="", workdir=workdir)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [PYTHON, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"preparing the database failed:\n{done.stdout}\n{done.stderr}")
    site.token = re.search(r"TOKEN=(\S+)", done.stdout)[1]
    return site


@contextmanager
def gunicorn(site: Site, workers: int = 2, **extra_env: str):
    """gunicorn on 127.0.0.1 (loopback only); yields the port; stops it (its own process only)."""
    port = free_port()
    env = {**site.env, **extra_env}
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, fixed arguments
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "alleykeeper.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--preload",  # import Django once, then fork: workers are up in a second, not one by one
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("gunicorn did not start:\n" + log.read().decode(errors="replace")[-3000:])
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


class Visitor:
    """One phone: fetches the form once (cookie + CSRF token), then posts registrations."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.cookie = ""
        self.csrf = ""

    def _request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Host": "127.0.0.1"}
            if self.cookie:
                headers["Cookie"] = self.cookie
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            conn.close()

    def open_form(self) -> None:
        status, headers, page = self._request("GET", f"/v/{self.token}/")
        if status != 200:
            raise RuntimeError(f"form answered {status}")
        self.cookie = headers["set-cookie"].split(";", 1)[0]
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        status, headers, _ = self._request("POST", path, urlencode({**fields, "csrfmiddlewaretoken": self.csrf}))
        return status, headers.get("location", "")

    def confirmation_code(self, location: str) -> str:
        status, _, page = self._request("GET", location)
        found = re.search(r'aria-label="登记码">([0-9A-Z]{6})<', page)
        return found[1] if status == 200 and found else ""


CHINESE_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")


def visitor_fields(n: int, key: str) -> dict[str, str]:
    from datetime import date, timedelta

    first17 = f"440304199001{n % 28 + 1:02d}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    return {
        "name": "来访" + str(n).translate(CHINESE_DIGITS),  # a name has no digits (来访一二三)
        "doc_type": "id_card",
        "doc_number": first17 + check,
        "phone": f"139{n % 100_000_000:08d}",
        "arrival_date": (date.today() - timedelta(days=1)).isoformat(),  # never "future" in any time zone
        "origin": "440300",
        "transport": "train",
        "transport_number": "D3125",
        "reason": "探亲",
        "host_address": "3号楼302",
        "host_name": "王翠琳",
        "submission_key": key,
    }
