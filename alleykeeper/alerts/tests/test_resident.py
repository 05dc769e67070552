"""SMS to the person under observation: consent, the reminder with their link at each slot, the end notice,
quiet hours, STOP by reply and by the worker's switch, no diagnosis word, and the 阿里云 request."""

import urllib.parse
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from alleykeeper.alerts.actions import ChannelSettings, save_channel
from alleykeeper.alerts.models import ChannelKind, Kind, Message, ResidentSms, Status
from alleykeeper.alerts.senders import AliyunSms, ConsoleSms, SmsAccount, aliyun_signature
from alleykeeper.alerts.tests.checks import assert_clean
from alleykeeper.alerts.tests.conftest import local
from alleykeeper.observation.actions import case_for_token, release_case

pytestmark = pytest.mark.django_db
SLOT = local(2026, 3, 10, 17, 0)


@pytest.fixture
def sms_on(world):
    options = {"provider": "console", "templates": {}}
    return save_channel(world.admin, world.community, ChannelKind.SMS, ChannelSettings(True, options=options))


@pytest.fixture
def agreed(world, case_a, sms_on, as_worker_a, clock):
    clock(local(2026, 3, 10, 8, 30))
    response = as_worker_a.post(reverse("alerts:case", args=[case_a.pk]), {"consent": "on"})
    assert response.status_code == 302
    ConsoleSms.sent = []
    return case_a


def test_the_worker_switches_sms_on_for_a_person_who_agreed(world, agreed, as_worker_a):
    subscription = ResidentSms.objects.get(case=agreed)
    assert subscription.active and subscription.consent_by == world.worker_a and subscription.link_token_enc
    page = as_worker_a.get(reverse("alerts:case", args=[agreed.pk])).content.decode()
    assert "138" not in page or "****" in page


def test_the_case_page_links_to_its_messages(world, case_a, as_worker_a):
    page = as_worker_a.get(reverse("observation:case", args=[case_a.pk])).content.decode()
    assert reverse("alerts:case", args=[case_a.pk]) in page


def test_another_grid_cannot_open_the_case_messages(case_a, as_worker_b):
    assert as_worker_b.get(reverse("alerts:case", args=[case_a.pk])).status_code == 404


def test_no_mobile_no_sms(world, case_a, sms_on, as_worker_a, clock):
    clock(local(2026, 3, 10, 8, 30))
    case_a.phone_enc = ""
    case_a.save(update_fields=["phone_enc"])
    page = as_worker_a.post(reverse("alerts:case", args=[case_a.pk]), {"consent": "on"}).content.decode()
    assert "没有登记手机号" in page
    assert not ResidentSms.objects.exists()


def test_a_reminder_with_the_self_report_link_at_each_slot(world, agreed, clock, run_scan):
    run_scan(clock(SLOT + timedelta(minutes=1)))
    ((phone, text),) = ConsoleSms.sent
    assert phone == "13859901234"
    token = text.split("/observation/r/")[1].split("/")[0]
    assert case_for_token(token) == agreed
    assert_clean(text.replace(token, ""), resident=True, names=(agreed.name,))
    row = Message.objects.get(kind=Kind.RESIDENT_REMINDER)
    assert row.status == Status.SENT and token not in row.body and row.recipient_label == "138****1234"
    run_scan(clock(SLOT + timedelta(minutes=2)))
    assert len(ConsoleSms.sent) == 1  # once per slot


def test_quiet_hours_hold_a_reminder_until_they_end_or_its_slot_closes(world, agreed, clock, run_scan, settings):
    settings.ALERTS_QUIET_HOURS = "16:00-18:00"
    run_scan(clock(SLOT + timedelta(minutes=1)))
    row = Message.objects.get(kind=Kind.RESIDENT_REMINDER)
    assert ConsoleSms.sent == [] and row.status == Status.PENDING
    assert row.next_attempt_at == local(2026, 3, 10, 18, 0)
    run_scan(clock(local(2026, 3, 10, 18, 1)))
    assert len(ConsoleSms.sent) == 1
    settings.ALERTS_QUIET_HOURS = "08:00-23:00"  # the next morning slot falls in quiet hours until it closes
    run_scan(clock(local(2026, 3, 11, 9, 1)))
    morning = Message.objects.filter(kind=Kind.RESIDENT_REMINDER).latest("created_at")
    assert morning.status == Status.CANCELLED and "静默" in morning.error


def test_reply_stop_turns_it_off(world, agreed, clock, run_scan, settings):
    settings.ALERTS_SMS_INBOUND_TOKEN = "inbound-secret"
    body = '[{"phone_number": "8613859901234", "content": "STOP", "send_time": "2026-03-10 12:00:00"}]'
    assert Client().post("/alerts/sms/inbound/wrong/", body, content_type="application/json").status_code == 404
    response = Client().post(
        reverse("alerts:sms_inbound", args=["inbound-secret"]), body, content_type="application/json"
    )
    assert response.json()["code"] == 0 and response.json()["stopped"] == 1
    subscription = ResidentSms.objects.get()
    assert subscription.stopped_at and subscription.stop_source == "reply"
    run_scan(clock(SLOT + timedelta(minutes=1)))
    assert ConsoleSms.sent == []


def test_the_workers_switch_turns_it_off(world, agreed, as_worker_a, clock, run_scan):
    as_worker_a.post(reverse("alerts:case", args=[agreed.pk]), {})
    assert not ResidentSms.objects.get().active
    run_scan(clock(SLOT + timedelta(minutes=1)))
    assert ConsoleSms.sent == []


def test_one_sms_when_observation_ends(world, agreed, clock, run_scan):
    when = clock(local(2026, 3, 10, 12, 0))
    release_case(world.admin, agreed, "期满", now=when)
    run_scan(when)
    ((_, text),) = ConsoleSms.sent
    assert "已于 03月10日 结束" in text
    assert_clean(text, resident=True, names=(agreed.name,))


def test_aliyun_request_is_signed_as_documented(world, httpserver, settings):
    httpserver.expect_request("/", method="POST").respond_with_json({"Code": "OK", "Message": "OK"})
    settings.ALERTS_ALIYUN_SMS_ENDPOINT = httpserver.url_for("/")
    account = SmsAccount("aliyun", "LTAIid", "secret123", "开元社区", {})
    AliyunSms().send(account, "13800138000", "SMS_1", {"time": "17:00", "link": "x"}, "text")
    ((request, _),) = httpserver.log
    form = dict(urllib.parse.parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
    signature = form.pop("Signature")
    assert signature == aliyun_signature(form, "secret123")
    assert (
        form["Action"] == "SendSms" and form["PhoneNumbers"] == "13800138000" and form["SignatureMethod"] == "HMAC-SHA1"
    )


def test_aliyun_signature_matches_the_documented_example():
    """The worked example of Alibaba Cloud's "signature method" page (DescribeRegions, secret testsecret)."""
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert aliyun_signature(params, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


@pytest.mark.parametrize(
    ("answer", "words", "status"),
    [
        ({"Code": "isv.BUSINESS_LIMIT_CONTROL"}, "限流", Status.PENDING),
        ({"Code": "InvalidAccessKeyId.NotFound"}, "AccessKey 无效", Status.FAILED),
    ],
)
def test_aliyun_refusals_in_words(world, agreed, httpserver, settings, clock, run_scan, answer, words, status):
    httpserver.expect_request("/").respond_with_json(answer)
    settings.ALERTS_ALIYUN_SMS_ENDPOINT = httpserver.url_for("/")
    options = {
        "provider": "aliyun",
        "access_key_id": "id",
        "sign_name": "开元社区",
        "templates": {"resident_reminder": "SMS_1"},
    }
    save_channel(
        world.admin, world.community, ChannelKind.SMS, ChannelSettings(True, secret="sec-123456", options=options)
    )
    run_scan(clock(SLOT + timedelta(minutes=1)))
    row = Message.objects.get(kind=Kind.RESIDENT_REMINDER)
    assert row.status == status and words in row.error


@pytest.mark.parametrize("debug", [True, False])
def test_the_console_sms_prints_the_link_only_in_development(settings, capsys, debug):
    """Under systemd a console is the journal: with DEBUG off the self-report link is not printed."""
    settings.DEBUG = debug
    text = "王**，请上报今天的体温：https://example.org/r/abcdef123456/ 回复T退订"
    ConsoleSms().send(SmsAccount("console", "", "", "", {}), "13800138000", "report", {}, text)
    printed = capsys.readouterr().out
    assert "138****8000" in printed and "13800138000" not in printed
    assert ("abcdef123456" in printed) is debug
    assert ConsoleSms.sent[-1] == ("13800138000", text)
