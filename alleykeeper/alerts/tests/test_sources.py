"""The other rules: a key-area visitor, a push list imported, the unsigned daily report, low stock, an
application waiting; and masking in every template."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from alleykeeper.alerts.events import Event
from alleykeeper.alerts.models import ChannelKind, Kind, Message
from alleykeeper.alerts.scan import scan
from alleykeeper.alerts.tests.checks import assert_clean
from alleykeeper.alerts.tests.conftest import local
from alleykeeper.alerts.text import RESIDENT_TEMPLATES, TEMPLATES, mask_name, resident_text, staff_text
from alleykeeper.gates.models import Enclosure, Gate
from alleykeeper.places.models import Division, DivisionLevel
from alleykeeper.pushlist.models import BatchStatus, PushBatch, PushedPerson
from alleykeeper.reopening.models import Application, ApplicationStatus, Enterprise
from alleykeeper.reports.models import DailyReport
from alleykeeper.screening.models import KeyPerson
from alleykeeper.supplies.models import SupplyItem

pytestmark = pytest.mark.django_db
NOW = local(2026, 3, 10, 10, 0)


def _inbox(kind: str) -> set[str]:
    rows = Message.objects.filter(channel=ChannelKind.INBOX, kind=kind)
    return set(rows.values_list("recipient__username", flat=True))


def _registration(world, key_person=None):
    from alleykeeper.visitors.models import Registration

    wuhan = Division.objects.create(code="420100", name="武汉市", level=DivisionLevel(2))
    enclosure = Enclosure.objects.create(community=world.community, name="东片区")
    gate = Gate.objects.create(enclosure=enclosure, name="东门")
    return Registration.objects.create(
        gate=gate,
        submission_key="k" * 24,
        code="A1B2",
        name="林晓东",
        arrival_date=date(2026, 3, 10),
        origin=wuhan,
        transport="train",
        reason="探亲",
        host_address="3号楼302",
        host_name="王翠琳",
        key_area_names="武汉市",
        key_person=key_person,
        created_at=NOW - timedelta(minutes=3),
    )


def test_a_key_area_visitor_of_an_unknown_household_goes_to_the_admins(world, clock):
    clock(NOW)
    _registration(world)
    scan(NOW)
    assert _inbox(Kind.KEY_AREA_VISITOR) == {"admin"}
    body = Message.objects.filter(kind=Kind.KEY_AREA_VISITOR).first().body
    assert "林**" in body and "武汉市" in body and "3号楼302" not in body and "王翠琳" not in body


def test_a_key_area_visitor_of_a_known_household_goes_to_its_grid_worker(world, clock):
    clock(NOW)
    person = KeyPerson.objects.create(
        community=world.community, grid=world.grid_a, household=world.household_a, name="林晓东", source="visitor"
    )
    _registration(world, person)
    scan(NOW)
    assert _inbox(Kind.KEY_AREA_VISITOR) == {"worker_a"}


def test_a_push_list_gives_each_grid_its_count_and_the_admin_the_total(world, clock):
    clock(NOW)
    batch = PushBatch.objects.create(
        community=world.community,
        received_on=date(2026, 3, 10),
        file_name="list.xlsx",
        file_sha256="a" * 64,
        status=BatchStatus.DONE,
        imported_at=NOW - timedelta(minutes=2),
    )
    for n, grid in enumerate([world.grid_a, world.grid_a, world.grid_b, None]):
        PushedPerson.objects.create(
            batch=batch, community=world.community, row_number=n + 2, name=f"推送{n}", grid=grid
        )
    scan(NOW)
    rows = {m.recipient.username: m.body for m in Message.objects.filter(kind=Kind.PUSHLIST_BATCH, channel="inbox")}
    assert set(rows) == {"worker_a", "worker_b", "admin"}
    assert "第一网格 还有 2 人" in rows["worker_a"] and "第二网格 还有 1 人" in rows["worker_b"]
    assert "全社区 还有 4 人" in rows["admin"]


def test_the_daily_report_not_signed_an_hour_after_the_cutoff(world, clock, settings):
    settings.REPORT_CUTOFF = "15:00"
    scan(clock(local(2026, 3, 10, 15, 30)))
    assert not _inbox(Kind.REPORT_UNSIGNED)
    scan(clock(local(2026, 3, 10, 16, 1)))
    assert _inbox(Kind.REPORT_UNSIGNED) == {"admin"}


def test_a_signed_report_raises_nothing(world, clock, settings):
    settings.REPORT_CUTOFF = "15:00"
    moment = local(2026, 3, 10, 16, 1)
    DailyReport.objects.create(
        community=world.community,
        day=date(2026, 3, 10),
        window_start=moment - timedelta(days=1),
        window_end=moment,
        generated_at=moment,
        signed_at=moment,
        signed_by=world.admin,
    )
    scan(clock(moment))
    assert not Message.objects.filter(kind=Kind.REPORT_UNSIGNED, community=world.community).exists()


def test_low_stock_once_a_day(world, clock):
    SupplyItem.objects.create(
        community=world.community,
        name="84消毒液",
        kind="disinfectant",
        unit="瓶",
        low_threshold=Decimal(10),
        on_hand=Decimal(3),
        created_at=NOW,
    )
    scan(clock(NOW))
    scan(clock(NOW + timedelta(hours=2)))
    assert Message.objects.filter(kind=Kind.LOW_STOCK, channel="inbox").count() == 1
    assert "84消毒液 库存 3瓶" in Message.objects.get(kind=Kind.LOW_STOCK).body


def test_an_application_waiting_goes_to_the_admin(world, clock):
    enterprise = Enterprise.objects.create(
        community=world.community, grid=world.grid_a, name="开元童装", contact_name="李", mall="开元盛世广场"
    )
    Application.objects.create(
        enterprise=enterprise,
        status=ApplicationStatus.SUBMITTED,
        planned_date=date(2026, 3, 12),
        contact_name="李",
        submitted_at=NOW - timedelta(minutes=1),
    )
    scan(clock(NOW))
    assert _inbox(Kind.REOPENING_WAITING) == {"admin"}


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_every_staff_template_is_masked(kind):
    name, id_number, phone = "欧阳翠琳", "350502198503121234", "13859901234"
    values = {
        "grid": "第一网格",
        "name": mask_name(name),
        "temperature": "38.2",
        "retest_minutes": 30,
        "threshold": "37.3",
        "due": "03-10 09:00",
        "gate": "东门",
        "areas": "武汉市",
        "received": "03-10",
        "scope": "全社区",
        "count": 3,
        "day": "03-10",
        "cutoff": "15:00",
        "item": "口罩",
        "on_hand": "2",
        "unit": "个",
        "enterprise": "开元童装",
        "counts": "发热 2 条",
        "channel": "企业微信群机器人",
    }
    title, body = staff_text(kind, **values)
    assert_clean(title + body, names=(name, id_number, phone))


@pytest.mark.parametrize("kind", list(RESIDENT_TEMPLATES))
def test_every_resident_template_has_no_name_and_no_diagnosis_word(kind):
    text = resident_text(kind, slot="17:00", link="https://example.org/observation/r/abc/", day="03月10日")
    assert_clean(text, resident=True)


def test_mask_name_keeps_only_the_family_name():
    assert [mask_name(n) for n in ("王翠琳", "吴晶", "欧阳翠琳", "王", "")] == ["王**", "吴*", "欧***", "王*", "**"]


def test_every_event_a_scan_made_is_masked(world, case_a, clock):
    from alleykeeper.observation.followups import Report, record_followup

    when = clock(local(2026, 3, 10, 10, 5))
    record_followup(world.worker_a, case_a, Report(temperature=Decimal("38.6")), now=when)
    scan(when)
    for message in Message.objects.all():
        assert_clean(message.title + message.body, names=("王翠琳",))
    assert Event  # the type the sources return
