"""Who may work at a gate: on duty now (with a grace margin) or a manager of its community; else 404."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alleykeeper.gates import access, roster
from alleykeeper.gates.models import Shift

pytestmark = pytest.mark.django_db


def test_on_duty_staff_and_managers_get_the_gate(world, gw):
    assert access.gate_for(world.duty, gw.gate.pk) == gw.gate
    assert access.gate_for(world.admin, gw.gate.pk) == gw.gate
    assert list(access.gates_on_duty(world.duty)) == [gw.gate]
    assert list(access.gates_on_duty(world.admin)) == []  # managers are not "on duty" by office


def test_off_duty_and_out_of_scope_are_404(world, gw):
    for user, gate in [
        (world.duty, gw.other_gate),  # same community, not on a shift there
        (world.volunteer, gw.gate),  # same community, no shift
        (world.worker_a, gw.gate),
        (gw.other_duty, gw.gate),  # on duty, but at another community's gate
        (gw.other_admin, gw.gate),
        (world.admin, gw.foreign_gate),
    ]:
        with pytest.raises(Http404):
            access.gate_for(user, gate.pk)


def test_duty_grace_margin(world, gw):
    end = gw.shift_now.ends_at
    assert access.is_on_duty(world.duty, gw.gate, end + timedelta(minutes=29))
    assert not access.is_on_duty(world.duty, gw.gate, end + timedelta(minutes=31))
    with pytest.raises(Http404):
        access.gate_for(world.duty, gw.gate.pk, at=timezone.now() + timedelta(days=1))


def test_gate_by_token(gw):
    assert access.gate_by_token(gw.gate.token) == gw.gate
    assert access.gate_by_token("forged-token") is None
    assert access.gate_by_token("") is None


def test_off_duty_the_duty_page_says_so_and_names_the_next_shift(world, gw, time_machine):
    later = gw.shift_now.ends_at + timedelta(hours=20)
    roster.create_shift(None, gw.other_gate, later, later + timedelta(hours=8))
    roster.add_shift_member(None, Shift.objects.get(gate=gw.other_gate), world.duty)
    time_machine.move_to(gw.shift_now.ends_at + timedelta(hours=2), tick=False)
    client = Client()
    client.force_login(world.duty)
    page = client.get(reverse("gates:duty")).content.decode()
    assert "正在值守" not in page and reverse("gates:log", args=[gw.gate.pk]) not in page
    assert "现在没有您的班次" in page and "下一班是" in page
    assert f"{timezone.localtime(later):%-m月%-d日 %H:%M}" in page and "东片区 · 北门" in page
    assert "班次开始前 30 分钟起可以打开出入登记" in page
