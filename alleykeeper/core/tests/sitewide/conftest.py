"""The site-wide tests (crawl, hostile forms, query counts) share one demo community, loaded once."""

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from alleykeeper.core.tests.sitewide.test_crawl import Outsiders, _add_outsiders
from alleykeeper.demo.activity import load_demo_activity
from alleykeeper.demo.community import load_demo_community
from testkit.crawl import SITE_MOMENT, Crawl, client_for, crawl


@pytest.fixture(scope="package")
def outsiders(django_db_setup, django_db_blocker, tmp_path_factory) -> Outsiders:
    """The demo and the outsiders, written once for the site-wide tests (what the root conftest.py's autouse
    settings give each test, here for the package) and rolled back after the package's last test: the demo
    is the costly part of these tests, loaded once instead of once per module."""
    quick = {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        "PRIVATE_UPLOAD_ROOT": tmp_path_factory.mktemp("uploads"),
    }
    with (
        time_machine.travel(SITE_MOMENT),
        django_db_blocker.unblock(),
        override_settings(**quick),
        transaction.atomic(),
    ):
        load_demo_community("crawl-Passw0rd")
        load_demo_activity()
        yield _add_outsiders()
        transaction.set_rollback(True)
    cache.clear()  # the demo's visitors filled the key-area cache


class SiteCrawls:
    """Each persona's crawl of the demo, made once when first asked for and shared by the package's tests: the
    crawl test checks its pages, the hostile-form test reads the forms on them, the query-count test measures
    their routes. (Crawling is most of these tests' time; one crawl per persona instead of three.)"""

    def __init__(self) -> None:
        self._crawls: dict[str, Crawl] = {}

    def __getitem__(self, persona: str) -> Crawl:
        if persona not in self._crawls:
            self._crawls[persona] = crawl(client_for(persona))
        return self._crawls[persona]


@pytest.fixture(scope="package")
def site_crawls(outsiders) -> SiteCrawls:
    return SiteCrawls()
