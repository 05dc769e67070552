"""Schemathesis against the served OpenAPI schema (through the WSGI app, in process): generated requests to
every operation, with an admin's write token, find no server error and no answer that breaks the schema
(status code, content type, body). Small (EXAMPLES per operation) so that it runs in seconds.

Hypothesis drives each operation's strategy directly (schemathesis's own pytest plugin does not run under
pytest 9: it sets a node attribute pytest removed)."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alleykeeper.api.actions import create_token
from alleykeeper.api.tests.builders import build_records
from alleykeeper.wsgi import application

pytestmark = pytest.mark.django_db
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 15


@contextmanager
def _connections_kept() -> Iterator[None]:
    """What Django's test client does around a request: the WSGI app must not close the test's database
    connection at the end of each request (on PostgreSQL that would end the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_api_answers_as_its_schema_says(settings, world):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis's WSGI host
    build_records(world)  # a record of every resource, so that lists and some ids answer with data
    headers = {"Authorization": f"Bearer {create_token(world.admin, 'schemathesis', 'write').secret}"}
    with _connections_kept():
        _fuzz(headers)


def _fuzz(headers: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
