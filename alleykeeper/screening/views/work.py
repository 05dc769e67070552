"""The grid worker's pages on a phone: the work list, the one-tap call, and recording an attempt."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Prefetch, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.net import client_ip
from alleykeeper.core.paging import int_or_none, page_after
from alleykeeper.places.forms import picker_context, provinces
from alleykeeper.registry.models import Grid, Resident
from alleykeeper.screening import access, actions
from alleykeeper.screening.answers import AttemptForm, PersonSlot
from alleykeeper.screening.models import (
    Answer,
    Attempt,
    Campaign,
    CampaignHousehold,
    HouseholdStatus,
    Question,
    QuestionKind,
    QuestionRole,
)

PAGE_SIZE = 30
LAST_RANK = 2_147_483_647  # a grid without a sort number comes after those with one
# Which states each tab of the work list shows; "todo" is what is still to reach.
TABS = {
    "todo": ("待完成", (HouseholdStatus.PENDING, HouseholdStatus.REVISIT)),
    "pending": ("未联系", (HouseholdStatus.PENDING,)),
    "revisit": ("待回访", (HouseholdStatus.REVISIT,)),
    "covered": ("已完成", (HouseholdStatus.COVERED,)),
}


def _people() -> Prefetch:
    return Prefetch(
        "household__residents",
        queryset=Resident.objects.only("id", "name", "household_id", "phone_masked").order_by("id"),
    )


@login_required
def work_list(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_any(request.user, Capability.SCREEN)
    campaign = access.campaign_for(request.user, pk)
    tab = request.GET.get("show", "todo")
    tab = tab if tab in TABS else "todo"
    grids = list(Grid.objects.visible_to(request.user).filter(campaigns=campaign))
    states = (
        CampaignHousehold.objects.visible_to(request.user)
        .filter(campaign=campaign, status__in=TABS[tab][1])
        .select_related("household__building__alley", "household__unit", "grid")
        .prefetch_related(_people())
    )
    grid_id = int_or_none(request.GET.get("grid"))
    if grid_id:
        states = states.filter(grid_id=grid_id)
    # Grids in the community's order (Grid.Meta.ordering: sort number, unnumbered last, then name), as keys.
    states = states.annotate(grid_rank=Coalesce("grid__sort_number", Value(LAST_RANK)), grid_key=F("grid__name_key"))
    order = ("grid_rank", "grid_key", "grid_id", "sort_key", "pk")
    page = page_after(states, request.GET.get("after"), PAGE_SIZE, order=order, tag="work")
    context = {
        "campaign": campaign,
        "page": page,
        "tab": tab,
        "tabs": [(key, label) for key, (label, _) in TABS.items()],
        "grids": grids,
        "selected_grid": grid_id,
        "query": f"show={tab}&" + (f"grid={grid_id}&" if grid_id else ""),
        "can_call": request.user.can(Capability.REVEAL_IDENTITY),
        "open": campaign.is_open_on(timezone.localdate()),
    }
    return render(request, "screening/work_list.html", context)


@login_required
@require_POST
def call(request: HttpRequest, pk: int, household_id: int, resident_id: int) -> HttpResponse:
    """One tap: audited reveal (purpose: screening), answered with a tel: link. The full number is never
    in the list page; it leaves the server only here, and each time is recorded."""
    access.require_any(request.user, Capability.SCREEN)
    access.require_any(request.user, Capability.REVEAL_IDENTITY)
    campaign = access.campaign_for(request.user, pk)
    state = access.campaign_household_for(request.user, campaign, household_id)
    resident = access.resident_of(request.user, state, resident_id)
    if not resident.phone_enc:
        raise Http404("此人没有登记电话")
    number = actions.reveal_phone_for_call(request.user, resident, client_ip(request))
    context = {"resident": resident, "number": number, "campaign": campaign, "state": state}
    template = "screening/_call.html" if request.htmx else "screening/call.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


def _slot_items(slot: PersonSlot, questions: list[Question], province_list: list) -> dict:
    """What the template needs for one person: the three questions, the arrival block, custom questions."""
    items = []
    for question in questions:
        name = slot.field_name(question)
        posted = slot.posted.get(question.pk, "")
        item = {"q": question, "name": name, "value": posted}
        if question.kind == QuestionKind.DIVISION:
            # The shared province → city → county picker (places), with its htmx cascade.
            item["picker"] = picker_context(name, posted, 3, {"id": f"id_{name}"}, province_list=province_list)
        items.append(item)
    three = [i for i in items if i["q"].role in (QuestionRole.ARRIVED, QuestionRole.TRAVEL, QuestionRole.CONTACT)]
    arrival_roles = (QuestionRole.ARRIVAL_DATE, QuestionRole.ORIGIN, QuestionRole.TRANSPORT)
    arrival = [i for i in items if i["q"].role in arrival_roles]
    custom = [i for i in items if i not in three and i not in arrival]
    filled = any(i["value"] for i in arrival)
    return {"slot": slot, "three": three, "arrival": arrival, "custom": custom, "arrival_open": filled}


@login_required
def attempt(request: HttpRequest, pk: int, household_id: int) -> HttpResponse:
    access.require_any(request.user, Capability.SCREEN)
    campaign: Campaign = access.campaign_for(request.user, pk)
    state = access.campaign_household_for(request.user, campaign, household_id)
    household = state.household
    residents = list(household.residents.order_by("id"))
    questions = list(campaign.questions.filter(active=True).order_by("order", "id"))
    form = AttemptForm(request.POST or None, residents=residents, questions=questions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = actions.record_attempt(
                request.user,
                campaign,
                household,
                channel=data["channel"],
                outcome=data["outcome"],
                note=data["note"],
                people=form.people(),
                questions=form.questions_by_id,
                divisions=form.divisions,
                client_token=data["token"],
            )
        except actions.CampaignClosed:
            form.add_error(None, "这次活动不在进行中（已结束或尚未开始），不能再记录。请联系社区管理员。")
        else:
            _report(request, result, household.address)
            return redirect(reverse("screening:work", args=[campaign.pk]) + f"#h{household.pk}")
    accounted = set(
        Answer.objects.filter(attempt__campaign=campaign, attempt__household=household).values_list(
            "resident_id", flat=True
        )
    )
    history = Attempt.objects.filter(campaign=campaign, household=household).select_related("worker")[:20]
    has_picker = any(q.kind == QuestionKind.DIVISION for q in questions)
    province_list = provinces() if has_picker else []  # once for the page, not once per person
    context = {
        "campaign": campaign,
        "state": state,
        "household": household,
        "form": form,
        "blocks": [_slot_items(slot, questions, province_list) for slot in form.slots],
        "new_blocks": [_slot_items(slot, questions, province_list) for slot in form.new_slots],
        "new_open": any(slot.name or slot.errors for slot in form.new_slots),
        "accounted": accounted,
        "history": history,
        "can_call": request.user.can(Capability.REVEAL_IDENTITY),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "screening/attempt.html", context, status=status)


def _report(request: HttpRequest, result: actions.AttemptResult, address: str) -> None:
    if result.repeated:
        messages.info(request, f"{address} 的这次记录已经保存过了，没有重复保存。")
        return
    state = result.state
    messages.success(
        request,
        f"已保存 {address}：{result.attempt.get_outcome_display()}，"
        f"{state.get_status_display()}（已问 {state.accounted_count}/{state.resident_count} 人）。",
    )
    for resident in result.added_residents:
        messages.info(request, f"已把 {resident.name} 加入本户台账（暂住），请核实后补全证件信息。")
    for person in result.key_persons:
        messages.warning(request, f"发现重点人员：{person.name}，已列入重点人员名单，待安排居家观察。")
