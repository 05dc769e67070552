"""Staff pages of enterprise reopening: the overview, an enterprise, its application, review and inspection.
Views parse, check access (access.py), call actions, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.audit.exports import audited_xlsx
from alleykeeper.core.credit_code import check_credit_code
from alleykeeper.core.net import client_ip
from alleykeeper.core.paging import page_after, query_without
from alleykeeper.core.spreadsheets import Column
from alleykeeper.core.uploads import UploadError, attachment_response
from alleykeeper.registry.models import Building, Grid
from alleykeeper.reopening import access, actions
from alleykeeper.reopening.forms import (
    ApplicationForm,
    EnterpriseForm,
    ExportForm,
    MaterialForm,
    OpenForm,
    OverviewForm,
    PolicyCallForm,
    PurposeForm,
)
from alleykeeper.reopening.models import (
    Application,
    Enterprise,
    EnterpriseState,
    PreventionGate,
    ReturningStaff,
    gate_done_q,
)

PAGE_SIZE = 50
_NOT_DONE = {PreventionGate.PUBLICITY: "宣传关：未告知政策"}  # the other gates: 进出关未落实 and so on
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filtered(request: HttpRequest, form: OverviewForm):
    enterprises = Enterprise.objects.visible_to(request.user)
    if not form.is_valid():
        return enterprises
    data = form.cleaned_data
    if data["state"]:
        enterprises = enterprises.filter(state=data["state"])
    if data["gate"]:
        enterprises = enterprises.gate_done(data["gate"].split(":")[0], done=False)
    if data["pending"] == "waiting":
        enterprises = enterprises.filter(pk__in=Application.objects.waiting().values("enterprise_id"))
    elif data["pending"] == "blocking":  # each row says how many of its people (the count is of people)
        blocking = ReturningStaff.objects.blocking().filter(enterprise=OuterRef("pk"))
        enterprises = enterprises.filter(Exists(blocking)).annotate(
            staff_blocking=Subquery(blocking.order_by().values("enterprise").annotate(n=Count("id")).values("n"))
        )
    if data["grid"]:
        enterprises = enterprises.filter(grid=data["grid"])
    query = data["q"].strip()
    if query:
        code = check_credit_code(query)
        # A whole credit code finds exactly that enterprise; anything else searches names.
        enterprises = (
            enterprises.filter(credit_code=code.value) if code.ok else enterprises.filter(name__icontains=query)
        )
    return enterprises


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.VIEW_REOPENING)
    grids = Grid.objects.visible_to(request.user).select_related("community")
    form = OverviewForm(request.GET or None, grids=grids)
    visible = Enterprise.objects.visible_to(request.user)
    counts = visible.aggregate(
        total=Count("id"),
        **{state: Count("id", filter=Q(state=state)) for state in EnterpriseState.values},
        **{f"{gate}_not_done": Count("id", filter=gate_done_q(gate, done=False)) for gate in PreventionGate.values},
    )
    waiting = Application.objects.visible_to(request.user).waiting()
    context = {
        "form": form,
        "page": page_after(
            _filtered(request, form).select_related("grid", "building__alley"),  # the address names the building
            request.GET.get("after"),
            PAGE_SIZE,
            order=("mall", "floor", "shop_number", "name", "pk"),
            tag="enterprises",
        ),
        "query": query_without(request.GET, "after"),
        "counts": counts,
        "states": [(value, label, counts[value]) for value, label in EnterpriseState.choices],
        "gates": [
            (gate, _NOT_DONE.get(gate, f"{label}未落实"), counts[f"{gate}_not_done"])
            for gate, label in PreventionGate.choices
        ],
        "waiting": waiting.count(),
        "staff_blocking": ReturningStaff.objects.visible_to(request.user).blocking().count(),
        "reports_missing": visible.report_missing(timezone.localdate()).count(),
        "can_manage": request.user.can(Capability.MANAGE_REOPENING),
        "can_import": request.user.can(Capability.IMPORT_REGISTER) and request.user.can(Capability.MANAGE_REOPENING),
        "can_export": request.user.can(Capability.EXPORT_REGISTER),
    }
    return render(request, "reopening/overview.html", context)


def _places(user) -> dict:
    grids = Grid.objects.visible_to(user).select_related("community")
    buildings = Building.objects.filter(alley__grid__in=grids).select_related("alley__grid")
    return {"grids": grids, "buildings": buildings}


@login_required
def enterprise_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    enterprise = access.enterprise_for(request.user, pk, Capability.MANAGE_REOPENING) if pk else None
    access.require(request.user, Capability.MANAGE_REOPENING)
    form = EnterpriseForm(request.POST or None, instance=enterprise, **_places(request.user))
    if request.method == "POST" and form.is_valid():
        saved = actions.save_enterprise(request.user, enterprise, form.cleaned_data, form.phone_checked)
        messages.success(request, f"已保存企业 {saved.name}。")
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("reopening:enterprise", saved.pk)
    status = 400 if form.errors else 200
    return render(request, "reopening/enterprise_form.html", {"form": form, "enterprise": enterprise}, status=status)


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access.enterprise_for(request.user, pk)
    user = request.user
    context = {
        "enterprise": enterprise,
        "calls": enterprise.calls.select_related("told_by")[:10],
        "applications": enterprise.applications.all()[:10],
        "inspections": enterprise.inspections.filter(is_reinspection=True).prefetch_related("results")[:5],
        "links": enterprise.links.all()[:5],
        "current": actions.open_application(enterprise),
        "call_form": PolicyCallForm(),
        "reveal_form": PurposeForm(),
        "open_form": OpenForm(),
        "can_manage": user.can(Capability.MANAGE_REOPENING),
        "can_reveal": user.can(Capability.REVEAL_IDENTITY),
        "can_review": user.can(Capability.REVIEW_REOPENING),
        "new_link": request.session.pop(f"reopening-link-{enterprise.pk}", None),
    }
    response = render(request, "reopening/enterprise.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def enterprise_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Capability.REVEAL_IDENTITY)
    enterprise = access.enterprise_for(request.user, pk)
    form = PurposeForm(request.POST)
    if not form.is_valid():
        return render(
            request, "reopening/_reveal.html", {"enterprise": enterprise, "error": "请选择查看用途。"}, status=400
        )
    revealed = actions.reveal_contact_phone(request.user, enterprise, form.cleaned_data["purpose"], client_ip(request))
    response = render(request, "reopening/_reveal.html", {"enterprise": enterprise, "revealed": revealed})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def policy_call(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access.enterprise_for(request.user, pk, Capability.MANAGE_REOPENING)
    form = PolicyCallForm(request.POST)
    if form.is_valid():
        actions.record_policy_call(request.user, enterprise, form.cleaned_data["channel"], form.cleaned_data["note"])
        messages.success(request, f"已记录：{enterprise.name} 已告知复工政策和防疫要求。")
    else:
        messages.error(request, "请选择告知方式（电话或上门），备注不超过 300 字。")
    return redirect("reopening:enterprise", enterprise.pk)


@login_required
@require_POST
def link_issue(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access.enterprise_for(request.user, pk, Capability.MANAGE_REOPENING)
    token = actions.issue_link(request.user, enterprise)
    # Shown once, on the next page only (the session is server-side); never in a URL or a log.
    request.session[f"reopening-link-{enterprise.pk}"] = request.build_absolute_uri(f"/reopening/e/{token}/")
    return redirect("reopening:enterprise", enterprise.pk)


@login_required
@require_POST
def link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = access.link_for(request.user, pk)
    actions.revoke_link(request.user, link)
    messages.success(request, "链接已作废，企业再打开会提示链接无效。")
    return redirect("reopening:enterprise", link.enterprise_id)


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff enter (or correct) the application for an enterprise that has no link or asked for help."""
    enterprise = access.enterprise_for(request.user, pk, Capability.MANAGE_REOPENING)
    current = actions.editable_application(enterprise)
    form = ApplicationForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            application = actions.submit_application(
                request.user, enterprise, form.cleaned_data, form.phone_checked, via_link=False
            )
        except actions.ReopeningError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, "复工申请已提交。")
            return redirect("reopening:application", application.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "enterprise": enterprise, "application": current}
    return render(request, "reopening/application_form.html", context, status=status)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.application_for(request.user, pk)
    user = request.user
    context = {
        "application": application,
        "enterprise": application.enterprise,
        "materials": application.materials.all(),
        "inspections": application.inspections.prefetch_related("results__photo"),
        "staff_count": application.enterprise.staff.count(),
        "blocking": list(application.enterprise.staff.blocking()),
        "material_form": MaterialForm(),
        "can_manage": user.can(Capability.MANAGE_REOPENING),
        "can_review": user.can(Capability.REVIEW_REOPENING),
        "can_approve": user.can(Capability.APPROVE_REOPENING),
    }
    return render(request, "reopening/application.html", context)


@login_required
@require_POST
def material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.application_for(request.user, pk, Capability.MANAGE_REOPENING)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.add_material(
                request.user, application.enterprise, form.cleaned_data["file"], form.cleaned_data["title"], application
            )
        except UploadError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, "材料已上传。")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("reopening:application", application.pk)


@login_required
def material_download(request: HttpRequest, pk: int) -> HttpResponse:
    material = access.material_for(request.user, pk)
    try:
        return attachment_response(
            actions.UPLOAD_FOLDER,
            material.stored_name,
            material.kind,
            f"{material.title}.{material.stored_name.rsplit('.', 1)[1]}",
        )
    except (UploadError, FileNotFoundError):
        messages.error(request, "文件已不在服务器上，请重新上传。")
        return redirect("reopening:enterprise", material.enterprise_id)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The overview's enterprises (its filters) as a masked XLSX, with a purpose; audited before it leaves."""
    access.require(request.user, Capability.VIEW_REOPENING)
    access.require(request.user, Capability.EXPORT_REGISTER)
    form = ExportForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "reopening/export.html", {"form": form}, status=400 if form.errors else 200)
    enterprises = list(
        Enterprise.objects.visible_to(request.user).select_related("grid", "community", "building__alley")
    )
    columns = [
        Column("社区"), Column("网格"), Column("企业名称", width=28), Column("统一社会信用代码", width=22),
        Column("地址", width=30), Column("行业"), Column("联系人"), Column("联系电话（脱敏）", width=16),
        Column("员工人数", kind="number"), Column("状态"), *(Column(label) for label, _ in Enterprise().gates()),
    ]  # fmt: skip
    rows = (
        [
            e.community.name, e.grid.name, e.name, e.credit_code or "无（个体工商户）", e.address,
            e.get_sector_display(), e.contact_name, e.phone_masked, e.headcount, e.get_state_display(),
            *("已落实" if done else "未落实" for _, done in e.gates()),
        ]
        for e in enterprises
    )  # fmt: skip
    result = audited_xlsx(
        request.user,
        "enterprise.export",
        None,
        rows=rows,
        row_count=len(enterprises),
        columns=columns,
        purpose=form.cleaned_data["purpose"],
        scope="复工复产企业名单",
        client_ip=client_ip(request),
        title="复工复产企业",
    )
    response = FileResponse(result.file, as_attachment=True, filename="复工复产企业.xlsx", content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response
