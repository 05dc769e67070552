"""Services to the door: need → request → assigned → delivered (contactless) → confirmed in the next call."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alleykeeper.audit.models import AuditEvent
from alleykeeper.observation.deliveries import DeliveryError, create_request, deliver_request
from alleykeeper.observation.models import RequestStatus, ServiceRequest

pytestmark = pytest.mark.django_db


def test_full_lifecycle_through_the_pages(world, as_worker_a, personas, case_a):
    # A need said in a call becomes a request.
    call = reverse("observation:call", args=[case_a.pk])
    response = as_worker_a.post(
        call, {"reached": "1", "temperature": "36.5", "needs": ["groceries"], "needs_note": "青菜两斤"}
    )
    assert response.status_code == 302
    service = ServiceRequest.objects.get()
    assert (service.kind, service.status, service.detail) == ("groceries", RequestStatus.REQUESTED, "青菜两斤")
    # The same need in the next call does not open a second request while this one is open.
    again = {"reached": "1", "temperature": "36.5", "needs": ["groceries"], "needs_note": "再买两斤青菜"}
    assert as_worker_a.post(call, again).status_code == 302
    assert ServiceRequest.objects.count() == 1
    # Assigned to the volunteer.
    url = reverse("observation:request_assign", args=[service.pk])
    assert as_worker_a.post(url, {"assignee": world.volunteer.pk}).status_code == 302
    service.refresh_from_db()
    assert service.status == RequestStatus.ASSIGNED and service.assignee == world.volunteer
    # The volunteer sees it: address, masked name, no phone, no ID.
    volunteer = personas["volunteer"]
    page = volunteer.get(reverse("observation:deliveries")).content.decode()
    assert "第一网格巷3号楼302" in page and "王*琳" in page and "王翠琳" not in page
    assert case_a.phone_masked not in page and case_a.resident.doc_number_masked not in page
    detail = volunteer.get(reverse("observation:request", args=[service.pk])).content.decode()
    assert "王*琳" in detail and "王翠琳" not in detail and "13859901234" not in detail
    # Delivered without contact: where and when.
    deliver = reverse("observation:request_deliver", args=[service.pk])
    response = volunteer.post(deliver, {"place": "other", "other_place": ""})
    assert response.status_code == 200 and "请写明放在哪里" in response.content.decode()
    assert volunteer.post(deliver, {"place": "挂在门把手上"}).status_code == 302
    service.refresh_from_db()
    assert service.status == RequestStatus.DELIVERED and service.left_at == "挂在门把手上"
    assert service.delivered_by == world.volunteer and service.delivered_at is not None
    # Confirmed by the family in the next call.
    page = as_worker_a.get(call).content.decode()
    assert "挂在门把手上" in page and f"confirm_{service.pk}" in page
    response = as_worker_a.post(call, {"reached": "1", "temperature": "36.4", f"confirm_{service.pk}": "yes"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.status == RequestStatus.CONFIRMED and service.confirmed_in is not None
    actions = set(AuditEvent.objects.filter(object_type="observation.servicerequest").values_list("action", flat=True))
    assert actions == {
        "observation.request",
        "observation.request_assign",
        "observation.request_deliver",
        "observation.request_confirm",
    }


def test_not_received_goes_back_to_the_deliverer(world, as_worker_a, case_a):
    service = create_request(world.worker_a, case_a, "medicine", "布洛芬")
    deliver_request(world.worker_a, service, "放在门口")
    call = reverse("observation:call", args=[case_a.pk])
    as_worker_a.post(call, {"reached": "1", "temperature": "36.4", f"confirm_{service.pk}": "no"})
    service.refresh_from_db()
    assert service.status == RequestStatus.ASSIGNED and service.delivered_at is None
    assert AuditEvent.objects.filter(action="observation.request_not_received", object_id=service.pk).exists()


def test_delivery_bad_inputs(world, case_a):
    service = create_request(world.worker_a, case_a, "masks")
    with pytest.raises(DeliveryError):
        deliver_request(world.worker_a, service, "  ")
    with pytest.raises(DeliveryError):
        deliver_request(world.worker_a, service, "门口", timezone.now() + timedelta(hours=2))
    with pytest.raises(DeliveryError):
        deliver_request(world.worker_a, service, "门口", service.requested_at - timedelta(hours=1))
    with pytest.raises(DeliveryError):
        create_request(world.worker_a, case_a, "cigarettes")
    deliver_request(world.worker_a, service, "门口")
    with pytest.raises(DeliveryError):
        deliver_request(world.worker_a, service, "门口")


def test_volunteer_sees_only_their_own_deliveries(world, personas, case_a, case_b):
    mine = create_request(world.admin, case_a, "groceries")
    other = create_request(world.admin, case_b, "gloves")
    ServiceRequest.objects.filter(pk=mine.pk).update(assignee=world.volunteer, status=RequestStatus.ASSIGNED)
    volunteer = personas["volunteer"]
    assert volunteer.get(reverse("observation:request", args=[mine.pk])).status_code == 200
    assert volunteer.get(reverse("observation:request", args=[other.pk])).status_code == 404
    assert (
        volunteer.post(reverse("observation:request_deliver", args=[other.pk]), {"place": "放在门口"}).status_code
        == 404
    )
    assert volunteer.get(reverse("observation:case", args=[case_a.pk])).status_code == 403
    assert (
        volunteer.post(
            reverse("observation:request_assign", args=[mine.pk]), {"assignee": world.volunteer.pk}
        ).status_code
        == 403
    )


def test_worker_of_another_grid_cannot_touch_a_request(world, as_worker_b, case_a):
    service = create_request(world.admin, case_a, "groceries")
    assert as_worker_b.get(reverse("observation:request", args=[service.pk])).status_code == 404
    assert (
        as_worker_b.post(
            reverse("observation:request_assign", args=[service.pk]), {"assignee": world.worker_b.pk}
        ).status_code
        == 404
    )


def test_cannot_assign_outside_the_case_community(world, as_worker_a, case_a):
    service = create_request(world.worker_a, case_a, "groceries")
    response = as_worker_a.post(
        reverse("observation:request_assign", args=[service.pk]), {"assignee": world.worker_b.pk}
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.assignee is None and service.status == RequestStatus.REQUESTED


def test_overdue_request_surfaces_in_today(world, as_worker_a, case_a):
    service = create_request(world.worker_a, case_a, "groceries")
    ServiceRequest.objects.filter(pk=service.pk).update(due_by=timezone.now() - timedelta(hours=1))
    page = as_worker_a.get(reverse("observation:today")).content.decode()
    assert "1 超时" in page and "买菜" in page


def test_cancel_needs_a_reason(world, as_worker_a, case_a):
    service = create_request(world.worker_a, case_a, "other", "充电器")
    url = reverse("observation:request_cancel", args=[service.pk])
    as_worker_a.post(url, {"reason": ""})
    assert ServiceRequest.objects.get(pk=service.pk).status == RequestStatus.REQUESTED
    as_worker_a.post(url, {"reason": "家属自行解决"})
    assert ServiceRequest.objects.get(pk=service.pk).status == RequestStatus.CANCELLED


def test_delivery_list_runs_a_fixed_number_of_queries(world, personas, case_a, case_b):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    volunteer = personas["volunteer"]
    url = reverse("observation:deliveries")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert volunteer.get(url).status_code == 200
        return len(captured)

    first = create_request(world.admin, case_a, "groceries")
    ServiceRequest.objects.filter(pk=first.pk).update(assignee=world.volunteer, status=RequestStatus.ASSIGNED)
    few = queries()
    for case, kind in ((case_a, "masks"), (case_b, "gloves"), (case_b, "medicine")):
        more = create_request(world.admin, case, kind)
        ServiceRequest.objects.filter(pk=more.pk).update(assignee=world.volunteer, status=RequestStatus.ASSIGNED)
    deliver_request(world.volunteer, ServiceRequest.objects.get(kind="masks"), "放在门口")
    assert queries() == few


def test_a_place_written_out_is_the_place_recorded():
    """A volunteer who types 交给楼下邻居 and leaves the first choice as it was means what they typed (it was
    recorded as 挂在门把手上, and the family told the wrong place)."""
    from alleykeeper.observation.forms import DeliverForm

    form = DeliverForm({"place": "挂在门把手上", "other_place": "  交给楼下邻居陈阿姨 "})
    assert form.is_valid() and form.left_at() == "交给楼下邻居陈阿姨"
    form = DeliverForm({"place": "挂在门把手上", "other_place": ""})
    assert form.is_valid() and form.left_at() == "挂在门把手上"


def test_a_need_says_what_to_buy(world, case_a, as_worker_a):
    """买菜 ticked with nothing said made a delivery whose volunteer did not know what to buy."""
    from alleykeeper.observation.models import FollowUp

    call = reverse("observation:call", args=[case_a.pk])
    refused = as_worker_a.post(call, {"reached": "1", "temperature": "36.5", "needs": ["groceries"]})
    assert refused.status_code == 200 and "请写明要买什么" in refused.content.decode()
    assert not ServiceRequest.objects.exists() and not FollowUp.objects.exists()
    assert as_worker_a.post(call, {"reached": "1", "temperature": "36.5", "needs": ["masks"]}).status_code == 302
    new = reverse("observation:request_new", args=[case_a.pk])
    refused = as_worker_a.post(new, {"detail": ""})  # nothing chosen (a browser sends its token too)
    assert "请选择要配送的物品" in refused.content.decode()
    assert "请写明要买什么" in as_worker_a.post(new, {"kind": "medicine"}).content.decode()


def test_an_implausible_reading_on_a_call_is_measured_again(world, case_a, as_worker_a):
    """45 ℃ on a call became the latest temperature and a fever alert: the worker on the phone is asked to have it
    measured again, with the gate's range (core.temperature); a person's own report is still kept and flagged."""
    from alleykeeper.observation.models import FollowUp

    call = reverse("observation:call", args=[case_a.pk])
    for reading in ("45", "33.5", "43.1"):
        refused = as_worker_a.post(call, {"reached": "1", "temperature": reading})
        assert refused.status_code == 200 and "34.0–43.0 ℃ 的合理范围内，请让对方复测" in refused.content.decode()
    assert not FollowUp.objects.exists()
    assert as_worker_a.post(call, {"reached": "1", "temperature": "43.0"}).status_code == 302
