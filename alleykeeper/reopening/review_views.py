"""Review of an application and the joint on-site inspection; approval's notice; opening and re-inspection.
Each step is one action (actions.py) behind one capability: review and inspection REVIEW_REOPENING,
approval, rejection and suspension APPROVE_REOPENING, opening MANAGE_REOPENING."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.uploads import UploadError
from alleykeeper.reopening import access, actions
from alleykeeper.reopening.forms import FAIL, PASS, DecisionForm, InspectionForm, OpenForm
from alleykeeper.reopening.models import ApplicationStatus, Enterprise


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.application_for(request.user, pk, Capability.REVIEW_REOPENING)
    try:
        actions.start_review(request.user, application)
    except actions.ReopeningError as problem:
        messages.error(request, str(problem))
    return redirect("reopening:application", application.pk)


@login_required
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Return (with reasons), reject (with reasons) or approve."""
    capability = Capability.REVIEW_REOPENING if decision == "return" else Capability.APPROVE_REOPENING
    application = access.application_for(request.user, pk, capability)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and decision == "approve":
        try:
            actions.approve_application(request.user, application)
        except actions.ReopeningError as problem:
            messages.error(request, str(problem))
            return redirect("reopening:application", application.pk)
        messages.success(request, "已批准复工，可以打印复工通知书。")
        return redirect("reopening:notice", application.pk)
    if request.method == "POST" and form.is_valid():
        step = actions.return_application if decision == "return" else actions.reject_application
        try:
            step(request.user, application, form.cleaned_data["reason"])
        except actions.ReopeningError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, "已退回企业修改。" if decision == "return" else "已记录：不予批准。")
            return redirect("reopening:application", application.pk)
    context = {"application": application, "form": form, "decision": decision}
    return render(request, "reopening/decide.html", context, status=400 if form.errors else 200)


def _inspection_page(request: HttpRequest, enterprise: Enterprise, application=None) -> HttpResponse:
    items = actions.checklist_for(enterprise)
    reinspection = application is None
    form = InspectionForm(request.POST or None, request.FILES or None, items=items, reinspection=reinspection)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = actions.InspectionRecord(
            inspected_on=data["inspected_on"],
            inspectors=data["inspectors"],
            units=data["units"],
            note=data["note"],
            suspend_reason=data.get("suspend_reason", ""),
            results=[
                actions.ItemResult(
                    item,
                    data[f"item_{item.pk}"] == PASS,
                    data[f"note_{item.pk}"],
                    data.get(f"photo_{item.pk}") or None,
                )
                for item in items
            ],
        )
        try:
            inspection = actions.record_inspection(request.user, enterprise, record, application)
        except (actions.ReopeningError, UploadError) as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, "核查结果已保存：" + ("全部通过。" if inspection.passed else "有未通过的项目。"))
            if application is not None:
                return redirect("reopening:application", application.pk)
            return redirect("reopening:enterprise", enterprise.pk)
    context = {"form": form, "enterprise": enterprise, "application": application, "PASS": PASS, "FAIL": FAIL}
    return render(request, "reopening/inspect.html", context, status=400 if form.errors else 200)


@login_required
def inspect(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.application_for(request.user, pk, Capability.REVIEW_REOPENING)
    if application.status not in (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.INSPECTED):
        messages.error(request, "先“开始审核”，再登记现场核查。")
        return redirect("reopening:application", application.pk)
    return _inspection_page(request, application.enterprise, application)


@login_required
def reinspect(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access.enterprise_for(request.user, pk, Capability.REVIEW_REOPENING)
    if request.POST.get("suspend_reason"):
        access.require(request.user, Capability.APPROVE_REOPENING)
    return _inspection_page(request, enterprise)


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable reopening notice (复工通知书) of an approved application."""
    application = access.application_for(request.user, pk)
    if application.status != ApplicationStatus.APPROVED:
        messages.error(request, "申请批准后才有复工通知书。")
        return redirect("reopening:application", application.pk)
    inspection = actions.latest_inspection(application)
    return render(request, "reopening/notice.html", {"application": application, "inspection": inspection})


@login_required
@require_POST
def open_enterprise(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access.enterprise_for(request.user, pk, Capability.MANAGE_REOPENING)
    form = OpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("reopening:enterprise", enterprise.pk)
    try:
        actions.open_enterprise(request.user, enterprise, form.cleaned_data["opened_on"])
    except actions.ReopeningError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, f"已登记 {enterprise.name} 复工。")
    return redirect("reopening:enterprise", enterprise.pk)
