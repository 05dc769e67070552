"""Drawing a place (the edit page that Leaflet.draw fills in) and setting an alley's lead: who may, what is
stored and audited, and bad input refused with a message while nothing stored changes."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from alleykeeper.accounts.roles import Role
from alleykeeper.audit.models import AuditEvent
from alleykeeper.maps.tests.conftest import Mapped, point, square
from alleykeeper.registry.models import Alley, Building
from testkit.world import make_user

pytestmark = pytest.mark.django_db


def _edit(kind: str, pk: int) -> str:
    return reverse("maps:edit", args=[kind, pk])


def test_a_manager_draws_moves_and_removes_a_gate(mapped: Mapped, as_admin: Client):
    gate, url = mapped.gate, _edit("gate", mapped.gate.pk)
    page = as_admin.get(url).content.decode()
    assert "卡口位置：东门（东片区）" in page and '"shape": ["Point"]' in page and "118.581" in page
    moved = {"type": "Feature", "properties": {}, "geometry": point(118.58212345678, 24.91234)}
    response = as_admin.post(url, {"geometry": json.dumps(moved)})
    assert response.status_code == 302 and response["Location"] == reverse("maps:map") + "#layer-gates"
    gate.refresh_from_db()
    assert gate.geometry == {"type": "Point", "coordinates": [118.5821235, 24.91234]}
    event = AuditEvent.objects.filter(action="gate.geometry", object_id=gate.pk).latest("pk")
    assert event.actor == mapped.world.admin and event.community_id == mapped.world.community.pk
    assert event.detail["type"] == "Point" and event.detail["before"] == {"type": "Point", "points": 1}
    assert "已保存 东门（东片区） 的位置" in as_admin.get(response["Location"]).content.decode()

    events = AuditEvent.objects.count()
    as_admin.post(url, {"geometry": json.dumps(gate.geometry)})  # saved unchanged: nothing written
    assert AuditEvent.objects.count() == events
    as_admin.post(url, {"geometry": "  "})
    gate.refresh_from_db()
    assert (
        gate.geometry is None and AuditEvent.objects.filter(action="gate.geometry").latest("pk").detail["type"] is None
    )


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("gate", "118.58, 24.91", "不是有效的 JSON"),
        ("gate", json.dumps(square(118.58, 24.91)), "这里需要点，收到的是多边形"),
        ("gate", json.dumps(point(24.91, 118.58)), "是否写反了"),
        ("enclosure", json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}), "自相交"),
        ("alley", json.dumps(point(118.58, 24.91)), "这里需要线或多条线"),
        ("building", '{"type": "Polygon", "coordinates": [[[118.58, 24.91], [118.59, 24.91], [118.59, 24.92]]]}', "至少需要三个不同的点"),
        ("grid", "<script>alert(1)</script>", "不是有效的 JSON"),
    ],
)  # fmt: skip
def test_bad_geometry_is_refused_and_nothing_changes(mapped: Mapped, as_admin: Client, kind, value, message):
    place = {
        "gate": mapped.gate,
        "enclosure": mapped.enclosure,
        "alley": mapped.world.household_a.building.alley,
        "building": mapped.world.household_a.building,
        "grid": mapped.world.grid_a,
    }[kind]
    before, events = place.geometry, AuditEvent.objects.count()
    response = as_admin.post(_edit(kind, place.pk), {"geometry": value})
    page = response.content.decode()
    assert response.status_code == 400 and message in page and 'role="alert"' in page
    assert "<script>alert(1)</script>" not in page
    place.refresh_from_db()
    assert place.geometry == before and AuditEvent.objects.count() == events


def test_who_may_draw_what(mapped: Mapped, personas):
    world = mapped.world
    building_a = world.household_a.building
    foreign_building = world.household_other.building
    answers = {
        ("worker_a", "building", building_a.pk): 403,  # may read the register, not draw it
        ("duty", "gate", mapped.gate.pk): 403,
        ("officer", "enclosure", mapped.enclosure.pk): 403,
        ("volunteer", "alley", building_a.alley_id): 403,
        ("admin", "building", foreign_building.pk): 404,  # another street's community
        ("admin", "gate", mapped.foreign_gate.pk): 404,
        ("admin", "district", building_a.pk): 404,
        ("admin", "building", 10**9): 404,
    }
    for (persona, kind, pk), status in answers.items():
        for method in ("get", "post"):
            response = getattr(personas[persona], method)(_edit(kind, pk), {"geometry": json.dumps(point(118.5, 24.9))})
            assert response.status_code == status, (persona, kind, method)
    assert personas["anonymous"].get(_edit("gate", mapped.gate.pk)).status_code == 302
    foreign_building.refresh_from_db()
    assert foreign_building.geometry == point(118.6015, 24.9522)
    # A grid worker who is also made a manager of another community still cannot reach this one.
    other_admin = make_user("other_admin", Role.ADMIN, communities=[world.other_community])
    client = Client()
    client.force_login(other_admin)
    assert client.get(_edit("building", building_a.pk)).status_code == 404


def test_an_alley_lead_is_a_name_and_what_they_are_no_phone(mapped: Mapped, as_admin: Client, personas):
    alley = mapped.world.household_b.building.alley
    url = reverse("maps:alley_lead", args=[alley.pk])
    page = as_admin.get(url).content.decode()
    assert "第二网格巷的巷长" in page and 'type="tel"' not in page and "phone" not in page
    refused = {
        "王1": "姓名里不能有数字",
        "<script>": "这样的符号或数字",
    }
    for name, message in refused.items():
        response = as_admin.post(url, {"lead_name": name, "lead_kind": "cadre"})
        assert response.status_code == 400 and message in response.content.decode(), name
    response = as_admin.post(url, {"lead_name": "许建华", "lead_kind": ""})
    assert response.status_code == 400 and "请选择巷长的身份" in response.content.decode()
    assert as_admin.post(url, {"lead_name": "许建华", "lead_kind": "mayor"}).status_code == 400
    alley.refresh_from_db()
    assert (alley.lead_name, alley.lead_kind) == ("", "")

    response = as_admin.post(url, {"lead_name": " 许建华 ", "lead_kind": "cadre"})
    assert response.status_code == 302
    alley.refresh_from_db()
    assert (alley.lead_name, alley.lead_kind) == ("许建华", "cadre")
    event = AuditEvent.objects.get(action="alley.lead", object_id=alley.pk)
    assert (
        event.detail["after"] == {"name": "许建华", "kind": "cadre"} and event.community_id == mapped.world.community.pk
    )
    assert "巷长：许建华（干部）" in as_admin.get(reverse("maps:map")).content.decode()
    as_admin.post(url, {"lead_name": "", "lead_kind": "cadre"})  # an empty name removes the lead
    alley.refresh_from_db()
    assert (alley.lead_name, alley.lead_kind) == ("", "")

    assert personas["worker_b"].get(url).status_code == 403
    assert personas["duty"].post(url, {"lead_name": "张三", "lead_kind": "cadre"}).status_code == 403
    foreign = Alley.objects.get(grid=mapped.world.grid_other)
    assert as_admin.get(reverse("maps:alley_lead", args=[foreign.pk])).status_code == 404
    assert not Alley.objects.filter(lead_name="张三").exists()


def test_a_building_may_be_a_point_or_its_outline(mapped: Mapped, as_admin: Client):
    building = Building.objects.get(pk=mapped.world.household_a.building.pk)
    as_admin.post(_edit("building", building.pk), {"geometry": json.dumps(square(118.5815, 24.9122, 0.0002))})
    building.refresh_from_db()
    assert building.geometry["type"] == "Polygon"
