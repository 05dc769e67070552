"""Returning staff (进出关): entry, import, screening against the register, key persons, the push list,
observation cases and key areas, and the blocking rule: anyone of the four categories or from a key area
blocks approval until the observation finished or an admin recorded a decision with a reason."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import check_id_card, check_phone
from alleykeeper.observation.actions import release_case
from alleykeeper.observation.tests.conftest import open_case_for
from alleykeeper.pushlist.models import PushBatch, PushedPerson
from alleykeeper.reopening import actions, staff
from alleykeeper.reopening.models import Application, ApplicationStatus, HealthState, ReturningStaff
from alleykeeper.screening.actions import record_key_person
from alleykeeper.screening.tests.conftest import make_divisions
from testkit.world import make_id

WANG_ID = make_id(order="124")  # 王翠琳 of the test world's register (household A)


def _inspected(world, enterprise) -> Application:
    data = {"planned_date": timezone.localdate(), "contact_name": "林店长", "measures_entry": "测温"}
    application = actions.submit_application(world.worker_a, enterprise, data, None, via_link=False)
    actions.start_review(world.admin, application)
    items = actions.checklist_for(enterprise)
    record = actions.InspectionRecord(
        timezone.localdate(), "黄银红", ["community"], [actions.ItemResult(item, True) for item in items]
    )
    actions.record_inspection(world.admin, enterprise, record, application)
    return application


def _person(places, **extra) -> dict:
    return {
        "name": "张返岗",
        "doc_type": "id_card",
        "doc_number": make_id(address="350502", order="311"),
        "phone": "13959900001",
        "origin": places.quanzhou.code,
        "returned_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "health_state": "healthy",
        **extra,
    }


def test_key_area_arrival_blocks_approval_until_an_admin_decides(world, personas, enterprise_a):
    places = make_divisions()
    application = _inspected(world, enterprise_a)
    worker, admin = personas["worker_a"], personas["admin"]
    url = reverse("reopening:staff", args=[enterprise_a.pk])
    bad = [
        ({"doc_number": make_id()[:-1] + "0"}, "校验"),  # wrong check character
        ({"origin": ""}, "请选择从哪里返回"),
        ({"origin": "999999"}, "不在列表中"),
        ({"returned_on": (timezone.localdate() + timedelta(days=90)).isoformat()}, "太远"),
        ({"returned_on": "2020-02-30"}, "年-月-日"),
        ({"phone": "12ab"}, "电话"),
        ({"health_state": "cured"}, "健康状况"),
    ]
    for change, message in bad:
        response = worker.post(url, _person(places) | change)
        assert response.status_code == 400 and message in response.content.decode(), change
    assert not ReturningStaff.objects.exists()
    # Came back through Wuhan (a key area) three days ago: blocks. Born in Wuhan (ID 420102...) but came from
    # Quanzhou and passed nowhere: the address code is not travel origin, nothing is flagged.
    worker.post(url, _person(places, passed_1=places.wuhan.code))
    worker.post(url, _person(places, name="李本地", doc_number=make_id(address="420102", order="333")))
    flagged, local = ReturningStaff.objects.get(name="张返岗"), ReturningStaff.objects.get(name="李本地")
    assert flagged.blocking and "武汉市" in flagged.findings[-1]["text"]
    assert not local.blocking and not any(f["blocks"] for f in local.findings)
    assert flagged.doc_number_masked.startswith("350502") and "*" in flagged.phone_masked
    page = admin.get(reverse("reopening:application", args=[application.pk])).content.decode()
    assert "张返岗" in page and "武汉市" in page and "解除前不能批准复工" in page
    refused = admin.post(reverse("reopening:approve", args=[application.pk]), follow=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INSPECTED and "张返岗" in refused.content.decode()
    # Only an admin decides, and only with a reason.
    decide = reverse("reopening:staff_decide", args=[flagged.pk])
    assert worker.post(decide, {"reason": "已核实"}).status_code == 403
    admin.post(decide, {"reason": "  "})
    flagged.refresh_from_db()
    assert flagged.blocking
    admin.post(decide, {"reason": "经核实只在武汉站换乘未出站"})
    flagged.refresh_from_db()
    assert not flagged.blocking and flagged.cleared_reason == "经核实只在武汉站换乘未出站"
    event = AuditEvent.objects.get(action="staff.decide_block")
    assert event.reason == "经核实只在武汉站换乘未出站"
    admin.post(reverse("reopening:approve", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    # Another grid's worker cannot see the list.
    assert personas["worker_b"].get(url).status_code == 404


def test_screening_against_register_key_persons_push_list_and_observation(
    world, enterprise_a, django_assert_max_num_queries
):
    places = make_divisions()
    wang = world.household_a.residents.get()
    case = open_case_for(world, world.household_a, world.worker_a, resident=wang)
    doc = check_id_card(make_id(order="555"))
    record_key_person(
        world.admin, community=world.community, name="赵重点", source="manual", doc=doc, origin=places.wuhan
    )
    batch = PushBatch.objects.create(community=world.community, received_on=timezone.localdate(), file_name="p.xlsx")
    pushed_doc = check_id_card(make_id(order="777"))
    pushed = PushedPerson(batch=batch, community=world.community, row_number=1, name="钱推送")
    pushed.seal_identity(pushed_doc, None)
    pushed.save()

    def entry(name: str, number: str, health: str = HealthState.HEALTHY) -> staff.StaffEntry:
        data = {"name": name, "doc_type": "id_card", "returned_on": timezone.localdate(), "health_state": health}
        return staff.StaffEntry(data, check_id_card(number), check_phone("13959900009"), places.quanzhou, [])

    entries = [
        entry("王翠琳", WANG_ID),
        entry("赵重点", make_id(order="555")),
        entry("钱推送", make_id(order="777")),
        entry("孙发热", make_id(order="999"), HealthState.FEVER),
        entry("周健康", make_id(order="131")),
    ]
    rows = staff.add_staff_many(world.worker_a, enterprise_a, entries, via_link=False)
    found = {row.name: row for row in rows}
    assert "台账居民" in found["王翠琳"].findings[0]["text"] and found["王翠琳"].resident == wang
    assert any("居家医学观察" in f["text"] for f in found["王翠琳"].findings) and found["王翠琳"].blocking
    assert found["赵重点"].blocking and any("重点人员" in f["text"] for f in found["赵重点"].findings)
    assert found["钱推送"].blocking and any("推送名单" in f["text"] for f in found["钱推送"].findings)
    assert found["孙发热"].blocking and any("四类人员" in f["text"] for f in found["孙发热"].findings)
    assert not found["周健康"].blocking and found["周健康"].findings[0]["text"] == "不在本社区台账中"
    # The observation finished: screened again, the block is gone; the others stay.
    release_case(world.admin, case, "期满解除")
    call_command("rescreen_staff", stdout=StringIO())
    assert ReturningStaff.objects.blocking().count() == 3
    assert not ReturningStaff.objects.get(name="王翠琳").blocking
    # Screening runs a fixed number of queries whatever the number of people.
    people = list(ReturningStaff.objects.select_related("origin"))
    with django_assert_max_num_queries(8):
        staff.screen_staff(people[:1])
    with django_assert_max_num_queries(8):
        staff.screen_staff(people)


def test_a_decision_covers_only_what_it_saw_and_observation_time_ends_a_key_area_block(world, enterprise_a):
    places = make_divisions()
    data = {"name": "吴返岗", "doc_type": "id_card", "returned_on": timezone.localdate(), "health_state": "healthy"}
    doc = check_id_card(make_id(order="413"))
    person = staff.add_staff(None, enterprise_a, staff.StaffEntry(data, doc, None, places.jianghan, []), via_link=True)
    assert person.blocking and person.via_link
    staff.decide_staff_block(world.admin, person, "已在武汉完成隔离，有证明")
    assert staff.rescreen_enterprise(enterprise_a) == 0
    # A new finding (the enterprise now declares a fever) blocks again.
    ReturningStaff.objects.filter(pk=person.pk).update(health_state=HealthState.FEVER)
    assert staff.rescreen_enterprise(enterprise_a) == 1
    # Back more than the observation period ago: the key area no longer blocks by itself.
    old = staff.add_staff(
        None,
        enterprise_a,
        staff.StaffEntry(
            data | {"name": "郑早归", "returned_on": timezone.localdate() - timedelta(days=15)},
            check_id_card(make_id(order="415")),
            None,
            places.wuhan,
            [],
        ),
        via_link=True,
    )
    assert not old.blocking and "已满" in old.findings[-1]["text"]
    with pytest.raises(actions.ReopeningError):
        staff.decide_staff_block(world.admin, old, "无")


def test_import_through_the_link_all_or_nothing_and_idempotent(world, client, enterprise_a):
    make_divisions()
    token = actions.issue_link(world.worker_a, enterprise_a)
    url = reverse("reopening:public_staff", args=[token])
    today = timezone.localdate().isoformat()
    good = f"姓名,证件号码,手机号码,从哪里返回,途经地,返回日期,健康状况\n张一,{make_id(order='611')},13959900011,湖北省武汉市,,{today},健康\n李二,{make_id(order='613')},13959900012,泉州,武汉、鲤城区,{today},\n"
    bad = good + f"王三,{make_id(order='615')[:-1]}0,139,火星,,2020-13-01,很好\n"
    response = client.post(url, {"what": "import", "file": SimpleUploadedFile("staff.csv", bad.encode("gbk"))})
    page = response.content.decode()
    assert response.status_code == 400 and "全部没有导入" in page and "火星" in page
    assert not ReturningStaff.objects.exists()
    for _ in range(2):
        response = client.post(url, {"what": "import", "file": SimpleUploadedFile("staff.csv", good.encode())})
        assert response.status_code == 302
    people = {p.name: p for p in ReturningStaff.objects.all()}
    assert set(people) == {"张一", "李二"} and people["张一"].blocking and people["李二"].blocking
    assert people["李二"].places_passed_names == "武汉市、鲤城区"
    # The enterprise sees names and masked numbers, never the screening.
    page = client.get(url).content.decode()
    assert "张一" in page and make_id(order="611") not in page and "重点地区" not in page
    assert client.get(reverse("reopening:public_staff", args=["x" * 20])).status_code == 404
