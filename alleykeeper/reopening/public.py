"""The enterprise's own link (企业填报链接): no account, named by an unguessable token (only its hash is
stored). It shows that one enterprise's name and application and nothing else: no other enterprise, no
staff names, no phone in clear. Expired, revoked and unknown links get the same refusal. Rate limited per
client address and per link (core.ratelimit); uploads count as submissions.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from alleykeeper.core import ratelimit
from alleykeeper.core.net import client_ip
from alleykeeper.core.uploads import UploadError
from alleykeeper.reopening import actions
from alleykeeper.reopening.forms import ApplicationForm, MaterialForm

WINDOW = 3600
PAGE = "reopening/public.html"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _refused(request: HttpRequest, why: str, status: int) -> HttpResponse:
    return _private(render(request, PAGE, {"refused": why}, status=status))


@never_cache
@csrf_protect
def enterprise_link(request: HttpRequest, token: str) -> HttpResponse:
    limit = settings.REOPENING_LINK_POSTS_PER_HOUR
    if ratelimit.hit("reopen-link-ip", client_ip(request), WINDOW) > limit * 3:
        return _refused(request, "busy", 429)
    link = actions.link_for_token(token)
    if link is None:
        return _refused(request, "invalid", 404)
    enterprise = link.enterprise
    current = actions.editable_application(enterprise)
    form = ApplicationForm(None, instance=current)
    material_form = MaterialForm()
    if request.method == "POST":
        if ratelimit.hit("reopen-link", actions.hash_token(token), WINDOW) > limit:
            return _refused(request, "busy", 429)
        if request.POST.get("what") == "material":
            material_form = MaterialForm(request.POST, request.FILES)
            if current is not None and material_form.is_valid():
                data = material_form.cleaned_data
                try:
                    actions.add_material(None, enterprise, data["file"], data["title"], current)
                except UploadError as problem:
                    material_form.add_error("file", str(problem))
                else:
                    messages.success(request, "材料已上传。")
                    return _private(redirect("reopening:public", token))
        else:
            form = ApplicationForm(request.POST, instance=current)
            if form.is_valid():
                try:
                    actions.submit_application(None, enterprise, form.cleaned_data, form.phone_checked, via_link=True)
                except actions.ReopeningError as problem:
                    form.add_error(None, str(problem))
                else:
                    messages.success(request, "复工申请已提交，社区会尽快核实。可以继续上传材料。")
                    return _private(redirect("reopening:public", token))
    context = {
        "enterprise": enterprise,
        "application": current or actions.open_application(enterprise),
        "editable": current is not None or actions.open_application(enterprise) is None,
        "form": form,
        "material_form": material_form,
        "materials": current.materials.all() if current is not None else [],
        "expires_at": link.expires_at,
    }
    status = 400 if form.errors or material_form.errors else 200
    return _private(render(request, PAGE, context, status=status))
