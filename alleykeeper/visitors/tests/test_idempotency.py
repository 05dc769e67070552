"""Double submission (double tap, retries, ten at once) yields one registration and the same confirmation."""

import re
import threading
from unittest import mock

import pytest
from django.db import connection
from django.test import Client

from alleykeeper.visitors import actions
from alleykeeper.visitors.models import Registration
from alleykeeper.visitors.tests.conftest import form_data, make_divisions, make_gate
from testkit.world import make_id


@pytest.mark.django_db
def test_double_tap_gives_one_registration_and_the_same_confirmation(visit):
    client = Client()
    first = client.post(visit.url, form_data())
    second = client.post(visit.url, form_data())
    retry_from_another_connection = Client().post(visit.url, form_data())
    assert first.status_code == second.status_code == retry_from_another_connection.status_code == 303
    assert first["Location"] == second["Location"] == retry_from_another_connection["Location"]
    assert Registration.objects.count() == 1
    code = Registration.objects.get().code
    assert code in client.get(first["Location"]).content.decode()


@pytest.mark.django_db
def test_retry_with_changed_data_keeps_the_first_registration(visit):
    """The same form sent again (back button, edit, send) is the same submission; a new form is a new one."""
    Client().post(visit.url, form_data())
    Client().post(visit.url, form_data(name="改过的名字"))
    assert list(Registration.objects.values_list("name", flat=True)) == ["林晓东"]
    Client().post(visit.url, form_data(key="n" * 24, name="另一位", doc_number=make_id(order="999")))
    assert Registration.objects.count() == 2


@pytest.mark.django_db
def test_each_fresh_form_carries_a_new_key(visit):
    keys = {
        re.search(r'name="submission_key" value="([^"]+)"', Client().get(visit.url).content.decode())[1]
        for _ in range(3)
    }
    assert len(keys) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "short", "has spaces in it and is long", "<script>alert(1)</script>xxxxxx"])
def test_missing_or_forged_key_gets_a_fresh_one_and_nothing_is_saved(visit, key):
    response = Client().post(visit.url, form_data(key=key))
    page = response.content.decode()
    assert response.status_code == 200 and "页面已过期" in page and 'value="探亲"' in page
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_key_of_another_gate_is_not_reused(world, visit):
    other = make_gate(world, name="西门")
    assert Client().post(visit.url, form_data()).status_code == 303
    response = Client().post(f"/v/{other.token}/", form_data())
    assert response.status_code == 200 and "页面已过期" in response.content.decode()
    assert Registration.objects.count() == 1 and Registration.objects.get().gate == visit.gate


@pytest.mark.django_db
def test_code_collision_draws_another_code(visit):
    Client().post(visit.url, form_data())
    taken = Registration.objects.get().code
    codes = iter([taken, taken, "XYZ347"])
    with mock.patch("alleykeeper.visitors.actions.new_code", side_effect=lambda: next(codes)):
        response = Client().post(visit.url, form_data(key="m" * 24, doc_number=make_id(order="555")))
    assert response.status_code == 303
    assert set(Registration.objects.values_list("code", flat=True)) == {taken, "XYZ347"}
    assert actions.CODE_ATTEMPTS > 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_posts_make_one_registration(world):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers); sequential doubles run above")
    make_divisions()
    gate = make_gate(world)
    url = f"/v/{gate.token}/"
    start = threading.Barrier(10)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = Client()
            start.wait(timeout=10)
            response = client.post(url, form_data())
            results.append((response.status_code, response.get("Location", "")))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(results) == 10
    assert {status for status, _ in results} == {303}
    assert len({location for _, location in results}) == 1
    assert Registration.objects.count() == 1
