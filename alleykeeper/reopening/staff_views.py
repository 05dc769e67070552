"""Staff pages of the second half of reopening: returning staff and an admin's decision on a block, the
calendar of reopening slots, booking a slot for an approved enterprise, daily health reports and the list of
reports missing today. Views parse, check access (access.py), call the actions, render."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.tabular import TabularError
from alleykeeper.core.uploads import UploadError
from alleykeeper.registry.models import Community
from alleykeeper.reopening import access, daily, slots, staff
from alleykeeper.reopening.errors import ReopeningError
from alleykeeper.reopening.models import ApplicationStatus, DailyReport, Enterprise, ReopeningSlot
from alleykeeper.reopening.returning_forms import (
    BlockDecisionForm,
    DailyReportForm,
    SlotChoiceForm,
    SlotsForm,
    StaffForm,
    StaffImportForm,
)
from alleykeeper.reopening.staff_import import import_staff

CALENDAR_DAYS = 21


def staff_context(enterprise: Enterprise) -> dict:
    return {"people": enterprise.staff.select_related("origin", "cleared_by")}


def handle_staff_post(request: HttpRequest, enterprise: Enterprise, *, via_link: bool, actor) -> tuple:
    """Add one person or import a list; (staff form, import form, import errors, done)."""
    form, import_form, errors = StaffForm(), StaffImportForm(), []
    if request.POST.get("what") == "import":
        import_form = StaffImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            try:
                outcome = import_staff(actor, enterprise, import_form.cleaned_data["file"], via_link=via_link)
            except (TabularError, UploadError) as problem:
                import_form.add_error("file", str(problem))
            else:
                if not outcome.errors:
                    messages.success(request, f"已导入 {len(outcome.rows)} 名返岗人员。")
                    return form, import_form, [], True
                errors = outcome.errors
                import_form.add_error("file", f"有 {len(errors)} 处需要修改，全部没有导入。请改好后重新上传。")
    else:
        form = StaffForm(request.POST)
        if form.is_valid() and form.entry is not None:
            person = staff.add_staff(actor, enterprise, form.entry, via_link=via_link)
            messages.success(request, f"已登记返岗人员 {person.name}。")
            return form, import_form, [], True
    return form, import_form, errors, False


@login_required
def staff_list(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access.enterprise_for(request.user, pk)
    form, import_form, errors = StaffForm(), StaffImportForm(), []
    if request.method == "POST":
        access.require(request.user, Capability.MANAGE_REOPENING)
        form, import_form, errors, done = handle_staff_post(request, enterprise, via_link=False, actor=request.user)
        if done:
            return redirect("reopening:staff", enterprise.pk)
    user = request.user
    context = {
        "enterprise": enterprise,
        **staff_context(enterprise),
        "form": form,
        "import_form": import_form,
        "import_errors": errors,
        "decision_form": BlockDecisionForm(),
        "lookback_days": settings.KEY_AREA_LOOKBACK_DAYS,
        "can_manage": user.can(Capability.MANAGE_REOPENING),
        "can_decide": user.can(Capability.APPROVE_REOPENING),
    }
    status = 400 if form.errors or import_form.errors else 200
    return render(request, "reopening/staff.html", context, status=status)


@login_required
@require_POST
def staff_decide(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.staff_for(request.user, pk, Capability.APPROVE_REOPENING)
    form = BlockDecisionForm(request.POST)
    if form.is_valid():
        try:
            staff.decide_staff_block(request.user, person, form.cleaned_data["reason"])
        except ReopeningError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, f"已记录对 {person.name} 的处理决定。")
    else:
        messages.error(request, "请写明处理决定和理由（300 字以内）。")
    return redirect("reopening:staff", person.enterprise_id)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """The staggered-reopening calendar: the slots of the coming weeks and the load of each day."""
    access.require(request.user, Capability.VIEW_REOPENING)
    today = timezone.localdate()
    visible = ReopeningSlot.objects.visible_to(request.user).between(today, today + timedelta(days=CALENDAR_DAYS))
    context = {
        "days": slots.day_loads(visible),
        "today": today,
        "calendar_days": CALENDAR_DAYS,
        "can_open": request.user.can(Capability.APPROVE_REOPENING),
    }
    return render(request, "reopening/calendar.html", context)


@login_required
def slots_open(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.APPROVE_REOPENING)
    communities = Community.objects.visible_to(request.user)
    today = timezone.localdate()
    initial = {"first_day": today, "last_day": today + timedelta(days=6), "places": "开元盛世广场 1F\n沿街商铺"}
    form = SlotsForm(request.POST or None, initial=initial)
    community = communities.first()
    if community is None:
        form.add_error(None, "您没有负责的社区，不能开设复工时段。")
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        count = slots.open_slots(
            request.user, community, data["first_day"], data["last_day"], data["places"], data["capacity"]
        )
        messages.success(request, f"已开设或调整 {count} 个复工时段。")
        return redirect("reopening:calendar")
    return render(request, "reopening/slots_open.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def slot_take(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff book a slot for an approved enterprise (the enterprise can do it through its link)."""
    application = access.application_for(request.user, pk, Capability.MANAGE_REOPENING)
    if application.status != ApplicationStatus.APPROVED:
        messages.error(request, "批准复工后才能预约复工时段。")
        return redirect("reopening:application", application.pk)
    form = SlotChoiceForm(request.POST or None, slots=slots.slots_for(application.enterprise))
    if request.method == "POST" and form.is_valid():
        try:
            slots.take_slot(request.user, application, form.cleaned_data["slot"])
        except ReopeningError as problem:
            form.add_error("slot", str(problem))
        else:
            messages.success(request, f"已预约 {application.planned_date:%m月%d日} 复工。")
            return redirect("reopening:application", application.pk)
    context = {"application": application, "enterprise": application.enterprise, "form": form}
    return render(request, "reopening/slot_take.html", context, status=400 if form.errors else 200)


@login_required
def report_enter(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff enter today's daily health report for an open enterprise (by phone, when it has no link)."""
    enterprise = access.enterprise_for(request.user, pk, Capability.MANAGE_REOPENING)
    form = DailyReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            daily.submit_daily_report(request.user, enterprise, form.cleaned_data, via_link=False)
        except ReopeningError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, f"已登记 {enterprise.name} 今日健康日报。")
            return redirect("reopening:reports")
    context = {"enterprise": enterprise, "form": form}
    return render(request, "reopening/report_form.html", context, status=400 if form.errors else 200)


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    """Today's daily health reports: who has not sent one (for the grid worker to call), and who is unwell."""
    access.require(request.user, Capability.VIEW_REOPENING)
    today = timezone.localdate()
    visible = Enterprise.objects.visible_to(request.user)
    sent = DailyReport.objects.visible_to(request.user).filter(day=today).select_related("enterprise__grid")
    context = {
        "today": today,
        "missing": visible.report_missing(today).select_related("grid", "building__alley"),
        "sent": sent,
        "can_manage": request.user.can(Capability.MANAGE_REOPENING),
    }
    return render(request, "reopening/reports.html", context)
