"""The alerts pages: fixed queries whatever the rows, the SMS test button, refusals in words, the purge."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alleykeeper.alerts import views as alerts_views
from alleykeeper.alerts.actions import ChannelSettings, save_channel
from alleykeeper.alerts.models import ChannelConfig, ChannelKind, Kind, Message, Rule, Status
from alleykeeper.alerts.scan import scan
from alleykeeper.alerts.senders import ConsoleSms
from alleykeeper.alerts.tests.conftest import local
from alleykeeper.observation.followups import Report, record_followup
from alleykeeper.registry.models import Community, Street
from testkit.paging import follow_pages
from testkit.world import make_user

pytestmark = pytest.mark.django_db


def _messages(world, count: int, now, start: int = 0, **fields) -> None:
    Message.objects.bulk_create(
        Message(
            community=world.community,
            grid=world.grid_a,
            kind=Kind.OVERDUE,
            event_key=f"e{start + n}",
            recipient=world.worker_a,
            recipient_key=f"user:{world.worker_a.pk}",
            recipient_label="worker_a",
            title="随访逾期",
            body="王** 逾期",
            created_at=now,
            **fields,
        )
        for n in range(count)
    )


@pytest.mark.parametrize(
    ("name", "who", "fields"),
    [
        ("alerts:inbox", "worker_a", {"channel": ChannelKind.INBOX, "status": Status.SENT}),
        ("alerts:log", "admin", {"channel": ChannelKind.WECOM, "status": Status.FAILED, "error": "密钥无效"}),
    ],
)
def test_lists_run_the_same_queries_whatever_the_rows(world, clock, name, who, fields):
    now = clock(local(2026, 3, 10, 9, 0))
    client = Client()
    client.force_login(getattr(world, who))
    _messages(world, 2, now, **fields)
    client.get(reverse(name))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    Message.objects.all().delete()
    _messages(world, 25, now, **fields)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse(name))
    assert page.status_code == 200 and len(many) == len(few)


def test_the_sms_test_button_sends_through_the_console_and_refuses_a_bad_number(world, as_admin):
    save_channel(world.admin, world.community, ChannelKind.SMS, ChannelSettings(True, options={"provider": "console"}))
    ConsoleSms.sent = []
    bad = as_admin.post(reverse("alerts:channel_test", args=["sms"]), {"phone": "12345"}, follow=True)
    assert "请填写 11 位手机号" in bad.content.decode() and ConsoleSms.sent == []
    ok = as_admin.post(reverse("alerts:channel_test", args=["sms"]), {"phone": "138 0013 8000"}, follow=True)
    assert "发送成功" in ok.content.decode() and ConsoleSms.sent[0][0] == "13800138000"


def test_aliyun_needs_its_keys(world, as_admin):
    page = as_admin.post(reverse("alerts:channel", args=["sms"]), {"enabled": "on", "provider": "aliyun"})
    text = page.content.decode()
    for missing in ("AccessKey ID", "短信签名", "上报提醒模板编号", "AccessKey Secret"):
        assert f"使用阿里云短信时请填写{missing}" in text.replace("填写 ", "填写"), missing


def test_a_sent_message_is_not_resent(world, case_a, clock, as_admin, httpserver):
    httpserver.expect_request("/hook").respond_with_json({"errcode": 0})
    save_channel(world.admin, world.community, ChannelKind.WECOM, ChannelSettings(True, httpserver.url_for("/hook")))
    when = clock(local(2026, 3, 10, 9, 5))
    record_followup(world.worker_a, case_a, Report(temperature=Decimal("38.1")), now=when)
    scan(when, send=False)
    row = Message.objects.get(channel=ChannelKind.WECOM)
    page = as_admin.post(reverse("alerts:resend", args=[row.pk]), follow=True).content.decode()
    assert "无需重发" in page


def test_the_inbound_callback_refuses_bad_json(settings):
    settings.ALERTS_SMS_INBOUND_TOKEN = "t0ken"
    response = Client().post(
        reverse("alerts:sms_inbound", args=["t0ken"]), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_messages_are_purged_after_the_retention_period(world, clock, settings):
    settings.ALERTS_RETENTION_DAYS = 30
    now = clock(local(2026, 3, 10, 9, 0))
    _messages(world, 3, now - timedelta(days=31), channel=ChannelKind.INBOX)
    Message.objects.create(
        community=world.community,
        kind=Kind.TEST,
        event_key="new",
        channel=ChannelKind.INBOX,
        recipient_key="x",
        recipient_label="x",
        title="t",
        body="b",
        created_at=now - timedelta(days=29),
    )
    out = StringIO()
    call_command("purge_alerts", stdout=out)
    assert "deleted=3" in out.getvalue() and Message.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "who", "size", "fields"),
    [
        ("alerts:inbox", "worker_a", "INBOX_PAGE", {"channel": ChannelKind.INBOX, "status": Status.SENT}),
        (
            "alerts:log",
            "admin",
            "LOG_PAGE",
            {"channel": ChannelKind.WECOM, "status": Status.FAILED, "error": "密钥无效"},
        ),
    ],
)
def test_lists_page_by_key_stable_under_a_new_message(world, clock, monkeypatch, name, who, size, fields):
    """Every message once, newest first, following 下一页; one arriving meanwhile (newest) shifts no page."""
    now = clock(local(2020, 2, 10, 9, 0))
    monkeypatch.setattr(alerts_views, size, 3)
    _messages(world, 7, now, **fields)
    client = Client()
    client.force_login(getattr(world, who))
    url = reverse(name) + ("?status=failed" if name == "alerts:log" else "")
    seen = follow_pages(
        client, url, after_first=lambda: _messages(world, 1, now + timedelta(minutes=1), start=7, **fields)
    )
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 7


def _menu(client: Client) -> str:
    return client.get(reverse("center:home")).content.decode().split('aria-label="主菜单"')[1].split("</nav>")[0]


def test_the_menu_counts_my_unread_messages(world, clock, as_worker_a, as_worker_b):
    now = clock(local(2026, 3, 10, 9, 0))
    assert "条未读" not in _menu(as_worker_a)  # none: no badge
    _messages(world, 3, now, channel=ChannelKind.INBOX, status=Status.SENT)
    Message.objects.filter(event_key="e0").update(read_at=now)  # one read already
    assert '消息<span class="badge">2<span class="visually-hidden"> 条未读</span>' in _menu(as_worker_a)
    assert "条未读" not in _menu(as_worker_b)  # another worker's messages are not theirs
    _messages(world, 120, now, start=3, channel=ChannelKind.INBOX, status=Status.SENT)
    assert '<span class="badge">99+<span' in _menu(as_worker_a)
    as_worker_a.post(reverse("alerts:read"))
    assert "条未读" not in _menu(as_worker_a)


def test_an_admin_of_two_communities_sets_up_each(world):
    """The set-up pages name their community (`?community=`); an admin of several switches between them, and
    every link, form and redirect stays on the one chosen."""
    third = Community.objects.create(street=Street.objects.create(name="第三街道"), name="东湖社区")
    admin = make_user("two_admin", "admin", communities=[world.community, world.other_community])
    client = Client()
    client.force_login(admin)
    channels = client.get(reverse("alerts:channels")).content.decode()
    assert 'id="switch-community"' in channels
    first, second = sorted([world.community, world.other_community], key=lambda c: c.name)
    assert f"<h1>{first.name} · 通知渠道</h1>" in channels and third.name not in channels
    on_second = f"community={second.pk}"
    page = client.get(reverse("alerts:channels"), {"community": second.pk}).content.decode()
    assert f"<h1>{second.name} · 通知渠道</h1>" in page
    assert f'href="{reverse("alerts:channel", args=["wecom"])}?{on_second}"' in page
    assert f'href="{reverse("alerts:rules")}?{on_second}"' in page

    webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    saved = client.post(
        f"{reverse('alerts:channel', args=['wecom'])}?{on_second}", {"enabled": "on", "endpoint": webhook}
    )
    assert saved.status_code == 302 and saved["Location"].endswith(f"?{on_second}")
    assert list(ChannelConfig.objects.values_list("community", flat=True)) == [second.pk]

    rule = client.post(f"{reverse('alerts:rule', args=[Kind.FEVER])}?{on_second}", {"enabled": "on", "to_admins": "on"})
    assert rule.status_code == 302 and rule["Location"] == f"{reverse('alerts:rules')}?{on_second}"
    assert list(Rule.objects.values_list("community", flat=True)) == [second.pk]

    # Another street's community, a word, nothing: out of scope is a 404, never the first community's page.
    for wanted in (third.pk, "abc", "-1"):
        assert client.get(reverse("alerts:channels"), {"community": wanted}).status_code == 404
    outside = f"?community={third.pk}"
    posts = [
        (reverse("alerts:channel", args=["wecom"]), {"enabled": "on", "endpoint": webhook}),
        (reverse("alerts:rule", args=[Kind.FEVER]), {"enabled": "on", "to_admins": "on"}),
        (reverse("alerts:channel_test", args=["wecom"]), {}),
    ]
    for path, data in posts:
        assert client.post(path + outside, data).status_code == 404
    assert ChannelConfig.objects.filter(community=third).count() == Rule.objects.filter(community=third).count() == 0
    theirs = Message.objects.create(
        community=third, kind=Kind.OVERDUE, event_key="x", channel=ChannelKind.WECOM, recipient_key="robot",
        recipient_label="群机器人", title="随访逾期", body="王** 逾期", status=Status.FAILED, created_at=local(2026, 3, 10, 9, 0),
    )  # fmt: skip
    assert client.post(reverse("alerts:resend", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.FAILED
    one = Client()
    one.force_login(world.admin)
    assert 'id="switch-community"' not in one.get(reverse("alerts:channels")).content.decode()
