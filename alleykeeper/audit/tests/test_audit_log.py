"""The audit log: who may read it, what it shows, and that it never holds an ID number or phone in clear."""

import json
import re

import pytest
from django.urls import reverse

from alleykeeper.accounts.roles import Role
from alleykeeper.audit.actions import record_event
from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.identity import check_id_card, check_phone
from alleykeeper.registry import actions as register_actions
from alleykeeper.registry.models import Resident
from testkit.world import make_household, make_id, make_user

pytestmark = pytest.mark.django_db

AUDIT = reverse("audit:list")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("worker_a", 403), ("worker_b", 403), ("duty", 403), ("officer", 403), ("volunteer", 403)],
)
def test_only_admins_read_the_audit_log(personas, persona, expected):
    assert personas[persona].get(AUDIT).status_code == expected


def test_anonymous_is_sent_to_login(personas):
    response = personas["anonymous"].get(AUDIT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_sees_what_community_staff_did_not_other_communities(world, as_admin, as_worker_a):
    resident = world.household_a.residents.get()
    as_worker_a.post(
        reverse("registry:resident_reveal", args=[resident.pk]), {"field": "phone", "purpose": "follow_up"}
    )
    outsider = make_user("xinhua_worker", Role.GRID_WORKER, grids=[world.grid_other])
    record_event(outsider, "identity.reveal_phone", world.household_other.residents.get(), purpose="screening")
    page = as_admin.get(AUDIT).content.decode()
    assert '<span class="what">查看完整电话</span>' in page and "worker_a" in page and "居家观察随访" in page
    assert "xinhua_worker" not in page and "陈育玲" not in page
    filtered = as_admin.get(AUDIT, {"action": "resident.create"}).content.decode()
    assert '<span class="what">查看完整电话</span>' not in filtered


def _all_audit_text() -> str:
    rows = AuditEvent.objects.values()
    return json.dumps([{k: str(v) for k, v in row.items()} for row in rows], ensure_ascii=False)


def test_no_audit_row_holds_a_full_id_or_phone(world, as_worker_a, as_admin):
    """A day of register work, with numbers typed into every free-text field we could find."""
    household = world.household_a
    id_number, phone = make_id(born="19920229", order="135"), "13859907788"
    new_resident = reverse("registry:resident_new") + f"?household={household.pk}"
    data = {
        # a name with a phone stuck to it, and notes with an ID: both happen in real spreadsheets
        "name": f"林小梅{phone}",
        "doc_type": "id_card",
        "doc_number": id_number,
        "phone": phone,
        "relation": "child",
        "status": "living",
        "notes": f"身份证 {id_number}",
    }
    response = as_worker_a.post(new_resident, data)
    # The form refuses such a name now; one stored before the check (or by the action) is still redacted.
    assert response.status_code == 200 and "姓名里不能有数字" in response.content.decode()
    assert not Resident.objects.filter(name__startswith="林小梅").exists()
    doc, checked_phone = check_id_card(id_number), check_phone(phone)
    register_actions.create_resident(world.worker_a, household, data, doc=doc, phone=checked_phone)
    resident = Resident.objects.get(name__startswith="林小梅")
    second_phone = "+86 136-0000-4321"
    response = as_worker_a.post(
        reverse("registry:resident_edit", args=[resident.pk]),
        {"name": "林小梅", "doc_type": "id_card", "phone": second_phone, "relation": "child", "status": "living"},
    )
    assert response.status_code == 302
    for field in ("doc", "phone"):
        response = as_worker_a.post(
            reverse("registry:resident_reveal", args=[resident.pk]), {"field": field, "purpose": "screening"}
        )
        assert response.status_code == 200
    daughter = make_household(world.grid_a, "5号楼", "101")
    response = as_worker_a.post(
        reverse("registry:resident_move", args=[resident.pk]),
        {"household": daughter.pk, "reason": f"搬去女儿家，女儿电话 {phone}，身份证{id_number}"},
    )
    assert response.status_code == 302
    landlord_phone = "13900001111"
    response = as_admin.post(
        reverse("registry:household_edit", args=[world.household_b.pk]),
        {
            "building": world.household_b.building_id,
            "room": "101",
            "kind": "rental",
            "landlord_name": "黄房东",
            "landlord_phone": landlord_phone,
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action__startswith="identity.reveal").count() == 2
    assert AuditEvent.objects.filter(action="household.update").exists()
    text = _all_audit_text()
    for secret in (id_number, phone, "13600004321", landlord_phone, id_number[6:14] + id_number[14:]):
        assert secret not in text, secret
    assert not re.search(r"\d{11,}", text.replace(id_number[:6] + "********", "")), "no long digit runs at all"
    page = as_admin.get(AUDIT).content.decode()
    assert id_number not in page and phone not in page


def test_events_belong_to_the_community_where_they_happened(world):
    """A member of two communities acts in the other one: this community's admin does not see it."""
    both = make_user("both", Role.ADMIN, communities=[world.community, world.other_community])
    elsewhere = record_event(both, "household.update", world.household_other)
    here = record_event(both, "resident.update", world.household_a.residents.get(), parent=world.household_a)
    assert elsewhere.community_id == world.other_community.pk and here.community_id == world.community.pk
    visible = set(AuditEvent.objects.visible_to(world.admin).values_list("pk", flat=True))
    assert here.pk in visible and elsewhere.pk not in visible


def test_detail_is_redacted(world):
    number = make_id()
    event = record_event(
        world.admin,
        "observation.transfer",
        world.household_a,
        detail={"to": f"医院 {number} 13859901234", "n": [number]},
    )
    assert number not in str(event.detail) and "13859901234" not in str(event.detail)
