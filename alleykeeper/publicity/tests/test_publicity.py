"""Publicity through HTTP: materials (with a checked file), channels, distributions, floor-by-floor posting,
the coverage view, scope and access per role, and the bad inputs each form must refuse with a message."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from alleykeeper.audit.models import AuditEvent
from alleykeeper.center.tests.test_homes import counts_on
from alleykeeper.publicity import actions, views
from alleykeeper.publicity.models import Channel, ChannelKind, Distribution, FloorPosting, Material, PostingSheet
from alleykeeper.registry.models import Building
from testkit.paging import follow_pages
from testkit.world import make_household, make_user

pytestmark = pytest.mark.django_db
NOW = datetime(2020, 2, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock_and_uploads(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"
    with time_machine.travel(NOW, tick=False):
        yield


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _png(**info) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG", **info)
    return SimpleUploadedFile("海报.png", out.getvalue(), content_type="image/png")


def _material(world, **data) -> Material:
    values = {
        "community": world.community,
        "kind": "poster",
        "title": "勤洗手，多开窗，戴口罩",
        "start_date": date(2020, 2, 10),
    }
    return actions.save_material(world.admin, None, {**values, **data})


def _material_form(world, **data) -> dict:
    return {
        "community": world.community.pk,
        "kind": "poster",
        "title": "不传谣、不信谣、不造谣",
        "description": "",
        "link": "",
        "start_date": "2020-02-10",
        "end_date": "",
        **data,
    }


def test_create_material_with_a_picture_stripped_and_served_as_attachment(world):
    client = _client(world.worker_a)
    response = client.post(reverse("publicity:material_new"), {**_material_form(world), "file": _png()})
    assert response.status_code == 302
    material = Material.objects.get(title="不传谣、不信谣、不造谣")
    assert (
        material.community == world.community and material.file_kind == "png" and material.created_by == world.worker_a
    )
    page = client.get(reverse("publicity:material", args=[material.pk])).content.decode()
    assert "不传谣、不信谣、不造谣" in page and "下载文件" in page
    download = client.get(reverse("publicity:material_file", args=[material.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert download.getvalue().startswith(b"\x89PNG")
    # Another community's admin does not find it, nor its file.
    assert _client(world.worker_b).get(reverse("publicity:material_file", args=[material.pk])).status_code == 200
    from testkit.world import make_user

    outsider = make_user("xinhua", "admin", communities=[world.other_community])
    assert _client(outsider).get(reverse("publicity:material_file", args=[material.pk])).status_code == 404


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"title": "   "}, "请填写标题"),
        ({"title": ""}, "请填写标题"),
        ({"start_date": "2020/02/30"}, "日期格式不对"),
        ({"start_date": "yesterday"}, "日期格式不对"),
        ({"end_date": "2020-02-01"}, "停止使用日期不能早于开始日期"),
        ({"kind": "video"}, "短视频请填写链接"),
        ({"link": "javascript:alert(1)"}, "链接格式不对"),
    ],
)
def test_bad_material_inputs_are_refused_with_a_message(world, change, field_message):
    response = _client(world.admin).post(reverse("publicity:material_new"), _material_form(world, **change))
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not Material.objects.exists()


def test_a_file_that_is_not_what_it_says_is_refused(world):
    fake = SimpleUploadedFile("海报.png", b"MZ\x90\x00 this is a program", content_type="image/png")
    response = _client(world.admin).post(reverse("publicity:material_new"), {**_material_form(world), "file": fake})
    assert response.status_code == 400
    assert "只能上传 PDF、JPG 或 PNG 文件" in response.content.decode()
    assert not Material.objects.exists()


def test_edit_keeps_the_file_and_replaces_it_only_when_a_new_one_comes(world):
    material = actions.save_material(
        world.admin,
        None,
        {"community": world.community, "kind": "notice", "title": "告知书", "start_date": date(2020, 2, 1)},
        _png(),
    )
    stored = material.file_stored_name
    client = _client(world.admin)
    form = _material_form(world, kind="notice", title="致居民的一封信", start_date="2020-02-01")
    assert client.post(reverse("publicity:material_edit", args=[material.pk]), form).status_code == 302
    material.refresh_from_db()
    assert material.title == "致居民的一封信" and material.file_stored_name == stored


def _channel_form(world, **data) -> dict:
    return {
        "community": world.community.pk,
        "kind": "party_group",
        "name": "开元社区党员群",
        "members": "86",
        "active": "on",
        **data,
    }


def test_channels_by_kind_with_their_required_place(world):
    client = _client(world.admin)
    url = reverse("publicity:channel_new")
    assert client.post(url, _channel_form(world)).status_code == 302
    building = world.household_a.building
    refused = client.post(url, _channel_form(world, kind="building_group", name="3号楼群"))
    assert refused.status_code == 400 and "楼栋群请选择楼栋" in refused.content.decode()
    assert (
        client.post(url, _channel_form(world, kind="building_group", name="3号楼群", building=building.pk)).status_code
        == 302
    )
    refused = client.post(url, _channel_form(world, kind="loudspeaker", name="流动喇叭"))
    assert "流动喇叭请选择它走的小巷" in refused.content.decode()
    refused = client.post(url, _channel_form(world, kind="notice_board", name="宣传栏"))
    assert "宣传栏请写明位置" in refused.content.decode()
    duplicate = client.post(url, _channel_form(world))
    assert duplicate.status_code == 400 and "已经有这个名称的渠道" in duplicate.content.decode()
    negative = client.post(url, _channel_form(world, name="组长群", kind="leaders_group", members="-3"))
    assert negative.status_code == 400 and "人数不能是负数" in negative.content.decode()
    other_building = world.household_other.building
    outsider = client.post(url, _channel_form(world, kind="building_group", name="外楼群", building=other_building.pk))
    assert outsider.status_code == 400
    assert sorted(Channel.objects.values_list("name", flat=True)) == ["3号楼群", "开元社区党员群"]
    assert "开元社区党员群" in client.get(reverse("publicity:channels")).content.decode()


def _distribution_form(**data) -> dict:
    return {"at": "2020-02-11T20:30", "reach": "86", "reach_unit": "members", "note": "", **data}


def test_distribution_recorded_and_bad_inputs_named(world):
    material = _material(world, kind="video", link="https://example.org/v/1")
    party = actions.save_channel(
        None, None, {"community": world.community, "kind": "party_group", "name": "党员群", "active": True}
    )
    client = _client(world.worker_a)
    url = reverse("publicity:distribute", args=[material.pk])
    assert client.get(url).status_code == 200
    for bad, message in [
        ({"reach": "-5"}, "覆盖数不能是负数"),
        ({"reach": "许多"}, "覆盖数请填整数"),
        ({"reach_unit": ""}, "请选择单位"),
        ({"at": "2020-13-01T10:00"}, "时间格式不对"),
        ({"at": "2020-02-20T10:00"}, "发布时间不能晚于现在"),
        ({"channel": ""}, "请选择发布渠道"),
    ]:
        data = _distribution_form(**{"channel": party.pk, **bad})
        response = client.post(url, data)
        assert response.status_code == 400, bad
        assert message in response.content.decode(), bad
    assert not Distribution.objects.exists()
    assert client.post(url, _distribution_form(channel=party.pk)).status_code == 302
    distribution = Distribution.objects.get()
    assert (distribution.channel, distribution.reach, distribution.by) == (party, 86, world.worker_a)
    page = client.get(reverse("publicity:material", args=[material.pk])).content.decode()
    assert "党员群" in page and "覆盖 86 群成员（人）" in page


def test_a_distribution_recorded_by_mistake_is_withdrawn_with_its_reason(world):
    material = _material(world, kind="video", link="https://example.org/v/1")
    party = _channel(world, "党员群")
    client = _client(world.worker_a)
    client.post(reverse("publicity:distribute", args=[material.pk]), _distribution_form(channel=party.pk))
    distribution = Distribution.objects.get()
    url = reverse("publicity:withdraw", args=[distribution.pk])
    page = client.get(reverse("publicity:material", args=[material.pk])).content.decode()
    assert f'action="{url}"' in page and '<label for="reason-' in page
    for reason, message in [
        ("", "请写明撤销的原因"),
        ("   ", "请写明撤销的原因"),
        ("重复\x00", "空字符"),
        ("x" * 301, "300"),
    ]:
        response = client.post(url, {"reason": reason}, follow=True)  # refused with a message, nothing lost
        assert message in response.content.decode() and Distribution.objects.exists(), reason
    # Out of scope, or a role that only reads: refused, nothing lost.
    assert _client(world.officer).post(url, {"reason": "重复登记"}).status_code == 403
    outsider = make_user("xinhua_admin", "admin", communities=[world.other_community])
    assert _client(outsider).post(url, {"reason": "重复登记"}).status_code == 404
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": "重复登记"}, follow=True)
    assert "已撤销这条发布记录" in response.content.decode() and not Distribution.objects.exists()
    event = AuditEvent.objects.get(action="publicity.withdraw")
    assert event.reason == "重复登记" and event.detail["where"] == "党员群" and event.actor == world.worker_a


def test_floor_by_floor_checklist_ticked_on_a_phone(world):
    material = _material(world)
    building = world.household_a.building
    volunteer = _client(world.volunteer)
    response = volunteer.post(
        reverse("publicity:sheet_new", args=[material.pk]), {"building": building.pk, "floors": "6"}
    )
    sheet = PostingSheet.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("publicity:sheet", args=[sheet.pk])
    url = reverse("publicity:sheet", args=[sheet.pk])
    assert volunteer.post(url, {"floor": ["1", "2", "3"]}).status_code == 302
    assert sorted(FloorPosting.objects.values_list("floor", "posted_by__username")) == [
        (1, "volunteer"),
        (2, "volunteer"),
        (3, "volunteer"),
    ]
    page = volunteer.get(url).content.decode()
    assert "已贴 3 / 6 层" in page
    # A floor the building does not have: refused, nothing already saved lost.
    refused = volunteer.post(url, {"floor": ["1", "2", "3", "9"]})
    assert refused.status_code == 400 and "没有第 9 层：这栋楼只有 6 层" in refused.content.decode()
    assert FloorPosting.objects.count() == 3
    # Unticking a floor ticked by mistake removes it; a grid worker adds the rest.
    assert _client(world.worker_a).post(url, {"floor": ["1", "2", "4", "5", "6"]}).status_code == 302
    assert dict(FloorPosting.objects.values_list("floor", "posted_by__username")) == {
        1: "volunteer",
        2: "volunteer",
        4: "worker_a",
        5: "worker_a",
        6: "worker_a",
    }
    with pytest.raises(actions.PublicityError, match="没有第 0、7 层"):
        actions.set_floors_posted(world.volunteer, sheet, {0, 7})


def test_coverage_shows_which_buildings_and_groups_are_reached(world):
    material = _material(world)
    building_a = world.household_a.building
    building_b = world.household_b.building
    third = make_household(world.grid_b, "9号楼", "101").building
    party = actions.save_channel(
        None, None, {"community": world.community, "kind": "party_group", "name": "党员群", "active": True}
    )
    actions.save_channel(
        None, None, {"community": world.community, "kind": "leaders_group", "name": "组长群", "active": True}
    )
    group_b = actions.save_channel(
        None,
        None,
        {
            "community": world.community,
            "kind": "building_group",
            "name": "8号楼群",
            "building": building_b,
            "active": True,
        },
    )
    sheet = actions.open_sheet(world.admin, material, building_a, 5)
    actions.set_floors_posted(world.admin, sheet, {1, 2})
    actions.record_distribution(
        world.admin, material, {"channel": party, "at": NOW, "reach": 86, "reach_unit": "members"}
    )
    actions.record_distribution(world.admin, material, {"channel": group_b, "at": NOW})
    page = _client(world.admin).get(reverse("publicity:material", args=[material.pk])).content.decode()
    assert "2 / 3</strong>栋楼已覆盖" in page
    assert "2 / 3</strong>个渠道已发布" in page
    assert "2 / 5 层" in page
    assert page.count("<strong>未覆盖</strong>") == 1 and "9号楼" in page
    assert page.count("<strong>未发布</strong>") == 1  # the group leaders' group
    assert "第一网格：1 / 1 栋已覆盖" in page and "第二网格：1 / 2 栋已覆盖" in page
    # A grid worker sees their own grid's buildings only.
    mine = _client(world.worker_a).get(reverse("publicity:material", args=[material.pk])).content.decode()
    assert "第一网格" in mine and "第二网格" not in mine and str(third.name) not in mine


def test_scope_and_access_per_role(world):
    material = _material(world)
    sheet = actions.open_sheet(world.admin, material, world.household_a.building, 4)
    from testkit.world import make_user

    other_admin = make_user("xinhua", "admin", communities=[world.other_community])
    theirs = actions.save_material(
        other_admin,
        None,
        {"community": world.other_community, "kind": "banner", "title": "新华横幅", "start_date": date(2020, 2, 1)},
    )
    worker = _client(world.worker_a)
    assert "新华横幅" not in worker.get(reverse("publicity:overview")).content.decode()
    for url in (
        reverse("publicity:material", args=[theirs.pk]),
        reverse("publicity:material_edit", args=[theirs.pk]),
        reverse("publicity:distribute", args=[theirs.pk]),
        reverse("publicity:sheet_new", args=[theirs.pk]),
    ):
        assert worker.get(url).status_code == 404, url
    assert worker.post(reverse("publicity:material_edit", args=[theirs.pk]), {"title": "改"}).status_code == 404
    # The grid worker of grid B does not reach grid A's building sheet.
    assert (
        _client(world.worker_b).post(reverse("publicity:sheet", args=[sheet.pk]), {"floor": ["1"]}).status_code == 404
    )
    # The street officer reads: the overview, the coverage, the sheet; writes nothing.
    officer = _client(world.officer)
    assert officer.get(reverse("publicity:material", args=[material.pk])).status_code == 200
    assert officer.get(reverse("publicity:sheet", args=[sheet.pk])).status_code == 200
    assert officer.post(reverse("publicity:sheet", args=[sheet.pk]), {"floor": ["1"]}).status_code == 403
    assert officer.get(reverse("publicity:material_new")).status_code == 403
    assert officer.get(reverse("publicity:distribute", args=[material.pk])).status_code == 403
    assert officer.get(reverse("publicity:channel_new")).status_code == 403
    # The volunteer ticks floors but does not record materials or distributions; duty staff see nothing.
    volunteer = _client(world.volunteer)
    assert volunteer.get(reverse("publicity:material_new")).status_code == 403
    assert volunteer.get(reverse("publicity:distribute", args=[material.pk])).status_code == 403
    assert volunteer.get(reverse("publicity:sheet", args=[sheet.pk])).status_code == 200
    duty = _client(world.duty)
    assert duty.get(reverse("publicity:overview")).status_code == 403
    assert duty.get(reverse("publicity:material", args=[material.pk])).status_code == 403
    assert Client().get(reverse("publicity:overview")).status_code == 302
    assert not FloorPosting.objects.exists()


def test_a_distribution_to_another_communitys_channel_is_refused(world):
    material = _material(world)
    theirs = Channel.objects.create(community=world.other_community, kind=ChannelKind.PARTY_GROUP, name="新华党员群")
    with pytest.raises(actions.PublicityError, match="必须属于材料所在的社区"):
        actions.record_distribution(world.admin, material, {"channel": theirs, "at": NOW})
    response = _client(world.admin).post(
        reverse("publicity:distribute", args=[material.pk]), _distribution_form(channel=theirs.pk)
    )
    assert response.status_code == 400 and "请从列表中选择本社区的渠道" in response.content.decode()
    other_building = Building.objects.get(pk=world.household_other.building_id)
    with pytest.raises(actions.PublicityError):
        actions.open_sheet(world.admin, material, other_building, 3)


def test_home_pages_count_unfinished_sheets_of_materials_in_use(world):
    material = _material(world)
    ended = _material(world, title="春节海报", start_date=date(2020, 1, 1), end_date=date(2020, 2, 1))
    unfinished = actions.open_sheet(world.admin, material, world.household_a.building, 3)
    actions.set_floors_posted(world.admin, unfinished, {1})
    done = actions.open_sheet(world.admin, material, world.household_b.building, 2)
    actions.set_floors_posted(world.admin, done, {1, 2})
    actions.open_sheet(world.admin, ended, world.household_a.building, 3)  # not in use: not counted
    for user, expected in ((world.volunteer, 1), (world.worker_a, 1), (world.worker_b, 0)):
        client = _client(user)
        counts = counts_on(client.get("/").content.decode())
        assert counts["楼栋未贴完@逐层张贴"] == (expected, reverse("publicity:overview")), user
        overview = client.get(reverse("publicity:overview")).content.decode()
        listed = overview.split('id="open-sheets"')[1].split("</section>")[0] if expected else ""
        assert listed.count('href="/publicity/sheet/') == expected, user


def test_map_layer_marks_buildings_reached_and_not(world):
    """The items drawn (with a position) and listed under the map as its text alternative."""
    from alleykeeper.maps.layers import LAYERS

    material = _material(world)
    sheet = actions.open_sheet(world.admin, material, world.household_a.building, 3)
    actions.set_floors_posted(world.admin, sheet, {2})
    later = NOW + timedelta(minutes=1)  # the layer reads what was posted before its moment
    items = LAYERS["publicity"].items(world.admin, later)
    assert {i.title: (i.badge, i.alert) for i in items} == {
        str(world.household_a.building): ("宣", ""),
        str(world.household_b.building): ("未", "宣传未覆盖"),
    }
    assert [i.title for i in LAYERS["publicity"].items(world.worker_b, later)] == [str(world.household_b.building)]
    assert _client(world.admin).get(reverse("maps:layer", args=["publicity"])).status_code == 200
    assert _client(world.duty).get(reverse("maps:layer", args=["publicity"])).status_code in (403, 404)


def _channel(world, name: str) -> Channel:
    return actions.save_channel(
        None, None, {"community": world.community, "kind": "party_group", "name": name, "active": True}
    )


def test_lists_page_by_key_stable_under_an_insert(world, monkeypatch):
    """Materials, a material's distributions and the channels: every row once following 下一页, and a row
    added meanwhile that sorts first (a newer material or sending, a channel named A…) shifts no page."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client = _client(world.admin)
    for day in range(1, 8):
        _material(world, start_date=date(2020, 2, day))
    newer = lambda: _material(world, start_date=date(2020, 2, 11))  # noqa: E731
    seen = follow_pages(client, reverse("publicity:overview"), after_first=newer)
    assert len(seen) == len(set(seen)) == 7

    material, channel = Material.objects.order_by("pk").first(), _channel(world, "党员群")
    for hour in range(1, 8):
        actions.record_distribution(world.admin, material, {"channel": channel, "at": NOW - timedelta(hours=hour)})
    later = lambda: actions.record_distribution(world.admin, material, {"channel": channel, "at": NOW})  # noqa: E731
    url = reverse("publicity:material", args=[material.pk])
    seen = follow_pages(client, url, key="distributions", after_first=later)
    assert len(seen) == len(set(seen)) == 7

    for n in range(6):
        _channel(world, f"楼栋群{n}")
    seen = follow_pages(client, reverse("publicity:channels"), after_first=lambda: _channel(world, "A群"))
    assert len(seen) == len(set(seen)) == 7
