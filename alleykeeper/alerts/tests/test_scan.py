"""The scan: each rule, its recipients and their scope, idempotency, mutes, the inbox page."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from alleykeeper.alerts import actions
from alleykeeper.alerts.models import ChannelKind, Kind, Message, Rule, Status
from alleykeeper.alerts.scan import scan
from alleykeeper.alerts.tests.conftest import local
from alleykeeper.observation.followups import Report, record_followup
from alleykeeper.observation.models import FollowUpSlot

pytestmark = pytest.mark.django_db


def _fever(world, case, when, temperature="38.2"):
    return record_followup(world.worker_a, case, Report(temperature=Decimal(temperature)), now=when)


def _inbox(kind=None, **filters):
    rows = Message.objects.filter(channel=ChannelKind.INBOX, **filters)
    return rows.filter(kind=kind) if kind else rows


def test_a_fever_reaches_the_case_worker_and_admin_in_the_inbox_masked(world, case_a, case_b, clock, as_worker_a):
    when = clock(local(2026, 3, 10, 9, 5))
    _fever(world, case_a, when)
    result = scan(when)
    assert result.events == 1
    recipients = set(_inbox(Kind.FEVER).values_list("recipient__username", flat=True))
    assert recipients == {"worker_a", "admin"}  # not worker_b: another grid
    message = _inbox(Kind.FEVER).get(recipient=world.worker_a)
    assert "王**" in message.body and "王翠琳" not in message.body and "38.2" in message.body
    page = as_worker_a.get(reverse("alerts:inbox"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "发热提醒" in text and "王**" in text and "王翠琳" not in text
    assert reverse("observation:case", args=[case_a.pk]) in text


def test_a_retest_still_above_reaches_them_as_retest(world, case_a, clock):
    first = clock(local(2026, 3, 10, 9, 5))
    _fever(world, case_a, first)
    second = clock(local(2026, 3, 10, 9, 30))
    _fever(world, case_a, second, "38.0")
    scan(second)
    assert _inbox(Kind.FEVER).count() == 2
    assert _inbox(Kind.RETEST_FEVER, recipient=world.worker_a).count() == 1


def test_the_doctor_named_in_the_rule_gets_the_fever(world, case_a, doctor, clock):
    when = clock(local(2026, 3, 10, 9, 5))
    _fever(world, case_a, when)
    scan(when)
    assert set(_inbox(Kind.FEVER).values_list("recipient__username", flat=True)) == {"worker_a", "doctor"}


def test_running_the_scan_twice_makes_one_alert_per_event_per_recipient(world, case_a, clock):
    when = clock(local(2026, 3, 10, 9, 5))
    _fever(world, case_a, when)
    first = scan(when)
    later = clock(when + timedelta(minutes=1))
    second = scan(later)
    call_command("scan_alerts", stdout=StringIO())
    assert first.created == 2 and second.created == 0
    assert _inbox(Kind.FEVER).count() == 2


def test_a_scan_that_was_down_catches_up_from_its_watermark(world, case_a, clock):
    scan(clock(local(2026, 3, 10, 8, 30)))
    when = clock(local(2026, 3, 10, 9, 5))
    _fever(world, case_a, when)
    scan(clock(local(2026, 3, 10, 12, 0)))  # three hours later: still found
    assert _inbox(Kind.FEVER).count() == 2


def test_overdue_follow_up_goes_to_the_grid_worker_only(world, case_a, clock):
    when = clock(local(2026, 3, 10, 10, 5))  # 09:00 slot, grace 60 minutes
    scan(when)
    assert list(_inbox(Kind.OVERDUE).values_list("recipient__username", flat=True)) == ["worker_a"]
    assert "王**" in _inbox(Kind.OVERDUE).get().body


def test_twice_missed_is_escalated_to_the_admin(world, case_a, clock):
    slots = list(FollowUpSlot.objects.filter(case=case_a).order_by("due_at")[:2])
    scan(clock(slots[0].closes_at + timedelta(minutes=1)))
    assert not _inbox(Kind.MISSED_TWICE).exists()  # one missed is not twice
    scan(clock(slots[1].closes_at + timedelta(minutes=1)))
    assert set(_inbox(Kind.MISSED_TWICE).values_list("recipient__username", flat=True)) == {"worker_a", "admin"}


def test_a_muted_kind_does_not_reach_that_person(world, case_a, clock):
    when = clock(local(2026, 3, 10, 9, 5))
    actions.mute_kind(world.worker_a, Kind.FEVER, 8, now=when)
    _fever(world, case_a, when)
    scan(when)
    assert list(_inbox(Kind.FEVER).values_list("recipient__username", flat=True)) == ["admin"]


def test_a_rule_switched_off_sends_nothing(world, case_a, clock, as_admin):
    response = as_admin.post(reverse("alerts:rule", args=["fever"]), {"to_case_worker": "on", "channels": ["wecom"]})
    assert response.status_code == 302
    when = clock(local(2026, 3, 10, 9, 5))
    _fever(world, case_a, when)
    scan(when)
    assert not _inbox(Kind.FEVER).exists()


def test_a_rule_that_would_reach_nobody_is_refused(world, as_admin):
    """Switched on with no person and no group robot, a rule looks on and reaches no one: said, not saved."""
    url = reverse("alerts:rule", args=["fever"])
    refused = as_admin.post(url, {"enabled": "on", "channels": ["email"]})
    assert refused.status_code == 200 and "没有人会收到这类提醒" in refused.content.decode()
    assert not Rule.objects.exists()
    assert as_admin.post(url, {"enabled": "on", "channels": ["wecom"]}).status_code == 302  # the group receives it
    assert as_admin.post(url, {"enabled": "on", "to_admins": "on"}).status_code == 302


def test_scope_an_alert_never_reaches_another_grid_or_community(world, case_a, case_b, clock):
    when = clock(local(2026, 3, 10, 9, 5))
    _fever(world, case_a, when)
    record_followup(world.worker_b, case_b, Report(temperature=Decimal("38.5")), now=when)
    scan(when)
    for message in Message.objects.filter(recipient__isnull=False):
        household = message.case.household
        assert household.community_id in {c.pk for c in message.recipient.communities.all()} or (
            household.grid_id in {g.pk for g in message.recipient.grids.all()}
        ), message
    assert not Message.objects.filter(recipient=world.officer).exists()
    assert not Message.objects.filter(recipient=world.worker_b, case=case_a).exists()
    assert not Message.objects.filter(recipient=world.worker_a, case=case_b).exists()


def test_inbox_marks_read_and_shows_only_my_messages(world, case_a, clock, as_worker_a, as_worker_b):
    when = clock(local(2026, 3, 10, 9, 5))
    _fever(world, case_a, when)
    scan(when)
    assert "发热提醒" not in as_worker_b.get(reverse("alerts:inbox")).content.decode()
    response = as_worker_a.post(reverse("alerts:read"))
    assert response.status_code == 302
    assert not _inbox(recipient=world.worker_a, read_at__isnull=True).exists()


def test_mute_page(world, as_worker_a, clock):
    clock(local(2026, 3, 10, 9, 0))
    response = as_worker_a.post(reverse("alerts:mutes"), {"kind": "overdue", "hours": "8"})
    assert response.status_code == 302
    assert world.worker_a.alert_mutes.get().kind == "overdue"
    bad = as_worker_a.post(reverse("alerts:mutes"), {"kind": "nonsense", "hours": "5"})
    assert bad.status_code == 200 and "请修改标红的项" in bad.content.decode()
    as_worker_a.post(reverse("alerts:unmute", args=["overdue"]))
    assert not world.worker_a.alert_mutes.exists()


def test_inbox_messages_are_sent_at_once_others_wait_for_the_job(world, case_a, clock):
    when = clock(local(2026, 3, 10, 9, 5))
    _fever(world, case_a, when)
    scan(when)
    assert set(_inbox().values_list("status", flat=True)) == {Status.SENT}
