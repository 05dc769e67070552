"""Roster pages: plan a gate's week (fill gaps, copy last week, put people on shifts), print it."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.gates import access, roster, rules
from alleykeeper.gates.forms import AddMemberForm, ShiftForm, monday_of, week_days
from alleykeeper.gates.models import Gate, Shift, ShiftMember


def _members() -> Prefetch:
    return Prefetch("members", queryset=ShiftMember.objects.select_related("user").order_by("-is_leader", "id"))


def _week_url(gate_id: int, day: date) -> str:
    return reverse("gates:roster", args=[gate_id]) + f"?week={rules.week_start(day).isoformat()}"


def _week_context(gate: Gate, monday: date) -> dict:
    start = timezone.make_aware(datetime.combine(monday, datetime.min.time()))
    shifts = list(
        Shift.objects.filter(gate=gate, starts_at__gte=start, starts_at__lt=start + timedelta(days=7))
        .prefetch_related(_members())
        .order_by("starts_at")
    )
    by_day: dict[date, list[Shift]] = {day: [] for day in week_days(monday)}
    for shift in shifts:
        by_day.setdefault(timezone.localdate(shift.starts_at), []).append(shift)
    staff = list(rules.eligible_staff(gate.enclosure.community_id))
    return {
        "gate": gate,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "days": [(day, rules.WEEKDAYS[day.weekday()], by_day[day]) for day in week_days(monday)],
        "staff": staff,
        "understaffed": sum(1 for s in shifts if s.below_strength),
        "shift_count": len(shifts),
        "previous_week": (monday - timedelta(days=7)).isoformat(),
        "next_week": (monday + timedelta(days=7)).isoformat(),
        "min_rest_hours": rules.min_rest().total_seconds() // 3600,
    }


@login_required
def week(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    monday = monday_of(request.GET.get("week"))
    context = _week_context(gate, monday)
    context["shift_form"] = ShiftForm(initial={"day": monday})
    return render(request, "gates/roster_week.html", context)


@login_required
def print_week(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    context = _week_context(gate, monday_of(request.GET.get("week")))
    context["printed_at"] = timezone.now()
    context["fever_threshold"] = settings.FEVER_THRESHOLD
    return render(request, "gates/roster_print.html", context)


@login_required
@require_POST
def fill(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    monday = monday_of(request.POST.get("week"))
    try:
        created = roster.fill_week(request.user, gate, monday)
    except ValueError as error:  # the gate's pattern no longer parses
        messages.error(request, f"班次模板有误：{error} 请在卡口设置里修改。")
        return redirect(_week_url(gate.pk, monday))
    if created:
        messages.success(request, f"已按模板补齐 {len(created)} 个班次。")
    else:
        messages.info(request, "本周班次已齐全，没有新增。")
    return redirect(_week_url(gate.pk, monday))


@login_required
@require_POST
def copy_last_week(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    monday = monday_of(request.POST.get("week"))
    result = roster.copy_previous_week(request.user, gate, monday)
    if result.shifts or result.members:
        messages.success(request, f"已复制上周排班：{result.shifts} 个班次，{result.members} 人次。")
    else:
        messages.info(request, "上周没有可复制的排班，或本周已全部排好。")
    for reason in result.skipped[:20]:
        messages.warning(request, f"未复制：{reason}")
    if len(result.skipped) > 20:
        messages.warning(request, f"另有 {len(result.skipped) - 20} 条未复制，请逐个检查。")
    return redirect(_week_url(gate.pk, monday))


@login_required
@require_POST
def add_shift(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    form = ShiftForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            shift = roster.create_shift(request.user, gate, data["starts_at"], data["ends_at"], data["min_strength"])
        except roster.RosterError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已添加班次 {rules.local_label(shift.starts_at, shift.ends_at)}。")
            return redirect(_week_url(gate.pk, data["day"]))
    monday = rules.week_start(form.cleaned_data.get("day") or timezone.localdate())
    context = _week_context(gate, monday)
    context["shift_form"] = form
    return render(request, "gates/roster_week.html", context, status=400)


def _shift_response(request: HttpRequest, shift_id: int, error: str = "", done: str = "") -> HttpResponse:
    """htmx: the shift's card, re-rendered in place; without JS: back to the week with a message."""
    shift = Shift.objects.select_related("gate__enclosure").prefetch_related(_members()).get(pk=shift_id)
    if request.htmx:
        staff = list(rules.eligible_staff(shift.gate.enclosure.community_id))
        context = {"shift": shift, "staff": staff, "error": error, "done": done}
        return render(request, "gates/_shift.html", context)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect(_week_url(shift.gate_id, timezone.localdate(shift.starts_at)))


@login_required
@require_POST
def add_member(request: HttpRequest, pk: int) -> HttpResponse:
    shift = access.shift_for(request.user, pk)
    form = AddMemberForm(request.POST, staff=rules.eligible_staff(shift.gate.enclosure.community_id))
    if not form.is_valid():
        return _shift_response(request, shift.pk, error=" ".join(e for errs in form.errors.values() for e in errs))
    person = form.cleaned_data["user"]
    try:
        roster.add_shift_member(request.user, shift, person, leader=form.cleaned_data["leader"])
    except roster.RosterError as error:
        return _shift_response(request, shift.pk, error=str(error))
    return _shift_response(request, shift.pk, done=f"已排 {person}。")


@login_required
@require_POST
def remove_member(request: HttpRequest, pk: int) -> HttpResponse:
    member = access.shift_member_for(request.user, pk)
    try:
        roster.remove_shift_member(request.user, member)
    except roster.RosterError as error:
        return _shift_response(request, member.shift_id, error=str(error))
    return _shift_response(request, member.shift_id, done=f"已撤下 {member.user}。")


@login_required
@require_POST
def make_leader(request: HttpRequest, pk: int) -> HttpResponse:
    member = access.shift_member_for(request.user, pk)
    roster.set_shift_leader(request.user, member)
    return _shift_response(request, member.shift_id, done=f"{member.user} 为带班负责人。")


@login_required
@require_POST
def delete_shift(request: HttpRequest, pk: int) -> HttpResponse:
    shift = access.shift_for(request.user, pk)
    try:
        roster.delete_shift(request.user, shift)
    except roster.RosterError as error:
        return _shift_response(request, shift.pk, error=str(error))
    if request.htmx:
        return HttpResponse("")
    messages.success(request, "已删除班次。")
    return redirect(_week_url(shift.gate_id, timezone.localdate(shift.starts_at)))


@login_required
def edit_shift(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a shift or change its strength, its group kept (the rules are checked for every member)."""
    shift = access.shift_for(request.user, pk)
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    initial = {"day": start.date(), "start": start.time(), "end": end.time(), "min_strength": shift.min_strength}
    form = ShiftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            roster.update_shift(request.user, shift, data["starts_at"], data["ends_at"], data["min_strength"])
        except roster.RosterError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"班次已改为 {rules.local_label(data['starts_at'], data['ends_at'])}。")
            return redirect(_week_url(shift.gate_id, data["day"]))
    context = {"shift": shift, "gate": shift.gate, "form": form, "members": shift.members.select_related("user")}
    return render(request, "gates/shift_edit.html", context, status=400 if form.errors else 200)
