"""Grids in the community's own order everywhere: the admin's sort numbers, else the numbers in the names."""

import pytest
from django.test import Client
from django.urls import reverse

from alleykeeper.accounts.roles import Role
from alleykeeper.audit.models import AuditEvent
from alleykeeper.registry import actions
from alleykeeper.registry.models import Grid
from testkit.world import make_household, make_user

pytestmark = pytest.mark.django_db

# Created out of order, as a community that renamed and added grids over time would have them.
CREATED = ["第三网格", "第十网格", "第二网格", "第十一网格", "第二十网格", "第5网格", "东片网格"]
NATURAL = [
    "东片网格",  # no numeral: by character (东 before 第)
    "第一网格",
    "第二网格",
    "第二网格A",
    "第三网格",
    "第5网格",
    "第十网格",
    "第十一网格",
    "第二十网格",
]


@pytest.fixture
def grids(world) -> dict[str, Grid]:
    actions.save_grid(None, world.grid_a)  # the test world's grids predate the key: saving fills it
    actions.save_grid(None, world.grid_b, {"name": "第二网格A"})
    made = {g.name: g for g in (world.grid_a, world.grid_b)}
    for name in CREATED:
        made[name] = actions.save_grid(None, Grid(community=world.community, name=name))
        make_household(made[name], "1号楼", "101")
    return made


def names_in(page: str, names: list[str]) -> list[str]:
    """The names shown as the end of an element's text, in the order the page first shows them."""
    return sorted((name for name in names if f"{name}<" in page), key=lambda name: page.index(f"{name}<"))


def test_grids_sort_by_the_numbers_in_their_names(world, grids):
    in_community = Grid.objects.filter(community=world.community)
    assert list(in_community.values_list("name", flat=True)) == NATURAL


def test_a_sort_number_comes_first_and_the_rest_keep_natural_order(world, grids):
    actions.save_grid(world.admin, grids["东片网格"], {"sort_number": 1})
    actions.save_grid(world.admin, grids["第十网格"], {"sort_number": 2})
    names = list(Grid.objects.filter(community=world.community).values_list("name", flat=True))
    assert names[:2] == ["东片网格", "第十网格"]
    assert names[2:] == [n for n in NATURAL if n not in ("东片网格", "第十网格")]


def test_renaming_keeps_the_key_in_step(world, grids):
    actions.save_grid(world.admin, grids["第二十网格"], {"name": "第四网格"})
    names = list(Grid.objects.filter(community=world.community).values_list("name", flat=True))
    assert names.index("第四网格") == names.index("第三网格") + 1
    event = AuditEvent.objects.filter(action="grid.update").latest("id")
    assert event.detail == {"fields": ["name"]} and event.actor == world.admin


def test_every_list_of_grids_uses_the_order(world, grids, as_admin):
    pages = {
        "home": as_admin.get(reverse("center:home")).content.decode(),
        "register": as_admin.get(reverse("registry:grids")).content.decode(),
        "households": as_admin.get(reverse("registry:households")).content.decode(),
        "export": as_admin.get(reverse("registry:export")).content.decode(),
        "import": as_admin.get(reverse("registry:import")).content.decode(),
    }
    for label, page in pages.items():
        shown = names_in(page, NATURAL)
        assert shown == [n for n in NATURAL if n in shown] and len(shown) >= 3, label


def test_admin_sets_the_order_on_the_grid_page(world, grids, as_admin):
    url = reverse("registry:grid_edit", args=[grids["第二十网格"].pk])
    assert "名称与排序" in as_admin.get(reverse("registry:grid", args=[grids["第二十网格"].pk])).content.decode()
    page = as_admin.get(url).content.decode()
    assert names_in(page.split("的网格顺序")[1], NATURAL) == NATURAL  # the current order, beside the form
    response = as_admin.post(url, {"name": "第二十网格", "sort_number": "1"})
    assert response.status_code == 302
    assert Grid.objects.filter(community=world.community).first().name == "第二十网格"
    home = as_admin.get(reverse("center:home")).content.decode()
    assert names_in(home, NATURAL)[0] == "第二十网格"
    # cleared again: back to its natural place
    assert as_admin.post(url, {"name": "第二十网格", "sort_number": ""}).status_code == 302
    assert list(Grid.objects.filter(community=world.community).values_list("name", flat=True)) == NATURAL


BAD_INPUTS = [
    ({"sort_number": "-1"}, "排序号请填写 1 到 9999 的整数"),
    ({"sort_number": "0"}, "排序号请填写 1 到 9999 的整数"),
    ({"sort_number": "10000"}, "排序号请填写 1 到 9999 的整数"),
    ({"sort_number": "abc"}, "排序号请填写 1 到 9999 的整数"),
    ({"name": "   "}, "请填写网格名称"),
    ({"name": "第三网格"}, "本社区已有同名网格"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_INPUTS, ids=[str(b) for b, _ in BAD_INPUTS])
def test_bad_input_says_what_to_fix(world, grids, as_admin, bad, message):
    grid = grids["第十网格"]
    response = as_admin.post(reverse("registry:grid_edit", args=[grid.pk]), {"name": "第十网格", **bad})
    assert response.status_code == 200 and message in response.content.decode()
    grid.refresh_from_db()
    assert grid.name == "第十网格" and grid.sort_number is None


def test_only_the_communitys_admin_edits_grids(world, grids, personas):
    url = reverse("registry:grid_edit", args=[world.grid_a.pk])
    assert personas["worker_a"].get(url).status_code == 403  # their own grid: they work in it, the admin orders
    assert personas["officer"].get(url).status_code == 403
    assert personas["anonymous"].get(url).status_code == 302
    other_admin = Client()
    other_admin.force_login(make_user("admin_other", Role.ADMIN, communities=[world.other_community]))
    assert other_admin.get(url).status_code == 404
    assert other_admin.post(url, {"name": "x", "sort_number": "1"}).status_code == 404
    assert Grid.objects.get(pk=world.grid_a.pk).sort_number is None
