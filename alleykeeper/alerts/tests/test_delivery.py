"""Sending: the robots on a local HTTP server, signing, retries after a 500 and a timeout, a provider down for
ten minutes, the rate limit and its digest, refusals in words, the admin's failure list and resend."""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from werkzeug import Response

from alleykeeper.alerts.actions import ChannelSettings, save_channel
from alleykeeper.alerts.delivery import send_due
from alleykeeper.alerts.models import ChannelConfig, ChannelKind, Kind, Message, Status
from alleykeeper.alerts.senders import dingtalk_signed_url
from alleykeeper.alerts.tests.conftest import local, open_case
from alleykeeper.observation.followups import Report, record_followup
from alleykeeper.registry.models import Household
from testkit.world import add_resident, make_household

pytestmark = pytest.mark.django_db
FEVER_AT = local(2026, 3, 10, 9, 5)


def _fever(world, case, when=FEVER_AT):
    return record_followup(world.worker_a, case, Report(temperature=Decimal("38.4")), now=when)


def _posted(server) -> list[str]:
    return [json.loads(request.get_data())["text"]["content"] for request, _ in server.log]


def _group() -> Message:
    return Message.objects.get(channel=ChannelKind.WECOM, kind=Kind.FEVER)


def _hook(world, server) -> None:
    """The community's 企业微信 robot at /hook of the local server (its answers set by the test)."""
    save_channel(world.admin, world.community, ChannelKind.WECOM, ChannelSettings(True, server.url_for("/hook")))


def _fever_scanned(world, case, clock, run_scan) -> Message:
    """A fever at FEVER_AT and the timer's run then: the group robot's message."""
    clock(FEVER_AT)
    _fever(world, case)
    run_scan(FEVER_AT)
    return _group()


def test_a_fever_reaches_the_wecom_robot_masked_with_a_login_link(world, case_a, wecom, clock, run_scan):
    clock(FEVER_AT)
    _fever(world, case_a)
    run_scan(FEVER_AT)
    (text,) = _posted(wecom)
    assert "【发热提醒】" in text and "王**" in text and "王翠琳" not in text
    assert "需登录" in text and reverse("observation:case", args=[case_a.pk]) in text
    assert _group().status == Status.SENT


def test_the_webhook_is_sealed_and_never_shown_again(world, wecom, as_admin):
    config = ChannelConfig.objects.get(kind=ChannelKind.WECOM)
    assert "robot-key" not in config.endpoint_enc and config.hint == "…3456"
    page = as_admin.get(reverse("alerts:channel", args=["wecom"])).content.decode()
    assert "robot-key-123456" not in page and "…3456" in page


def test_the_admin_sets_a_robot_through_the_form(world, as_admin, httpserver):
    bad = as_admin.post(reverse("alerts:channel", args=["wecom"]), {"enabled": "on", "endpoint": "qyapi.weixin"})
    assert "完整 Webhook 地址" in bad.content.decode()
    missing = as_admin.post(reverse("alerts:channel", args=["dingtalk"]), {"enabled": "on", "secret": "abc"})
    text = missing.content.decode()
    assert "启用前请填写 Webhook 地址" in text and "SEC 开头" in text
    url = httpserver.url_for("/robot/send") + "?access_token=tok"
    ok = as_admin.post(
        reverse("alerts:channel", args=["dingtalk"]), {"enabled": "on", "endpoint": url, "secret": "SECabc123"}
    )
    assert ok.status_code == 302
    assert ChannelConfig.objects.get(kind=ChannelKind.DINGTALK).enabled
    assert as_admin.get(reverse("alerts:channel", args=["wecom"])).status_code == 200


def test_a_webhook_must_be_a_robots_address(world, as_admin, httpserver, settings):
    """The server posts to the webhook and shows the answer: an address inside the network (a database, a
    router's page) is refused when saved, when sending, and when the robot answers with a redirect."""
    settings.ALERTS_WEBHOOK_HOSTS = ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]  # no local fakes here
    for url in ("http://10.0.0.5:6379/", "http://127.0.0.1:8000/admin/", "https://qyapi.weixin.qq.com.evil.example/x"):
        refused = as_admin.post(reverse("alerts:channel", args=["wecom"]), {"enabled": "on", "endpoint": url})
        assert refused.status_code == 200 and "这不是机器人的 Webhook 地址" in refused.content.decode(), url
    assert not ChannelConfig.objects.exists()
    # One saved before (or the setting narrowed since): refused when sending, the server never asked.
    save_channel(world.admin, world.community, ChannelKind.WECOM, ChannelSettings(True, httpserver.url_for("/hook")))
    page = as_admin.post(reverse("alerts:channel_test", args=["wecom"]), follow=True).content.decode()
    assert "不是企业微信或钉钉机器人的地址" in page and not httpserver.log
    # A robot's host that answers with a redirect is not followed.
    settings.ALERTS_WEBHOOK_HOSTS = ["localhost", "127.0.0.1"]
    httpserver.expect_request("/hook").respond_with_data("", status=302, headers={"Location": "http://10.0.0.5/"})
    page = as_admin.post(reverse("alerts:channel_test", args=["wecom"]), follow=True).content.decode()
    assert "HTTP 302" in page


def test_a_grid_worker_cannot_reach_the_settings(as_worker_a):
    for name in ("alerts:channels", "alerts:rules", "alerts:log"):
        assert as_worker_a.get(reverse(name)).status_code == 403


def test_dingtalk_signature_is_hmac_sha256_of_timestamp_and_secret():
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECxyz", 1700000000000)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    expected = base64.b64encode(hmac.new(b"SECxyz", b"1700000000000\nSECxyz", hashlib.sha256).digest()).decode()
    assert query["timestamp"] == ["1700000000000"] and query["sign"] == [expected]


def test_dingtalk_robot_receives_a_signed_message(world, case_a, httpserver, clock, run_scan):
    httpserver.expect_request("/robot/send", method="POST").respond_with_json({"errcode": 0})
    url = httpserver.url_for("/robot/send") + "?access_token=tok"
    save_channel(world.admin, world.community, ChannelKind.DINGTALK, ChannelSettings(True, url, "SECabc"))
    clock(FEVER_AT)
    _fever(world, case_a)
    run_scan(FEVER_AT)
    ((request, _),) = httpserver.log
    assert request.args["access_token"] == "tok" and request.args["sign"] and request.args["timestamp"]
    assert "王**" in json.loads(request.get_data())["text"]["content"]


def test_a_500_is_retried_with_backoff_and_then_sent(world, case_a, httpserver, clock, run_scan):
    httpserver.expect_oneshot_request("/hook").respond_with_data("busy", status=500)
    httpserver.expect_request("/hook").respond_with_json({"errcode": 0})
    _hook(world, httpserver)
    row = _fever_scanned(world, case_a, clock, run_scan)
    assert row.status == Status.PENDING and row.attempts == 1 and "HTTP 500" in row.error
    assert row.next_attempt_at == FEVER_AT + timedelta(seconds=30)
    run_scan(clock(FEVER_AT + timedelta(seconds=10)))  # not due yet
    assert _group().attempts == 1
    run_scan(clock(FEVER_AT + timedelta(minutes=1)))
    assert _group().status == Status.SENT and len(httpserver.log) == 2


def test_a_timeout_is_retried(world, case_a, httpserver, clock, run_scan, settings):
    settings.ALERTS_HTTP_TIMEOUT = 0.2

    def slow(request):
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_oneshot_request("/hook").respond_with_handler(slow)
    httpserver.expect_request("/hook").respond_with_json({"errcode": 0})
    _hook(world, httpserver)
    clock(FEVER_AT)
    _fever(world, case_a)
    run_scan(FEVER_AT)
    assert _group().status == Status.PENDING and "超时" in _group().error
    time.sleep(0.6)  # the fake robot (one thread) finishes its slow answer
    run_scan(clock(FEVER_AT + timedelta(minutes=1)))
    assert _group().status == Status.SENT


def test_a_provider_down_for_ten_minutes_loses_nothing(world, case_a, case_b, httpserver, clock, run_scan):
    down_until = FEVER_AT + timedelta(minutes=10)
    state = {"now": FEVER_AT}

    def robot(request):
        if state["now"] < down_until:
            return Response("down", status=503)
        return Response(json.dumps({"errcode": 0}), content_type="application/json")

    httpserver.expect_request("/hook").respond_with_handler(robot)
    _hook(world, httpserver)
    clock(FEVER_AT)
    _fever(world, case_a)
    record_followup(world.worker_b, case_b, Report(temperature=Decimal("38.9")), now=FEVER_AT)
    for minute in range(0, 20):  # the timer, every minute
        state["now"] = clock(FEVER_AT + timedelta(minutes=minute))
        run_scan(state["now"])
    rows = Message.objects.filter(channel=ChannelKind.WECOM)
    assert rows.count() == 2 and set(rows.values_list("status", flat=True)) == {Status.SENT}
    delivered = [t for t in _posted(httpserver) if t]
    assert len(delivered) >= 2


def test_more_than_twenty_a_minute_become_one_digest(world, clock, wecom, run_scan):
    clock(local(2026, 3, 10, 8, 0))
    cases = []
    for n in range(25):
        household = make_household(world.grid_a, "9号楼", f"{n + 1:03d}")
        add_resident(household, f"林{'一二三四五六七八九十'[n % 10]}英")
        cases.append(open_case(world, Household.objects.get(pk=household.pk), world.worker_a))
    clock(FEVER_AT)
    for case in cases:
        _fever(world, case)
    run_scan(FEVER_AT)
    texts = _posted(wecom)
    assert len(texts) == 20
    assert "【提醒汇总】" in texts[-1] and "另有 6 条提醒（发热 6 条）" in texts[-1]
    assert Message.objects.filter(channel=ChannelKind.WECOM, status=Status.DIGESTED).count() == 6
    assert Message.objects.filter(channel=ChannelKind.WECOM, status=Status.SENT).count() == 20  # 19 + the digest
    # A second fever inside the same minute waits for the minute to pass.
    extra = cases[0]
    later = clock(FEVER_AT + timedelta(seconds=30))
    record_followup(world.worker_a, extra, Report(temperature=Decimal("38.0")), now=later)
    run_scan(later)
    assert len(_posted(wecom)) == 20
    run_scan(clock(FEVER_AT + timedelta(seconds=70)))
    assert len(_posted(wecom)) == 21


def test_a_bad_key_fails_at_once_with_its_reason_and_the_admin_resends(
    world, case_a, httpserver, clock, run_scan, as_admin, django_capture_on_commit_callbacks
):
    httpserver.expect_oneshot_request("/hook").respond_with_json({"errcode": 93000, "errmsg": "invalid webhook url"})
    httpserver.expect_request("/hook").respond_with_json({"errcode": 0})
    _hook(world, httpserver)
    row = _fever_scanned(world, case_a, clock, run_scan)
    assert row.status == Status.FAILED and "无效" in row.error
    page = as_admin.get(reverse("alerts:log") + "?status=failed").content.decode()
    assert "发送失败" in page and "地址或密钥无效" in page and reverse("alerts:resend", args=[row.pk]) in page
    assert "有 1 条消息发送失败" in as_admin.get(reverse("alerts:channels")).content.decode()
    clock(FEVER_AT + timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(reverse("alerts:resend", args=[row.pk]))
    assert response.status_code == 302
    assert _group().status == Status.SENT


def test_another_community_cannot_resend(world, case_a, wecom, clock, run_scan):
    from django.test import Client

    from alleykeeper.accounts.roles import Role
    from testkit.world import make_user

    clock(FEVER_AT)
    _fever(world, case_a)
    run_scan(FEVER_AT)
    outsider = Client()
    outsider.force_login(make_user("other_admin", Role.ADMIN, communities=[world.other_community]))
    assert outsider.post(reverse("alerts:resend", args=[_group().pk])).status_code == 404


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"errcode": 93000, "errmsg": "invalid"}, "地址或密钥无效"),
        ({"errcode": 45009}, "限流"),
        ({"errcode": 0}, "发送成功"),
    ],
)
def test_the_test_button_says_what_went_wrong(world, httpserver, as_admin, answer, words):
    httpserver.expect_request("/hook").respond_with_json(answer)
    _hook(world, httpserver)
    page = as_admin.post(reverse("alerts:channel_test", args=["wecom"]), follow=True).content.decode()
    assert words in page


def test_the_test_button_says_unreachable(world, as_admin):
    save_channel(world.admin, world.community, ChannelKind.WECOM, ChannelSettings(True, "http://127.0.0.1:9/hook"))
    page = as_admin.post(reverse("alerts:channel_test", args=["wecom"]), follow=True).content.decode()
    assert "无法连接" in page


def test_email_goes_to_those_with_an_address(world, case_a, clock, run_scan, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.worker_a.email = "wa@example.org"
    world.worker_a.save(update_fields=["email"])
    save_channel(world.admin, world.community, ChannelKind.EMAIL, ChannelSettings(True))
    clock(FEVER_AT)
    _fever(world, case_a)
    run_scan(FEVER_AT)
    (sent,) = mail.outbox
    assert sent.to == ["wa@example.org"] and "王**" in sent.body and "王翠琳" not in sent.body


def test_a_worker_killed_mid_send_leaves_the_row_due_again_after_the_lease(world, case_a, wecom, clock):
    from alleykeeper.alerts.scan import scan

    clock(FEVER_AT)
    _fever(world, case_a)
    scan(FEVER_AT, send=False)
    Message.objects.filter(channel=ChannelKind.WECOM).update(
        status=Status.SENDING, next_attempt_at=FEVER_AT + timedelta(minutes=5)
    )
    assert send_due(FEVER_AT + timedelta(minutes=1)).sent == 0
    assert send_due(clock(FEVER_AT + timedelta(minutes=6))).sent == 1
