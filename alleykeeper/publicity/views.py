"""Publicity pages: the materials, a material's coverage (buildings floor by floor, channels), recording a
distribution, a building's posting sheet, and the channels. Views parse, check access, call actions, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.paging import page_after
from alleykeeper.core.uploads import UploadError, attachment_response
from alleykeeper.publicity import access, actions
from alleykeeper.publicity.coverage import coverage_of
from alleykeeper.publicity.forms import ChannelForm, DistributionForm, FloorsForm, MaterialForm, SheetForm, WithdrawForm
from alleykeeper.publicity.models import Channel, Distribution, Material, PostingSheet
from alleykeeper.registry.models import Alley, Building, Community, Grid

PAGE_SIZE = 50
OPEN_SHEETS = 200  # unfinished sheets listed on the overview (a community has a few hundred buildings)


def _buildings(user, community_id: int):
    return (
        Building.objects.visible_to(user)
        .filter(alley__grid__community_id=community_id)
        .select_related("alley__grid")
        .order_by("alley__grid", "alley__name", "name")
    )


def _alleys(user, community_id: int):
    return Alley.objects.visible_to(user).filter(grid__community_id=community_id).select_related("grid")


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, Capability.VIEW_PUBLICITY)
    materials = (
        Material.objects.visible_to(user)
        .select_related("community")
        .annotate(sent=Count("distributions", distinct=True), sheet_count=Count("sheets", distinct=True))
    )
    current = Material.objects.visible_to(user).current_on(timezone.localdate())
    open_sheets = list(
        PostingSheet.objects.visible_to(user)
        .annotate(posted=Count("postings"))
        .filter(posted__lt=F("floors"), material__in=current)
        .select_related("material", "building__alley")
        .order_by("-material__start_date", "building__alley__name", "building__name", "id")[: OPEN_SHEETS + 1]
    )
    context = {
        "page": page_after(
            materials, request.GET.get("after"), PAGE_SIZE, order=("-start_date", "-pk"), tag="materials"
        ),
        "open_sheets": open_sheets[:OPEN_SHEETS],
        "more_sheets": len(open_sheets) > OPEN_SHEETS,
        "channel_count": Channel.objects.visible_to(user).filter(active=True).count(),
        "can_manage": user.can(Capability.MANAGE_PUBLICITY),
        "can_post": user.can(Capability.POST_PUBLICITY),
    }
    return render(request, "publicity/overview.html", context)


@login_required
def material_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    material = access.material_for(user, pk, Capability.MANAGE_PUBLICITY) if pk else None
    access.require(user, Capability.MANAGE_PUBLICITY)
    form = MaterialForm(
        request.POST or None, request.FILES or None, instance=material, communities=Community.objects.visible_to(user)
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "community": form.cleaned_data.get("community") or material.community}
        try:
            saved = actions.save_material(user, material, data, form.cleaned_data.get("file"))
        except UploadError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, f"已保存宣传材料“{saved.title}”。")
            return redirect("publicity:material", saved.pk)
    status = 400 if form.errors else 200
    return render(request, "publicity/material_form.html", {"form": form, "material": material}, status=status)


@login_required
def material_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    material = access.material_for(user, pk)
    distributions = (
        Distribution.objects.visible_to(user)
        .filter(material=material)
        .select_related("channel", "building__alley", "alley", "by")
    )
    context = {
        "material": material,
        "coverage": coverage_of(material, user),
        "distributions": page_after(
            distributions, request.GET.get("after"), PAGE_SIZE, order=("-at", "-pk"), tag="distributions"
        ),
        "can_manage": user.can(Capability.MANAGE_PUBLICITY),
        "can_post": user.can(Capability.POST_PUBLICITY),
    }
    return render(request, "publicity/material.html", context)


@login_required
def material_file(request: HttpRequest, pk: int) -> FileResponse:
    material = access.material_for(request.user, pk)
    if not material.file_stored_name:
        raise Http404
    return attachment_response(
        actions.UPLOAD_FOLDER,
        material.file_stored_name,
        material.file_kind,
        material.file_name or f"宣传材料-{material.pk}.{material.file_kind}",
    )


@login_required
def distribution_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    material = access.material_for(user, pk, Capability.MANAGE_PUBLICITY)
    channels = Channel.objects.visible_to(user).filter(community_id=material.community_id, active=True)
    form = DistributionForm(
        request.POST or None,
        channels=channels,
        buildings=_buildings(user, material.community_id),
        alleys=_alleys(user, material.community_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_distribution(user, material, form.cleaned_data)
        except actions.PublicityError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已登记“{material.title}”的发布。")
            return redirect("publicity:material", material.pk)
    status = 400 if form.errors else 200
    return render(request, "publicity/distribution_form.html", {"form": form, "material": material}, status=status)


@login_required
@require_POST
def distribution_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = access.distribution_for(request.user, pk)
    material_pk = distribution.material_id
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("publicity:material", material_pk)
    try:
        actions.withdraw_distribution(request.user, distribution, form.cleaned_data["reason"])
    except actions.PublicityError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已撤销这条发布记录。")
    return redirect("publicity:material", material_pk)


@login_required
def sheet_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    material = access.material_for(user, pk, Capability.POST_PUBLICITY)
    buildings = _buildings(user, material.community_id).exclude(
        pk__in=PostingSheet.objects.filter(material=material).values("building_id")
    )
    chosen = buildings.filter(pk=request.GET["building"]).first() if request.GET.get("building", "").isdigit() else None
    initial = {"building": chosen, "floors": actions.last_floor_count(chosen) if chosen else None}
    form = SheetForm(request.POST or None, buildings=buildings, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sheet = actions.open_sheet(user, material, form.cleaned_data["building"], form.cleaned_data["floors"])
        except actions.PublicityError as error:
            form.add_error(None, str(error))
        else:
            return redirect("publicity:sheet", sheet.pk)
    status = 400 if form.errors else 200
    return render(request, "publicity/sheet_form.html", {"form": form, "material": material}, status=status)


@login_required
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sheet = access.sheet_for(
        user, pk, Capability.POST_PUBLICITY if request.method == "POST" else Capability.VIEW_PUBLICITY
    )
    postings = {p.floor: p for p in sheet.postings.select_related("posted_by")}
    form = FloorsForm(request.POST or None, floors=sheet.floors, initial={"floor": sorted(postings)})
    if request.method == "POST" and form.is_valid():
        try:
            added, removed = actions.set_floors_posted(user, sheet, set(form.cleaned_data["floor"]))
        except actions.PublicityError as error:
            form.add_error("floor", str(error))
        else:
            messages.success(request, f"已保存：新勾选 {added} 层，取消 {removed} 层。")
            return redirect("publicity:sheet", sheet.pk)
    floors = [(n, postings.get(n)) for n in range(sheet.floors, 0, -1)]  # top floor first, as one climbs down
    context = {
        "sheet": sheet,
        "form": form,
        "floors": floors,
        "posted": len(postings),
        "can_post": user.can(Capability.POST_PUBLICITY),
    }
    return render(request, "publicity/sheet.html", context, status=400 if form.errors else 200)


@login_required
def channels(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, Capability.VIEW_PUBLICITY)
    listed = (
        Channel.objects.visible_to(user)
        .select_related("community", "building__alley", "grid", "alley")
        .annotate(sent=Count("distributions"))
    )
    page = page_after(listed, request.GET.get("after"), PAGE_SIZE, order=("kind", "name", "pk"), tag="channels")
    context = {"page": page, "can_manage": user.can(Capability.MANAGE_PUBLICITY)}
    return render(request, "publicity/channels.html", context)


@login_required
def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    channel = access.channel_for(user, pk) if pk else None
    access.require(user, Capability.MANAGE_PUBLICITY)
    communities = Community.objects.visible_to(user)
    form = ChannelForm(
        request.POST or None,
        instance=channel,
        communities=communities,
        buildings=Building.objects.visible_to(user)
        .select_related("alley__grid")
        .order_by("alley__grid", "alley__name", "name"),
        grids=Grid.objects.visible_to(user),
        alleys=Alley.objects.visible_to(user).select_related("grid"),
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "community": form.cleaned_data.get("community") or channel.community}
        try:
            saved = actions.save_channel(user, channel, data)
        except actions.PublicityError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"已保存渠道“{saved.name}”。")
            return redirect("publicity:channels")
    status = 400 if form.errors else 200
    return render(request, "publicity/channel_form.html", {"form": form, "channel": channel}, status=status)
