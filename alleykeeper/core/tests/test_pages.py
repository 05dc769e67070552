"""Core pages as people meet them: home, the menu, error pages, form errors, register browsing order."""

import re

import pytest
from django.urls import reverse

from alleykeeper.accounts.roles import Role
from alleykeeper.registry.models import Alley, Building
from testkit.world import add_resident, make_household, make_id, make_user

pytestmark = pytest.mark.django_db


def _active_menu(page: str) -> list[str]:
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', page)


def test_worker_home_has_search_grid_and_the_work_of_today(world, as_worker_a):
    page = as_worker_a.get("/").content.decode()
    assert 'action="/register/search/"' in page and "第一网格" in page and "第二网格" not in page
    assert "居家观察随访" in page and 'href="/observation/#overdue"' in page  # counts of today's work
    nav = page.split('class="mainnav"')[1].split("</nav>")[0]
    assert "台账" in nav and "搜索" in nav and "审计" not in nav
    assert _active_menu(page) == ["首页"]


def test_duty_home_has_no_register_but_its_own_work(world, as_duty):
    page = as_duty.get("/").content.decode()
    assert 'action="/register/search/"' not in page and "第一网格" not in page
    assert "现在没有您的班次" in page and 'href="/gates/duty/"' in page


def test_account_without_work_is_told_whom_to_ask(world):
    from django.test import Client

    nobody = make_user("nobody", Role.STREET_OFFICER)  # no street, no community yet
    client = Client()
    client.force_login(nobody)
    page = client.get("/").content.decode()
    assert "请联系社区管理员" in page


def test_menu_marks_the_section_of_deeper_pages(world, as_worker_a):
    household_page = as_worker_a.get(reverse("registry:household", args=[world.household_a.pk])).content.decode()
    assert _active_menu(household_page) == ["台账"]
    assert _active_menu(as_worker_a.get(reverse("registry:search")).content.decode()) == ["搜索"]


def test_forbidden_and_not_found_pages_speak_chinese_on_a_phone(world, as_worker_a):
    forbidden = as_worker_a.get(reverse("audit:list"))
    assert forbidden.status_code == 403
    page = forbidden.content.decode()
    assert "没有权限" in page and 'name="viewport"' in page and "Forbidden" not in page
    missing = as_worker_a.get(reverse("registry:household", args=[world.household_other.pk]))
    assert missing.status_code == 404
    page = missing.content.decode()
    assert "没有找到" in page and "不在您负责的范围内" in page and world.household_other.room not in page


def test_form_errors_are_summed_up_with_links_to_the_fields(world, as_worker_a):
    url = reverse("registry:resident_new") + f"?household={world.household_a.pk}"
    bad_id = make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1")
    page = as_worker_a.post(url, {"name": "", "doc_type": "id_card", "doc_number": bad_id}).content.decode()
    summary = page.split('class="errors"')[1].split("</div>")[0]
    assert "请修改标红的项" in summary
    assert 'href="#id_name"' in summary and 'href="#id_doc_number"' in summary
    assert "按证件号码自动填写" in page and "---------" not in page


def test_buildings_and_rooms_in_natural_order(world, as_worker_a):
    alley = Alley.objects.create(grid=world.grid_a, name="孝感巷")
    for name in ("10号", "2号", "1号"):
        Building.objects.create(alley=alley, name=name)
    page = as_worker_a.get(reverse("registry:grid", args=[world.grid_a.pk])).content.decode()
    section = page.split("孝感巷")[1]
    assert section.index(">1号<") < section.index(">2号<") < section.index(">10号<")
    for room in ("1001", "201", "101"):
        make_household(world.grid_a, "3号楼", room)
    page = as_worker_a.get(reverse("registry:building", args=[world.household_a.building_id])).content.decode()
    assert page.index(">101<") < page.index(">201<") < page.index(">302<") < page.index(">1001<")


def test_household_lists_the_head_first(world, as_worker_a):
    household = make_household(world.grid_a, "5号楼", "101")
    add_resident(household, "王小宝", relation="child")
    add_resident(household, "王大海", relation="head")
    add_resident(household, "李阿姨", relation="spouse")
    page = as_worker_a.get(reverse("registry:household", args=[household.pk])).content.decode()
    assert page.index("王大海") < page.index("李阿姨") < page.index("王小宝")


def test_expired_form_says_what_to_do(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "admin", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page and "刷新" in page and 'name="viewport"' in page
