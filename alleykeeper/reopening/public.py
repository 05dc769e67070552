"""The enterprise's own link (企业填报链接): no account, named by an unguessable token (only its hash is
stored). It shows that one enterprise's name and application and nothing else: no other enterprise, no
staff names, no phone in clear. Expired, revoked and unknown links get the same refusal. Rate limited per
client address and per link (core.ratelimit); uploads count as submissions.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from alleykeeper.core import ratelimit
from alleykeeper.core.net import client_ip
from alleykeeper.core.uploads import UploadError
from alleykeeper.reopening import actions, daily, slots
from alleykeeper.reopening.errors import ReopeningError
from alleykeeper.reopening.forms import ApplicationForm, MaterialForm
from alleykeeper.reopening.models import ApplicationStatus, EnterpriseLink, EnterpriseState
from alleykeeper.reopening.returning_forms import DailyReportForm, SlotChoiceForm, StaffForm, StaffImportForm
from alleykeeper.reopening.staff_views import handle_staff_post

WINDOW = 3600
PAGE = "reopening/public.html"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _refused(request: HttpRequest, why: str, status: int) -> HttpResponse:
    return _private(render(request, PAGE, {"refused": why}, status=status))


def _guard(request: HttpRequest, token: str) -> EnterpriseLink | HttpResponse:
    """The working link the token names, or the refusal to send: rate limits per client and per link
    (posts), then the same answer for an expired, revoked or unknown link."""
    limit = settings.REOPENING_LINK_POSTS_PER_HOUR
    if ratelimit.hit("reopen-link-ip", client_ip(request), WINDOW) > limit * 3:
        return _refused(request, "busy", 429)
    link = actions.link_for_token(token)
    if link is None:
        return _refused(request, "invalid", 404)
    if request.method == "POST" and ratelimit.hit("reopen-link", actions.hash_token(token), WINDOW) > limit:
        return _refused(request, "busy", 429)
    return link


@never_cache
@csrf_protect
def enterprise_link(request: HttpRequest, token: str) -> HttpResponse:
    link = _guard(request, token)
    if isinstance(link, HttpResponse):
        return link
    enterprise = link.enterprise
    current = actions.editable_application(enterprise)
    form = ApplicationForm(None, instance=current)
    material_form = MaterialForm()
    if request.method == "POST":
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
        "token": token,
        "staff_count": enterprise.staff.count(),
    }
    status = 400 if form.errors or material_form.errors else 200
    return _private(render(request, PAGE, context, status=status))


@never_cache
@csrf_protect
def staff(request: HttpRequest, token: str) -> HttpResponse:
    """The enterprise lists its returning staff (one by one or its own spreadsheet). It sees names and
    masked numbers only: screening results are for the community, not for the employer."""
    link = _guard(request, token)
    if isinstance(link, HttpResponse):
        return link
    enterprise = link.enterprise
    form = import_form = None
    errors: list = []
    if request.method == "POST":
        form, import_form, errors, done = handle_staff_post(request, enterprise, via_link=True, actor=None)
        if done:
            return _private(redirect("reopening:public_staff", token))
    context = {
        "enterprise": enterprise,
        "token": token,
        "people": enterprise.staff.select_related("origin").order_by("returned_on", "id"),
        "form": form or StaffForm(),
        "import_form": import_form or StaffImportForm(),
        "import_errors": errors,
    }
    status = 400 if (form and form.errors) or (import_form and import_form.errors) else 200
    return _private(render(request, "reopening/public_staff.html", context, status=status))


@never_cache
@csrf_protect
def slot(request: HttpRequest, token: str) -> HttpResponse:
    """An approved enterprise takes a reopening slot of its place (错峰复工)."""
    link = _guard(request, token)
    if isinstance(link, HttpResponse):
        return link
    enterprise = link.enterprise
    application = enterprise.applications.filter(status=ApplicationStatus.APPROVED).select_related("slot").first()
    form = SlotChoiceForm(request.POST or None, slots=slots.slots_for(enterprise))
    if application is not None and request.method == "POST" and form.is_valid():
        try:
            slots.take_slot(None, application, form.cleaned_data["slot"])
        except ReopeningError as problem:
            form.add_error("slot", str(problem))
        else:
            messages.success(request, f"已预约 {application.planned_date:%m月%d日} 复工。")
            return _private(redirect("reopening:public_slot", token))
    context = {"enterprise": enterprise, "token": token, "application": application, "form": form}
    return _private(render(request, "reopening/public_slot.html", context, status=400 if form.errors else 200))


@never_cache
@csrf_protect
def report(request: HttpRequest, token: str) -> HttpResponse:
    """An open enterprise's daily health report (a zero report when nobody is unwell)."""
    link = _guard(request, token)
    if isinstance(link, HttpResponse):
        return link
    enterprise = link.enterprise
    today = timezone.localdate()
    form = DailyReportForm(request.POST or None)
    if enterprise.state == EnterpriseState.OPEN and request.method == "POST" and form.is_valid():
        try:
            daily.submit_daily_report(None, enterprise, form.cleaned_data, via_link=True)
        except ReopeningError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, "今日健康日报已报送，谢谢。")
            return _private(redirect("reopening:public_report", token))
    context = {
        "enterprise": enterprise,
        "token": token,
        "form": form,
        "today": today,
        "sent": enterprise.reports.filter(day=today).first(),
    }
    return _private(render(request, "reopening/public_report.html", context, status=400 if form.errors else 200))
