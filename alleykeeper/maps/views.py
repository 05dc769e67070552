"""The prevention map (防疫地图): the page with its text alternative, each layer as GeoJSON, the page where a
place is drawn, the alley lead, and GeoJSON files in and out."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from alleykeeper.accounts.roles import Capability
from alleykeeper.maps import actions
from alleykeeper.maps.access import layer_for, place_for
from alleykeeper.maps.forms import AlleyLeadForm, GeometryForm, ImportForm
from alleykeeper.maps.geojson_files import ImportRefused, export_feature_collection
from alleykeeper.maps.geometry import GeometryError
from alleykeeper.maps.kinds import kinds_editable_by
from alleykeeper.maps.layers import Layer, layers_for
from alleykeeper.registry import access as registry_access
from alleykeeper.registry import actions as registry_actions
from alleykeeper.registry.models import Community

GEOJSON = "application/geo+json"
UPLOAD_OVERHEAD = 64 * 1024  # multipart framing around the file: a larger body is refused unread


def map_config(layers: list[Layer], **extra: object) -> dict:
    """What maps/map.js needs (read from a JSON script element, never executed): where each layer's GeoJSON
    is, the optional tile layer, where to look when nothing is drawn."""
    return {
        "layers": [
            {"key": lay.key, "label": lay.label, "url": reverse("maps:layer", args=[lay.key]), "shown": lay.shown}
            for lay in layers
        ],
        "tiles": {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
        "center": list(settings.MAP_DEFAULT_CENTER),
        **extra,
    }


def map_sections(user, now) -> list[dict]:
    """Every layer the user sees with its items, for the text alternative (maps/_layer_lists.html)."""
    sections = []
    for lay in layers_for(user):
        items = lay.items(user, now)
        sections.append({"layer": lay, "items": items, "undrawn": sum(1 for item in items if item.geometry is None)})
    return sections


def _editable_communities(user):
    if not kinds_editable_by(user):
        raise PermissionDenied
    return Community.objects.visible_to(user).order_by("name")


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The map, its layer switches, and under it every layer's items as text (the map's text alternative)."""
    registry_access.require(request.user, Capability.VIEW_MAP)
    now = timezone.now()
    editable = kinds_editable_by(request.user)
    context = {
        "sections": map_sections(request.user, now),
        "config": map_config(layers_for(request.user)),
        "now": now,
        "editable": editable,
        "communities": Community.objects.visible_to(request.user).order_by("name") if editable else [],
    }
    return render(request, "maps/map.html", context)


@never_cache
@login_required
def layer_data(request: HttpRequest, key: str) -> JsonResponse:
    """One layer as a GeoJSON FeatureCollection (the drawn items only), in the viewer's scope."""
    lay = layer_for(request.user, key)
    features = [item.feature() for item in lay.items(request.user, timezone.now()) if item.geometry]
    collection = {"type": "FeatureCollection", "features": features}
    return JsonResponse(collection, content_type=GEOJSON, json_dumps_params={"ensure_ascii": False})


@login_required
def edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Draw or move one place with Leaflet.draw (or type its GeoJSON), then save."""
    place_kind, place = place_for(request.user, kind, pk)
    form = GeometryForm(request.POST or None, shape=place_kind.shape, geometry=place.geometry)
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.save_geometry(request.user, place_kind, place, form.cleaned_data["geometry"])
        except GeometryError as error:  # checked by the form already; kept for a changed setting mid-request
            form.add_error("geometry", str(error))
        else:
            title = place_kind.title(place)
            if not changed:
                messages.info(request, f"{title} 的位置没有改变。")
            elif place.geometry is None:
                messages.success(request, f"已从地图上移除 {title}。")
            else:
                messages.success(request, f"已保存 {title} 的位置。")
            return redirect(reverse("maps:map") + f"#layer-{kind}s")  # the layer of its kind: gate → gates
    context = {
        "kind": place_kind,
        "place": place,
        "title": place_kind.title(place),
        "form": form,
        "config": map_config(
            layers_for(request.user), edit={"shape": list(place_kind.shape.value), "field": "id_geometry"}
        ),
    }
    return render(request, "maps/edit.html", context, status=400 if form.errors else 200)


@login_required
def alley_lead(request: HttpRequest, pk: int) -> HttpResponse:
    registry_access.require(request.user, Capability.MANAGE_GRIDS)
    alley = registry_access.alley_for(request.user, pk)
    initial = {"lead_name": alley.lead_name, "lead_kind": alley.lead_kind}
    form = AlleyLeadForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        registry_actions.set_alley_lead(request.user, alley, data["lead_name"], data["lead_kind"])
        who = f"{alley.lead_name}（{alley.get_lead_kind_display()}）" if alley.lead_name else "暂无"
        messages.success(request, f"已保存 {alley.name} 的巷长：{who}。")
        return redirect(reverse("maps:map") + "#layer-alleys")
    return render(request, "maps/alley_lead.html", {"alley": alley, "form": form}, status=400 if form.errors else 200)


@login_required
def import_file(request: HttpRequest) -> HttpResponse:
    """Place many things at once from a GeoJSON FeatureCollection (from QGIS, or the export below)."""
    communities = _editable_communities(request.user)
    problems, total = [], 0
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > (
        settings.MAP_IMPORT_MAX_BYTES + UPLOAD_OVERHEAD
    ):
        form = ImportForm(communities=communities)
        limit = settings.MAP_IMPORT_MAX_BYTES // 1024 // 1024
        problems, total = [f"文件太大，最多 {limit} MB：请只导出本社区的要素，或简化形状后再导入。"], 1
        return render(request, "maps/import.html", {"form": form, "problems": problems, "total": total}, status=413)
    form = ImportForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = actions.import_geojson(
                request.user, form.cleaned_data["community"], upload.read(), file_name=upload.name
            )
        except ImportRefused as refused:
            problems, total = refused.problems, refused.total
        else:
            changed = "、".join(f"{label} {n} 个" for label, n in result.changed.items()) or "没有位置需要改变"
            messages.success(request, f"已导入 {result.features} 个要素：{changed}。")
            return redirect("maps:map")
    status = 400 if form.errors or problems else 200
    context = {"form": form, "problems": problems, "total": total, "communities": communities}
    return render(request, "maps/import.html", context, status=status)


@login_required
def export_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The drawn places of a community the user may draw, as a GeoJSON file the import takes back."""
    community = get_object_or_404(_editable_communities(request.user), pk=pk)
    collection = export_feature_collection(request.user, community)
    response = HttpResponse(json.dumps(collection, ensure_ascii=False, indent=1), content_type=GEOJSON)
    response["Content-Disposition"] = content_disposition_header(True, f"{community.name}-防疫地图.geojson")
    return response
