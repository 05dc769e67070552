"""`manage.py load_demo` also brings every feature to life: each page has something to show, for the persona
who uses it, and a second run changes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.audit.models import AuditEvent
from alleykeeper.gates.access import gates_on_duty
from alleykeeper.gates.models import GateLogEntry, Shift, ShiftMember
from alleykeeper.observation import schedule
from alleykeeper.observation.models import (
    CaseStatus,
    FeverState,
    FollowUp,
    ObservationCase,
    RequestStatus,
    ServiceRequest,
)
from alleykeeper.places.models import KeyArea
from alleykeeper.pushlist.models import MatchState, PushBatch
from alleykeeper.reopening.models import (
    Application,
    ApplicationStatus,
    Enterprise,
    EnterpriseState,
    ReturningStaff,
)
from alleykeeper.sanitation.models import DisinfectionTask, TaskSource
from alleykeeper.screening.models import Attempt, Campaign, CampaignHousehold, HouseholdStatus, KeyPerson
from alleykeeper.supplies.models import StockMove, SupplyItem
from alleykeeper.visitors.models import Registration

PASSWORD = "demo-test-Pass1"


def _as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            KeyArea,
            Campaign,
            Attempt,
            KeyPerson,
            Shift,
            ShiftMember,
            Registration,
            GateLogEntry,
            ObservationCase,
            FollowUp,
            ServiceRequest,
            PushBatch,
            Enterprise,
            AuditEvent,
            DisinfectionTask,
            StockMove,
        )
    }


@pytest.mark.django_db
def test_load_demo_fills_every_feature_once(loaded):
    loaded_at = loaded.at
    assert "已生成演示业务数据" in loaded.printed

    # 排查: the rentals campaign, partly done, with a revisit queue and one key-area arrival not on any list.
    campaign = Campaign.objects.get(name="出租户再排查")
    states = CampaignHousehold.objects.filter(campaign=campaign)
    assert states.count() == 149
    covered = states.filter(status=HouseholdStatus.COVERED).count()
    assert 0.3 * 149 < covered < 0.7 * 149
    assert states.filter(status=HouseholdStatus.REVISIT).exists()
    found = KeyPerson.objects.get(attempt__campaign=campaign)
    assert not found.on_push_list and found.origin.code == "420102"

    wang = _as("wangcl")
    page = wang.get(reverse("screening:work", args=[campaign.pk]))
    assert page.status_code == 200 and "待回访" in page.content.decode()
    admin = _as("chenyl")
    coverage = admin.get(reverse("screening:coverage", args=[campaign.pk]))
    assert coverage.status_code == 200 and "%" in coverage.content.decode()
    key_persons = wang.get(reverse("screening:key_persons"))
    assert found.name in key_persons.content.decode()

    # 值守: 庄建国 is on duty now at 城北路口; some shifts are below strength.
    zhuang = User.objects.get(username="zhuangjg")
    assert [g.name for g in gates_on_duty(zhuang, timezone.now())] == ["城北路口"]
    duty = _as("zhuangjg")
    page = duty.get(reverse("gates:duty"))
    assert page.status_code == 200 and "城北路口" in page.content.decode()
    # The shifts come from the weekly roster of three gates: from now, a fortnight ahead, and the three days
    # before the loading (the reports of those days count them); 城北路口 full, the others short-handed in places.
    shifts = list(Shift.objects.select_related("gate").prefetch_related("members"))
    ahead = [s for s in shifts if s.ends_at > loaded_at]
    before = [s for s in shifts if s.ends_at <= loaded_at]
    assert 3 * (14 * 3 - 2) <= len(ahead) <= 3 * 14 * 3 and all(s.roster_entry_id for s in shifts)
    assert 3 * (3 * 3 - 1) <= len(before) <= 3 * (3 * 3 + 1)
    assert all(s.ends_at > loaded_at - timedelta(days=3) for s in shifts)
    assert all(s.leader is not None for s in shifts if s.strength)
    assert all(s.strength == 3 for s in shifts if s.gate.name == "城北路口")
    assert any(s.below_strength for s in shifts) and sum(s.strength >= 3 for s in shifts) >= len(shifts) / 3

    # 来访: today's registrations at his gate, one flagged, and the gate log.
    gate = gates_on_duty(zhuang, timezone.now()).get()
    live = duty.get(reverse("visitors:live", args=[gate.pk]))
    assert live.status_code == 200 and "刘建华" in live.content.decode()
    assert Registration.objects.exclude(key_area_names="").count() == 1
    flags = " ".join(GateLogEntry.objects.values_list("flags", flat=True))
    assert "kept_outside" in flags and "out_of_province" in flags and "key_area" not in flags

    # 今日: 王翠琳's day shows 小花's fever; 小强's family is followed by 吴晶晶.
    fever = ObservationCase.objects.get(fever_state=FeverState.RETEST_DUE)
    assert fever.name == "饶小花" and fever.assigned_worker.username == "wangcl"
    assert ObservationCase.objects.filter(assigned_worker__username="wujj").count() == 2
    today = wang.get(reverse("observation:today"))
    assert today.status_code == 200 and "饶" in today.content.decode()
    assert FollowUp.objects.filter(case__assigned_worker__username="wangcl").count() > 40
    # Whatever the hour it was loaded at, every active case has today's follow-ups to call.
    day_start = schedule.local_midnight(timezone.localdate())
    for case in ObservationCase.objects.filter(status=CaseStatus.ACTIVE):
        today_slots = case.slots.filter(due_at__gte=day_start, due_at__lt=day_start + timedelta(days=1))
        assert today_slots.count() == len(schedule.followup_times()), case.name

    # 配送: 李晓东 has one open delivery and delivered ones.
    mine = ServiceRequest.objects.filter(assignee__username="lixd")
    assert mine.filter(status=RequestStatus.ASSIGNED).count() == 1
    assert mine.filter(status__in=[RequestStatus.DELIVERED, RequestStatus.CONFIRMED]).count() == 2
    deliveries = _as("lixd").get(reverse("observation:deliveries"))
    assert deliveries.status_code == 200 and "门把手" in deliveries.content.decode()

    # 推送比对: yesterday's batch with every section of the report.
    batch = PushBatch.objects.get()
    people = batch.people.all()
    assert 25 <= people.count() <= 35
    assert {MatchState.MATCHED, MatchState.REVIEW, MatchState.UNMATCHED} <= set(
        people.values_list("match_state", flat=True)
    )
    assert people.filter(match_rule="phone").exists()
    report = admin.get(reverse("pushlist:report", args=[batch.pk]))
    body = report.content.decode()
    assert report.status_code == 200 and found.name in body, "found locally, not on the push list"
    for section in ("已比对上", "名单内尚未落实", "本地发现、不在推送名单", "已核实、未在本地找到"):
        assert section in body, section

    # 复工复产: the report's 329 enterprises, most in the mall across its floors, in every state, with returning
    # staff (one blocking 开元童装's approval), booked slots and today's daily reports (a few missing).
    enterprises = Enterprise.objects.filter(community__name="开元社区")
    assert enterprises.count() == 329 and enterprises.filter(mall="开元盛世广场").count() > 329 / 2
    assert set(enterprises.values_list("floor", flat=True)) >= {"B1", "1F", "2F", "3F", "4F"}
    assert set(enterprises.values_list("state", flat=True)) == set(EnterpriseState.values)
    assert set(Application.objects.values_list("status", flat=True)) == set(ApplicationStatus.values)
    blocking = ReturningStaff.objects.blocking()
    assert [p.enterprise.name for p in blocking] == ["开元童装"]
    from_key_areas = [p for p in ReturningStaff.objects.all() if any("重点地区" in f["text"] for f in p.findings)]
    assert len(from_key_areas) >= 2
    assert Application.objects.filter(slot__day__gte=timezone.localdate(loaded_at)).exists()
    missing = enterprises.report_missing(timezone.localdate(loaded_at))
    assert 0 < missing.count() < enterprises.filter(state=EnterpriseState.OPEN).count() / 4
    page = admin.get(reverse("reopening:reports")).content.decode()
    assert missing.first().name in page and "发热或有症状 1 人" in page
    assert "已预约" in admin.get(reverse("reopening:calendar")).content.decode()

    # 消杀与物资: 苏阿英's plans for the estates and lanes, a month done (some late, some never), today's tasks
    # (the observed families' stairwells among them), and stock bought and used (one item low).
    today = timezone.localdate(loaded_at)
    month = DisinfectionTask.objects.filter(day__lt=today)
    assert month.filter(done_at__isnull=False).count() > 20 * 25
    assert month.filter(done_at__isnull=True).exists() and month.filter(done_at__gt=F("overdue_at")).exists()
    todays = DisinfectionTask.objects.filter(day=today)
    assert todays.filter(source=TaskSource.OBSERVATION).count() == 2
    su = _as("suay")
    page = su.get(reverse("sanitation:today")).content.decode()
    assert "居家观察户楼道" in page and "垃圾中转站" in page
    bleach = SupplyItem.objects.get(name="84消毒液")
    assert bleach.on_hand == sum(bleach.moves.values_list("quantity", flat=True)) and bleach.on_hand > 0
    assert list(SupplyItem.objects.low().values_list("name", flat=True)) == ["防护服"]
    stock = admin.get(reverse("supplies:stock")).content.decode()
    assert "库存低" in stock and "可用天数" in stock

    # A second run changes nothing.
    before = _counts()
    again = StringIO()
    call_command("load_demo", stdout=again)
    assert _counts() == before
    assert "已生成演示业务数据" not in again.getvalue()
