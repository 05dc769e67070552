"""The prevention map on a phone: it loads from this server alone (no tile server, no CDN), draws what is stored,
lists it as text, and an admin places a gate by tapping with Leaflet.draw's marker tool."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alleykeeper.gates import actions, roster
from alleykeeper.gates.models import Gate
from alleykeeper.maps.actions import save_geometry
from alleykeeper.maps.kinds import KINDS
from e2e.helpers import assets_loaded, no_horizontal_scroll, open_menu

pytestmark = pytest.mark.e2e
BLOCK = [[118.5850, 24.9124], [118.5866, 24.9124], [118.5866, 24.9143], [118.5850, 24.9143], [118.5850, 24.9124]]


@pytest.fixture
def gate(live_world) -> Gate:
    enclosure = actions.create_enclosure(None, live_world.community, {"name": "井亭巷片区"})
    save_geometry(None, KINDS["enclosure"], enclosure, {"type": "Polygon", "coordinates": [BLOCK]})
    gate = actions.create_gate(None, {"enclosure": enclosure, "name": "井亭巷口"})
    now = timezone.now()
    shift = roster.create_shift(None, gate, now - timedelta(hours=1), now + timedelta(hours=7))
    roster.add_shift_member(None, shift, live_world.duty, leader=True)
    return gate


def test_an_admin_places_a_gate_on_the_phone_map(phone_page: Page, live_world, gate, login, live_server):
    page, world = phone_page, live_world
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, world.admin)
    open_menu(page, "地图")
    expect(page.locator("#map-status")).to_contain_text("地图已加载")
    assert assets_loaded(page) and no_horizontal_scroll(page)
    expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(1)  # the enclosure's block
    gates = page.locator("#layer-gates")
    expect(gates).to_contain_text("井亭巷口（井亭巷片区）")
    expect(gates).to_contain_text("带班：duty")  # the test world's display names are usernames
    expect(gates).to_contain_text("未标注位置")

    # Switch a layer off and on: the block disappears from the map and comes back.
    page.get_by_label("封闭片区").uncheck()
    expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(0)
    page.get_by_label("封闭片区").check()
    expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(1)

    gates.get_by_role("link", name="标注位置").click()
    expect(page.get_by_role("heading", name="卡口位置：井亭巷口（井亭巷片区）")).to_be_visible()
    expect(page.locator(".leaflet-draw-draw-marker")).to_be_visible()
    expect(page.locator(".leaflet-draw-draw-polygon")).to_have_count(0)  # a gate is a point, nothing else
    # The layers load, then the map fits them and says so: tap only once it has (and its zoom has ended).
    expect(page.locator("#map-status")).to_contain_text("保存位置")
    expect(page.locator("#map.leaflet-zoom-anim")).to_have_count(0)
    page.locator(".leaflet-draw-draw-marker").tap()
    box = page.locator("#map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    field = page.locator("#id_geometry")
    expect(field).to_have_value(re.compile(r'"type":"Point"'))
    page.get_by_role("button", name="保存位置").click()
    expect(page.locator(".message").first).to_contain_text("已保存 井亭巷口（井亭巷片区） 的位置")
    gate.refresh_from_db()
    lon, lat = gate.geometry["coordinates"]
    assert 118.584 < lon < 118.588 and 24.911 < lat < 24.915, "where the map was tapped: on the block"
    expect(page.locator(".map-badge.gate-open")).to_have_count(1)

    # Tap the badge once the map has fitted its layers (before, the tap could land on the block moving under it).
    expect(page.locator("#map-status")).to_contain_text("地图已加载")
    page.locator(".map-badge.gate-open").tap()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("带班：duty")
    outside = [url for url in requested if not url.startswith(live_server.url)]
    assert outside == [], "the map loads nothing from another server"
