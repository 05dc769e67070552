"""The gate's live list: who may open it, masking, hostile names, key-area flag → key person, logging entry."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alleykeeper.accounts.roles import Role
from alleykeeper.audit.models import AuditEvent
from alleykeeper.gates.models import Enclosure, Gate, GateLogEntry
from alleykeeper.places.models import KeyArea
from alleykeeper.screening.models import KeyPerson
from alleykeeper.visitors.models import Registration
from alleykeeper.visitors.tests.conftest import form_data, make_gate, put_on_duty
from testkit.world import make_id, make_user

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    '<script>alert("x")</script>',
    '=HYPERLINK("http://evil.example","点我")',
    "<img src=x onerror=alert(1)>",
]


def _register(visit, key: str = "k" * 24, **overrides) -> Registration:
    response = Client().post(visit.url, form_data(key=key, **overrides))
    assert response.status_code == 303, response.content.decode()[:2000]
    return Registration.objects.get(submission_key=key)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_who_may_open_the_live_list(world, visit, personas):
    url = f"/v/gate/{visit.gate.pk}/"
    # duty staff and grid workers only while on duty at this gate; the community admin always
    assert personas["duty"].get(url).status_code == 404
    assert personas["worker_a"].get(url).status_code == 404
    assert personas["admin"].get(url).status_code == 200
    assert personas["officer"].get(url).status_code == 403  # no gate duty at all
    assert personas["anonymous"].get(url).status_code == 302
    put_on_duty(world.duty, visit.gate)
    assert personas["duty"].get(url).status_code == 200
    other_admin = make_user("admin_other", Role.ADMIN, communities=[world.other_community])
    assert _client(other_admin).get(url).status_code == 404
    # a shift at another gate does not open this one
    west = make_gate(world, name="西门")
    put_on_duty(world.volunteer, west)
    assert personas["volunteer"].get(url).status_code == 404
    assert personas["volunteer"].get(f"/v/gate/{west.pk}/").status_code == 200


def test_live_list_shows_todays_arrivals_masked(visit, duty_on_shift):
    today = _register(visit)
    yesterday = _register(visit, key="y" * 24, name="昨天来的人", doc_number=make_id(order="321"))
    Registration.objects.filter(pk=yesterday.pk).update(created_at=timezone.now() - timedelta(days=1, hours=1))
    page = duty_on_shift.get(f"/v/gate/{visit.gate.pk}/").content.decode()
    assert today.code in page and "林晓东" in page and "昨天来的人" not in page
    assert today.doc_number_masked in page and "139****1234" in page
    assert today.full_document_number() not in page and "13905951234" not in page
    # the code search finds older ones too
    page = duty_on_shift.get(f"/v/gate/{visit.gate.pk}/", {"code": yesterday.code.lower()}).content.decode()
    assert "昨天来的人" in page and "林晓东" not in page


def test_live_list_refresh_is_an_htmx_partial_with_fixed_queries(visit, duty_on_shift):
    for n in range(3):
        _register(visit, key=f"{n}" * 24, doc_number=make_id(order=f"{100 + n}"))
    url = f"/v/gate/{visit.gate.pk}/"
    headers = {"HX-Request": "true", "HX-Target": "rows"}
    response = duty_on_shift.get(url, headers=headers)
    page = response.content.decode()
    assert "<html" not in page and page.count('class="person visitor-row') == 3
    with CaptureQueriesContext(connection) as few:
        duty_on_shift.get(url, headers=headers)
    for n in range(3, 9):
        _register(visit, key=f"{n}" * 24, doc_number=make_id(order=f"{100 + n}"))
    with CaptureQueriesContext(connection) as many:
        duty_on_shift.get(url, headers=headers)
    assert len(many) == len(few)
    assert 'hx-trigger="every 20s' in duty_on_shift.get(url).content.decode()


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_hostile_names_are_escaped_everywhere_they_are_shown(visit, duty_on_shift, hostile):
    registration = _register(visit, reason=hostile, host_address=hostile)
    # The form refuses such names now (test_public_form); rows registered before that still show them.
    Registration.objects.filter(pk=registration.pk).update(name=hostile, host_name=hostile)
    pages = [
        Client().get(f"/v/{visit.gate.token}/ok/{registration.submission_key}/").content.decode(),
        duty_on_shift.get(f"/v/gate/{visit.gate.pk}/").content.decode(),
        duty_on_shift.get(
            f"/v/gate/{visit.gate.pk}/", headers={"HX-Request": "true", "HX-Target": "rows"}
        ).content.decode(),
        duty_on_shift.post(
            f"/v/registration/{registration.pk}/enter/", headers={"HX-Request": "true"}
        ).content.decode(),
    ]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;" in page or "=HYPERLINK(&quot;" in page
    assert Registration.objects.get().name == hostile  # stored as typed, escaped on the way out


def test_key_area_arrival_is_flagged_and_becomes_a_key_person_in_one_step(world, visit, key_area, duty_on_shift):
    flagged = _register(visit, origin="420100", origin_county="420102", transport="car", transport_number="")
    via = _register(visit, key="v" * 24, doc_number=make_id(order="246"), passed_2="420100", name="途经者")
    clean = _register(visit, key="c" * 24, doc_number=make_id(order="468"), origin="420500", name="宜昌人")
    assert flagged.key_area_names == "武汉市" and via.key_area_names == "武汉市" and clean.key_area_names == ""
    page = duty_on_shift.get(f"/v/gate/{visit.gate.pk}/").content.decode()
    assert page.count("重点地区：武汉市") == 2 and page.count("转为重点人员") == 2

    response = duty_on_shift.post(f"/v/registration/{flagged.pk}/key-person/")
    assert response.status_code == 302
    person = KeyPerson.objects.get()
    assert person.source == "visitor" and person.source_ref == f"visitors.registration:{flagged.pk}"
    assert person.community == world.community and person.origin_id == "420102" and person.name == "林晓东"
    assert person.full_document_number() == flagged.full_document_number()
    assert person.full_phone() == "13905951234" and person.arrival_date == flagged.arrival_date
    flagged.refresh_from_db()
    assert flagged.key_person == person
    # pressing again (double tap) does not make a second key person
    duty_on_shift.post(f"/v/registration/{flagged.pk}/key-person/", headers={"HX-Request": "true"})
    assert KeyPerson.objects.count() == 1
    event = AuditEvent.objects.get(action="visitor.key_person")
    assert event.actor == world.duty and "林晓东" not in event.object_label
    page = duty_on_shift.get(f"/v/gate/{visit.gate.pk}/").content.decode()
    assert "已转重点人员" in page


def test_id_address_code_never_flags(visit, key_area):
    """A Wuhan-born visitor (ID starting 420102) coming from Shenzhen is not a key-area arrival."""
    registration = _register(visit, doc_number=make_id(address="420102"), origin="440300")
    assert registration.key_area_names == ""


def test_arrival_older_than_the_lookback_window_is_not_flagged(visit, key_area, settings):
    old = (timezone.localdate() - timedelta(days=settings.KEY_AREA_LOOKBACK_DAYS + 1)).isoformat()
    registration = _register(visit, origin="420100", arrival_date=old)
    assert registration.key_area_names == ""


def test_duty_staff_logs_the_entry_from_the_list(world, visit, key_area, duty_on_shift):
    registration = _register(visit, origin="420100")
    response = duty_on_shift.post(
        f"/v/registration/{registration.pk}/enter/", {"temperature": "36.5"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "已进入" in response.content.decode()
    entry = GateLogEntry.objects.get()
    assert entry.gate == visit.gate and entry.visitor_code == registration.code and entry.kind == "visitor"
    assert entry.direction == "in" and str(entry.temperature) == "36.5" and entry.recorded_by == world.duty
    assert "key_area" in entry.flag_codes
    assert "已登记" in response.content.decode() and "36.5 ℃" in response.content.decode()
    # an implausible temperature is refused with a message, nothing written, the reading kept to correct
    response = duty_on_shift.post(
        f"/v/registration/{registration.pk}/enter/", {"temperature": "98"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert 'class="error"' in page and 'value="98"' in page and GateLogEntry.objects.count() == 1


def test_a_fever_at_the_list_says_what_to_do_and_stays_on_the_row(visit, duty_on_shift):
    registration = _register(visit)
    url = f"/v/registration/{registration.pk}/enter/"
    page = duty_on_shift.post(url, {"temperature": "38.5"}, headers={"HX-Request": "true"}).content.decode()
    assert "体温 38.5 ℃ 达到发热标准：请复测" in page and 'role="alert"' in page
    assert "fever" in GateLogEntry.objects.get().flag_codes
    listing = duty_on_shift.get(f"/v/gate/{visit.gate.pk}/").content.decode()
    assert "已进入 38.5 ℃" in listing and "体温异常" in listing
    # without JavaScript: the same words as messages on the list
    page = duty_on_shift.post(url, {"temperature": "38.6"}, follow=True).content.decode()
    assert "体温 38.6 ℃ 达到发热标准" in page


def test_the_temperature_taken_at_the_gate_log_goes_with_the_code(visit, duty_on_shift):
    """The gate log page sends a visitor's code to the list; the temperature measured there goes too (in the
    session, never in the address) and is in the row until the visitor is let in."""
    registration = _register(visit)
    response = duty_on_shift.post(
        f"/gates/gate/{visit.gate.pk}/log/record/",
        {"tap": "in:visitor", "visitor_code": registration.code.lower(), "temperature": "38.6"},
    )
    assert response.status_code == 302 and "38.6" not in response["Location"]
    listing = duty_on_shift.get(response["Location"]).content.decode()
    assert 'value="38.6"' in listing
    assert 'value="38.6"' in duty_on_shift.get(response["Location"]).content.decode(), "kept while the list refreshes"
    duty_on_shift.post(f"/v/registration/{registration.pk}/enter/", {"temperature": "38.6"})
    assert str(GateLogEntry.objects.get().temperature) == "38.6"
    assert 'value="38.6"' not in duty_on_shift.get(response["Location"]).content.decode()


def test_buttons_respect_access(world, visit, personas):
    registration = _register(visit)
    for persona in ("duty", "worker_a"):  # not on duty here
        assert personas[persona].post(f"/v/registration/{registration.pk}/enter/").status_code == 404
        assert personas[persona].post(f"/v/registration/{registration.pk}/key-person/").status_code == 404
    assert personas["officer"].post(f"/v/registration/{registration.pk}/enter/").status_code == 403
    assert personas["admin"].get(f"/v/registration/{registration.pk}/enter/").status_code == 405
    assert not GateLogEntry.objects.exists() and not KeyPerson.objects.exists()


def test_poster_has_the_qr_code_name_and_privacy_notice(world, visit, personas, settings):
    settings.SITE_URL = "https://ak.example.org"
    page = personas["admin"].get(f"/v/gate/{visit.gate.pk}/poster/").content.decode()
    assert "<svg" in page and "东门" in page and "东片区" in page
    assert f"https://ak.example.org/v/{visit.gate.token}/" in page
    assert "保存 28 天后自动删除" in page and "size: A4" in page
    assert personas["duty"].get(f"/v/gate/{visit.gate.pk}/poster/").status_code == 404  # not on duty


def test_gates_index_and_navigation(world, visit, personas):
    _register(visit)
    page = personas["admin"].get("/v/").content.decode()
    assert "东门" in page and "今日 1 人" in page and 'href="/v/"' in page
    page = personas["duty"].get("/v/").content.decode()
    assert "东门" not in page and "没有值守的卡口" in page
    put_on_duty(world.duty, visit.gate)
    assert "东门" in personas["duty"].get("/v/").content.decode()
    assert personas["officer"].get("/v/").status_code == 403


def test_key_area_declared_after_registration_flags_the_waiting_visitor(visit, duty_on_shift, settings):
    """Registered at 7:30 from Yichang; at 8:00 Hubei is declared a key area: the list flags them now."""
    registration = _register(visit, origin="420500")
    assert registration.key_area_names == ""
    KeyArea.objects.create(division=visit.divisions["420000"], start=timezone.localdate() - timedelta(days=3))
    page = duty_on_shift.get(f"/v/gate/{visit.gate.pk}/").content.decode()
    assert "重点地区：湖北省" in page and "转为重点人员" in page
    duty_on_shift.post(f"/v/registration/{registration.pk}/enter/")
    assert "key_area" in GateLogEntry.objects.get().flag_codes
    duty_on_shift.post(f"/v/registration/{registration.pk}/key-person/")
    registration.refresh_from_db()
    assert registration.key_person is not None and registration.key_area_names == "湖北省"
    # a key-area period that ended before the look-back window does not flag
    KeyArea.objects.all().update(
        start=timezone.localdate() - timedelta(days=60), end=timezone.localdate() - timedelta(days=40)
    )
    other = _register(visit, key="o" * 24, origin="420500", doc_number=make_id(order="612"), name="晚到者")
    page = duty_on_shift.get(f"/v/gate/{visit.gate.pk}/", {"code": other.code}).content.decode()
    assert "晚到者" in page and "重点地区" not in page


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_export_is_masked_formula_safe_and_audited(world, visit, key_area, duty_on_shift, hostile, as_admin):
    registration = _register(visit, reason="+1 探亲", origin="420100")
    # Names the form refuses now (test_public_form) but rows from before the check may hold.
    Registration.objects.filter(pk=registration.pk).update(name=hostile, host_name="@SUM(1+1)")
    url = f"/v/gate/{visit.gate.pk}/export/"
    # The gate's managers export, as the gate log's; duty staff work from the live list during the shift: a file
    # of days of people's movements outlives it. Neither the link nor the page for them.
    assert duty_on_shift.get(url).status_code == 403
    assert "导出登记" not in duty_on_shift.get(f"/v/gate/{visit.gate.pk}/").content.decode()
    assert "导出登记" in as_admin.get(f"/v/gate/{visit.gate.pk}/").content.decode()
    today = timezone.localdate().isoformat()
    assert duty_on_shift.post(url, {"start": today, "end": today, "purpose": "report_upward"}).status_code == 403
    response = as_admin.post(url, {"start": today, "end": today, "purpose": "report_upward"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert registration.code in text and registration.doc_number_masked in text and "139****1234" in text
    assert registration.full_document_number() not in text and "13905951234" not in text
    assert "武汉市" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    assert rows[1][2] == ("'" + hostile if hostile.startswith("=") else hostile)  # 姓名, as typed but inert
    assert rows[1][12] == "'@SUM(1+1)" and rows[1][10] == "'+1 探亲"
    for cell in rows[1]:
        assert cell[:1] not in {"=", "+", "-", "@"}, cell
    event = AuditEvent.objects.get(action="visitor.export")
    assert event.row_count == 1 and event.purpose == "report_upward" and event.actor == world.admin
    # no purpose, no export; other gates' staff cannot export this one
    assert "请选择导出用途" in as_admin.post(url, {"start": today, "end": today}).content.decode()
    assert AuditEvent.objects.filter(action="visitor.export").count() == 1
    elsewhere = Enclosure.objects.create(community=world.other_community, name="新华片区")
    other = Gate.objects.create(enclosure=elsewhere, name="西门")
    assert as_admin.get(f"/v/gate/{other.pk}/export/").status_code == 404  # another community's gate
