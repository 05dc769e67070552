"""The demo's weekly roster: loaded at any hour, 城北路口 has a shift on duty now led by 庄建国; a demo loaded
last week is staffed today once the generator has run (`make run` and the daily timer run it).

The demo community is loaded once for the module (inside a transaction rolled back after its last test);
each test writes the roster at its own moment (time-machine) in a savepoint rolled back after it."""

import random
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from alleykeeper.accounts.models import User
from alleykeeper.demo import activity
from alleykeeper.demo import data as plan
from alleykeeper.demo.community import load_demo_community
from alleykeeper.gates.models import Shift
from alleykeeper.registry.models import Community

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MOMENTS = {
    "00:05": datetime(2026, 3, 2, 0, 5, tzinfo=SHANGHAI),
    "03:50": datetime(2026, 3, 2, 3, 50, tzinfo=SHANGHAI),
    "07:59": datetime(2026, 3, 2, 7, 59, tzinfo=SHANGHAI),
    "12:10": datetime(2026, 3, 2, 12, 10, tzinfo=SHANGHAI),
    "23:55": datetime(2026, 3, 2, 23, 55, tzinfo=SHANGHAI),
    "31 Dec 23:59": datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI),
    "28 Feb 2028 23:59": datetime(2028, 2, 28, 23, 59, tzinfo=SHANGHAI),
}


@pytest.fixture(scope="module")
def community(django_db_setup, django_db_blocker) -> Community:
    quick = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}
    with django_db_blocker.unblock(), override_settings(**quick), transaction.atomic():
        load_demo_community("roster-Passw0rd")
        yield Community.objects.get(name=plan.COMMUNITY)
        transaction.set_rollback(True)


def _load_roster(community: Community, now: datetime) -> str:
    demo = activity.Demo(
        community=community,
        today=now.date(),
        now=now,
        rng=random.Random(activity.SEED),
        users={u.username: u for u in User.objects.filter(username__in=[s.username for s in plan.STAFF])},
        divisions={},
    )
    return activity._roster(demo)


def _on_duty_at_the_gate(now: datetime) -> Shift:
    return Shift.objects.covering(now).get(gate__name=activity.DUTY_GATE)


@pytest.mark.parametrize("moment", MOMENTS)
def test_loaded_at_any_hour_the_gate_is_on_duty_now(community, moment, time_machine):
    now = MOMENTS[moment]
    time_machine.move_to(now, tick=False)
    with transaction.atomic():
        summary = _load_roster(community, now)
        shift = _on_duty_at_the_gate(now)
        assert shift.leader.user.username == "zhuangjg" and shift.strength == 3, summary
        assert shift.members.filter(user__username="wangcl").exists()
        assert "每周排班 9 条" in summary
        # The roster ran on the days before the loading too: the reports of those days count the gates as
        # staffed (at each of the last three days' same hour, each roster gate has its shift).
        for days in (1, 2, 3):
            earlier = Shift.objects.covering(now - timedelta(days=days))
            assert set(earlier.values_list("gate__name", flat=True)) == set(activity.ROSTER_GATES), days
        transaction.set_rollback(True)


def test_loaded_last_week_staffed_today_after_the_timer(community, time_machine):
    loaded = MOMENTS["12:10"]
    time_machine.move_to(loaded, tick=False)
    with transaction.atomic():
        _load_roster(community, loaded)
        later = loaded + timedelta(days=16, hours=9)  # past the fortnight made at loading, another shift
        time_machine.move_to(later, tick=False)
        assert not Shift.objects.covering(later).exists()
        out = StringIO()
        call_command("generate_shifts", stdout=out)
        assert "notes=0" in out.getvalue()
        shift = _on_duty_at_the_gate(later)
        assert shift.strength == 3 and shift.leader is not None
        call_command("generate_shifts", stdout=out)
        assert out.getvalue().rstrip().endswith("shifts=0 members=0 notes=0")
        transaction.set_rollback(True)
