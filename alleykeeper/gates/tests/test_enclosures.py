"""Enclosures and gates for the community admin: building assignment, gate settings, token rotation, scope."""

import re
from datetime import time

import pytest
from django.urls import reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.center.tests.test_homes import counts_on
from alleykeeper.gates import access
from alleykeeper.gates.models import Enclosure, Gate, GateState
from alleykeeper.gates.tests.conftest import GATE_MOMENT, client_for
from alleykeeper.registry.models import Household
from testkit.world import make_household

pytestmark = pytest.mark.django_db


def test_create_enclosure_and_pick_buildings(world, gw, as_admin):
    response = as_admin.post(reverse("gates:enclosure_new"), {"community": world.community.pk, "name": " 西片区 "})
    enclosure = Enclosure.objects.get(name="西片区")
    assert response.status_code == 302 and response["Location"].endswith(f"/enclosure/{enclosure.pk}/buildings/")
    building_b = world.household_b.building
    neighbour = make_household(world.grid_b, building_b.name, "102")
    url = reverse("gates:enclosure_buildings", args=[enclosure.pk])
    # 3号楼 belongs to 东片区 (fixture): ticking it moves it, and says so.
    response = as_admin.post(url, {"buildings": [building_b.pk, world.household_a.building_id]}, follow=True)
    page = response.content.decode()
    assert "3号楼（原 东片区）" in page and "3 户的片区已更新" in page
    assert set(Household.objects.filter(enclosure=enclosure)) == {world.household_b, neighbour, world.household_a}
    # Unticking releases the building's households.
    as_admin.post(url, {"buildings": [building_b.pk]})
    world.household_a.refresh_from_db()
    assert world.household_a.enclosure is None
    assert AuditEvent.objects.filter(action="enclosure.set_buildings", object_id=enclosure.pk).count() == 2


def test_a_household_added_or_moved_later_takes_its_buildings_enclosure(world, gw, as_admin):
    """Closed management knows who lives inside: a household added to an enclosed building is inside it,
    one moved out of it is not (the gate log treats the rest as from elsewhere)."""
    enclosed = world.household_a.building
    response = as_admin.post(
        reverse("registry:household_new"), {"building": enclosed.pk, "room": "305", "kind": "owner"}
    )
    assert response.status_code == 302
    assert Household.objects.get(building=enclosed, room="305").enclosure == gw.enclosure
    url = reverse("registry:household_edit", args=[world.household_a.pk])
    as_admin.post(url, {"building": world.household_b.building_id, "room": "777", "kind": "owner"})
    world.household_a.refresh_from_db()
    assert world.household_a.enclosure is None
    as_admin.post(url, {"building": enclosed.pk, "room": "302", "kind": "owner"})
    world.household_a.refresh_from_db()
    assert world.household_a.enclosure == gw.enclosure


def test_enclosure_form_messages_and_mass_assignment(world, gw, as_admin):
    response = as_admin.post(reverse("gates:enclosure_new"), {"community": world.community.pk, "name": "东片区"})
    assert "本社区已有同名片区" in response.content.decode()
    # Another community's id is not a choice.
    response = as_admin.post(
        reverse("gates:enclosure_new"), {"community": world.other_community.pk, "name": "越权片区"}
    )
    assert response.status_code == 200 and not Enclosure.objects.filter(name="越权片区").exists()
    # Another community's building is not a choice either.
    url = reverse("gates:enclosure_buildings", args=[gw.enclosure.pk])
    response = as_admin.post(url, {"buildings": [world.household_other.building_id]})
    assert "所选楼栋不在本社区" in response.content.decode()
    world.household_other.refresh_from_db()
    assert world.household_other.enclosure is None


def test_gate_settings(world, gw, as_admin):
    url = reverse("gates:gate_new")
    data = {
        "enclosure": gw.enclosure.pk,
        "name": "南门",
        "location": "南街 12 号旁",
        "state": GateState.RESIDENTS_ONLY,
        "opens_at": "06:00",
        "closes_at": "",
        "shift_pattern": "07:00-15:00，15:00-23:00，23:00-07:00",
    }
    response = as_admin.post(url, data)
    assert "开放和关闭时间请同时填写" in response.content.decode()
    response = as_admin.post(url, {**data, "closes_at": "22:00", "shift_pattern": "8点到16点"})
    assert "不是班次时间" in response.content.decode()
    response = as_admin.post(url, {**data, "closes_at": "22:00", "name": "东门"})
    assert "这个片区已有同名卡口" in response.content.decode()
    response = as_admin.post(url, {**data, "closes_at": "22:00"})
    gate = Gate.objects.get(name="南门")
    assert response.status_code == 302
    assert gate.shift_pattern == "07:00-15:00,15:00-23:00,23:00-07:00" and gate.hours_label == "06:00–22:00"
    edit = reverse("gates:gate_edit", args=[gate.pk])
    response = as_admin.post(edit, {**data, "closes_at": "22:00", "state": GateState.CLOSED})
    assert response.status_code == 302, response.content.decode()[-2500:]
    gate.refresh_from_db()
    assert gate.state == GateState.CLOSED
    assert AuditEvent.objects.filter(action="gate.update", object_id=gate.pk, detail__state="closed").exists()
    # Mass assignment: the token is not a form field; a foreign enclosure is not a choice.
    token = gate.token
    as_admin.post(
        edit, {**data, "closes_at": "22:00", "token": "chosen-by-attacker", "enclosure": gw.foreign_gate.enclosure_id}
    )
    gate.refresh_from_db()
    assert gate.token == token and gate.enclosure == gw.enclosure


def test_token_rotation(world, gw, as_admin):
    old = gw.gate.token
    url = reverse("gates:gate_rotate", args=[gw.gate.pk])
    assert as_admin.get(url).status_code == 405
    response = as_admin.post(url, {"reason": "二维码被转发到群里"}, follow=True)
    assert "旧二维码和旧链接已失效" in response.content.decode()
    gw.gate.refresh_from_db()
    assert gw.gate.token != old and len(gw.gate.token) >= 24 and gw.gate.token_rotated_at
    assert access.gate_by_token(old) is None and access.gate_by_token(gw.gate.token) == gw.gate
    # The public visitor form (visitors app) answers the old QR code with "unknown gate".
    assert as_admin.get(reverse("visitors:register", args=[old])).status_code == 404
    assert as_admin.get(reverse("visitors:register", args=[gw.gate.token])).status_code == 200
    event = AuditEvent.objects.get(action="gate.rotate_token")
    assert event.object_id == gw.gate.pk and event.reason == "二维码被转发到群里" and event.actor == world.admin
    assert old not in str(event.detail) and gw.gate.token not in str(event.detail) + event.object_label
    # Only managers of the gate's community may rotate.
    assert client_for(gw.other_admin).post(url).status_code == 404
    assert client_for(world.duty).post(url).status_code == 403
    gw.gate.refresh_from_db()
    assert AuditEvent.objects.filter(action="gate.rotate_token").count() == 1


def test_scope_of_enclosure_and_gate_pages(world, gw, personas):
    other_admin = client_for(gw.other_admin)
    for name, pk in (
        ("gates:enclosure", gw.enclosure.pk),
        ("gates:enclosure_edit", gw.enclosure.pk),
        ("gates:enclosure_buildings", gw.enclosure.pk),
        ("gates:gate", gw.gate.pk),
        ("gates:gate_edit", gw.gate.pk),
    ):
        url = reverse(name, args=[pk])
        assert personas["admin"].get(url).status_code == 200, name
        assert other_admin.get(url).status_code == 404, name
        for persona in ("worker_a", "duty", "volunteer", "officer"):
            assert personas[persona].get(url).status_code == 403, (name, persona)
    listing = other_admin.get(reverse("gates:enclosures")).content.decode()
    assert "新华片区" in listing and "东片区" not in listing
    listing = personas["admin"].get(reverse("gates:enclosures")).content.decode()
    assert "东片区" in listing and "东门" in listing and "新华" not in listing
    assert "片区卡口" in listing  # the nav entry for MANAGE_GATES


def test_households_outside_any_enclosure_are_counted(world, gw, as_admin):
    page = as_admin.get(reverse("gates:enclosures")).content.decode()
    assert "还有 1 户未划入任何片区" in page  # household_b; household_a is in 东片区


@pytest.mark.parametrize(
    ("hours", "at", "counted"),
    [
        (None, "03:00", True),  # no hours: open all day
        (("07:00", "21:00"), "10:00", True),
        (("07:00", "21:00"), "07:00", True),  # opens on the minute
        (("07:00", "21:00"), "21:00", False),  # closed on the minute
        (("07:00", "21:00"), "06:59", False),
        (("22:00", "06:00"), "23:30", True),  # overnight: open late and early
        (("22:00", "06:00"), "05:59", True),
        (("22:00", "06:00"), "12:00", False),
    ],
)
def test_a_gate_outside_its_hours_is_not_reported_unstaffed(world, gw, time_machine, hours, at, counted):
    """北门 has no shift at all. The admin's alert "卡口现在无人值守" and its list count it only while the gate
    is open by its hours: nobody is needed at a gate that is shut for the night."""
    if hours:
        gw.other_gate.opens_at, gw.other_gate.closes_at = (time.fromisoformat(t) for t in hours)
        gw.other_gate.save(update_fields=["opens_at", "closes_at"])
    hour, minute = (int(part) for part in at.split(":"))
    time_machine.move_to(GATE_MOMENT.replace(hour=hour, minute=minute))
    as_admin = client_for(world.admin)  # signed in now: a session from 10:00 has expired by 23:30
    listing = as_admin.get(reverse("gates:enclosures") + "?unstaffed=1").content.decode()
    listed = set(re.findall(r'href="/gates/gate/(\d+)/"', listing))
    assert (str(gw.other_gate.pk) in listed) is counted
    assert Gate.objects.unstaffed_at(timezone.now()).filter(pk=gw.other_gate.pk).exists() is counted
    shown = counts_on(as_admin.get("/").content.decode())
    assert shown["卡口现在无人值守"][0] == len(listed)  # the home's count opens the same gates
