"""The review queue: confirming and rejecting candidates (audited), and the worker's outcome."""

from datetime import date

import pytest
from django.urls import reverse

from alleykeeper.audit.models import AuditEvent
from alleykeeper.pushlist import views
from alleykeeper.pushlist.models import MatchState, MatchStatus, Outcome, PushedPerson, PushMatch
from alleykeeper.pushlist.tests.files import csv_bytes, row
from alleykeeper.screening.actions import record_key_person
from alleykeeper.screening.models import KeyPerson, KeyPersonSource
from testkit.paging import follow_pages
from testkit.world import add_resident, make_id

pytestmark = pytest.mark.django_db

WANG_ID = make_id(order="124")


@pytest.fixture
def family_phone(import_list) -> PushedPerson:
    """王小宝 gives the phone registered for 吴晶晶 (grid B): a candidate to confirm or reject."""
    import_list(csv_bytes([row("王小宝", "", "13600001111")]))
    return PushedPerson.objects.get()


def test_review_queue_lists_pending_candidates_in_scope(family_phone, as_worker_b, as_worker_a):
    page = as_worker_b.get(reverse("pushlist:review")).content.decode()
    assert "王小宝" in page and "电话一致，姓名不同" in page and "可信度 60" in page
    assert "13600001111" not in page and "136****1111" in page
    assert "王小宝" not in as_worker_a.get(reverse("pushlist:review")).content.decode()


def test_confirm_is_audited_and_fills_the_person(world, family_phone, as_worker_b):
    match = family_phone.matches.get()
    response = as_worker_b.post(
        reverse("pushlist:decide", args=[match.pk]),
        {"decision": "confirm", "note": "电话核实是本人小名", "next": "review"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("pushlist:review")
    match.refresh_from_db()
    family_phone.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED and match.decided_by == world.worker_b
    assert family_phone.match_state == MatchState.MATCHED and family_phone.grid == world.grid_b
    assert family_phone.proposed_outcome == Outcome.MISSED
    event = AuditEvent.objects.get(action="pushlist.match_confirm")
    assert event.actor == world.worker_b and event.reason == "电话核实是本人小名"
    assert event.detail["rule"] == "phone" and event.detail["confidence"] == 60


def test_reject_is_audited_and_leaves_the_person_unmatched(world, family_phone, as_worker_b, as_admin):
    match = family_phone.matches.get()
    as_worker_b.post(reverse("pushlist:decide", args=[match.pk]), {"decision": "reject", "note": "是邻居的号码"})
    family_phone.refresh_from_db()
    assert family_phone.match_state == MatchState.UNMATCHED
    assert AuditEvent.objects.get(action="pushlist.match_reject").reason == "是邻居的号码"
    # Once nobody in grid B is a candidate, the person is the community's: grid B no longer sees them.
    assert as_worker_b.get(reverse("pushlist:person", args=[family_phone.pk])).status_code == 404
    assert as_admin.get(reverse("pushlist:person", args=[family_phone.pk])).status_code == 200
    # Deciding twice changes nothing.
    as_admin.post(reverse("pushlist:decide", args=[match.pk]), {"decision": "confirm"})
    match.refresh_from_db()
    assert match.status == MatchStatus.REJECTED


def test_another_grids_worker_cannot_decide(family_phone, as_worker_a):
    match = family_phone.matches.get()
    response = as_worker_a.post(reverse("pushlist:decide", args=[match.pk]), {"decision": "confirm"})
    assert response.status_code == 404
    match.refresh_from_db()
    assert match.status == MatchStatus.PENDING and not AuditEvent.objects.filter(action__startswith="pushlist.match")


def test_bad_decision_changes_nothing(family_phone, as_worker_b):
    match = family_phone.matches.get()
    for bad in ({"decision": "maybe"}, {}):
        as_worker_b.post(reverse("pushlist:decide", args=[match.pk]), bad)
    match.refresh_from_db()
    assert match.status == MatchStatus.PENDING


def test_rejecting_a_key_person_match_takes_them_off_the_push_list(world, import_list, as_admin):
    resident = world.household_a.residents.get()
    key = record_key_person(None, community=world.community, name="王翠琳", source=KeyPersonSource.SCREENING,
                            resident=resident)  # fmt: skip
    import_list(csv_bytes([row("王翠琳", WANG_ID)]))
    key.refresh_from_db()
    assert key.on_push_list
    match = PushMatch.objects.get()
    as_admin.post(reverse("pushlist:decide", args=[match.pk]), {"decision": "reject", "note": "名单号码错误"})
    key.refresh_from_db()
    assert not key.on_push_list


def test_outcome_is_set_with_a_note_and_audited(world, import_list, as_worker_a):
    import_list(csv_bytes([row("王翠琳", WANG_ID)]))
    person = PushedPerson.objects.get()
    url = reverse("pushlist:outcome", args=[person.pk])
    # The system proposes 漏排 (lives here, not screened) and says so; the choice is left to the worker: one tap
    # on 保存核查结果 made a key person without a decision.
    assert person.proposed_outcome == Outcome.MISSED
    page = as_worker_a.get(reverse("pushlist:person", args=[person.pk])).content.decode()
    assert "系统建议：漏排" in page and 'value="missed" selected' not in page
    refused = as_worker_a.post(url, {"outcome": "", "note": ""})
    assert refused.status_code == 400 and not KeyPerson.objects.exists()
    response = as_worker_a.post(url, {"outcome": Outcome.NOT_LIVING_HERE, "note": ""})
    assert response.status_code == 400 and "请写明依据" in response.content.decode()
    response = as_worker_a.post(url, {"outcome": "lost", "note": "x"})
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.outcome == ""
    response = as_worker_a.post(url, {"outcome": Outcome.MISSED, "note": "已电话核实，1月25日从武汉返回"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.outcome == Outcome.MISSED and person.outcome_by == world.worker_a
    event = AuditEvent.objects.get(action="pushlist.outcome")
    assert event.detail == {"outcome": "missed", "previous": ""}
    # Missed means found living here: they become a key person, the input of home observation.
    key = KeyPerson.objects.get()
    assert key.source == KeyPersonSource.PUSH_LIST and key.on_push_list and key.resident.name == "王翠琳"
    assert person.key_person == key and key.grid == world.grid_a
    assert "已登记为重点人员" in as_worker_a.get(reverse("pushlist:person", args=[person.pk])).content.decode()


def test_reveal_is_audited_with_purpose(world, import_list, as_worker_a):
    import_list(csv_bytes([row("王翠琳", WANG_ID, "13859901234")]))
    person = PushedPerson.objects.get()
    url = reverse("pushlist:reveal", args=[person.pk])
    assert as_worker_a.post(url, {"field": "phone"}).status_code == 400
    response = as_worker_a.post(url, {"field": "phone", "purpose": "screening"})
    assert "13859901234" in response.content.decode() and response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="identity.reveal_phone")
    assert event.purpose == "screening" and event.actor == world.worker_a
    assert "13859901234" not in str(event.detail) + event.object_label


def test_a_reviewer_from_another_grid_cannot_set_the_outcome(family_phone, as_worker_b):
    """王小宝 is unmatched (no grid): worker B may decide the candidate in grid B, not the person's outcome."""
    assert as_worker_b.get(reverse("pushlist:person", args=[family_phone.pk])).status_code == 200
    url = reverse("pushlist:outcome", args=[family_phone.pk])
    response = as_worker_b.post(url, {"outcome": Outcome.NOT_LIVING_HERE, "note": "不在本地"})
    assert response.status_code == 404
    family_phone.refresh_from_db()
    assert family_phone.outcome == ""


def test_batch_and_review_pages_page_by_key_stable_under_an_insert(world, import_list, as_admin, monkeypatch):
    """A batch's people and the review queue: every row once following 下一页 (the filter kept), and a row
    added meanwhile that sorts first (row 0; a batch received earlier) shifts no page."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for n in range(8):
        add_resident(world.household_b, f"吴{n}", phone=f"1370000{n:04d}")
    family = [row(f"王{n}宝", "", f"1370000{n:04d}", number=n + 1) for n in range(7)]
    batch = import_list(csv_bytes(family))
    url = reverse("pushlist:batch", args=[batch.pk]) + "?state=review"

    def row_zero() -> None:
        first = batch.people.order_by("row_number").first()
        PushedPerson.objects.create(
            batch=batch, community=batch.community, row_number=0, name="插队", match_state=first.match_state
        )

    seen = follow_pages(as_admin, url, after_first=row_zero)
    assert len(seen) == len(set(seen)) == 7
    earlier = lambda: import_list(csv_bytes([row("王早宝", "", "13700000007")]), received_on=date(2020, 2, 1))  # noqa: E731
    seen = follow_pages(as_admin, reverse("pushlist:review"), after_first=earlier)
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == set(PushMatch.objects.filter(person__batch=batch).values_list("pk", flat=True))
