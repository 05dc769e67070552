"""Roster rules through the pages: double booking at any gate, rest, one leader, strength, copy and fill."""

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alleykeeper.accounts.roles import Role
from alleykeeper.audit.models import AuditEvent
from alleykeeper.gates import roster, rules
from alleykeeper.gates.models import Enclosure, Gate, Shift, ShiftMember
from alleykeeper.gates.tests.conftest import client_for
from testkit.world import make_user

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _add(client, shift, user, leader=False, htmx=True):
    data = {"user": user.pk, **({"leader": "on"} if leader else {})}
    return client.post(reverse("gates:shift_add_member", args=[shift.pk]), data, **(HTMX if htmx else {}))


def test_double_booking_across_gates_is_refused(world, gw, as_admin):
    # world.duty stands at 东门 now; a shift at 北门 overlapping it must refuse them.
    start = gw.shift_now.starts_at + timedelta(hours=4)
    other = roster.create_shift(None, gw.other_gate, start, start + timedelta(hours=8))
    response = _add(as_admin, other, world.duty)
    page = response.content.decode()
    assert response.status_code == 200 and "时间重叠" in page and "东门" in page
    assert not other.members.exists()


def test_rest_between_shifts(world, gw, as_admin, settings):
    end = gw.shift_now.ends_at
    too_soon = roster.create_shift(None, gw.other_gate, end + timedelta(hours=2), end + timedelta(hours=6))
    response = _add(as_admin, too_soon, world.duty)
    assert "不足 8 小时休息" in response.content.decode()
    assert not too_soon.members.exists()
    # Back-to-back at the same gate is also too little rest.
    next_shift = roster.create_shift(None, gw.gate, end, end + timedelta(hours=8))
    with pytest.raises(roster.RosterError, match="休息"):
        roster.add_shift_member(world.admin, next_shift, world.duty)
    rested = roster.create_shift(None, gw.other_gate, end + timedelta(hours=9), end + timedelta(hours=17))
    assert "已排" in _add(as_admin, rested, world.duty).content.decode()
    assert rested.members.filter(user=world.duty).exists()
    # The setting decides: with 12 hours, 9 hours of rest is not enough.
    settings.ROSTER_MIN_REST_HOURS = 12
    later = roster.create_shift(None, gw.other_gate, end + timedelta(hours=26), end + timedelta(hours=34))
    with pytest.raises(roster.RosterError, match="不足 12 小时"):
        roster.add_shift_member(world.admin, later, world.duty)


def test_exactly_one_leader(world, gw, as_admin):
    shift = gw.shift_now  # world.duty joined first: leader
    assert shift.members.get(user=world.duty).is_leader
    _add(as_admin, shift, world.volunteer)
    assert not shift.members.get(user=world.volunteer).is_leader
    # Naming a new leader hands the role over: still exactly one.
    _add(as_admin, shift, world.worker_a, leader=True)
    assert list(shift.members.filter(is_leader=True).values_list("user", flat=True)) == [world.worker_a.pk]
    # The leader cannot leave while others remain.
    leader = shift.members.get(user=world.worker_a)
    response = as_admin.post(reverse("gates:member_remove", args=[leader.pk]), **HTMX)
    assert "请先把负责人换成其他人" in response.content.decode()
    assert shift.members.filter(pk=leader.pk).exists()
    # Hand over, then remove.
    duty_member = shift.members.get(user=world.duty)
    as_admin.post(reverse("gates:member_leader", args=[duty_member.pk]), **HTMX)
    assert shift.members.filter(is_leader=True).get().user == world.duty
    as_admin.post(reverse("gates:member_remove", args=[leader.pk]), **HTMX)
    assert not shift.members.filter(pk=leader.pk).exists()
    # The database refuses a second leader even if code forgot.
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftMember.objects.filter(shift=shift, user=world.volunteer).update(is_leader=True)


def test_below_strength_is_flagged(world, gw, as_admin):
    page = as_admin.get(reverse("gates:roster", args=[gw.gate.pk])).content.decode()
    assert "人手不足 1/3" in page and "1 个人手不足" in page
    for person in (world.volunteer, world.worker_a):
        _add(as_admin, gw.shift_now, person)
    page = as_admin.get(reverse("gates:roster", args=[gw.gate.pk])).content.decode()
    assert "人手不足" not in page and "3/3 人" in page


def test_people_outside_the_community_cannot_be_booked(world, gw, as_admin):
    # Mass assignment: a posted id of another community's staff is not a choice.
    response = _add(as_admin, gw.shift_now, gw.other_duty)
    assert "不是本社区的工作人员" in response.content.decode()
    cleaner = make_user("cleaner", Role.CLEANER, communities=[world.community])
    assert "不是本社区的工作人员" in _add(as_admin, gw.shift_now, cleaner).content.decode()
    assert gw.shift_now.members.count() == 1


def test_fill_week_then_copy_last_week(world, gw, as_admin):
    monday = rules.week_start(timezone.localdate()) + timedelta(days=21)
    last_monday = monday - timedelta(days=7)
    response = as_admin.post(reverse("gates:roster_fill", args=[gw.gate.pk]), {"week": last_monday.isoformat()})
    assert response.status_code == 302
    week = Shift.objects.filter(
        gate=gw.gate, starts_at__gte=timezone.make_aware(datetime.combine(last_monday, time.min))
    )
    assert week.count() == 21
    as_admin.post(reverse("gates:roster_fill", args=[gw.gate.pk]), {"week": last_monday.isoformat()})
    assert week.count() == 21  # filling again adds nothing
    first = week.order_by("starts_at").first()
    for person, leader in ((world.volunteer, False), (world.worker_a, True), (world.duty, False)):
        roster.add_shift_member(world.admin, first, person, leader=leader)
    # world.duty will be busy at 北门 when the copy lands: they are skipped, the rest copied.
    target_start = first.starts_at + timedelta(days=7)
    busy = roster.create_shift(None, gw.other_gate, target_start, target_start + timedelta(hours=8))
    roster.add_shift_member(world.admin, busy, world.duty)
    response = as_admin.post(reverse("gates:roster_copy", args=[gw.gate.pk]), {"week": monday.isoformat()}, follow=True)
    page = response.content.decode()
    assert "已复制上周排班：21 个班次，2 人次" in page and "未复制" in page and "时间重叠" in page
    copied = Shift.objects.get(gate=gw.gate, starts_at=target_start)
    assert copied.members.count() == 2
    assert copied.members.get(is_leader=True).user == world.worker_a
    as_admin.post(reverse("gates:roster_copy", args=[gw.gate.pk]), {"week": monday.isoformat()})
    assert copied.members.count() == 2 and Shift.objects.filter(gate=gw.gate).count() == 21 * 2 + 1
    assert AuditEvent.objects.filter(action="roster.copy_week").count() == 1


def test_add_shift_form_messages(world, gw, as_admin):
    url = reverse("gates:shift_new", args=[gw.gate.pk])
    day = timezone.localdate(gw.shift_now.starts_at)
    response = as_admin.post(url, {"day": day, "start": "08:00", "end": "08:00", "min_strength": 3})
    assert response.status_code == 400 and "结束时间与开始时间相同" in response.content.decode()
    start = timezone.localtime(gw.shift_now.starts_at) + timedelta(hours=1)
    response = as_admin.post(
        url,
        {
            "day": start.date(),
            "start": start.strftime("%H:%M"),
            "end": (start + timedelta(hours=1)).strftime("%H:%M"),
            "min_strength": 3,
        },
    )
    assert response.status_code == 400 and "已有班次" in response.content.decode()


def _times(start: datetime, hours: int, min_strength: int = 3) -> dict:
    start = timezone.localtime(start)
    end = start + timedelta(hours=hours)
    return {
        "day": start.date(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "min_strength": min_strength,
    }


def test_edit_shift_keeps_its_group_and_meets_the_rules(world, gw, as_admin):
    """Bad inputs tried: an end equal to the start, no one needed, a time taken by another shift of the gate,
    a time that double-books a member at another gate."""
    shift = gw.shift_now
    url = reverse("gates:shift_edit", args=[shift.pk])
    page = as_admin.get(url).content.decode()
    assert "修改班次" in page and "duty（带班）" in page and 'name="start"' in page
    before = (shift.starts_at, shift.ends_at, shift.min_strength)

    response = as_admin.post(url, {**_times(shift.starts_at, 2), "end": _times(shift.starts_at, 2)["start"]})
    assert response.status_code == 400 and "结束时间与开始时间相同" in response.content.decode()
    response = as_admin.post(url, _times(shift.starts_at, 2, min_strength=0))
    assert response.status_code == 400 and "最少人数" in response.content.decode()
    taken = roster.create_shift(None, gw.gate, shift.ends_at + timedelta(hours=1), shift.ends_at + timedelta(hours=5))
    response = as_admin.post(url, _times(taken.starts_at - timedelta(hours=1), 3))
    assert response.status_code == 400 and "已有班次" in response.content.decode()
    elsewhere = roster.create_shift(
        None, gw.other_gate, shift.ends_at + timedelta(hours=20), shift.ends_at + timedelta(hours=24)
    )
    roster.add_shift_member(None, elsewhere, world.duty)
    response = as_admin.post(url, _times(elsewhere.starts_at - timedelta(hours=10), 4))
    assert response.status_code == 400 and "北门" in response.content.decode()
    shift.refresh_from_db()
    assert (shift.starts_at, shift.ends_at, shift.min_strength) == before

    new_start = (shift.starts_at - timedelta(hours=1)).replace(second=0, microsecond=0)  # the form has minutes
    response = as_admin.post(url, _times(new_start, 6, min_strength=2))
    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.starts_at, shift.ends_at, shift.min_strength) == (new_start, new_start + timedelta(hours=6), 2)
    assert list(shift.members.values_list("user__username", "is_leader")) == [("duty", True)]
    event = AuditEvent.objects.get(action="shift.update", object_id=shift.pk)
    assert event.detail["before"] != event.detail["after"]


def test_edit_shift_scope(world, gw, personas):
    url = reverse("gates:shift_edit", args=[gw.shift_now.pk])
    assert personas["duty"].get(url).status_code == 403
    assert client_for(gw.other_admin).get(url).status_code == 404
    foreign = Shift.objects.get(gate=gw.foreign_gate)
    assert (
        personas["admin"].post(reverse("gates:shift_edit", args=[foreign.pk]), _times(foreign.starts_at, 2)).status_code
        == 404
    )


def test_my_shifts_and_nav(world, gw, as_duty):
    page = as_duty.get(reverse("gates:duty")).content.decode()
    assert "正在值守：东片区 · 东门" in page and "带班负责人" in page
    assert reverse("gates:log", args=[gw.gate.pk]) in page
    assert ">值守<" in page and "片区卡口" not in page
    admin_page = client_for(world.admin).get(reverse("gates:duty")).content.decode()
    assert "片区卡口" in admin_page and "现在没有您的班次" in admin_page


def test_print_roster(world, gw, as_admin):
    _add(as_admin, gw.shift_now, world.volunteer)
    monday = rules.week_start(timezone.localdate(gw.shift_now.starts_at))
    page = as_admin.get(reverse("gates:roster_print", args=[gw.gate.pk]) + f"?week={monday}").content.decode()
    assert "东门 卡口值班表" in page and "带班负责人" in page and "缺 1 人" in page
    assert "duty" in page and "volunteer" in page and "data-print" in page


def test_roster_scope(world, gw, personas):
    other_admin = client_for(gw.other_admin)
    foreign_shift = Shift.objects.get(gate=gw.foreign_gate)
    for url in (
        reverse("gates:roster", args=[gw.gate.pk]),
        reverse("gates:roster_print", args=[gw.gate.pk]),
    ):
        assert other_admin.get(url).status_code == 404
        assert personas["duty"].get(url).status_code == 403
    response = personas["admin"].post(
        reverse("gates:shift_add_member", args=[foreign_shift.pk]), {"user": world.volunteer.pk}
    )
    assert response.status_code == 404
    member = gw.shift_now.members.get()
    assert other_admin.post(reverse("gates:member_remove", args=[member.pk])).status_code == 404
    assert gw.shift_now.members.count() == 1


def _roster_queries(client, gate) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("gates:roster", args=[gate.pk])).status_code == 200
    return len(queries)


def test_roster_page_runs_a_fixed_number_of_queries(world, gw, as_admin):
    small = _roster_queries(as_admin, gw.gate)
    monday = rules.week_start(timezone.localdate())
    shifts = roster.fill_week(world.admin, gw.gate, monday)
    for index, shift in enumerate(shifts[:6]):
        for person in (world.volunteer, world.worker_a, world.worker_b):
            if index % 3 == 0:  # space them out so the rest rule lets them stand
                try:
                    roster.add_shift_member(world.admin, shift, person)
                except roster.RosterError:
                    pass
    assert ShiftMember.objects.count() > 3
    assert _roster_queries(as_admin, gw.gate) == small


def test_hostile_staff_and_gate_names_are_escaped(world, gw, as_admin):
    world.volunteer.display_name = "<script>alert(1)</script>"
    world.volunteer.save(update_fields=["display_name"])
    gw.gate.name = "<img src=x onerror=alert(2)>"
    gw.gate.save(update_fields=["name"])
    _add(as_admin, gw.shift_now, world.volunteer)
    monday = rules.week_start(timezone.localdate(gw.shift_now.starts_at))
    pages = [
        as_admin.get(reverse("gates:roster", args=[gw.gate.pk]) + f"?week={monday}"),
        as_admin.get(reverse("gates:roster_print", args=[gw.gate.pk]) + f"?week={monday}"),
        as_admin.get(reverse("gates:enclosures")),
        as_admin.get(reverse("gates:gate", args=[gw.gate.pk])),
        client_for(world.duty).get(reverse("gates:duty")),
        client_for(world.volunteer).get(reverse("gates:duty")),
    ]
    for response in pages:
        page = response.content.decode()
        assert "<script>alert(1)" not in page and "<img src=x" not in page, response.request["PATH_INFO"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0].content.decode()
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages[1].content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_duty_and_enclosure_pages_run_a_fixed_number_of_queries(world, gw, as_admin):
    duty = client_for(world.duty)
    duty_few, list_few = _queries(duty, reverse("gates:duty")), _queries(as_admin, reverse("gates:enclosures"))
    end = gw.shift_now.ends_at
    for day in range(1, 6):
        start = end + timedelta(days=day)
        shift = roster.create_shift(None, gw.other_gate, start, start + timedelta(hours=8))
        for person in (world.duty, world.volunteer, world.worker_a):
            roster.add_shift_member(None, shift, person)
    for name in ("南片区", "西片区"):
        enclosure = Enclosure.objects.create(community=world.community, name=name)
        Gate.objects.create(enclosure=enclosure, name=f"{name}门")
    assert _queries(duty, reverse("gates:duty")) == duty_few
    assert _queries(as_admin, reverse("gates:enclosures")) == list_few
