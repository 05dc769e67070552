"""Staggered reopening (错峰复工: slots per day and floor, a full slot refuses, also under ten concurrent
bookings) and the daily health report of open enterprises (zero reports, missing reports for the grid worker)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from alleykeeper.reopening import actions, daily, slots
from alleykeeper.reopening.errors import ReopeningError
from alleykeeper.reopening.models import Application, ApplicationStatus, DailyReport, EnterpriseState, ReopeningSlot
from alleykeeper.reopening.tests.conftest import make_enterprise


def _approved(world, enterprise) -> Application:
    """An approved application, set directly: the review itself is test_review's."""
    application = Application.objects.create(
        enterprise=enterprise,
        status=ApplicationStatus.APPROVED,
        planned_date=timezone.localdate(),
        contact_name="林店长",
        submitted_at=timezone.now(),
    )
    enterprise.state = EnterpriseState.APPROVED
    enterprise.save(update_fields=["state"])
    return application


def test_slots_calendar_booking_and_a_full_slot(world, personas, enterprise_a, client):
    admin, worker = personas["admin"], personas["worker_a"]
    today = timezone.localdate()
    url = reverse("reopening:slots_open")
    bad = [
        ({"last_day": (today - timedelta(days=1)).isoformat()}, "结束日期不能早于开始日期"),
        ({"first_day": (today - timedelta(days=2)).isoformat()}, "已经过去"),
        ({"places": "开元盛世广场"}, "看不懂"),
        ({"capacity": "0"}, "至少 1 家"),
        ({"capacity": "x"}, "整数"),
    ]
    good = {
        "first_day": today.isoformat(),
        "last_day": (today + timedelta(days=2)).isoformat(),
        "places": "开元盛世广场 1F\n开元盛世广场 2F\n沿街商铺",
        "capacity": "1",
    }
    for change, message in bad:
        response = admin.post(url, good | change)
        assert response.status_code == 400 and message in response.content.decode(), change
    assert worker.post(url, good).status_code == 403
    assert admin.post(url, good).status_code == 302
    assert ReopeningSlot.objects.count() == 9
    application = _approved(world, enterprise_a)
    other = make_enterprise(world, "开元鞋店", code="")
    other_application = _approved(world, other)
    slot = ReopeningSlot.objects.get(day=today + timedelta(days=1), floor="1F")
    take = reverse("reopening:slot_take", args=[application.pk])
    assert worker.post(take, {"slot": slot.pk}).status_code == 302
    application.refresh_from_db()
    assert application.slot == slot and application.planned_date == slot.day
    # Full: the other 1F enterprise is refused through its own link, and a 2F slot is not offered to it.
    token = actions.issue_link(world.worker_a, other)
    response = client.post(reverse("reopening:public_slot", args=[token]), {"slot": slot.pk})
    assert response.status_code == 400 and "不能选" in response.content.decode()
    with pytest.raises(ReopeningError, match="已约满"):
        slots.take_slot(None, other_application, slot)
    floor2 = ReopeningSlot.objects.get(day=today, floor="2F")
    with pytest.raises(ReopeningError, match="所在商场楼层"):
        slots.take_slot(None, other_application, floor2)
    free = ReopeningSlot.objects.get(day=today, floor="1F")
    assert client.post(reverse("reopening:public_slot", args=[token]), {"slot": free.pk}).status_code == 302
    # Changing to another day gives the first slot back.
    slots.take_slot(world.worker_a, application, ReopeningSlot.objects.get(day=today + timedelta(days=2), floor="1F"))
    slot.refresh_from_db()
    assert slot.taken == 0
    assert Application.objects.opening_between(today, today).count() == 1  # the other enterprise, today
    assert Application.objects.opening_between(today, today + timedelta(days=6)).count() == 2
    page = admin.get(reverse("reopening:calendar")).content.decode()
    assert "已预约 1 / 3 家" in page and "沿街商铺" in page
    # A capacity lowered below what is taken keeps what is taken.
    admin.post(url, good | {"capacity": "1"})
    assert ReopeningSlot.objects.get(day=today, floor="1F").capacity == 1


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_bookings_never_overfill_a_slot(world):
    """Ten enterprises book a slot of three at the same moment, each from its own thread and connection."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        # Shared-cache in-memory SQLite answers a second writer "database table is locked" at once (its table
        # locks ignore the busy timeout), so threads fail instead of waiting: nothing to learn about slots.
        pytest.skip("in-memory SQLite refuses concurrent writers outright (database table is locked)")
    slot = ReopeningSlot.objects.create(
        community=world.community, day=timezone.localdate(), mall="开元盛世广场", floor="1F", capacity=3
    )
    applications = [_approved(world, make_enterprise(world, f"并发店{n}", code="")) for n in range(10)]
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def book(application: Application) -> None:
        try:
            barrier.wait()
            slots.take_slot(None, application, slot)
            outcomes.append("ok")
        except ReopeningError:
            outcomes.append("full")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slot.refresh_from_db()
    assert sorted(outcomes) == ["full"] * 7 + ["ok"] * 3
    assert slot.taken == 3 and Application.objects.filter(slot=slot).count() == 3


def test_daily_reports_zero_reports_and_missing_ones(world, personas, client, enterprise_a, enterprise_b):
    today = timezone.localdate()
    for enterprise in (enterprise_a, enterprise_b):
        enterprise.state, enterprise.opened_on = EnterpriseState.OPEN, today - timedelta(days=1)
        enterprise.save(update_fields=["state", "opened_on"])
    worker_a, worker_b = personas["worker_a"], personas["worker_b"]
    # Each grid worker sees the missing reports of their own grid.
    page_a = worker_a.get(reverse("reopening:reports")).content.decode()
    assert "开元奶茶店" in page_a and "孝感巷理发店" not in page_a
    assert "孝感巷理发店" in worker_b.get(reverse("reopening:reports")).content.decode()
    token = actions.issue_link(world.worker_a, enterprise_a)
    url = reverse("reopening:public_report", args=[token])
    bad = [
        ({"staff_present": "-1"}, "不能是负数"),
        ({"staff_present": ""}, "请填写人数"),
        ({"unwell": "2", "unwell_note": ""}, "请写明"),
        ({"staff_present": "abc"}, "整数"),
    ]
    for change, message in bad:
        response = client.post(url, {"staff_present": "6", "unwell": "0"} | change)
        assert response.status_code == 400 and message in response.content.decode(), change
    assert not DailyReport.objects.exists()
    assert client.post(url, {"staff_present": "6", "unwell": "0", "unwell_note": "ignored"}).status_code == 302
    report = DailyReport.objects.get()
    assert report.is_zero and report.via_link and report.unwell_note == "" and report.day == today
    # Sent again the same day: corrected, still one report.
    client.post(url, {"staff_present": "6", "unwell": "1", "unwell_note": "小林 37.8℃，已回家并就医"})
    report.refresh_from_db()
    assert DailyReport.objects.count() == 1 and report.unwell == 1
    page_a = worker_a.get(reverse("reopening:reports")).content.decode()
    assert "发热或有症状 1 人" in page_a
    # The grid worker enters the other one by phone.
    worker_b.post(reverse("reopening:report_enter", args=[enterprise_b.pk]), {"staff_present": "3", "unwell": "0"})
    assert not enterprise_a.__class__.objects.report_missing(today).exists()
    # A closed enterprise sends none.
    with pytest.raises(ReopeningError):
        daily.submit_daily_report(
            None, make_enterprise(world, "未复工店"), {"staff_present": 1, "unwell": 0}, via_link=True
        )


def test_lists_of_enterprises_in_buildings_ask_no_query_per_row(world, personas):
    """The overview and the missing daily reports show each enterprise's address, which names its building and
    alley: read with the page, not one query per enterprise (the overview once ran 111 queries for 50 rows)."""
    from django.test.utils import CaptureQueriesContext

    worker_b, today = personas["worker_b"], timezone.localdate()
    building = world.household_b.building

    def open_in_building(number: int) -> None:
        enterprise = make_enterprise(world, f"孝感巷{number}号店", grid=world.grid_b, building=building)
        enterprise.state, enterprise.opened_on = EnterpriseState.OPEN, today - timedelta(days=1)
        enterprise.save(update_fields=["state", "opened_on"])

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            page = worker_b.get(url).content.decode()
        assert str(building) in page, url
        return len(captured)

    urls = [reverse("reopening:overview"), reverse("reopening:reports")]
    open_in_building(1)
    worker_b.get(urls[0])  # the session and the user read once, as on every later page
    one = [queries(url) for url in urls]
    for number in range(2, 9):
        open_in_building(number)
    assert [queries(url) for url in urls] == one
