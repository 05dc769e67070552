"""The personal report link: exactly that person's report for the current slot, nothing else."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from alleykeeper.audit.models import AuditEvent
from alleykeeper.observation.actions import issue_report_link, release_case
from alleykeeper.observation.followups import Report, record_followup
from alleykeeper.observation.models import Channel, FeverState, FollowUp, ObservationCase
from alleykeeper.observation.tests.conftest import open_case_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _url(token: str) -> str:
    return reverse("observation:self_report", args=[token])


def test_link_is_a_token_not_the_case_id_and_only_its_hash_is_stored(world, as_worker_a, case_a):
    response = as_worker_a.post(reverse("observation:link", args=[case_a.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "/observation/r/" in body and response["Cache-Control"] == "no-store"
    token = body.split("/observation/r/")[1].split("/")[0]
    assert len(token) >= 32 and str(case_a.pk) != token
    case_a.refresh_from_db()
    assert token not in case_a.report_token_hash and len(case_a.report_token_hash) == 64
    assert AuditEvent.objects.filter(action="observation.issue_link", object_id=case_a.pk).exists()


def test_report_for_the_current_slot_once_and_no_history_shown(world, case_a):
    record_followup(world.worker_a, case_a, Report(temperature=Decimal("36.4"), note="前一次随访的备注"))
    FollowUp.objects.all().delete()  # the worker's call for this slot is not the point here: free the slot
    case_a.slots.update(status="pending", done_at=None)
    token = issue_report_link(world.worker_a, case_a)
    anonymous = Client()
    page = anonymous.get(_url(token))
    body = page.content.decode()
    assert page.status_code == 200 and "王*琳" in body and "王翠琳" not in body
    for secret in ("36.4", "138", "3号楼", "302", "第一网格", case_a.resident.doc_number_masked, "worker_a"):
        assert secret not in body, secret
    assert page["X-Robots-Tag"].startswith("noindex") and "no-store" in page["Cache-Control"]
    response = anonymous.post(_url(token), {"temperature": "36.7"})
    assert response.status_code == 302
    followup = FollowUp.objects.get()
    assert followup.channel == Channel.SELF and followup.recorded_by is None and followup.case_id == case_a.pk
    # A second report for the same slot (a double tap, or a refresh) is refused: one record.
    anonymous.post(_url(token), {"temperature": "36.8"})
    assert FollowUp.objects.count() == 1
    body = anonymous.get(_url(token)).content.decode()
    assert "本时段已经收到您的上报" in body and "36.7" not in body and "<form" not in body.split("</header>")[1]


def test_other_cases_data_is_never_shown(world, case_a, case_b):
    token_a = issue_report_link(world.worker_a, case_a)
    issue_report_link(world.worker_b, case_b)
    body = Client().get(_url(token_a)).content.decode()
    assert "吴" not in body and "8号楼" not in body
    Client().post(_url(token_a), {"temperature": "36.6"})
    assert not FollowUp.objects.filter(case=case_b).exists()


@pytest.mark.parametrize("bad", ["", "x", "0" * 32, "A" * 200, "1"])
def test_invalid_tokens_are_refused(world, case_a, bad):
    issue_report_link(world.worker_a, case_a)
    url = f"/observation/r/{bad}/" if bad else "/observation/r//"
    response = Client().post(url, {"temperature": "36.6"})
    assert response.status_code == 404
    assert not FollowUp.objects.exists()


def test_case_id_does_not_work_as_a_token(world, case_a):
    issue_report_link(world.worker_a, case_a)
    assert Client().get(_url(str(case_a.pk))).status_code == 404


def test_old_token_is_refused_after_a_new_link_or_release(world, case_a):
    old = issue_report_link(world.worker_a, case_a)
    new = issue_report_link(world.worker_a, case_a)
    assert Client().get(_url(old)).status_code == 404
    assert Client().get(_url(new)).status_code == 200
    release_case(world.admin, case_a)
    response = Client().post(_url(new), {"temperature": "36.6"})
    assert response.status_code == 404 and "链接无效" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_fever_asks_the_person_to_retest(world, case_a):
    token = issue_report_link(world.worker_a, case_a)
    client = Client()
    client.post(_url(token), {"temperature": "38.0"})
    case_a.refresh_from_db()
    assert case_a.fever_state == FeverState.RETEST_DUE
    body = client.get(_url(token)).content.decode()
    assert "再测一次" in body and "38.0" not in body
    client.post(_url(token), {"temperature": "38.2"})
    assert ObservationCase.objects.get(pk=case_a.pk).fever_state == FeverState.FEVER
    # After the retest the slot is done: no third report in this slot.
    client.post(_url(token), {"temperature": "36.5"})
    assert FollowUp.objects.count() == 2


@pytest.mark.parametrize("bad", ["", "abc", "365", "99"])
def test_bad_temperature_is_refused_with_a_message(world, case_a, bad):
    token = issue_report_link(world.worker_a, case_a)
    response = Client().post(_url(token), {"temperature": bad})
    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    assert not FollowUp.objects.exists()


def test_rate_limited_per_link(world, case_a, settings):
    settings.OBSERVATION_SELF_REPORTS_PER_HOUR = 3
    token = issue_report_link(world.worker_a, case_a)
    client = Client()
    codes = [client.post(_url(token), {"temperature": "abc"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_rate_limited_per_client_for_guessing(world, settings):
    settings.OBSERVATION_SELF_REPORTS_PER_HOUR = 2
    client = Client()
    codes = [client.get(_url(f"guess{i}")).status_code for i in range(7)]
    assert codes[:6] == [404] * 6 and codes[6] == 429


def test_csrf_is_enforced_on_the_public_form(world, case_a):
    token = issue_report_link(world.worker_a, case_a)
    client = Client(enforce_csrf_checks=True)
    assert client.post(_url(token), {"temperature": "36.6"}).status_code == 403
    assert not FollowUp.objects.exists()


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("opened", "looked", "next_due"),
    [
        # Opened at 12:10: the morning slot's window (05:00–13:00) has no follow-up of this case; the first is 17:00.
        (datetime(2026, 3, 10, 12, 10), datetime(2026, 3, 10, 12, 15), "3月10日 17:00"),
        # Opened late in the evening: nothing is due before tomorrow morning.
        (datetime(2026, 12, 31, 23, 55), datetime(2026, 12, 31, 23, 58), "1月1日 09:00"),
    ],
)
def test_out_of_hours_the_page_says_when_to_report_not_that_it_was_received(world, opened, looked, next_due):
    with time_machine.travel(opened.replace(tzinfo=SHANGHAI), tick=False):
        case = open_case_for(world, world.household_a, world.worker_a, days_ago=0)
        token = issue_report_link(world.worker_a, case)
    with time_machine.travel(looked.replace(tzinfo=SHANGHAI), tick=False):
        page = Client().get(_url(token))
        body = page.content.decode()
        assert page.status_code == 200
        assert "现在还不到上报时间" in body and next_due in body
        assert "已经收到" not in body and "<form" not in body.split("</header>")[1]
        # A post made anyway records nothing.
        Client().post(_url(token), {"temperature": "36.6"})
        assert not FollowUp.objects.filter(case=case).exists()
