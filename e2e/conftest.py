"""Shared fixtures of the browser tests: a live server, one Chromium per session, phone-sized pages, login.

Playwright for Python drives Debian's Chromium (/usr/bin/chromium); `playwright install` is never needed.
The live server (pytest-django) serves static files through django.contrib.staticfiles, and every test
using it runs on a transactional database, so that the server thread sees what the test wrote.
"""

import importlib
import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from e2e.helpers import E2E_PASSWORD, do_login
from testkit.crawl import SITE_MOMENT
from testkit.world import World, build_world

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under e2e/ is a browser test, marked or not (`pytest -m "not e2e"` skips them all)."""
    for item in items:
        if "/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _server_clock(time_machine) -> None:
    """Every browser test starts at one moment, a Tuesday morning, and the clock runs from there: the live
    server (a thread of this process) reads it, so a test cannot depend on the hour CI happens to run at
    (`test_admin_plans_a_week` picked another shift at 09:00). Session cookies carry Max-Age, which the
    browser counts on its own clock, so logging in works whatever the server believes the date is."""
    time_machine.move_to(SITE_MOMENT)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (`make system-test-deps` installs it)")
    # Playwright's sync API keeps an event loop in this thread; Django would then refuse ORM calls made
    # by the test itself (SynchronousOnlyOperation). The calls really are synchronous, so allow them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _context(browser: Browser, live_server, viewport: dict, *, phone: bool) -> BrowserContext:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(20_000)  # generous: CI machines are shared and slow
    return context


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A desktop-sized page on the live server (relative URLs work: page.goto("/register/"))."""
    context = _context(browser, live_server, DESKTOP, phone=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser: Browser, live_server) -> Iterator[Page]:
    """A phone-sized page (390 x 844, touch), the screen most staff work on."""
    context = _context(browser, live_server, PHONE, phone=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def live_world(transactional_db) -> World:
    """The test world (conftest.py personas) with a known password on every persona, for real logins."""
    world = build_world()
    for name in ("admin", "worker_a", "worker_b", "duty", "officer", "volunteer"):
        user = getattr(world, name)
        user.set_password(E2E_PASSWORD)
        user.save(update_fields=["password"])
    return world


@pytest.fixture
def report_formats(transactional_db) -> None:
    """The daily report's office formats, rows written by a data migration (reports/0003): a browser test
    before this one emptied every table when it ended, so they are loaded again, by the migration itself."""
    from django.apps import apps

    importlib.import_module("alleykeeper.reports.migrations.0003_report_formats").load(apps, None)


@pytest.fixture
def login() -> Callable[..., None]:
    """`login(page, user, password=E2E_PASSWORD)`: a user object or a username."""
    return do_login
