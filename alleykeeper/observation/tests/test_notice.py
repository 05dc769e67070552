"""The printable notice of home observation (居家医学观察告知书), one or a batch."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from alleykeeper.audit.models import AuditEvent
from alleykeeper.observation.tests.conftest import open_case_for
from testkit.world import add_resident, make_id

pytestmark = pytest.mark.django_db


def test_notice_for_one_case_is_chinese_and_a4(world, as_worker_a, case_a):
    response = as_worker_a.get(reverse("observation:notice", args=[case_a.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "居家医学观察告知书" in body and case_a.name in body and "第一网格巷3号楼302" in body
    assert f"{case_a.planned_end.year}年{case_a.planned_end.month}月{case_a.planned_end.day}日" in body
    assert "37.3" in body and "09:00、17:00" in body
    assert case_a.resident.doc_number_masked not in body and "13859901234" not in body
    css = (Path(settings.BASE_DIR) / "alleykeeper/core/static/core/app.css").read_text(encoding="utf-8")
    assert "@page notice { size: A4" in css and ".obs-notice { page: notice" in css and "break-after:page" in css
    event = AuditEvent.objects.get(action="observation.print_notice")
    assert event.row_count == 1 and event.purpose == "follow_up"


def test_batch_notice_for_a_household_and_by_ids(world, as_admin, case_a, case_b):
    child = add_resident(world.household_a, "小花", make_id(born="20100601", order="222"), relation="child")
    sibling = open_case_for(world, world.household_a, world.worker_a, resident=child)
    body = as_admin.get(reverse("observation:notices") + f"?household={world.household_a.pk}").content.decode()
    assert body.count('class="obs-notice"') == 2 and "小花" in body and case_a.name in body
    body = as_admin.get(
        reverse("observation:notices") + f"?pick={case_a.pk}&pick={case_b.pk}&pick={sibling.pk}"
    ).content.decode()
    assert body.count('class="obs-notice"') == 3
    assert AuditEvent.objects.filter(action="observation.print_notice", row_count=3).exists()


@pytest.mark.parametrize("query", ["?ids=abc", "?ids=1,x"])
def test_batch_bad_input_is_404(world, as_admin, case_a, query):
    assert as_admin.get(reverse("observation:notices") + query).status_code == 404


@pytest.mark.parametrize("query", ["", "?", "?ids=", "?ids=" + ",".join(str(n) for n in range(1, 202))])
def test_nothing_ticked_or_too_many_goes_back_to_the_list_saying_so(world, as_admin, case_a, query):
    """The list's 打印所选的告知书 pressed with nothing ticked was a 404 (没有找到这个页面)."""
    response = as_admin.get(reverse("observation:notices") + query, follow=True)
    assert response.redirect_chain[-1][0] == reverse("observation:cases")
    assert "请先勾选要打印告知书的观察对象" in response.content.decode()


def test_batch_with_an_id_out_of_scope_is_404(world, as_worker_a, case_a, case_b):
    url = reverse("observation:notices") + f"?ids={case_a.pk},{case_b.pk}"
    assert as_worker_a.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="observation.print_notice").exists()
