"""Scope: a worker never sees another grid's pushed people; unmatched people are the community's."""

import pytest
from django.urls import reverse

from alleykeeper.pushlist.models import PushedPerson
from alleykeeper.pushlist.tests.files import csv_bytes, row
from testkit.world import make_id

pytestmark = pytest.mark.django_db

WANG_ID = make_id(order="124")  # grid A
WU_ID = make_id(born="19900101", order="246")  # grid B
CHEN_ID = make_id(born="19700505", order="368")  # the other community


@pytest.fixture
def batch(import_list):
    return import_list(
        csv_bytes(
            [
                row("王翠琳", WANG_ID, number=1),
                row("吴晶晶", WU_ID, number=2),
                row("陈育玲", CHEN_ID, number=3),  # lives in another community: not found in ours
                row("无名氏", "", "13500009999", number=4),
            ]
        )
    )


def _person(name: str) -> PushedPerson:
    return PushedPerson.objects.get(name=name)


# persona -> (王翠琳 in grid A, 吴晶晶 in grid B, unmatched 陈育玲)
MATRIX = {
    "admin": (200, 200, 200),
    "worker_a": (200, 404, 404),
    "worker_b": (404, 200, 404),
    "officer": (403, 403, 403),
    "duty": (403, 403, 403),
    "volunteer": (403, 403, 403),
    "anonymous": (302, 302, 302),
}


@pytest.mark.parametrize("persona", list(MATRIX))
def test_person_page_access_matrix(batch, personas, persona):
    client = personas[persona]
    for name, expected in zip(("王翠琳", "吴晶晶", "陈育玲"), MATRIX[persona], strict=True):
        response = client.get(reverse("pushlist:person", args=[_person(name).pk]))
        assert response.status_code == expected, (persona, name)


def test_batch_page_lists_only_the_workers_grid(batch, as_worker_a, as_admin):
    page = as_worker_a.get(reverse("pushlist:batch", args=[batch.pk])).content.decode()
    assert "王翠琳" in page and "吴晶晶" not in page and "陈育玲" not in page and "无名氏" not in page
    assert "逐行问题" not in page  # the row report shows rows of every grid: community-wide staff only
    page = as_admin.get(reverse("pushlist:batch", args=[batch.pk])).content.decode()
    assert all(name in page for name in ("王翠琳", "吴晶晶", "陈育玲", "无名氏"))


def test_batch_list_counts_only_what_the_user_may_see(batch, as_worker_a, as_admin):
    assert "1 人 · 比对上 1" in as_worker_a.get(reverse("pushlist:batches")).content.decode()
    assert "4 人 · 比对上 2" in as_admin.get(reverse("pushlist:batches")).content.decode()


def test_report_and_export_are_scoped(batch, as_worker_b):
    page = as_worker_b.get(reverse("pushlist:report", args=[batch.pk])).content.decode()
    assert "吴晶晶" in page and "王翠琳" not in page and "陈育玲" not in page
    response = as_worker_b.post(reverse("pushlist:export", args=[batch.pk]), {"purpose": "screening", "format": "csv"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "吴晶晶" in content and "王翠琳" not in content and "陈育玲" not in content


def test_another_communitys_admin_sees_nothing(batch, world):
    from django.test import Client

    from alleykeeper.accounts.roles import Role
    from testkit.world import make_user

    client = Client()
    client.force_login(make_user("admin_xinhua", Role.ADMIN, communities=[world.other_community]))
    assert client.get(reverse("pushlist:batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("pushlist:report", args=[batch.pk])).status_code == 404
    assert client.get(reverse("pushlist:person", args=[_person("陈育玲").pk])).status_code == 404
    assert "陈育玲" not in client.get(reverse("pushlist:batches")).content.decode()
