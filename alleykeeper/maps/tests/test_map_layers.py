"""The map and its layers as each role sees them: scope, privacy (observation as counts, never names), the duty
on each gate now, the text alternative, and a fixed number of queries whatever the size."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.roles import Role
from alleykeeper.gates import actions as gate_actions
from alleykeeper.gates import roster
from alleykeeper.gates.models import Gate
from alleykeeper.maps.layers import LAYERS
from alleykeeper.maps.tests.conftest import RESIDENT_NAMES, Mapped, draw, point
from alleykeeper.observation.actions import CaseTerms, Person, open_cases, release_case
from alleykeeper.observation.models import DayZeroBasis, Reason
from alleykeeper.registry.models import Alley, Building
from testkit.world import add_resident, make_household, make_id, make_user

pytestmark = pytest.mark.django_db

A, B = "第一网格", "第二网格"
BUILDING_A, BUILDING_B = "第一网格巷3号楼", "第二网格巷8号楼"
GATE = "东门（东片区）"
EVERY_GATE = {GATE, "北门（东片区）", "西门（东片区）"}
COMMUNITY = {
    "grids": {A, B},
    "enclosures": {"东片区"},
    "alleys": {"第一网格巷", "第二网格巷"},
    "gates": EVERY_GATE,
}
# What each role sees, layer by layer; None: the layer is not theirs (403).
EXPECTED = {
    "admin": {**COMMUNITY, "buildings": {BUILDING_A, BUILDING_B}, "observation": {BUILDING_A, BUILDING_B}},
    "officer": {**COMMUNITY, "buildings": {BUILDING_A, BUILDING_B}, "observation": {BUILDING_A, BUILDING_B}},
    "worker_a": {
        **COMMUNITY,
        "grids": {A},
        "alleys": {"第一网格巷"},
        "buildings": {BUILDING_A},
        "observation": {BUILDING_A},
    },
    "worker_b": {
        **COMMUNITY,
        "grids": {B},
        "alleys": {"第二网格巷"},
        "buildings": {BUILDING_B},
        "observation": {BUILDING_B},
    },
    "duty": {**COMMUNITY, "buildings": None, "observation": None},
    "volunteer": {**COMMUNITY, "buildings": None, "observation": None},
}
OUTSIDERS = ("新华", "海滨")  # the other street's community: its grid, alley, enclosure and gate all say 新华


def _layer(client: Client, key: str):
    return client.get(reverse("maps:layer", args=[key]))


def test_each_role_sees_its_scope_and_nothing_else(mapped: Mapped, personas):
    for persona, expected in EXPECTED.items():
        client = personas[persona]
        page = client.get(reverse("maps:map"))
        assert page.status_code == 200, persona
        html = page.content.decode()
        for key, titles in expected.items():
            response = _layer(client, key)
            if titles is None:
                assert response.status_code == 403, (persona, key)
                assert f'id="layer-{key}"' not in html and f'"key": "{key}"' not in html, (persona, key)
                continue
            assert response.status_code == 200 and response["Content-Type"] == "application/geo+json", (persona, key)
            data = response.json()
            assert data["type"] == "FeatureCollection"
            assert {f["properties"]["title"] for f in data["features"]} == titles, (persona, key)
            body = response.content.decode()
            assert not any(name in body for name in (*RESIDENT_NAMES, *OUTSIDERS)), (persona, key)
            for title in titles:  # the text alternative lists what the map draws
                assert title in html, (persona, key, title)
        assert not any(name in html for name in (*RESIDENT_NAMES, *OUTSIDERS)), persona


def test_anonymous_is_sent_to_login_and_a_role_without_the_map_is_refused(mapped: Mapped, personas):
    for url in (
        reverse("maps:map"),
        reverse("maps:layer", args=["gates"]),
        reverse("maps:layer", args=["observation"]),
    ):
        response = personas["anonymous"].get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url
    cleaner = make_user("cleaner", Role.CLEANER, communities=[mapped.world.community])
    client = Client()
    client.force_login(cleaner)
    assert client.get(reverse("maps:map")).status_code == 403
    assert _layer(client, "gates").status_code == 403
    assert "地图" not in client.get("/").content.decode(), "no menu entry without the map"
    assert _layer(personas["admin"], "nonsense").status_code == 404
    assert 'href="/map/"' in personas["duty"].get("/").content.decode(), "the menu links the map"


def test_observation_is_counts_per_building_never_who(mapped: Mapped, personas):
    features = _layer(personas["admin"], "observation").json()["features"]
    by_title = {f["properties"]["title"]: f["properties"] for f in features}
    assert by_title[BUILDING_A]["tag"] == "居家观察 1 户 2 人" and by_title[BUILDING_A]["badge"] == "1"
    assert by_title[BUILDING_B]["tag"] == "居家观察 1 户 1 人"
    assert not by_title[BUILDING_A]["link"] and not by_title[BUILDING_A]["edit"], "no way from a count to the people"
    # A released case leaves the count; a building with no open case leaves the layer.
    release_case(mapped.world.admin, mapped.cases[2], "期满解除")
    features = _layer(personas["admin"], "observation").json()["features"]
    assert {f["properties"]["title"] for f in features} == {BUILDING_A}
    page = personas["worker_a"].get(reverse("maps:map")).content.decode()
    assert "居家观察 1 户 2 人" in page and not any(name in page for name in RESIDENT_NAMES)


def test_gates_show_their_state_and_the_group_on_duty_now(mapped: Mapped, personas, time_machine):
    def gates() -> dict:
        return {f["properties"]["title"]: f["properties"] for f in _layer(personas["duty"], "gates").json()["features"]}

    now = gates()
    assert now[GATE]["tag"] == "开放" and now[GATE]["badge"] == "开"
    assert "值守 08:00–16:00，带班：duty" in now[GATE]["lines"] and "在岗 1/3 人" in now[GATE]["lines"]
    assert now[GATE]["alert"] == "缺 2 人"
    assert now["北门（东片区）"]["alert"] == "现在无人值守" and now["北门（东片区）"]["tag"] == "仅限居民"
    assert now["西门（东片区）"]["alert"] == "" and now["西门（东片区）"]["tag"] == "关闭", "a closed gate needs nobody"
    assert not now[GATE]["edit"] and not now[GATE]["link"], "duty staff do not manage gates"
    admin_view = {
        f["properties"]["title"]: f["properties"] for f in _layer(personas["admin"], "gates").json()["features"]
    }
    assert admin_view[GATE]["link"] == reverse("gates:gate", args=[mapped.gate.pk])
    assert admin_view[GATE]["edit"] == reverse("maps:edit", args=["gate", mapped.gate.pk])
    page = personas["duty"].get(reverse("maps:map")).content.decode()
    assert "带班：duty" in page and "现在无人值守" in page and "缺 2 人" in page
    # Nobody on duty is the gates app's own definition (GateQuerySet.unstaffed_at, counted on the admin's
    # home): a shift nobody is booked on, or no shift at all once it has ended.
    roster.remove_shift_member(None, mapped.shift.members.get())
    assert gates()[GATE]["alert"] == "现在无人值守"
    assert set(Gate.objects.unstaffed_at(timezone.now()).values_list("name", flat=True)) == {"东门", "北门", "新华门"}
    time_machine.move_to(mapped.shift.ends_at + timedelta(minutes=1))
    assert gates()[GATE]["alert"] == "现在无人值守" and "现在没有值守班次" not in gates()[GATE]["lines"]


def test_grids_and_alleys_show_who_leads_them(mapped: Mapped, personas):
    grids = {f["properties"]["title"]: f["properties"] for f in _layer(personas["officer"], "grids").json()["features"]}
    assert grids[A]["lines"] == ["网格员：worker_a"] and grids[B]["lines"] == ["网格员：worker_b"]
    alleys = {
        f["properties"]["title"]: f["properties"] for f in _layer(personas["officer"], "alleys").json()["features"]
    }
    assert alleys["第一网格巷"]["lines"][0] == "巷长：林国栋（党员）"
    assert alleys["第二网格巷"]["lines"][0] == "还没有巷长"
    assert alleys["第一网格巷"]["more"] == [], "a street officer does not set leads"
    admin_alleys = _layer(personas["admin"], "alleys").json()["features"]
    alley = Alley.objects.get(name="第一网格巷")
    assert ["设置巷长", reverse("maps:alley_lead", args=[alley.pk])] in admin_alleys[0]["properties"]["more"]


def test_undrawn_places_are_listed_and_not_drawn(mapped: Mapped, personas):
    draw("gate", mapped.closed_gate, None)
    page = personas["admin"].get(reverse("maps:map")).content.decode()
    assert "1 个未标注位置" in page and "标注位置</a>" in page
    titles = {f["properties"]["title"] for f in _layer(personas["admin"], "gates").json()["features"]}
    assert titles == EVERY_GATE - {"西门（东片区）"}


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def _grow(mapped: Mapped) -> None:
    """Four times the places: buildings with households under observation, gates with groups on duty, alleys."""
    world, now = mapped.world, timezone.now()
    terms = CaseTerms(Reason.KEY_AREA, DayZeroBasis.ARRIVAL, timezone.localdate() - timedelta(days=2), world.worker_a)
    for n in range(4):
        household = make_household(world.grid_a if n % 2 else world.grid_b, f"{20 + n}号楼", "101")
        draw("building", household.building, point(118.582 + n * 0.0002, 24.913))
        resident = add_resident(household, f"增量{'一二三四'[n]}", make_id(born=f"198{n}0101", order=f"{500 + n}"))
        open_cases(world.admin, household, [Person(resident.name, resident=resident)], terms)
        alley = Alley.objects.create(grid=world.grid_a, name=f"新巷{n}")
        draw("alley", alley, {"type": "LineString", "coordinates": [[118.58, 24.91 + n * 1e-4], [118.59, 24.91]]})
        gate = gate_actions.create_gate(None, {"enclosure": mapped.enclosure, "name": f"增量门{n}"})
        draw("gate", gate, point(118.583 + n * 0.0002, 24.915))
        shift = roster.create_shift(None, gate, now - timedelta(hours=1), now + timedelta(hours=3), 2)
        for crew in "ab":
            roster.add_shift_member(
                None, shift, make_user(f"crew{n}{crew}", Role.VOLUNTEER, communities=[world.community])
            )
        gate_actions.create_enclosure(None, world.community, {"name": f"增量片区{n}"})


@pytest.mark.parametrize("persona", ["admin", "worker_a", "officer"])
def test_the_map_runs_as_many_queries_over_more_places(
    mapped: Mapped, personas, persona, django_assert_max_num_queries
):
    client = personas[persona]
    urls = [reverse("maps:map")] + [reverse("maps:layer", args=[key]) for key in LAYERS]
    before = {url: _queries(client, url) for url in urls}
    _grow(mapped)
    assert Building.objects.count() >= 7
    after = {url: _queries(client, url) for url in urls}
    assert after == before
    # Session, user, scope, then 1 or 2 per layer (the gates layer: 3).
    with django_assert_max_num_queries(3 + 2 * len(LAYERS) + 1):
        client.get(reverse("maps:map"))


def test_layer_data_is_geojson_leaflet_can_read(mapped: Mapped, personas):
    data = _layer(personas["admin"], "buildings").json()
    shapes = {f["properties"]["title"]: f["geometry"]["type"] for f in data["features"]}
    assert shapes == {BUILDING_A: "Point", BUILDING_B: "Polygon"}
    config = (
        personas["admin"].get(reverse("maps:map")).content.decode().split('id="map-config" type="application/json">')[1]
    )
    settings = json.loads(config.split("</script>")[0])
    assert [layer["key"] for layer in settings["layers"]] == list(LAYERS)
    assert settings["tiles"]["url"] == "" and len(settings["center"]) == 2
