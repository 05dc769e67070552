"""The disinfection pages: today's tasks in walking order (the cleaner's phone page; the admin sees all of
their communities'), a task and its done form, a place's history, and the admin's plans."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.uploads import UploadError, attachment_response
from alleykeeper.registry.models import Community
from alleykeeper.reopening.models import InspectionResult, PreventionGate
from alleykeeper.sanitation import access, actions
from alleykeeper.sanitation.forms import PlanForm
from alleykeeper.sanitation.models import OVERDUE_DAYS, DisinfectionTask, Plan
from alleykeeper.sanitation.tasks import amount_used_text, done_form_for, task_rows
from alleykeeper.supplies.actions import SupplyError

HISTORY_DAYS = 60
HISTORY_ROWS = 200
TASK_RELATED = ("place__building__alley", "place__gate", "place__alley", "cleaner", "done_by", "stock_move__item")


@login_required
def today(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    day = timezone.localdate(now)
    visible = access.tasks_visible_to(request.user)
    only_overdue = request.GET.get("overdue") == "1"
    tasks = visible.overdue_recent(now) if only_overdue else visible.on_day(day)
    rows = task_rows(list(tasks.select_related(*TASK_RELATED).walking_order()), now)
    # Each count opens its own list: 待完成 (?show=open), 已完成 (?show=done), 逾期 (?overdue=1).
    show = request.GET.get("show") if not only_overdue and request.GET.get("show") in ("open", "done") else ""
    if show:
        rows = [row for row in rows if row["state"] == show]
    context = {
        "rows": rows,
        "day": day,
        "now": now,
        "only_overdue": only_overdue,
        "show": show,
        "counts": visible.tally(now),
        "overdue_days": OVERDUE_DAYS,
        "can_manage": request.user.can(Capability.MANAGE_SANITATION),
    }
    return render(request, "sanitation/today.html", context)


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = access.task_for(request.user, pk)
    now = timezone.now()
    form = done_form_for(task, now, request.POST or None, request.FILES or None)
    if request.method == "POST" and task.done_at is None and form.is_valid():
        data = form.cleaned_data
        done = actions.Done(
            agent_used=data["agent_used"],
            amount=data["amount"],
            item=data["item"],
            photo=data["photo"],
            note=data["note"],
            done_at=data["done_at"],
        )
        try:
            actions.complete_task(request.user, task, done)
        except (SupplyError, actions.SanitationError, UploadError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已登记完成：{task.place}。")
            return redirect("sanitation:today")
    context = {"task": task, "form": form, "state": task.state_label(now), "now": now, "amount": amount_used_text(task)}
    return render(request, "sanitation/task.html", context)


@login_required
def task_photo(request: HttpRequest, pk: int) -> FileResponse:
    task = access.task_for(request.user, pk)
    if not task.photo_name:
        raise Http404
    return attachment_response(actions.PHOTO_FOLDER, task.photo_name, task.photo_kind, f"消杀照片-{task.pk}")


@login_required
def places(request: HttpRequest) -> HttpResponse:
    queryset = access.places_visible_to(request.user).select_related("building__alley", "gate", "alley", "community")
    return render(
        request, "sanitation/places.html", {"places": list(queryset.order_by(*queryset.model._meta.ordering))}
    )


def enterprise_disinfection(place) -> list[InspectionResult]:
    """The disinfection gate (消杀关) of the reopening inspections of enterprises in the place's building."""
    if not place.building_id:
        return []
    return list(
        InspectionResult.objects.filter(
            gate=PreventionGate.DISINFECTION, inspection__enterprise__building_id=place.building_id
        )
        .select_related("inspection__enterprise")
        .order_by("-inspection__inspected_on", "-id")[:20]
    )


@login_required
def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = access.place_for(request.user, pk)
    now = timezone.now()
    since = timezone.localdate(now) - timedelta(days=HISTORY_DAYS)
    tasks = (
        access.tasks_visible_to(request.user)
        .filter(place=place, day__gte=since)
        .select_related(*TASK_RELATED)
        .order_by("-due_at", "-id")[:HISTORY_ROWS]
    )
    context = {
        "place": place,
        "rows": task_rows(list(tasks), now),
        "history_days": HISTORY_DAYS,
        "enterprise_checks": enterprise_disinfection(place),
        "plans": list(Plan.objects.filter(place=place, active=True).select_related("cleaner")),
    }
    return render(request, "sanitation/place.html", context)


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.MANAGE_SANITATION)
    queryset = (
        Plan.objects.visible_to(request.user)
        .select_related("place__building__alley", "place__gate", "place__alley", "cleaner", "community")
        .order_by("community_id", "-active", "place__sequence", "id")
    )
    return render(request, "sanitation/plans.html", {"plans": list(queryset), "today": timezone.localdate()})


def _community(request: HttpRequest) -> Community:
    communities = Community.objects.visible_to(request.user).order_by("name")
    wanted = request.GET.get("community")
    if wanted:
        try:
            community = communities.filter(pk=int(wanted)).first()
        except ValueError:
            community = None
    else:
        community = communities.first()
    if community is None:
        raise Http404
    return community


def _initial(plan: Plan) -> dict:
    place = plan.place
    return {
        "place_kind": place.kind,
        "building": place.building_id,
        "gate": place.gate_id,
        "alley": place.alley_id,
        "description": place.description,
        "sequence": place.sequence,
        "surfaces": plan.surfaces,
        "agent": plan.agent,
        "dilution": plan.dilution,
        "supply_item": plan.supply_item_id,
        "amount": plan.amount,
        "frequency": plan.frequency,
        "times": " ".join(plan.times),
        "every_n_days": plan.every_n_days,
        "weekdays": plan.weekdays,
        "starts_on": plan.starts_on,
        "cleaner": plan.cleaner_id,
        "active": plan.active,
    }


@login_required
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, Capability.MANAGE_SANITATION)
    plan = access.plan_for(request.user, pk) if pk else None
    community = plan.community if plan else _community(request)
    initial = _initial(plan) if plan else {"starts_on": timezone.localdate(), "active": True, "sequence": 100}
    form = PlanForm(request.POST or None, community=community, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = actions.save_plan(request.user, community, plan, form.cleaned_data)
        messages.success(request, f"已保存消杀计划：{saved.place}。")
        return redirect("sanitation:plans")
    context = {"form": form, "plan": plan, "community": community}
    return render(request, "sanitation/plan_form.html", context)


__all__ = ["DisinfectionTask"]
