"""Who may work at a gate: on duty now (with a grace margin) or a manager of its community; else 404."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from alleykeeper.gates import access

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
