"""Services to the door: requests of a case, assignment, the deliverer's list, contactless delivery.

A volunteer sees only the deliveries assigned to them: the address, what to bring, a masked name, never
an ID number or a phone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.observation import access, deliveries
from alleykeeper.observation.deliveries import DeliveryError
from alleykeeper.observation.forms import AssignForm, DeliverForm, ReasonForm, RequestForm
from alleykeeper.observation.models import RequestStatus, ServiceRequest

RELATED = ("case__household__building__alley", "case__household__unit", "assignee")


def mask_name(name: str) -> str:
    """王翠琳 → 王*琳, 吴晶 → 吴*: enough for the door, not a full name on a volunteer's phone."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _can_follow(user) -> bool:
    return user.can(Capability.FOLLOW_UP)


@login_required
def my_deliveries(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.DELIVER)
    mine = ServiceRequest.objects.filter(assignee=request.user).select_related(*RELATED)
    to_deliver = ServiceRequest.objects.to_deliver_by(request.user).select_related(*RELATED)
    open_rows = list(to_deliver.order_by("due_by", "id")[:200])
    done_rows = list(
        mine.filter(status__in=[RequestStatus.DELIVERED, RequestStatus.CONFIRMED]).order_by("-delivered_at", "-id")[:20]
    )
    for row in open_rows + done_rows:
        row.shown_name = mask_name(row.case.name)
    context = {"open_rows": open_rows, "done_rows": done_rows, "now": timezone.now()}
    return render(request, "observation/deliveries.html", context)


@login_required
def request_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for(request.user, pk)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not case.is_open:
            form.add_error(None, "观察已结束，不能再新增配送。")
        else:
            created = deliveries.create_request(
                request.user, case, form.cleaned_data["kind"], form.cleaned_data["detail"]
            )
            messages.success(request, f"已新增配送需求：{created.get_kind_display()}。请派单。")
            return redirect("observation:request", created.pk)
    return render(request, "observation/request_new.html", {"case": case, "form": form})


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = access.request_for(request.user, pk)
    can_follow = _can_follow(request.user)
    can_deliver = service.status in (RequestStatus.REQUESTED, RequestStatus.ASSIGNED) and (
        service.assignee_id == request.user.pk or can_follow
    )
    context = {
        "service": service,
        "shown_name": service.case.name if can_follow else mask_name(service.case.name),
        "can_follow": can_follow,
        "can_deliver": can_deliver and request.user.can(Capability.DELIVER),
        "deliver_form": DeliverForm(),
        "assign_form": AssignForm(deliverers=access.deliverers_for(service.case)) if can_follow else None,
        "cancel_form": ReasonForm() if can_follow else None,
        "now": timezone.now(),
    }
    return render(request, "observation/request.html", context)


@login_required
@require_POST
def request_assign(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.FOLLOW_UP)
    service = access.request_for(request.user, pk)
    form = AssignForm(request.POST, deliverers=access.deliverers_for(service.case))
    if not form.is_valid():
        messages.error(request, "请从列表中选择配送人。")
        return redirect("observation:request", service.pk)
    try:
        deliveries.assign_request(request.user, service, form.cleaned_data["assignee"])
    except DeliveryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已派给 {form.cleaned_data['assignee']}。")
    return redirect("observation:request", service.pk)


@login_required
def request_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.DELIVER)
    service = access.request_for(request.user, pk)
    if service.assignee_id != request.user.pk and not _can_follow(request.user):
        return redirect("observation:request", service.pk)
    form = DeliverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deliveries.deliver_request(request.user, service, form.left_at(), form.when())
        except DeliveryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已登记送达（{form.left_at()}）。家属将在下次随访时确认。")
            return redirect("observation:deliveries")
    context = {"service": service, "form": form, "shown_name": mask_name(service.case.name)}
    return render(request, "observation/deliver.html", context)


@login_required
@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.FOLLOW_UP)
    service = access.request_for(request.user, pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise DeliveryError("请填写取消原因。")
        deliveries.cancel_request(request.user, service, form.cleaned_data["reason"])
    except DeliveryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已取消这单配送。")
    return redirect("observation:request", service.pk)
