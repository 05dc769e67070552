"""The public form through HTTP: CSRF in a fresh session, validation messages, gate tokens, mass
assignment, the database-down page. Every test asserts the page and the database."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from alleykeeper.gates.models import GateState
from alleykeeper.screening.models import KeyPerson
from alleykeeper.visitors.models import CODE_ALPHABET, Registration
from alleykeeper.visitors.tests.conftest import form_data, make_gate
from testkit.world import make_id

pytestmark = pytest.mark.django_db


def _token_and_key(page: str) -> tuple[str, str]:
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    key = re.search(r'name="submission_key" value="([^"]+)"', page)[1]
    return csrf, key


def test_fresh_phone_registers_with_csrf_on_and_sees_its_code(visit):
    browser = Client(enforce_csrf_checks=True)  # no cookie pre-set: the GET must set it
    response = browser.get(visit.url)
    page = response.content.decode()
    assert response.status_code == 200 and "来访登记" in page and "东门" in page
    assert "csrftoken" in response.cookies and response["Cache-Control"] == "no-store"
    assert "保存 28 天后自动删除" in page  # the privacy notice, from VISITOR_RETENTION_DAYS
    csrf, key = _token_and_key(page)
    response = browser.post(visit.url, form_data(key=key, csrfmiddlewaretoken=csrf))
    assert response.status_code == 303
    confirmation = browser.get(response["Location"])
    registration = Registration.objects.get()
    page = confirmation.content.decode()
    assert confirmation.status_code == 200 and "登记成功" in page and registration.code in page
    assert len(registration.code) == 6 and set(registration.code) <= set(CODE_ALPHABET)
    assert registration.gate == visit.gate and registration.name == "林晓东"
    assert registration.transport_number == "D3125" and registration.origin_id == "440300"
    # sealed: the clear values are in no column and not on the page
    doc = make_id(born="19900707", order="135")
    assert registration.full_document_number() == doc and registration.full_phone() == "13905951234"
    assert doc not in page and "13905951234" not in page and registration.doc_number_masked in page
    stored = " ".join(str(v) for v in Registration.objects.values().get().values())
    assert doc not in stored and "13905951234" not in stored


def test_post_without_csrf_token_is_refused(visit):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(visit.url, form_data())
    assert response.status_code == 403 and not Registration.objects.exists()


# Read when the test runs, not when the tests are collected (at 23:59 that is another day).
TOMORROW = lambda: (timezone.localdate() + timedelta(days=1)).isoformat()  # noqa: E731
BAD_INPUTS = [
    ("wrong ID checksum", {"doc_number": make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1")}, "校验位不对"),
    ("ID too short", {"doc_number": "35050219850312"}, "应为 18 位"),
    ("bad phone letters", {"phone": "1390595abcd"}, "电话号码只能包含数字"),
    ("phone too short", {"phone": "1390"}, "位数不对"),
    ("mobile missing digits", {"phone": "1380013"}, "请填写能打通的号码"),
    ("landline without area code", {"phone": "2212345"}, "请填写能打通的号码"),
    ("mobile with a wrong second digit", {"phone": "12905951234"}, "请填写能打通的号码"),
    ("missing name", {"name": "  "}, "请填写姓名"),
    ("formula as name", {"name": "=cmd|' /C calc'!A0"}, "姓名里不能有 “=”“|”“/”“!” 这样的符号或数字"),
    ("script as name", {"name": "<script>"}, "姓名里不能有 “&lt;”“&gt;” 这样的符号"),
    ("plus one as name", {"name": "+1"}, "姓名里不能有 “+”“1”"),
    ("SUM as host name", {"host_name": "@SUM(A1)"}, "姓名里不能有 “@”“(”“1”“)”"),
    ("digits in name", {"name": "林晓东2"}, "姓名里不能有数字（“2”）"),
    ("dot at the start", {"name": "·林晓东"}, "“·”只能写在两个字之间"),
    ("missing phone", {"phone": ""}, "请填写手机号码"),
    ("missing host", {"host_name": ""}, "请填写被访人的姓名"),
    ("missing origin", {"origin": ""}, "请选择从哪里来"),
    ("forged origin", {"origin": "999999"}, "所选地区不在列表中"),
    ("county of another city", {"origin_county": "420102"}, "所选区县不属于所选城市"),
    ("arrival tomorrow", {"arrival_date": TOMORROW}, "不能晚于今天"),
    ("arrival garbage", {"arrival_date": "2020-13-45"}, "请按“年-月-日”填写"),
    ("train without number", {"transport_number": ""}, "请填写车次"),
    ("flight number with symbols", {"transport": "flight", "transport_number": "MU-5301;"}, "只能是字母和数字"),
    ("bad passport", {"doc_type": "passport", "doc_number": "E1"}, "护照号码应为"),
]


@pytest.mark.parametrize(("case", "bad", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_says_what_to_fix_and_keeps_what_was_typed(visit, case, bad, message):
    bad = {name: value() if callable(value) else value for name, value in bad.items()}
    response = Client().post(visit.url, form_data(**bad))
    page = response.content.decode()
    assert response.status_code == 200, case
    assert message in page, case
    assert 'value="探亲"' in page  # nothing typed is lost
    assert 'value="' + "k" * 24 + '"' in page  # same submission key: fixing and resubmitting stays one registration
    assert not Registration.objects.exists()


NAMES_THAT_PASS = [
    ("𠮷田", "𠮷田"),
    ("𡈼", "𡈼"),
    ("John Smith", "John Smith"),
    ("Ngô Bảo Châu", "Ngô Bảo Châu"),
    ("O’Brien", "O'Brien"),
    ("Jean-Luc", "Jean-Luc"),
    ("阿依古丽·买买提", "阿依古丽·买买提"),
    ("阿依古丽.买买提", "阿依古丽·买买提"),
    ("阿依古丽 • 买买提", "阿依古丽·买买提"),
]


@pytest.mark.parametrize(("typed", "stored"), NAMES_THAT_PASS, ids=[n[0] for n in NAMES_THAT_PASS])
def test_rare_foreign_and_minority_names_pass_normalised(visit, typed, stored):
    assert Client().post(visit.url, form_data(name=typed, host_name=typed)).status_code == 303
    registration = Registration.objects.get()
    assert registration.name == stored and registration.host_name == stored


def test_fix_after_wrong_id_gives_one_registration(visit):
    client = Client()
    bad = make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1")
    assert client.post(visit.url, form_data(doc_number=bad)).status_code == 200
    response = client.post(visit.url, form_data(doc_number=make_id(order="777")))
    assert response.status_code == 303 and Registration.objects.count() == 1


def test_other_documents_and_full_width_input_are_normalised(visit):
    data = form_data(doc_type="passport", doc_number="ｅ１２３４５６７８", phone="+86 139-0595-1234", transport="car")
    data["transport_number"] = ""
    assert Client().post(visit.url, data).status_code == 303
    registration = Registration.objects.get()
    assert registration.doc_type == "passport" and registration.full_document_number() == "E12345678"
    assert registration.full_phone() == "13905951234"


@pytest.mark.parametrize("phone", ["0595-2212 3456", "+44 20 7946 0958"])
def test_a_landline_with_its_area_code_and_a_number_abroad_pass(visit, phone):
    assert Client().post(visit.url, form_data(phone=phone)).status_code == 303
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    "token",
    [
        "forged-token-that-is-long-enough",
        "short",
        "x" * 41,
        "a%20b%20c%20d%20e%20f%20g%20h%20i",
        "%3Cscript%3Ealert(1)%3C%5Cscript%3E",
        "gate",
    ],
)
def test_forged_tokens_are_refused_in_chinese(visit, token):
    for response in (Client().get(f"/v/{token}/"), Client().post(f"/v/{token}/", form_data())):
        page = response.content.decode()
        assert response.status_code == 404 and "请向卡口值守人员索取最新的登记二维码" in page
    assert not Registration.objects.exists()


def test_rotated_token_is_refused_and_the_new_one_works(visit):
    old = visit.gate.token
    visit.gate.token = "N" * 24
    visit.gate.save(update_fields=["token"])
    response = Client().post(f"/v/{old}/", form_data())
    assert response.status_code == 404 and "无效或已更换" in response.content.decode()
    assert Client().post("/v/" + "N" * 24 + "/", form_data()).status_code == 303
    assert Registration.objects.get().gate == visit.gate


def test_confirmation_of_another_gate_or_unknown_key_is_404(world, visit):
    Client().post(visit.url, form_data())
    other = make_gate(world, name="西门")
    key = "k" * 24
    assert Client().get(f"/v/{visit.gate.token}/ok/{key}/").status_code == 200
    assert Client().get(f"/v/{other.token}/ok/{key}/").status_code == 404
    assert Client().get(f"/v/{visit.gate.token}/ok/{'z' * 24}/").status_code == 404


@pytest.mark.parametrize("state", [GateState.CLOSED, GateState.RESIDENTS_ONLY])
def test_closed_gate_sends_visitors_elsewhere(visit, state):
    visit.gate.state = state
    visit.gate.save(update_fields=["state"])
    response = Client().post(visit.url, form_data())
    assert "此卡口目前不接待来访人员" in response.content.decode()
    assert not Registration.objects.exists()


def test_extra_posted_fields_change_nothing(world, visit):
    """Mass assignment: every field a model has but the form does not is ignored."""
    other = make_gate(world, name="西门")
    person = KeyPerson.objects.create(community=world.community, name="某人", source="manual")
    hostile = {
        "code": "AAAAAA",
        "gate": str(other.pk),
        "gate_id": str(other.pk),
        "key_person": str(person.pk),
        "key_area_names": "武汉市",
        "created_at": "2000-01-01T00:00:00Z",
        "doc_number_masked": "123",
        "doc_number_enc": "forged",
        "phone_index": "forged",
        "id": "999",
    }
    assert Client().post(visit.url, form_data(**hostile)).status_code == 303
    registration = Registration.objects.get()
    assert registration.pk != 999 and registration.code != "AAAAAA"
    assert registration.gate == visit.gate and registration.key_person is None
    assert registration.key_area_names == "" and registration.created_at.year == timezone.now().year
    assert registration.doc_number_enc != "forged" and registration.phone_index != "forged"


def test_database_down_answers_503_in_chinese_without_trace(visit):
    with mock.patch(
        "alleykeeper.visitors.access.Gate.objects.select_related", side_effect=OperationalError("connection refused")
    ):
        response = Client().post(visit.url, form_data())
        page = response.content.decode()
        assert response.status_code == 503 and "请到卡口向值守人员当面登记" in page
        assert "Traceback" not in page and "OperationalError" not in page and "connection refused" not in page
        assert Client().get(visit.url).status_code == 503


def test_failed_commit_shows_no_confirmation(visit):
    """Only a committed registration is confirmed: a failure while saving is a 503 and nothing is kept."""
    with mock.patch("alleykeeper.visitors.models.Registration.save", side_effect=OperationalError("server closed")):
        response = Client().post(visit.url, form_data())
    assert response.status_code == 503 and "请到卡口向值守人员当面登记" in response.content.decode()
    assert "登记码" not in response.content.decode().split("只有看到")[0]
    assert not Registration.objects.exists()
    assert Client().post(visit.url, form_data()).status_code == 303  # the same form, retried, goes through


def test_county_list_follows_the_city(visit):
    response = Client().get(f"/v/{visit.gate.token}/counties/", {"origin": "420100"})
    page = response.content.decode()
    assert response.status_code == 200 and "江岸区" in page and "鲤城区" not in page
    assert Client().get("/v/forged-token-that-is-long-enough/counties/").status_code == 404
    data = form_data(origin="420100", origin_county="420102", transport="car", transport_number="")
    assert Client().post(visit.url, data).status_code == 303
    assert Registration.objects.get().origin_id == "420102"  # the finest place named is kept


def test_form_groups_cities_by_province(visit):
    page = Client().get(visit.url).content.decode()
    assert '<optgroup label="湖北省">' in page and "湖北省（全省 / 不确定哪个市）" in page
    assert page.index("武汉市") > page.index('<optgroup label="湖北省">')


def test_bench_baseline_endpoint_is_not_mounted_in_normal_urls(visit):
    """The benchmark's bare insert endpoint exists only when ALLEYKEEPER_BENCH=1 is set at start-up."""
    with pytest.raises(NoReverseMatch):
        reverse("visitors:bench_baseline", args=[visit.gate.token])
    assert Client().post(f"/v/bench-baseline/{visit.gate.token}/", form_data()).status_code == 404
    assert not Registration.objects.exists()
