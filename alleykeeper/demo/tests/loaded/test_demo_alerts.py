"""The demo's alerts: the inbox and the console SMS on, one person who agreed to SMS, and a fever entered by the
grid worker showing in the inbox at the next scan (what `make run`'s scan loop does)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.alerts.models import ChannelConfig, ChannelKind, Kind, Message, ResidentSms
from alleykeeper.alerts.scan import scan
from alleykeeper.alerts.text import mask_name
from alleykeeper.observation.followups import Report, record_followup
from alleykeeper.observation.models import FeverState, ObservationCase


@pytest.mark.django_db
def test_a_fever_entered_in_the_demo_shows_in_the_inbox(loaded, django_capture_on_commit_callbacks):
    sms = ChannelConfig.objects.get(kind=ChannelKind.SMS)
    assert sms.enabled and sms.options["provider"] == "console"
    assert ResidentSms.objects.filter(consent=True, stopped_at__isnull=True).count() == 1
    worker = User.objects.get(username="wangcl")
    case = ObservationCase.objects.filter(assigned_worker=worker, fever_state=FeverState.NONE).open().first()
    now = timezone.now()
    record_followup(worker, case, Report(temperature=Decimal("38.3")), now=now)
    with django_capture_on_commit_callbacks(execute=True):
        scan(now)
    client = Client()
    client.force_login(worker)
    page = client.get(reverse("alerts:inbox")).content.decode()
    assert "发热提醒" in page and mask_name(case.name) in page and case.name not in page
    assert Message.objects.filter(kind=Kind.FEVER, recipient__username="chenyl").exists()
