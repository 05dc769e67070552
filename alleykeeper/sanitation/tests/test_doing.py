"""Doing and checking: the cleaner's page, marking a task done (stock drawn in the same transaction, a photo
stripped of its metadata), overdue rules, scope and access, bad inputs."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from alleykeeper.center.tests.test_homes import counts_on
from alleykeeper.observation.tests.conftest import open_case_for
from alleykeeper.sanitation.generation import generate_tasks
from alleykeeper.sanitation.models import DisinfectionTask
from alleykeeper.sanitation.tests.conftest import MORNING, make_plan
from alleykeeper.supplies.models import MoveKind, StockMove

pytestmark = pytest.mark.django_db


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (30, 120, 200))
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (24.0, 52.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def tasks(world, cleaner, bleach):
    make_plan(world, cleaner, now=MORNING - timedelta(days=1), supply_item=bleach, amount=Decimal("0.5"))
    open_case_for(world, world.household_b, world.worker_b, days_ago=1, now=MORNING)
    generate_tasks(now=MORNING, catch_up=0)
    return {t.place.kind: t for t in DisinfectionTask.objects.select_related("place")}


def test_the_cleaner_sees_todays_tasks_in_walking_order(world, as_cleaner, tasks):
    with time_machine.travel(MORNING, tick=False):
        page = as_cleaner.get("/sanitation/").content.decode()
    lift, stairs = page.index("3号楼电梯"), page.index("8号楼楼道")
    assert lift < stairs  # the lift's place has sequence 10, the stairwell the default 100
    assert "居家观察户楼道" in page


def test_completing_the_stairwell_task_draws_the_84_disinfectant(world, as_cleaner, cleaner, tasks, bleach):
    stairs = tasks["stairwell"]
    photo = SimpleUploadedFile("p.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    with time_machine.travel(MORNING + timedelta(hours=2), tick=False):
        response = as_cleaner.post(
            f"/sanitation/tasks/{stairs.pk}/",
            {"agent_used": "84消毒液 1:100", "item": bleach.pk, "amount": "2", "photo": photo, "note": ""},
        )
    assert response.status_code == 302
    stairs.refresh_from_db()
    bleach.refresh_from_db()
    assert stairs.done_by == cleaner and stairs.amount_used == Decimal("2") and bleach.on_hand == Decimal("8")
    assert stairs.stock_move.kind == MoveKind.DISINFECTION
    assert stairs.photo_kind == "jpeg"
    with time_machine.travel(MORNING + timedelta(hours=2), tick=False):  # the amount says its unit
        assert "用量 2 瓶" in as_cleaner.get(f"/sanitation/tasks/{stairs.pk}/").content.decode()
        place = as_cleaner.get(f"/sanitation/places/{stairs.place_id}/").content.decode()
    assert '<td class="nowrap">2 瓶</td>' in place
    with time_machine.travel(MORNING + timedelta(hours=2), tick=False):
        download = as_cleaner.get(f"/sanitation/tasks/{stairs.pk}/photo/")
    image = Image.open(io.BytesIO(b"".join(download.streaming_content)))
    assert not image.getexif().get_ifd(0x8825)  # the position is gone


BAD_DONE = {
    "negative amount": ({"amount": "-1"}, "用量应不小于 0"),
    "amount over the stock": ({"amount": "11"}, "84消毒液库存只剩 10 瓶，本次要领 11 瓶"),
    "amount without item": ({"amount": "1", "item": ""}, "请选择从哪种物资扣除"),
    "time in the future": ({"done_time": "23:59"}, "完成时间不能晚于现在"),
    "not a time": ({"done_time": "早上"}, "完成时间格式不对"),
    "photo that is not an image": ({"photo": "PDF"}, "照片只能是 JPG 或 PNG 图片"),
    "a program named .jpg": ({"photo": "EXE"}, "只能上传"),
}


@pytest.mark.parametrize("case", BAD_DONE, ids=list(BAD_DONE))
def test_bad_inputs_are_refused_and_nothing_is_drawn(world, as_cleaner, tasks, bleach, case):
    data, message = BAD_DONE[case]
    files = {
        "PDF": SimpleUploadedFile("p.jpg", b"%PDF-1.4\n<< /Type /Catalog >>\n%%EOF"),
        "EXE": SimpleUploadedFile("p.jpg", b"MZ" + b"\x00" * 50),
    }
    data = {k: files.get(v, v) for k, v in data.items()}
    task = tasks["lift"]
    with time_machine.travel(MORNING + timedelta(hours=1), tick=False):
        response = as_cleaner.post(f"/sanitation/tasks/{task.pk}/", {"item": bleach.pk, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    task.refresh_from_db()
    bleach.refresh_from_db()
    assert task.done_at is None and bleach.on_hand == Decimal("10")
    assert not StockMove.objects.filter(kind=MoveKind.DISINFECTION).exists()


def test_a_task_is_done_once(world, as_cleaner, tasks, bleach):
    task = tasks["lift"]
    with time_machine.travel(MORNING + timedelta(hours=1), tick=False):
        as_cleaner.post(f"/sanitation/tasks/{task.pk}/", {"item": bleach.pk, "amount": "1"})
        as_cleaner.post(f"/sanitation/tasks/{task.pk}/", {"item": bleach.pk, "amount": "1"})
    bleach.refresh_from_db()
    assert bleach.on_hand == Decimal("9")


def test_overdue_after_the_grace_and_from_history(world, tasks, cleaner):
    lift = tasks["lift"]  # due 08:00, overdue from 10:00
    today = DisinfectionTask.objects.all()
    assert not today.overdue_at(MORNING.replace(hour=9, minute=59)).filter(pk=lift.pk).exists()
    assert today.overdue_at(MORNING.replace(hour=10)).filter(pk=lift.pk).exists()
    # Done late at 11:00: no longer overdue now, but it became overdue at 10:00 (a past report recomputes).
    DisinfectionTask.objects.filter(pk=lift.pk).update(done_at=MORNING.replace(hour=11), done_by=cleaner)
    assert not today.overdue_at(MORNING.replace(hour=12)).filter(pk=lift.pk).exists()
    assert today.overdue_between(MORNING, MORNING.replace(hour=12)).filter(pk=lift.pk).exists()
    lift.refresh_from_db()
    assert lift.state_at(MORNING.replace(hour=12)) == "done_late"


def test_the_cleaners_home_counts_as_the_page_does(world, cleaner, tasks):
    """At 13:00 the lift (due 08:00) and the stairwell are overdue; one more task is done: the home's three
    numbers are the 今日消杀 page's own, and add up to the day's tasks."""
    extra = make_plan(world, cleaner, now=MORNING, place_kind="drain", building=None, description="下水道口")
    generate_tasks(now=MORNING, catch_up=0)
    DisinfectionTask.objects.filter(plan=extra).update(done_at=MORNING.replace(hour=8), done_by=cleaner)
    with time_machine.travel(MORNING.replace(hour=13), tick=False):
        client = Client()
        client.force_login(cleaner)
        home = counts_on(client.get("/").content.decode())
        page = client.get("/sanitation/").content.decode()
    shown = {label: int(n) for n, label in re.findall(r"<strong>(\d+)</strong>(待完成|逾期|已完成)", page)}
    assert {label: home[label][0] for label in ("待完成", "逾期", "已完成")} == shown
    assert shown["逾期"] == 2 and shown["已完成"] == 1
    assert sum(shown.values()) == DisinfectionTask.objects.filter(day=MORNING.date()).count()


def test_each_count_opens_as_many_tasks_and_yesterdays_overdue_ones_say_their_day(world, cleaner, tasks):
    """A task of yesterday not done is overdue today: the home's 逾期 counts it as the list it opens shows it
    (it counted today's only, and the list had ten more), with its day; 待完成 and 已完成 open their own lists,
    and the page's counts stay the same whichever list it shows."""
    from alleykeeper.center.tests.test_homes import assert_counts_open_their_records

    generate_tasks(now=MORNING - timedelta(days=1), catch_up=0)  # yesterday's, never done
    lift = tasks["lift"]
    DisinfectionTask.objects.filter(pk=lift.pk).update(done_at=MORNING.replace(hour=8), done_by=cleaner)
    with time_machine.travel(MORNING.replace(hour=9), tick=False):
        client = Client()
        client.force_login(cleaner)
        home = counts_on(client.get("/").content.decode())
        assert {label: home[label][0] for label in ("待完成", "逾期", "已完成")} == {
            "待完成": 1,
            "逾期": 1,
            "已完成": 1,
        }
        assert_counts_open_their_records(client, {label: home[label] for label in ("待完成", "逾期", "已完成")})
        overdue = client.get("/sanitation/?overdue=1").content.decode()
        assert re.search(r'obs-when">3月9日 \d\d:\d\d 前<', overdue)
        for url in ("/sanitation/", "/sanitation/?overdue=1", "/sanitation/?show=open", "/sanitation/?show=done"):
            page = client.get(url).content.decode()
            shown = {label: int(n) for n, label in re.findall(r"<strong>(\d+)</strong>(待完成|逾期|已完成)", page)}
            assert shown == {"待完成": 1, "逾期": 1, "已完成": 1}, url


def test_overdue_tasks_surface_on_the_admins_home(world, as_admin, tasks):
    with time_machine.travel(MORNING.replace(hour=13), tick=False):
        page = as_admin.get("/").content.decode()
        listed = as_admin.get("/sanitation/?overdue=1").content.decode()
    assert "消杀任务逾期" in page
    assert "3号楼电梯" in listed and "8号楼楼道" in listed


def test_a_cleaner_sees_only_their_communitys_tasks(world, tasks, other_cleaner):
    client = Client()
    client.force_login(other_cleaner)
    with time_machine.travel(MORNING, tick=False):
        assert "3号楼" not in client.get("/sanitation/").content.decode()
        assert client.get(f"/sanitation/tasks/{tasks['lift'].pk}/").status_code == 404
        assert client.get(f"/sanitation/places/{tasks['lift'].place_id}/").status_code == 404


def test_a_cleaner_does_not_see_another_cleaners_plan_tasks(world, tasks):
    from alleykeeper.accounts.roles import Role
    from testkit.world import make_user

    second = make_user("second", Role.CLEANER, communities=[world.community])
    client = Client()
    client.force_login(second)
    assert client.get(f"/sanitation/tasks/{tasks['lift'].pk}/").status_code == 404
    assert client.get(f"/sanitation/tasks/{tasks['stairwell'].pk}/").status_code == 200  # unassigned: anyone's


def test_other_roles_are_refused(world, personas, tasks):
    for name in ("worker_a", "volunteer", "duty", "officer"):
        client = personas[name]
        assert client.get("/sanitation/").status_code == 403
        assert client.get(f"/sanitation/tasks/{tasks['lift'].pk}/").status_code == 403
        assert client.get("/sanitation/plans/").status_code == 403


def test_the_cleaner_cannot_manage_plans(world, as_cleaner, tasks):
    assert as_cleaner.get("/sanitation/plans/").status_code == 403
    assert as_cleaner.get("/sanitation/plans/new/").status_code == 403


def test_the_place_history_shows_tasks_and_enterprise_disinfection(world, as_admin, tasks):
    page = as_admin.get(f"/sanitation/places/{tasks['lift'].place_id}/").content.decode()
    assert "3号楼电梯" in page and "近 60 天消杀记录" in page
