"""Alerts fixtures: a case in grid A (worker A) and one in grid B (worker B), opened on Tuesday 10 March 2026 at
08:00 Shanghai (slots at 09:00 and 17:00), a community doctor, and the clock held at chosen moments."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from alleykeeper.accounts.roles import Role
from alleykeeper.alerts.models import ChannelKind, Kind, Rule
from alleykeeper.observation.actions import CaseTerms, Person, open_cases
from alleykeeper.observation.models import ObservationCase
from testkit.world import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


OPENED = local(2026, 3, 10, 8, 0)


def open_case(world, household, worker) -> ObservationCase:
    resident = household.residents.first()
    terms = CaseTerms(reason="key_area", day_zero_basis="arrival", day_zero=date(2026, 3, 9), assigned_worker=worker)
    return open_cases(world.admin, household, [Person(resident.name, resident)], terms, now=OPENED)[0]


@pytest.fixture
def clock():
    """Move the clock: `clock(local(...))` holds it there (the sending job reads it)."""
    travellers = []

    def move(moment: datetime) -> datetime:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)
        return moment

    yield move
    for traveller in travellers:
        traveller.stop()


@pytest.fixture
def case_a(world, clock) -> ObservationCase:
    clock(OPENED)
    return open_case(world, world.household_a, world.worker_a)


@pytest.fixture
def case_b(world, clock) -> ObservationCase:
    clock(OPENED)
    return open_case(world, world.household_b, world.worker_b)


@pytest.fixture
def doctor(world):
    """The community's doctor, named in the fever rules (另外通知)."""
    user = make_user("doctor", Role.ADMIN, communities=[world.community])
    for kind in (Kind.FEVER, Kind.RETEST_FEVER):
        rule = Rule.objects.create(
            community=world.community,
            kind=kind,
            to_case_worker=True,
            to_admins=False,
            channels=[ChannelKind.INBOX, ChannelKind.WECOM],
        )
        rule.users.add(user)
    return user


@pytest.fixture
def run_scan(django_capture_on_commit_callbacks):
    """The timer's run: the scan, then the sending job it queues (ImmediateBackend: at once)."""
    from alleykeeper.alerts.scan import scan

    def run(now: datetime):
        with django_capture_on_commit_callbacks(execute=True):
            return scan(now)

    return run


@pytest.fixture(autouse=True)
def _local_robots(settings) -> None:
    """The tests' group robots are local fakes (pytest-httpserver): their host is let through."""
    settings.ALERTS_WEBHOOK_HOSTS = [*settings.ALERTS_WEBHOOK_HOSTS, "localhost", "127.0.0.1"]


@pytest.fixture
def wecom(world, httpserver):
    """The community's 企业微信 robot: a local fake (pytest-httpserver) that answers ok."""
    from alleykeeper.alerts.actions import ChannelSettings, save_channel

    httpserver.expect_request("/cgi-bin/webhook/send", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    url = httpserver.url_for("/cgi-bin/webhook/send") + "?key=robot-key-123456"
    save_channel(world.admin, world.community, ChannelKind.WECOM, ChannelSettings(enabled=True, endpoint=url))
    return httpserver
