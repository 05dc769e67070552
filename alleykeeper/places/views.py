"""The division picker's step endpoint: public data, so no login (visitor forms use it too)."""

import re

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from alleykeeper.places.forms import FIELD_NAME, chosen_code, picker_context


@require_GET
@cache_control(public=True, max_age=3600)
def children(request: HttpRequest) -> HttpResponse:
    """Re-render the picker with the next select filled in for what was chosen so far."""
    field = request.GET.get("field", "")
    base_id = request.GET.get("id", "") or f"id_{field}"
    depth_text = request.GET.get("depth", "3")
    if not FIELD_NAME.match(field) or not FIELD_NAME.match(base_id) or not re.fullmatch(r"[1-3]", depth_text):
        return HttpResponseBadRequest("参数不对：需要 field（字段名）和 depth（1 到 3）。")
    depth = int(depth_text)
    code = chosen_code(request.GET, field, depth)
    context = {"widget": picker_context(field, code, depth, {"id": base_id})}
    return render(request, "places/division_picker.html", context)
