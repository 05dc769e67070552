"""Register pages through HTTP: the access matrix, editing, reveal, search."""

import re
from datetime import date

import pytest
from django.urls import reverse

from alleykeeper.audit.models import AuditEvent
from alleykeeper.registry.models import Building, Resident
from testkit.world import make_household, make_id

pytestmark = pytest.mark.django_db

# persona -> which of (household in grid A, household in grid B, other community) it may open
MATRIX = {
    "admin": (200, 200, 404),
    "worker_a": (200, 404, 404),
    "worker_b": (404, 200, 404),
    "officer": (200, 200, 404),
    "duty": (403, 403, 403),
    "volunteer": (403, 403, 403),
}


@pytest.mark.parametrize("persona", list(MATRIX))
def test_household_page_access_matrix(world, personas, persona):
    client = personas[persona]
    targets = (world.household_a, world.household_b, world.household_other)
    for household, expected in zip(targets, MATRIX[persona], strict=True):
        response = client.get(reverse("registry:household", args=[household.pk]))
        assert response.status_code == expected, (persona, household)


@pytest.mark.parametrize("persona", list(MATRIX))
def test_resident_edit_and_building_access(world, personas, persona):
    client = personas[persona]
    resident_b = world.household_b.residents.get()
    code = client.get(reverse("registry:resident_edit", args=[resident_b.pk])).status_code
    expected = {"admin": 200, "worker_b": 200, "officer": 403, "worker_a": 404}.get(persona, 403)
    assert code == expected
    code = client.get(reverse("registry:building", args=[world.household_other.building_id])).status_code
    assert code in (403, 404)


def test_anonymous_is_sent_to_login(world, personas):
    response = personas["anonymous"].get(reverse("registry:household", args=[world.household_a.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_lists_show_only_scope(world, as_worker_a):
    page = as_worker_a.get(reverse("registry:households")).content.decode()
    assert world.household_a.room in page and "8号楼" not in page
    page = as_worker_a.get(reverse("registry:grids")).content.decode()
    assert "第一网格" in page and "第二网格" not in page and "新华" not in page


def test_household_page_masks_identity(world, as_admin):
    page = as_admin.get(reverse("registry:household", args=[world.household_a.pk])).content.decode()
    resident = world.household_a.residents.get()
    assert resident.full_document_number() not in page
    assert resident.doc_number_masked in page and "138****1234" in page
    assert "13859901234" not in page


def test_add_resident_with_wrong_id_shows_message_and_saves_nothing(world, as_worker_a):
    url = reverse("registry:resident_new") + f"?household={world.household_a.pk}"
    bad = make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1")
    data = {
        "name": "小花",
        "doc_type": "id_card",
        "doc_number": bad,
        "phone": "138 5990 5678",
        "relation": "child",
        "status": "living",
    }
    response = as_worker_a.post(url, data)
    assert response.status_code == 200
    assert "校验位" in response.content.decode()
    assert not Resident.objects.filter(name="小花").exists()
    data["doc_number"] = make_id(born="20100601", order="222")
    response = as_worker_a.post(url, data)
    assert response.status_code == 302
    resident = Resident.objects.get(name="小花")
    assert resident.birth_date.isoformat() == "2010-06-01" and resident.sex == "F"
    assert resident.doc_number_masked == "350502********" + data["doc_number"][-4:]
    assert data["doc_number"] not in resident.doc_number_enc
    assert AuditEvent.objects.filter(action="resident.create", object_id=resident.pk).exists()


BAD_NAMES = [
    ("=cmd|' /C calc'!A0", "姓名里不能有 “=”“|”“/”“!” 这样的符号或数字"),
    ("<script>", "姓名里不能有 “&lt;”“&gt;” 这样的符号或数字"),
    ("+1", "姓名里不能有 “+”“1” 这样的符号或数字"),
    ("@SUM(A1)", "姓名里不能有 “@”“(”“1”“)” 这样的符号或数字"),
    ("小花2", "姓名里不能有数字（“2”）"),
    ("小花-", "只能写在两个字之间"),
]


@pytest.mark.parametrize(("name", "message"), BAD_NAMES, ids=[n for n, _ in BAD_NAMES])
def test_register_form_refuses_names_that_are_not_names(world, as_worker_a, name, message):
    url = reverse("registry:resident_new") + f"?household={world.household_a.pk}"
    data = {"name": name, "doc_type": "id_card", "doc_number": "", "phone": "", "relation": "child", "status": "living"}
    response = as_worker_a.post(url, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Resident.objects.filter(name=name).exists()


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("𠮷田", "𠮷田"),
        ("Ngô Bảo Châu", "Ngô Bảo Châu"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("Jean-Luc", "Jean-Luc"),
    ],
)
def test_register_form_keeps_rare_foreign_and_minority_names(world, as_worker_a, name, stored):
    url = reverse("registry:resident_new") + f"?household={world.household_a.pk}"
    data = {"name": name, "doc_type": "id_card", "doc_number": "", "phone": "", "relation": "child", "status": "living"}
    assert as_worker_a.post(url, data).status_code == 302
    assert Resident.objects.filter(name=stored).exists()


def test_worker_cannot_add_resident_to_another_grid(world, as_worker_a):
    url = reverse("registry:resident_new") + f"?household={world.household_b.pk}"
    assert (
        as_worker_a.post(url, {"name": "x", "relation": "head", "status": "living", "doc_type": "id_card"}).status_code
        == 404
    )
    assert as_worker_a.get(reverse("registry:resident_new") + "?household=abc").status_code == 404


def test_mass_assignment_of_sealed_fields_is_ignored(world, as_worker_a):
    resident = world.household_a.residents.get()
    url = reverse("registry:resident_edit", args=[resident.pk])
    before = resident.doc_number_index
    data = {
        "name": resident.name,
        "doc_type": "id_card",
        "relation": "head",
        "status": "living",
        "doc_number_index": "x",
        "household": world.household_b.pk,
    }
    assert as_worker_a.post(url, data).status_code == 302
    resident.refresh_from_db()
    assert resident.doc_number_index == before and resident.household_id == world.household_a.pk


def test_duplicate_id_number_is_refused(world, as_worker_a):
    existing = world.household_b.residents.get().full_document_number()
    url = reverse("registry:resident_new") + f"?household={world.household_a.pk}"
    data = {"name": "重复", "doc_type": "id_card", "doc_number": existing, "relation": "other", "status": "living"}
    response = as_worker_a.post(url, data)
    assert response.status_code == 200 and "已登记" in response.content.decode()
    assert not Resident.objects.filter(name="重复").exists()


def test_reveal_requires_purpose_and_is_audited(world, as_worker_a, as_officer):
    resident = world.household_a.residents.get()
    url = reverse("registry:resident_reveal", args=[resident.pk])
    assert as_worker_a.post(url, {"field": "doc"}).status_code == 400
    response = as_worker_a.post(url, {"field": "doc", "purpose": "screening"})
    assert resident.full_document_number() in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="identity.reveal_doc")
    assert event.actor == world.worker_a and event.purpose == "screening" and event.object_id == resident.pk
    assert resident.full_document_number() not in str(event.__dict__)
    assert as_officer.post(url, {"field": "doc", "purpose": "screening"}).status_code == 403
    other = world.household_b.residents.get()
    assert (
        as_worker_a.post(
            reverse("registry:resident_reveal", args=[other.pk]), {"field": "phone", "purpose": "screening"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "query",
    ["王翠琳", "wcl", "wangcuilin", "13859901234", "138-5990-1234", "3号楼"],
)
def test_search_finds_by_every_key(world, as_worker_a, query):
    response = as_worker_a.post(reverse("registry:search"), {"q": query})
    page = response.content.decode()
    assert "王翠琳" in page or "3号楼" in page


def test_search_by_exact_id_and_scope(world, as_worker_a, as_worker_b):
    number = world.household_a.residents.get().full_document_number()
    assert "王翠琳" in as_worker_a.post(reverse("registry:search"), {"q": number.lower()}).content.decode()
    assert "王翠琳" not in as_worker_b.post(reverse("registry:search"), {"q": number}).content.decode()
    assert "陈育玲" not in as_worker_a.post(reverse("registry:search"), {"q": "陈"}).content.decode()


def test_household_create_and_rental_rules(world, as_worker_a):
    building = world.household_a.building
    url = reverse("registry:household_new")
    bad = {
        "building": building.pk,
        "room": "303",
        "kind": "rental",
        "tenancy_start": "2020-03-01",
        "tenancy_end": "2020-02-01",
    }
    response = as_worker_a.post(url, bad)
    assert "早于" in response.content.decode()
    dup = {"building": building.pk, "room": "302", "kind": "owner"}
    assert "已经登记" in as_worker_a.post(url, dup).content.decode()
    foreign = {"building": world.household_b.building_id, "room": "999", "kind": "owner"}
    assert as_worker_a.post(url, foreign).status_code == 200  # not a valid choice for this worker
    good = {**bad, "tenancy_end": "2020-08-01", "landlord_name": "林", "landlord_phone": "0595-22123456"}
    response = as_worker_a.post(url, good)
    assert response.status_code == 302
    page = as_worker_a.get(response["Location"]).content.decode()
    assert "0595-****3456" in page and "22123456" not in page


def test_edit_pages_show_stored_dates_to_the_date_picker(world, as_worker_a):
    """A date picker takes only 2020-03-01: zh-hans' own 2020/03/01 shows as empty, and saving the page
    would then erase the date."""
    household = world.household_a
    household.kind, household.tenancy_start, household.tenancy_end = "rental", date(2020, 3, 1), date(2021, 2, 28)
    household.save()
    page = as_worker_a.get(reverse("registry:household_edit", args=[household.pk])).content.decode()
    assert 'value="2020-03-01"' in page and 'value="2021-02-28"' in page and "2020/03/01" not in page
    # A passport holder's birth date (not in the number): the date picker shows it. An ID card holder's is the
    # number's own and not shown (test_birth_dates.py).
    resident = household.residents.get()
    Resident.objects.filter(pk=resident.pk).update(birth_date=date(1985, 3, 12), doc_type="passport")
    page = as_worker_a.get(reverse("registry:resident_edit", args=[resident.pk])).content.decode()
    assert 'value="1985-03-12"' in page


def test_moving_a_household_to_another_grid_moves_its_scope(world, as_admin, as_worker_a, as_worker_b):
    household = world.household_a
    target = world.household_b.building
    url = reverse("registry:household_edit", args=[household.pk])
    response = as_admin.post(url, {"building": target.pk, "room": "777", "kind": "owner"})
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.grid_id == world.grid_b.pk and household.community_id == world.community.pk
    assert as_worker_a.get(reverse("registry:household", args=[household.pk])).status_code == 404
    assert as_worker_b.get(reverse("registry:household", args=[household.pk])).status_code == 200
    event = AuditEvent.objects.filter(action="household.update", object_id=household.pk).latest("at")
    assert set(event.detail["fields"]) >= {"building", "room"}


def test_resident_update_audit_names_the_changed_fields(world, as_worker_a):
    resident = world.household_a.residents.get()
    url = reverse("registry:resident_edit", args=[resident.pk])
    data = {"name": resident.name, "doc_type": "id_card", "relation": "head", "status": "away", "notes": "去厦门"}
    assert as_worker_a.post(url, data).status_code == 302
    event = AuditEvent.objects.filter(action="resident.update", object_id=resident.pk).latest("at")
    assert set(event.detail["fields"]) == {"status", "notes"}


def test_a_household_has_one_head(world, as_worker_a):
    """A new member was 户主 unless changed: one household had four. With a head already, the relation is chosen,
    and 户主 is refused saying who the head is; the first member of an empty household is the head by default."""
    url = reverse("registry:resident_new") + f"?household={world.household_a.pk}"
    page = as_worker_a.get(url).content.decode()
    assert '<option value="" selected>请选择</option>' in page and 'value="head" selected' not in page
    data = {"name": "林小妹", "doc_type": "id_card", "status": "living"}
    refused = as_worker_a.post(url, data)
    assert refused.status_code == 200 and "请选择与户主的关系" in refused.content.decode()
    refused = as_worker_a.post(url, {**data, "relation": "head"})
    assert "这一户的户主是 王翠琳" in refused.content.decode()
    assert not Resident.objects.filter(name="林小妹").exists()
    assert as_worker_a.post(url, {**data, "relation": "sibling"}).status_code == 302
    empty = make_household(world.grid_a, "3号楼", "401")
    page = as_worker_a.get(reverse("registry:resident_new") + f"?household={empty.pk}").content.decode()
    assert 'value="head" selected' in page


def test_building_dropdowns_read_the_numbers_in_names_as_numbers(world, as_admin):
    """2号楼 before 10号楼 (the database's text order puts 10 first), grids in the community's order; the same
    dropdown in the register, reopening, publicity and disinfection forms (registry.forms.offer_buildings)."""
    alley = world.household_a.building.alley
    for name in ("10号楼", "2号楼", "1号楼", "二十号楼"):
        Building.objects.create(alley=alley, name=name)
    page = as_admin.get(reverse("registry:household_new")).content.decode()
    options = re.findall(r'<option value="\d+"[^>]*>[^<]*?' + alley.name + r"([^<]+)</option>", page)
    mine = [name for name in options if name in ("1号楼", "2号楼", "10号楼", "二十号楼")]
    assert mine == ["1号楼", "2号楼", "10号楼", "二十号楼"], options
    for url in (reverse("reopening:enterprise_new"), reverse("sanitation:plan_new")):
        page = as_admin.get(url).content.decode()
        assert page.index(f"{alley.name}2号楼") < page.index(f"{alley.name}10号楼"), url
