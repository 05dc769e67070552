"""Importing a GeoJSON FeatureCollection: features named by kind and name (or id) placed all at once, one audit
record; hostile files (huge, not JSON, the wrong type, unknown places, bad coordinates, self-intersecting, too
many points) refused with a message, and then nothing at all is changed. The export is taken back unchanged."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from alleykeeper.audit.models import AuditEvent
from alleykeeper.gates.models import Enclosure, Gate
from alleykeeper.maps.tests.conftest import Mapped, line, point, square
from alleykeeper.registry.models import Alley, Building, Grid

pytestmark = pytest.mark.django_db
URL = reverse("maps:import")
BOW_TIE = {"type": "Polygon", "coordinates": [[[118.58, 24.91], [118.59, 24.92], [118.59, 24.91], [118.58, 24.92], [118.58, 24.91]]]}  # fmt: skip


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def upload(client: Client, content: bytes | dict, community=None, name: str = "map.geojson"):
    data = json.dumps(content, ensure_ascii=False).encode() if isinstance(content, dict) else content
    form = {"file": SimpleUploadedFile(name, data, content_type="application/geo+json")}
    if community is not None:
        form["community"] = str(community.pk)
    return client.post(URL, form)


def stored() -> dict:
    return {
        model.__name__: sorted((p.pk, json.dumps(p.geometry)) for p in model.objects.all())
        for model in (Gate, Enclosure, Grid, Alley, Building)
    }


def good_features(mapped: Mapped) -> list[dict]:
    world = mapped.world
    return [
        feature(point(118.5801, 24.9101), kind="gate", name="东门", enclosure="东片区"),
        feature(point(118.5802, 24.9102), kind="gate", id=mapped.closed_gate.pk),
        feature(square(118.58, 24.91, 0.002), kind="enclosure", name="东片区"),
        feature(square(118.57, 24.90, 0.01), kind="grid", name="第二网格"),
        feature(line(118.58, 24.911), kind="alley", name="第一网格巷", grid="第一网格"),
        feature(square(118.5803, 24.9103, 0.0001), kind="building", name="3号楼", alley="第一网格巷"),
        feature(point(118.5804, 24.9104), kind="building", id=str(world.household_b.building_id), name="8号楼"),
    ]


def test_a_file_places_everything_it_names_at_once(mapped: Mapped, as_admin: Client):
    page = as_admin.get(URL).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="hidden" name="community"' in page
    response = upload(as_admin, collection(*good_features(mapped)), name="开元.geojson")
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert (
        "已导入 7 个要素：卡口 2 个、封闭片区 1 个、网格 1 个、小巷 1 个、楼栋 2 个。"
        in as_admin.get(response["Location"]).content.decode()
    )
    mapped.gate.refresh_from_db()
    assert mapped.gate.geometry == point(118.5801, 24.9101)
    assert Building.objects.get(pk=mapped.world.household_b.building_id).geometry == point(118.5804, 24.9104)
    assert Grid.objects.get(name="第二网格").geometry == square(118.57, 24.90, 0.01)
    event = AuditEvent.objects.get(action="map.import")
    assert (
        event.row_count == 7 and event.actor == mapped.world.admin and event.community_id == mapped.world.community.pk
    )
    assert event.detail["file"] == "开元.geojson" and event.detail["features"] == 7

    exported = as_admin.get(reverse("maps:export", args=[mapped.world.community.pk]))
    assert (
        exported["Content-Disposition"].startswith("attachment") and exported["Content-Type"] == "application/geo+json"
    )
    data = json.loads(exported.content)
    kinds = sorted(f["properties"]["kind"] for f in data["features"])
    assert kinds == ["alley", "alley", "building", "building", "enclosure", "gate", "gate", "gate", "grid", "grid"]
    assert "新华" not in exported.content.decode(), "only the chosen community, in scope"
    before = stored()
    response = upload(as_admin, data)  # the export is taken back as it is: nothing to change
    assert response.status_code == 302 and stored() == before
    assert "没有位置需要改变" in as_admin.get(response["Location"]).content.decode()


def _refused(client: Client, content, message: str, status: int = 400, **kwargs) -> None:
    before, events = stored(), AuditEvent.objects.count()
    response = upload(client, content, **kwargs)
    page = response.content.decode()
    assert response.status_code == status, page[-1500:]
    assert message in page, page[page.find('role="alert"') - 100 :][:1500]
    assert "地图没有任何改变" in page or status == 400
    assert stored() == before and AuditEvent.objects.count() == events


def test_hostile_files_are_refused_and_nothing_changes(mapped: Mapped, as_admin: Client, settings):
    good = good_features(mapped)
    cases = {
        "not JSON": (b"<html><body>not a map</body></html>", "不是有效的 JSON"),
        "an image": (b"\x89PNG\r\n\x1a\n" + bytes(range(128, 256)) * 50, "不是"),
        "empty": (b"", "文件是空的"),
        "a bare geometry": (point(118.58, 24.91), "这个文件是 Point"),
        "a list": (b"[1, 2, 3]", "这个文件是 list"),
        "no features": (collection(), "没有要素"),
        "a feature that is not one": (collection(good[0], {"type": "Point"}), "第 2 个要素：不是 GeoJSON 要素"),
        "no properties": (collection({"type": "Feature", "geometry": point(118.58, 24.91)}), "请在 properties 里写明 kind"),
        "no kind": (collection(feature(point(118.58, 24.91), name="东门")), "请在 properties 里写明 kind"),
        "unknown kind": (collection(feature(point(118.58, 24.91), kind="hospital", name="x")), "不认识的对象类型 kind=hospital"),
        "unknown name": (collection(good[0], feature(point(118.58, 24.91), kind="gate", name="南门")), "第 2 个要素（卡口“南门”）：开元社区没有叫“南门”的卡口"),
        "another community's gate by id": (collection(feature(point(118.58, 24.91), kind="gate", id=mapped.foreign_gate.pk)), f"没有编号为 {mapped.foreign_gate.pk} 的卡口"),
        "another community's gate by name": (collection(feature(point(118.58, 24.91), kind="gate", name="新华门")), "没有叫“新华门”的卡口"),
        "id and name disagree": (collection(feature(point(118.58, 24.91), kind="gate", id=mapped.gate.pk, name="西门")), "叫“东门”，不是“西门”"),
        "twice the same place": (collection(good[0], feature(point(118.58, 24.91), kind="gate", id=mapped.gate.pk)), "与第 1 个要素是同一个卡口"),
        "out-of-range coordinates": (collection(*good[:3], feature(point(118.58, 124.91), kind="gate", name="北门")), "超出经纬度范围"),
        "latitude first": (collection(feature(point(24.91, 118.58), kind="gate", name="北门")), "是否写反了"),
        "self-intersecting": (collection(feature(BOW_TIE, kind="enclosure", name="东片区")), "自相交"),
        "wrong type for the kind": (collection(feature(square(118.58, 24.91), kind="gate", name="北门")), "这里需要点，收到的是多边形"),
        "no geometry": (collection(feature(None, kind="gate", name="北门")), "没有几何"),
        "ring not closed": (collection(feature({"type": "Polygon", "coordinates": [square(118.58, 24.91)["coordinates"][0][:-1]]}, kind="grid", name="第一网格")), "没有闭合"),
    }  # fmt: skip
    for what, (content, message) in cases.items():
        try:
            _refused(as_admin, content, message)
        except AssertionError as error:
            raise AssertionError(what) from error

    settings.MAP_MAX_VERTICES = 50
    ring = [[118.58 + i * 1e-5, 24.91] for i in range(60)] + [[118.58, 24.92], [118.58, 24.91]]
    _refused(
        as_admin,
        collection(feature({"type": "Polygon", "coordinates": [ring]}, kind="grid", name="第一网格")),
        "最多 50 个点",
    )
    settings.MAP_IMPORT_MAX_FEATURES = 3
    _refused(as_admin, collection(*good), "要素太多（7 个），一次最多 3 个")
    settings.MAP_IMPORT_MAX_BYTES = 500
    _refused(as_admin, collection(*good), "文件太大")
    huge = b'{"type": "FeatureCollection", "features": [' + b" " * 200_000 + b"]}"
    _refused(as_admin, huge, "文件太大，最多", status=413)  # refused from its Content-Length, unread


def test_one_bad_feature_among_good_ones_changes_nothing_and_every_problem_is_listed(mapped: Mapped, as_admin: Client):
    features = good_features(mapped)
    features[1]["geometry"] = point(200, 24.9)
    features[5]["properties"]["alley"] = "没有这条巷"
    before = stored()
    page = upload(as_admin, collection(*features)).content.decode()
    assert "请修改以下 2 处" in page and "第 2 个要素" in page and "第 6 个要素（楼栋“3号楼”）" in page
    assert stored() == before


def test_ambiguous_names_ask_for_the_parent(mapped: Mapped, as_admin: Client):
    world = mapped.world
    Alley.objects.create(grid=world.grid_b, name="第一网格巷")  # the same name in another grid
    content = collection(feature(line(118.58, 24.91), kind="alley", name="第一网格巷"))
    _refused(as_admin, content, "有 2 个叫“第一网格巷”的小巷：请加上 grid 区分，或写明 id")
    content["features"][0]["properties"]["grid"] = "第二网格"
    assert upload(as_admin, content).status_code == 302
    assert Alley.objects.get(grid=world.grid_b, name="第一网格巷").geometry == line(118.58, 24.91)


def test_who_may_import(mapped: Mapped, personas):
    content = collection(feature(point(118.58, 24.91), kind="gate", name="东门"))
    for persona in ("worker_a", "duty", "officer", "volunteer"):
        assert personas[persona].get(URL).status_code == 403, persona
        assert upload(personas[persona], content).status_code == 403, persona
        export = reverse("maps:export", args=[mapped.world.community.pk])
        assert personas[persona].get(export).status_code == 403, persona
    assert personas["anonymous"].get(URL).status_code == 302
    admin = personas["admin"]
    assert admin.get(reverse("maps:export", args=[mapped.world.other_community.pk])).status_code == 404
    response = upload(admin, content, community=mapped.world.other_community)
    assert response.status_code == 400 and "所选社区不在您管理的范围内" in response.content.decode()
