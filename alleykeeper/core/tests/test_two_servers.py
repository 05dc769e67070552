"""Several app servers, one database: two gunicorn servers on loopback against one PostgreSQL database and one
Redis share a session (signed in on one, recognised by the other), a rate limit (the visitor form's limit per
client counts the posts to both) and a background job's progress (a worker process moves the job on; both
servers show where it is).

PostgreSQL only (the servers get a database of their own, migrated and dropped here), and Redis on 127.0.0.1.
"""

import http.client
import re
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from django.conf import settings

from alleykeeper.visitors.tests.live_server import (
    PYTHON,
    ROOT,
    Visitor,
    drop_postgres_database,
    gunicorn,
    postgres_url,
    prepare_site,
    recreate_postgres_database,
    visitor_fields,
)

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
REDIS_URL = "redis://127.0.0.1:6379/5"
PASSWORD = "two-Servers-passw0rd"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="two app servers on one database: needs PostgreSQL"),
    pytest.mark.skipif(not _redis_up(), reason=f"needs Redis at {REDIS_URL}"),
]

# An admin with a password, and an import job waiting in the queue of background tasks (django-tasks' database
# backend), as if uploaded a moment ago.
SEED = """
import sys
import django
django.setup()
from alleykeeper.accounts.roles import Role
from alleykeeper.accounts.models import User
from alleykeeper.registry import import_jobs, tasks
from alleykeeper.registry.models import Community
from alleykeeper.registry.tests.import_files import good_rows, xlsx_bytes

community = Community.objects.get()
admin = User.objects.create_user("zhang_admin", password=sys.argv[1], role=Role.ADMIN)
admin.communities.add(community)
job = import_jobs.create_job(admin, community, [xlsx_bytes(good_rows())], "台账.xlsx")
tasks.analyse_import.enqueue(job.pk)
print(f"JOB={job.pk}")
"""


class Browser:
    """Cookies kept by hand (plain http.client), sent to whichever server is asked."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, fields: dict | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode({**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text


@pytest.fixture
def site():
    redis.Redis.from_url(REDIS_URL).flushdb()
    url = postgres_url(f"ak_two_servers_{uuid.uuid4().hex[:8]}")
    recreate_postgres_database(url)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        uploads = workdir / "uploads"
        uploads.mkdir()
        env = {
            "REDIS_URL": REDIS_URL,
            "VISITOR_RATE_PER_CLIENT": "3",
            "PRIVATE_UPLOAD_ROOT": str(uploads),
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        }
        site = prepare_site(url, workdir, **env)
        seeded = subprocess.run(  # noqa: S603 - our own interpreter and script
            [PYTHON, "-c", SEED, PASSWORD], cwd=ROOT, env=site.env, capture_output=True, text=True, timeout=120
        )
        assert seeded.returncode == 0, seeded.stderr
        site.job = int(re.search(r"JOB=(\d+)", seeded.stdout)[1])
        try:
            with gunicorn(site, workers=1) as port_a, gunicorn(site, workers=1) as port_b:
                yield site, port_a, port_b
        finally:
            drop_postgres_database(url)
            redis.Redis.from_url(REDIS_URL).flushdb()


def test_session_rate_limit_and_job_progress_hold_across_two_servers(site):
    site, a, b = site

    # A session: signed in on server A, recognised by server B (sessions live in the database).
    browser = Browser()
    assert browser.request(a, "GET", "/accounts/login/")[0] == 200
    status, _, _ = browser.request(a, "POST", "/accounts/login/", {"username": "zhang_admin", "password": PASSWORD})
    assert status == 302, "login on server A"
    status, _, page = browser.request(b, "GET", "/")
    assert status == 200 and "zhang_admin" in page, "server B knows the session made on server A"

    # A background job: queued on the database; both servers show it waiting, then a worker process runs it and
    # both show where it got to.
    job_page = f"/register/import/{site.job}/"
    for port in (a, b):
        status, _, page = browser.request(port, "GET", job_page)
        assert status == 200 and "排队中" in page
    worker = subprocess.run(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=site.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    for port in (a, b):
        page = browser.request(port, "GET", job_page)[2]
        assert "排队中" not in page and "<h2>确认各列对应的字段</h2>" in page and "共 3 行数据" in page

    # A rate limit: three registrations a minute from one client, counted across both servers (Redis).
    statuses = []
    for n, port in enumerate((a, b, a, b)):
        visitor = Visitor(port, site.token)
        visitor.open_form()
        statuses.append(visitor.post(f"/v/{site.token}/", visitor_fields(n, uuid.uuid4().hex))[0])
    assert statuses[:3] == [303, 303, 303] and statuses[3] == 429, statuses
