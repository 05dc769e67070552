"""What bench/registration.py relies on: its posted data is valid for the real form, and its bare
baseline insert answers every post (a full run reported errors=1 on SQLite and PostgreSQL alike)."""

from unittest import mock

import pytest
from django.test import RequestFactory

from alleykeeper.visitors import public
from alleykeeper.visitors.forms import RegistrationForm
from alleykeeper.visitors.models import Registration
from alleykeeper.visitors.tests.live_server import visitor_fields

pytestmark = pytest.mark.django_db


def _baseline_post(token: str, n: int):
    request = RequestFactory().post(f"/v/bench-baseline/{token}/", visitor_fields(n, f"bench{n:012d}00000000xx"))
    return public.bench_baseline(request, token)


def test_baseline_draws_another_code_when_the_drawn_one_is_taken(visit):
    """The cause of errors=1: in a long run (tens of thousands of rows at one gate) the baseline drew a
    short code already taken at the gate and answered 500, where the real form draws again."""
    codes = iter(["AAAAAA", "AAAAAA", "AAAAAA", "CCCCCC"])
    with mock.patch("alleykeeper.visitors.public.new_code", side_effect=lambda: next(codes)):
        assert _baseline_post(visit.gate.token, 1).status_code == 303
        assert _baseline_post(visit.gate.token, 2).status_code == 303
    assert sorted(Registration.objects.values_list("code", flat=True)) == ["AAAAAA", "CCCCCC"]


def test_baseline_gives_up_with_a_503_when_no_code_is_free(visit):
    with mock.patch("alleykeeper.visitors.public.new_code", return_value="AAAAAA"):
        assert _baseline_post(visit.gate.token, 1).status_code == 303
        assert _baseline_post(visit.gate.token, 2).status_code == 503
    assert Registration.objects.count() == 1


@pytest.mark.parametrize("n", [0, 1, 9, 10, 27, 28, 999, 1000, 12_345, 99_999_999, 123_456_789])
def test_every_registration_the_bench_posts_is_valid_for_the_form(visit, n):
    """A bench post the form refuses counts as an error: the generated names, ID numbers and phones of
    any serial number must pass (a name with digits, 来访12, no longer does)."""
    form = RegistrationForm(visitor_fields(n, f"bench{n:012d}00000000xx"))
    assert form.is_valid(), form.errors
