"""Enclosure and gate pages for the community admin (MANAGE_GATES), and the duty home page ("值守")."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.paging import int_or_none
from alleykeeper.gates import access, actions
from alleykeeper.gates.forms import EnclosureBuildingsForm, EnclosureForm, GateForm, RotateTokenForm
from alleykeeper.gates.models import Enclosure, Gate, ShiftMember
from alleykeeper.registry.models import Building, Community, Household

UPCOMING_DAYS = 14


def _communities(user) -> QuerySet[Community]:
    return Community.objects.visible_to(user).order_by("name")


def visitors_url(name: str, gate: Gate) -> str:
    """A page of the visitors app for this gate ("live" list, "poster"), if that app is wired in."""
    try:
        return reverse(f"visitors:{name}", args=[gate.pk])
    except NoReverseMatch:
        return ""


def visitors_live_url(gate: Gate) -> str:
    return visitors_url("live", gate)


@login_required
def enclosures(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.MANAGE_GATES)
    gates = Gate.objects.order_by("name")
    visible = Enclosure.objects.visible_to(request.user)
    # ?unstaffed=1: only the gates with nobody on duty now (the admin's home links here).
    unstaffed = request.GET.get("unstaffed") == "1"
    if unstaffed:
        gates = gates.unstaffed_at(timezone.now())
        visible = visible.filter(gates__in=gates).distinct()
    visible = (
        visible.select_related("community")
        .annotate(household_count=Count("households", distinct=True))
        .prefetch_related(Prefetch("gates", queryset=gates))
        .order_by("community__name", "name")
    )
    communities = _communities(request.user)
    outside = Household.objects.filter(community__in=communities, enclosure__isnull=True).count()
    context = {"enclosures": visible, "outside": outside, "unstaffed": unstaffed}
    return render(request, "gates/enclosures.html", context)


@login_required
def enclosure_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, Capability.MANAGE_GATES)
    enclosure = access.enclosure_for(request.user, pk) if pk else None
    form = EnclosureForm(request.POST or None, instance=enclosure, communities=_communities(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if enclosure is None:
            enclosure = actions.create_enclosure(request.user, data["community"], data)
            messages.success(request, f"已新建片区 {enclosure.name}，请勾选它包含的楼栋。")
            return redirect("gates:enclosure_buildings", enclosure.pk)
        actions.update_enclosure(request.user, enclosure, data)
        messages.success(request, "已保存片区信息。")
        return redirect("gates:enclosure", enclosure.pk)
    return render(request, "gates/enclosure_form.html", {"form": form, "enclosure": enclosure})


@login_required
def enclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enclosure = access.enclosure_for(request.user, pk)
    buildings = (
        Building.objects.filter(enclosure_link__enclosure=enclosure)
        .select_related("alley__grid")
        .annotate(household_count=Count("households", distinct=True))
        .order_by("alley__grid", "alley__name", "name")
    )
    context = {
        "enclosure": enclosure,
        "gates": enclosure.gates.order_by("name"),
        "buildings": buildings,
        "household_count": enclosure.households.count(),
    }
    return render(request, "gates/enclosure.html", context)


@login_required
def enclosure_buildings(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick the buildings of an enclosure; every household in them gets the enclosure."""
    enclosure = access.enclosure_for(request.user, pk)
    buildings = (
        Building.objects.filter(alley__grid__community=enclosure.community)
        .select_related("alley__grid", "enclosure_link__enclosure")
        .annotate(household_count=Count("households", distinct=True))
        .order_by("alley__grid", "alley__name", "name")
    )
    current = [b.pk for b in buildings if getattr(b, "enclosure_link", None) and b.enclosure_link.enclosure_id == pk]
    form = EnclosureBuildingsForm(request.POST or None, buildings=buildings, initial={"buildings": current})
    if request.method == "POST" and form.is_valid():
        change = actions.set_enclosure_buildings(request.user, enclosure, form.cleaned_data["buildings"])
        messages.success(
            request,
            f"已保存：新增 {len(change.added) + len(change.moved)} 栋，移出 {len(change.removed)} 栋，"
            f"{change.households} 户的片区已更新。",
        )
        if change.moved:
            messages.warning(request, "以下楼栋从其他片区移入本片区：" + "、".join(change.moved))
        return redirect("gates:enclosure", enclosure.pk)
    selected = {int(v) for v in (form["buildings"].value() or []) if str(v).isdigit()}
    rows = [(b, b.pk in selected) for b in buildings]
    context = {"enclosure": enclosure, "form": form, "rows": rows}
    return render(request, "gates/enclosure_buildings.html", context)


@login_required
def gate_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, Capability.MANAGE_GATES)
    gate = access.managed_gate_for(request.user, pk) if pk else None
    enclosures_in_scope = Enclosure.objects.visible_to(request.user).select_related("community").order_by("name")
    initial = {}
    if gate is None and int_or_none(request.GET.get("enclosure")):
        initial["enclosure"] = access.enclosure_for(request.user, int_or_none(request.GET["enclosure"])).pk
    form = GateForm(request.POST or None, instance=gate, enclosures=enclosures_in_scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        if gate is None:
            gate = actions.create_gate(request.user, form.cleaned_data)
            messages.success(request, f"已新建卡口 {gate.name}。")
        else:
            actions.update_gate(request.user, gate, form.cleaned_data)
            messages.success(request, f"已保存卡口 {gate.name}。")
        return redirect("gates:gate", gate.pk)
    return render(request, "gates/gate_form.html", {"form": form, "gate": gate})


@login_required
def gate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    context = {
        "gate": gate,
        "rotate_form": RotateTokenForm(),
        "visitors_url": visitors_live_url(gate),
        "poster_url": visitors_url("poster", gate),
    }
    return render(request, "gates/gate.html", context)


@login_required
@require_POST
def gate_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.managed_gate_for(request.user, pk)
    form = RotateTokenForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions.rotate_gate_token(request.user, gate, reason)
    messages.success(request, "已更换二维码：旧二维码和旧链接已失效，请重新打印张贴。")
    return redirect("gates:gate", gate.pk)


@login_required
def duty(request: HttpRequest) -> HttpResponse:
    """值守: where I am on duty now (big buttons to the gate log), and my shifts of the next two weeks."""
    now = timezone.now()
    colleagues = ShiftMember.objects.select_related("user").order_by("-is_leader", "id")
    mine = (
        ShiftMember.objects.filter(
            user=request.user, shift__ends_at__gt=now, shift__starts_at__lt=now + timedelta(days=UPCOMING_DAYS)
        )
        .select_related("shift__gate__enclosure")
        .prefetch_related(Prefetch("shift__members", queryset=colleagues))
        .order_by("shift__starts_at")
    )
    on_duty = [
        {"gate": gate, "visitors_url": visitors_live_url(gate)} for gate in access.gates_on_duty(request.user, now)
    ]
    mine = list(mine)
    context = {
        "shifts": mine,
        "next_shift": next((m.shift for m in mine if m.shift.starts_at > now), None),
        "grace_minutes": int(access.DUTY_GRACE.total_seconds() // 60),
        "on_duty": on_duty,
        "now": now,
        "can_manage": request.user.can(Capability.MANAGE_GATES),
        "upcoming_days": UPCOMING_DAYS,
    }
    return render(request, "gates/duty.html", context)
