"""Register pages: browse grid → alley → building → household, edit people and households, search."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, F, Prefetch, Q, Value, When
from django.db.models.functions import Coalesce, Length
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.audit.models import AuditEvent
from alleykeeper.core.net import client_ip
from alleykeeper.core.paging import BadCursor, int_or_none, page_after
from alleykeeper.core.replica import use_replica
from alleykeeper.registry import access, actions
from alleykeeper.registry.forms import GridForm, HouseholdForm, MoveResidentForm, ResidentForm, RevealForm, SearchForm
from alleykeeper.registry.models import Building, Grid, Household, HouseholdKind, RelationToHead
from alleykeeper.registry.search import Found
from alleykeeper.registry.search import search as run_search

PAGE_SIZE = 50
LAST_SORT_NUMBER = 2**31 - 1  # a grid without a sort number comes after those with one
# The head of household (or in a rental, the tenant) first, then spouse, children, parents...
_RELATIONS_IN_ORDER = [RelationToHead.HEAD, RelationToHead.TENANT, *RelationToHead.values]
RELATION_ORDER = Case(*(When(relation=v, then=Value(i)) for i, v in enumerate(_RELATIONS_IN_ORDER)), default=99)


@login_required
def grids(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.VIEW_REGISTER)
    visible = Grid.objects.visible_to(request.user).with_counts().select_related("community")
    return render(request, "registry/grids.html", {"grids": visible})


@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.VIEW_REGISTER)
    grid = access.grid_for(request.user, pk)
    # Length first: "2号" before "10号" (natural order for the usual numbered names).
    buildings = Building.objects.annotate(
        household_count=Count("households"),
        rental_count=Count("households", filter=Q(households__kind=HouseholdKind.RENTAL)),
    ).order_by(Length("name"), "name")
    alleys = grid.alleys.prefetch_related(Prefetch("buildings", queryset=buildings))
    context = {"grid": grid, "alleys": alleys, "can_edit": request.user.can(Capability.MANAGE_GRIDS)}
    return render(request, "registry/grid.html", context)


@login_required
def grid_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A grid's name and sort number: the community admin puts the grids in the community's own order."""
    access.require(request.user, Capability.MANAGE_GRIDS)
    grid = access.grid_for(request.user, pk)
    form = GridForm(request.POST or None, instance=grid)
    if request.method == "POST" and form.is_valid():
        actions.save_grid(request.user, grid, form.cleaned_data)
        messages.success(request, f"已保存网格“{grid.name}”。")
        return redirect("registry:grid", grid.pk)
    order = Grid.objects.filter(community=grid.community_id).only("id", "name", "sort_number")
    return render(request, "registry/grid_form.html", {"grid": grid, "form": form, "order": order})


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.VIEW_REGISTER)
    building = access.building_for(request.user, pk)
    households = (
        Household.objects.visible_to(request.user)
        .filter(building=building)
        .select_related("unit")
        .annotate(resident_count=Count("residents"))
        .order_by(Length("unit__name"), "unit__name", Length("room"), "room")
    )
    context = {"building": building, "households": households, "can_edit": request.user.can(Capability.EDIT_REGISTER)}
    return render(request, "registry/building.html", context)


def _count_residents(households: list[Household]) -> None:
    """Resident counts of one page in one query. Annotating the whole list instead makes PostgreSQL count
    the residents of every household in scope before it can sort and cut the page (9 s at 200k)."""
    ids = [household.pk for household in households]
    counts = dict(Household.objects.filter(pk__in=ids).order_by().annotate(n=Count("residents")).values_list("pk", "n"))
    for household in households:
        household.resident_count = counts.get(household.pk, 0)


@login_required
@use_replica
def household_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.VIEW_REGISTER)
    # By grid in the community's order (Grid.Meta.ordering, its null sort numbers last), building, room.
    households = (
        Household.objects.visible_to(request.user)
        .select_related("building__alley", "unit", "grid")
        .annotate(
            grid_community=F("grid__community_id"),
            grid_sort=Coalesce("grid__sort_number", Value(LAST_SORT_NUMBER)),
            grid_key=F("grid__name_key"),
        )
    )
    grid_id, kind = request.GET.get("grid", ""), request.GET.get("kind", "")
    if int_or_none(grid_id):
        households = households.filter(grid_id=int_or_none(grid_id))
    if kind in HouseholdKind.values:
        households = households.filter(kind=kind)
    order = ("grid_community", "grid_sort", "grid_key", "grid_id", "building_id", "room", "pk")
    page = page_after(households, request.GET.get("after"), PAGE_SIZE, order=order, tag="households")
    _count_residents(page.items)
    query = "".join(f"{k}={v}&" for k, v in (("grid", grid_id), ("kind", kind)) if v)
    context = {
        "page": page,
        "query": query,
        "grids": Grid.objects.visible_to(request.user),
        "kinds": HouseholdKind.choices,
        "selected_grid": grid_id,
        "selected_kind": kind,
    }
    return render(request, "registry/households.html", context)


def _history(household: Household) -> list[AuditEvent]:
    mine = Q(parent_type="registry.household", parent_id=household.pk) | Q(
        object_type="registry.household", object_id=household.pk
    )
    return list(AuditEvent.objects.filter(mine).order_by("-at", "-id")[:30])


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.VIEW_REGISTER)
    household = access.household_for(request.user, pk)
    context = {
        "household": household,
        "residents": household.residents.order_by(RELATION_ORDER, "id"),
        "history": _history(household),
        "reveal_form": RevealForm(),
        "can_edit": request.user.can(Capability.EDIT_REGISTER),
        "can_reveal": request.user.can(Capability.REVEAL_IDENTITY),
    }
    return render(request, "registry/household.html", context)


@login_required
def household_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, Capability.EDIT_REGISTER)
    household = access.household_for(request.user, pk) if pk else None
    buildings = Building.objects.filter(alley__grid__in=Grid.objects.visible_to(request.user)).select_related(
        "alley__grid"
    )
    initial = {}
    if household is None and int_or_none(request.GET.get("building")):
        initial["building"] = int_or_none(request.GET["building"])
    form = HouseholdForm(request.POST or None, instance=household, buildings=buildings, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if household is None:
            household = actions.create_household(request.user, data, landlord_phone=form.phone_checked)
            messages.success(request, f"已新增住户 {household.address}。")
        else:
            actions.update_household(request.user, household, data, landlord_phone=form.phone_checked)
            messages.success(request, "已保存住户信息。")
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("registry:household", household.pk)
    return render(request, "registry/household_form.html", {"form": form, "household": household})


@login_required
def resident_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(request.user, Capability.EDIT_REGISTER)
    if pk:
        resident = access.resident_for(request.user, pk)
        household = resident.household
    else:
        resident = None
        household = access.household_for(request.user, int_or_none(request.GET.get("household")) or 0)
    form = ResidentForm(request.POST or None, instance=resident, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if resident is None:
            resident = actions.create_resident(
                request.user, household, data, doc=form.doc_checked, phone=form.phone_checked
            )
            messages.success(request, f"已新增居民 {resident.name}。")
        else:
            actions.update_resident(request.user, resident, data, doc=form.doc_checked, phone=form.phone_checked)
            messages.success(request, f"已保存 {resident.name} 的信息。")
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("registry:household", household.pk)
    return render(request, "registry/resident_form.html", {"form": form, "resident": resident, "household": household})


@login_required
def resident_move(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.EDIT_REGISTER)
    resident = access.resident_for(request.user, pk)
    targets = (
        Household.objects.visible_to(request.user)
        .exclude(pk=resident.household_id)
        .select_related("building__alley", "unit")
    )
    form = MoveResidentForm(request.POST or None, households=targets)
    form.fields["household"].label_from_instance = lambda h: h.address
    if request.method == "POST" and form.is_valid():
        actions.move_resident(request.user, resident, form.cleaned_data["household"], form.cleaned_data["reason"])
        messages.success(request, f"已将 {resident.name} 迁至 {form.cleaned_data['household'].address}。")
        return redirect("registry:household", form.cleaned_data["household"].pk)
    return render(request, "registry/resident_move.html", {"form": form, "resident": resident})


@login_required
@require_POST
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.REVEAL_IDENTITY)
    resident = access.resident_for(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "registry/_reveal.html", {"resident": resident, "error": "请选择查看用途。"}, status=400)
    revealed = actions.reveal_identity(
        request.user, resident, form.cleaned_data["field"], form.cleaned_data["purpose"], client_ip(request)
    )
    response = render(request, "registry/_reveal.html", {"resident": resident, "revealed": revealed})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """POST only for queries, so that names, phones and IDs never land in URLs or access logs."""
    access.require(request.user, Capability.VIEW_REGISTER)
    form = SearchForm(request.POST or None)
    found, continued = Found(), False
    if request.method == "POST" and form.is_valid():
        query, after = form.cleaned_data["q"], form.cleaned_data["after"] or None
        try:
            found, continued = run_search(request.user, query, after), after is not None
        except BadCursor:  # a cursor of another query (the box was edited): its first page
            found = run_search(request.user, query)
    context = {
        "form": form,
        "residents": found.residents,
        "households": found.households,
        "reading": found.reading,
        "next_cursor": found.cursor,
        "continued": continued,
    }
    template = "registry/_search_results.html" if request.htmx else "registry/search.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response
