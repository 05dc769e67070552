"""The enterprise register, the policy call, the overview and its export: pages and database, and scope."""

import io
import re

from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.crypto import decrypt
from alleykeeper.reopening import views
from alleykeeper.reopening.models import Enterprise, EnterpriseState, PolicyCall
from alleykeeper.reopening.tests.conftest import CODE_A, make_enterprise
from alleykeeper.reports.tests.reopening_scenario import build_reopening
from testkit.paging import follow_pages


def _form(world, **overrides) -> dict:
    data = {
        "name": "盛世火锅",
        "credit_code": "",
        "sector": "catering",
        "mall": "开元盛世广场",
        "floor": "3F",
        "shop_number": "3F-012",
        "building": "",
        "grid": world.grid_a.pk,
        "contact_name": "黄经理",
        "phone": "138 5990 7777",
        "headcount": "12",
    }
    return data | overrides


def test_register_checks_the_credit_code_and_seals_the_phone(world, as_worker_a):
    url = reverse("reopening:enterprise_new")
    bad = {
        CODE_A[:-1] + "U": "校验位",
        "9144030070846113OT": "I、O、S、V、Z",
        "914403007084611": "现在是 15 位",
        "": "个体工商户",
    }
    for code, message in bad.items():
        response = as_worker_a.post(url, _form(world, credit_code=code))
        assert response.status_code == 400 and message in response.content.decode(), code
    response = as_worker_a.post(url, _form(world, mall="", shop_number="", building="", grid=""))
    assert "请填写所在商场" in response.content.decode() and "请选择企业所在的网格" in response.content.decode()
    assert not Enterprise.objects.exists()
    # Full-width input is normalised; the phone is sealed and masked.
    response = as_worker_a.post(url, _form(world, credit_code="９１４４０３００７０８４６１１３６ｔ"))
    enterprise = Enterprise.objects.get()
    assert response.status_code == 302 and enterprise.credit_code == CODE_A
    assert enterprise.phone_masked == "138****7777" and decrypt(enterprise.phone_enc) == "13859907777"
    assert "13859907777" not in enterprise.phone_enc
    page = as_worker_a.get(reverse("reopening:enterprise", args=[enterprise.pk])).content.decode()
    assert "138****7777" in page and "13859907777" not in page and "开元盛世广场 3F 3F-012" in page
    # The same code twice is refused; an individual business without one is allowed and marked.
    again = as_worker_a.post(url, _form(world, credit_code=CODE_A, shop_number="3F-013"))
    assert again.status_code == 400 and "已经登记过另一家企业" in again.content.decode()
    as_worker_a.post(url, _form(world, name="小吃摊", no_credit_code="on", credit_code="", shop_number="1F-001"))
    assert Enterprise.objects.get(name="小吃摊").no_credit_code
    assert (
        "无（个体工商户）"
        in as_worker_a.get(
            reverse("reopening:enterprise", args=[Enterprise.objects.get(name="小吃摊").pk])
        ).content.decode()
    )
    # Editing with the phone left blank keeps it; a building puts it in the building's grid.
    edit = reverse("reopening:enterprise_edit", args=[enterprise.pk])
    as_worker_a.post(edit, _form(world, credit_code=CODE_A, phone="", headcount="20"))
    enterprise.refresh_from_db()
    assert enterprise.headcount == 20 and enterprise.phone_masked == "138****7777"
    assert AuditEvent.objects.filter(action="enterprise.update", object_id=enterprise.pk).exists()


def test_reveal_is_audited_with_a_purpose(world, as_worker_a, enterprise_a):
    url = reverse("reopening:reveal", args=[enterprise_a.pk])
    assert as_worker_a.post(url, {"purpose": ""}).status_code == 400
    response = as_worker_a.post(url, {"purpose": "screening"})
    assert "13859902222" in response.content.decode() and response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="enterprise.reveal_phone")
    assert event.purpose == "screening" and event.actor == world.worker_a


def test_scope_grid_workers_and_the_street_officer(world, personas, enterprise_a, enterprise_b):
    page_a = personas["worker_a"].get(reverse("reopening:overview")).content.decode()
    assert "开元奶茶店" in page_a and "孝感巷理发店" not in page_a
    assert personas["worker_a"].get(reverse("reopening:enterprise", args=[enterprise_b.pk])).status_code == 404
    assert personas["worker_b"].get(reverse("reopening:enterprise", args=[enterprise_a.pk])).status_code == 404
    assert (
        personas["worker_b"].post(reverse("reopening:call", args=[enterprise_a.pk]), {"channel": "phone"}).status_code
        == 404
    )
    officer = personas["officer"]
    assert officer.get(reverse("reopening:enterprise", args=[enterprise_b.pk])).status_code == 200
    assert officer.get(reverse("reopening:enterprise_edit", args=[enterprise_b.pk])).status_code == 403
    assert officer.post(reverse("reopening:call", args=[enterprise_b.pk]), {"channel": "phone"}).status_code == 403
    assert officer.post(reverse("reopening:link_issue", args=[enterprise_b.pk])).status_code == 403
    for name in ("duty", "volunteer"):
        assert personas[name].get(reverse("reopening:overview")).status_code == 403
    assert personas["anonymous"].get(reverse("reopening:overview")).status_code == 302
    assert not PolicyCall.objects.exists()


def test_policy_call_and_the_overview_of_who_was_not_told(world, as_worker_a, as_admin, enterprise_a, enterprise_b):
    overview = reverse("reopening:overview")
    page = as_admin.get(overview + "?gate=publicity:no").content.decode()
    assert "开元奶茶店" in page and "孝感巷理发店" in page
    response = as_worker_a.post(
        reverse("reopening:call", args=[enterprise_a.pk]), {"channel": "visit", "note": "已发要求"}
    )
    assert response.status_code == 302
    call = PolicyCall.objects.get()
    assert call.told_by == world.worker_a and call.channel == "visit"
    page = as_admin.get(overview + "?gate=publicity:no").content.decode()
    assert "开元奶茶店" not in page and "孝感巷理发店" in page
    assert as_worker_a.post(reverse("reopening:call", args=[enterprise_a.pk]), {"channel": "fax"}).status_code == 302
    assert PolicyCall.objects.count() == 1
    # Search: a whole credit code finds exactly one; a name part finds by name.
    assert "孝感巷理发店" not in as_admin.get(overview + f"?q={CODE_A.lower()}").content.decode()
    assert "孝感巷理发店" in as_admin.get(overview + "?q=理发").content.decode()
    assert "开元奶茶店" not in as_admin.get(overview + "?state=open").content.decode()


def test_export_is_masked_audited_and_needs_a_purpose(world, as_admin, as_worker_a, enterprise_a, enterprise_b):
    url = reverse("reopening:export")
    assert as_admin.post(url, {"purpose": ""}).status_code == 400
    response = as_worker_a.post(url, {"purpose": "report_upward"})
    assert response["Content-Disposition"].startswith("attachment")
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) == 2 and rows[1][2] == "开元奶茶店" and rows[1][7] == "138****2222"  # grid A only
    event = AuditEvent.objects.get(action="enterprise.export")
    assert event.row_count == 1 and event.purpose == "report_upward"


def test_overview_runs_a_fixed_number_of_queries(world, as_admin, enterprise_a, django_assert_max_num_queries):
    from alleykeeper.reopening.tests.conftest import make_enterprise

    for number in range(15):
        make_enterprise(world, f"商户{number}", state=EnterpriseState.OPEN)
    with django_assert_max_num_queries(12):
        assert as_admin.get(reverse("reopening:overview")).status_code == 200


def test_overview_pages_by_key_stable_under_an_insert(world, as_admin, monkeypatch):
    """Every enterprise once following 下一页 (the filter kept), and one registered meanwhile that sorts first
    (in a building of the register, no shopping centre) shifts no page."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for n in range(7):
        make_enterprise(world, f"商铺{n}")
    building = world.household_a.building
    seen = follow_pages(
        as_admin,
        reverse("reopening:overview") + "?state=closed",
        after_first=lambda: make_enterprise(world, "巷口小店", building=building),
    )
    assert len(seen) == len(set(seen)) == 7


def _stat_links(page: str) -> dict[str, tuple[int, str]]:
    """label → (count, link) of the overview's counts."""
    found = re.findall(r'<div class="stat"><strong>(\d+)</strong><a href="([^"]+)">([^<]+)</a></div>', page)
    return {label: (int(count), url.replace("&amp;", "&")) for count, url, label in found}


def _listed(client, url: str) -> list[str]:
    page = client.get(reverse("reopening:overview") + url).content.decode()
    return re.findall(r'href="/reopening/enterprise/\d+/"><span>([^ <]+)', page)


def test_each_count_of_the_overview_opens_the_enterprises_it_counts(world, as_admin, as_worker_a, time_machine):
    """待审核, 返岗人员未解除限制 and each of the four gates not done open the list of what they count, in scope;
    the list of people not cleared says how many at each enterprise (the count is of people)."""
    time_machine.move_to("2026-03-11 10:00 +08:00")
    scenario = build_reopening(world)
    made = scenario.by_name
    second = scenario.blocking_a  # a second person not cleared at 开元童装
    second.pk, second.name, second.doc_number_index = None, "王五", "doc-王五"
    second.save()
    Enterprise.objects.filter(pk=made["开元奶茶"].pk).update(told_at=timezone.now(), entry_done=True)
    Enterprise.objects.filter(pk=made["丽人美发"].pk).update(disinfection_done=True, supervision_done=True)
    page = as_admin.get(reverse("reopening:overview")).content.decode()
    counts = _stat_links(page)
    assert counts["份申请待审核"] == (2, "?pending=waiting")
    assert counts["名返岗人员未解除限制"] == (3, "?pending=blocking")
    assert counts["宣传关：未告知政策"] == (7, "?gate=publicity:no")
    assert counts["进出关未落实"] == (7, "?gate=entry:no")
    assert counts["消杀关未落实"] == (7, "?gate=disinfection:no")
    assert counts["督促关未落实"] == (7, "?gate=supervision:no")
    assert sorted(_listed(as_admin, "?pending=waiting")) == ["开元童装", "西街书店"]  # not 新华花店: another community
    assert sorted(_listed(as_admin, "?pending=blocking")) == ["开元童装", "西街书店"]
    assert "开元奶茶" not in _listed(as_admin, "?gate=publicity:no")
    assert "开元奶茶" not in _listed(as_admin, "?gate=entry:no") and "丽人美发" in _listed(as_admin, "?gate=entry:no")
    assert "丽人美发" not in _listed(as_admin, "?gate=supervision:no")
    for label, (count, url) in counts.items():
        if url.startswith("?") and label != "名返岗人员未解除限制":
            assert len(_listed(as_admin, url)) == count, label
    blocking = as_admin.get(reverse("reopening:overview") + "?pending=blocking").content.decode()
    assert sum(int(n) for n in re.findall(r"返岗人员未解除 (\d+)</span>", blocking)) == 3
    # A grid worker's counts and lists are their grid's.
    mine = _stat_links(as_worker_a.get(reverse("reopening:overview")).content.decode())
    assert mine["份申请待审核"][0] == 1 and _listed(as_worker_a, "?pending=waiting") == ["开元童装"]
    assert _listed(as_worker_a, "?pending=blocking") == ["开元童装"]
    # A forged choice is refused by the form and filters nothing.
    assert as_admin.get(reverse("reopening:overview") + "?pending=<b>").status_code == 200
