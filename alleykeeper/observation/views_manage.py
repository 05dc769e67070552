"""Changing a case: extend, transfer, release, escalate a fever, reassign, notes, the personal link,
the phone to call, and the printable notices (居家医学观察告知书)."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.audit.actions import record_event
from alleykeeper.audit.models import Purpose
from alleykeeper.core.net import client_ip
from alleykeeper.core.paging import int_or_none
from alleykeeper.observation import access, actions, schedule
from alleykeeper.observation.actions import CaseError
from alleykeeper.observation.followups import fever_threshold
from alleykeeper.observation.forms import (
    ExtendForm,
    NoteForm,
    ReasonForm,
    ReleaseForm,
    RevealPhoneForm,
    TransferForm,
    WorkerForm,
)
from alleykeeper.observation.models import ObservationCase

NOTICE_BATCH_LIMIT = 200


def _change(
    request: HttpRequest, pk: int, form_class: type, title: str, run: Callable, *, danger: bool = False
) -> HttpResponse:
    """One shape for every status change: a small form, the action, back to the case with a message.
    Each of them is for those who manage observation (开案、升级、解除)."""
    case = access.case_for(request.user, pk, Capability.MANAGE_OBSERVATION)
    extra = {"workers": access.workers_for(case.household)} if form_class is WorkerForm else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            message = run(case, form.cleaned_data)
        except CaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, message)
            return redirect("observation:case", case.pk)
    return render(request, "observation/change.html", {"case": case, "form": form, "title": title, "danger": danger})


@login_required
def case_extend(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: ObservationCase, data: dict) -> str:
        actions.extend_case(request.user, case, data["new_end"], data["reason"])
        return f"已延期至 {case.planned_end:%Y-%m-%d}。"

    return _change(request, pk, ExtendForm, "延长观察期", run)


@login_required
def case_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: ObservationCase, data: dict) -> str:
        actions.transfer_case(request.user, case, data["destination"], data["reason"])
        return f"已登记转送{case.get_transfer_destination_display()}，居家观察结束。"

    return _change(request, pk, TransferForm, "转送（定点医院 / 集中隔离）", run, danger=True)


@login_required
def case_release(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: ObservationCase, data: dict) -> str:
        actions.release_case(request.user, case, data["note"])
        return f"已解除 {case.name} 的居家医学观察。之后仍可添加备注。"

    return _change(request, pk, ReleaseForm, "解除居家医学观察", run)


@login_required
def case_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: ObservationCase, data: dict) -> str:
        actions.escalate_fever(request.user, case, data["reason"])
        return "已登记上报。请按流程联系社区卫生服务中心并跟进处置。"

    return _change(request, pk, ReasonForm, "发热上报（升级处置）", run, danger=True)


@login_required
def case_clear_fever(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: ObservationCase, data: dict) -> str:
        actions.clear_fever(request.user, case, data["reason"])
        return "已解除发热提醒，继续居家观察。"

    return _change(request, pk, ReasonForm, "解除发热提醒", run)


@login_required
def case_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: ObservationCase, data: dict) -> str:
        actions.reassign_case(request.user, case, data["worker"])
        return f"已改由 {data['worker']} 负责。"

    return _change(request, pk, WorkerForm, "更换责任网格员", run)


@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.add_note(request.user, case, form.cleaned_data["text"])
        messages.success(request, "已添加备注。")
    else:
        messages.error(request, "备注不能为空，最多 500 字。")
    return redirect("observation:case", case.pk)


@login_required
@require_POST
def case_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a new personal report link and show it once (only its hash is kept)."""
    case = access.case_for(request.user, pk)
    try:
        token = actions.issue_report_link(request.user, case)
    except CaseError as error:
        messages.error(request, str(error))
        return redirect("observation:case", case.pk)
    link = settings.SITE_URL + reverse("observation:self_report", args=[token])
    response = render(request, "observation/link.html", {"case": case, "link": link})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def case_phone(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.REVEAL_IDENTITY)
    case = access.case_for(request.user, pk)
    form = RevealPhoneForm(request.POST)
    if not form.is_valid() or not case.phone_enc:
        return render(request, "observation/_phone.html", {"error": "请选择用途；没有登记电话的无法查看。"}, status=400)
    phone = actions.reveal_case_phone(request.user, case, form.cleaned_data["purpose"], client_ip(request))
    response = render(request, "observation/_phone.html", {"phone": phone})
    response["Cache-Control"] = "no-store"
    return response


def _notice_context(cases: list[ObservationCase]) -> dict:
    times = "、".join(t.strftime("%H:%M") for t in schedule.followup_times())
    return {
        "cases": cases,
        "times": times,
        "threshold": fever_threshold(),
        "printed_on": schedule.local_date(timezone.now()),
    }


def _render_notices(request: HttpRequest, cases: list[ObservationCase], scope: str) -> HttpResponse:
    record_event(
        request.user,
        "observation.print_notice",
        cases[0] if len(cases) == 1 else None,
        purpose=Purpose.FOLLOW_UP,
        scope=scope,
        row_count=len(cases),
    )
    response = render(request, "observation/notice.html", _notice_context(cases))
    response["Cache-Control"] = "no-store"
    return response


NOTICE_RELATED = ("household__building__alley", "household__unit", "community", "assigned_worker")


@login_required
def case_notice(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for(request.user, pk)
    return _render_notices(request, [case], f"告知书：{case.pk}")


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    """A batch: `?ids=1,2,3` or `?pick=1&pick=2` (cases) or `?household=7` (every open case of a household). Any id out of
    scope is a 404, as for a single case."""
    access.require(request.user, Capability.FOLLOW_UP)
    visible = ObservationCase.objects.visible_to(request.user).select_related(*NOTICE_RELATED)
    if household_id := int_or_none(request.GET.get("household")):
        household = access.household_for(request.user, household_id)
        cases = list(visible.open().filter(household=household).order_by("id"))
        scope = f"告知书：住户 {household.pk}"
    else:
        parts = request.GET.getlist("pick") + request.GET.get("ids", "").split(",")
        raw = [int_or_none(part) for part in parts if part.strip()]
        if not raw or len(raw) > NOTICE_BATCH_LIMIT:
            # The list's button pressed with nothing ticked (or too much): back to the list, saying what to do.
            messages.warning(request, f"请先勾选要打印告知书的观察对象（一次最多 {NOTICE_BATCH_LIMIT} 份）。")
            return redirect("observation:cases")
        if None in raw:
            raise Http404
        ids = list(dict.fromkeys(raw))
        cases = list(visible.filter(pk__in=ids).order_by("household_id", "id"))
        if len(cases) != len(ids):
            raise Http404
        scope = f"告知书：{len(cases)} 份"
    if not cases:
        raise Http404
    return _render_notices(request, cases, scope)
