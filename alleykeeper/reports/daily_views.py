"""The daily report's pages: the days and their reports, one report in an office's format, sign-off,
corrections, the XLSX and the print; the street's own report. Views parse, check access, call, render."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.net import client_ip
from alleykeeper.core.replica import use_replica
from alleykeeper.registry.models import Community, Street
from alleykeeper.reports import access, actions
from alleykeeper.reports.figures import Area, Window, records_query
from alleykeeper.reports.formats import shipped_formats
from alleykeeper.reports.forms import CorrectionForm, ExportForm, GenerateForm, PrintForm, SignForm
from alleykeeper.reports.models import DailyReport, ReportFormat
from alleykeeper.reports.rendering import Rendered, workbook
from alleykeeper.reports.rendering import render as render_format
from alleykeeper.reports.street import street_report

DAYS_SHOWN = 7
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _formats() -> list[ReportFormat]:
    """The newest version of each office's format; none in the database (emptied by hand: the migrations load
    them and the admin deletes none), the files shipped with the app, unsaved, so that no report page fails."""
    return list(ReportFormat.objects.current()) or shipped_formats()


def _chosen(formats: list[ReportFormat], slug: str | None) -> ReportFormat:
    return next((f for f in formats if f.slug == slug), formats[0])


# -- the days --------------------------------------------------------------------------------------------------


def _days_page(request: HttpRequest, form: GenerateForm, status: int = 200) -> HttpResponse:
    user = request.user
    last = Window.last_report_day(timezone.now())
    days = [last - timedelta(days=n) for n in range(DAYS_SHOWN)]
    communities = list(Community.objects.visible_to(user).select_related("street").order_by("street__name", "name"))
    reports = DailyReport.objects.filter(community__in=communities, day__in=days)
    reports = reports.latest_versions() if user.can(Capability.SIGN_REPORTS) else reports.latest_signed()
    found = {(r.community_id, r.day): r for r in reports}
    rows = [{"community": c, "days": [(day, found.get((c.pk, day))) for day in days]} for c in communities]
    context = {
        "rows": rows,
        "days": days,
        "streets": list(access.streets_for(user).order_by("name")),
        "form": form if user.can(Capability.SIGN_REPORTS) else None,
        "cutoff": Window.report_day(last).end,
    }
    return render(request, "reports/daily.html", context, status=status)


@login_required
@use_replica
def daily(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Capability.VIEW_REPORTS)
    return _days_page(request, GenerateForm())


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    """The admin's button: the day's report of each community in scope, made now (as the timer would)."""
    access.require(request.user, Capability.SIGN_REPORTS)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        return _days_page(request, form)
    communities = list(Community.objects.visible_to(request.user).order_by("pk").values_list("pk", flat=True))
    try:
        result = actions.generate_daily_reports(request.user, form.cleaned_data["day"], community_ids=communities)
    except actions.ReportError as error:
        messages.error(request, str(error))
        return redirect("reports:daily")
    day = form.cleaned_data["day"]
    messages.success(request, f"已生成 {day:%Y-%m-%d} 的日报 {result.made} 份；已签发未改动 {result.signed} 份。")
    if len(communities) == 1:
        report = DailyReport.objects.filter(community_id=communities[0], day=day).order_by("-version").first()
        return redirect("reports:report", report.pk)
    return redirect("reports:daily")


# -- one report ------------------------------------------------------------------------------------------------


def _rendered(report: DailyReport, fmt: ReportFormat, *, lists: bool) -> Rendered:
    area = Area.of_communities([report.community_id]) if lists else None
    window = Window(report.window_start, report.window_end)
    return render_format(fmt, report.figures, place=report.community.name, window=window, area=area)


def _report_page(request: HttpRequest, report: DailyReport, status: int = 200, **forms) -> HttpResponse:
    formats = _formats()
    fmt = _chosen(formats, request.GET.get("format"))
    can_sign = request.user.can(Capability.SIGN_REPORTS)
    versions = DailyReport.objects.filter(community_id=report.community_id, day=report.day).order_by("-version")
    if not can_sign:
        versions = versions.signed()
    versions = list(versions.select_related("signed_by"))
    latest = versions[0] if versions else report
    context = {
        "report": report,
        "rendered": _rendered(report, fmt, lists=False),
        "formats": formats,
        "format": fmt,
        "versions": versions,
        "is_latest": latest.pk == report.pk,
        "can_sign": can_sign,
        "sign_form": forms.get("sign_form") or SignForm(),
        "correction_form": forms.get("correction_form") or CorrectionForm(),
        "export_form": forms.get("export_form") or ExportForm(formats=formats, initial={"format": fmt.slug}),
        # Each figure links to its records, as they stand now (a signed figure may differ if records changed).
        "links": records_query(
            Area.of_communities([report.community_id]), Window(report.window_start, report.window_end)
        )
        if request.user.can(Capability.VIEW_REPORTS)
        else "",
    }
    return render(request, "reports/report.html", context, status=status)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, access.report_for(request.user, pk))


def _signed_in_action(request: HttpRequest, pk: int) -> DailyReport:
    report = access.report_for(request.user, pk)
    access.require_sign(request.user, report)
    return report


@login_required
@require_POST
def report_sign(request: HttpRequest, pk: int) -> HttpResponse:
    report = _signed_in_action(request, pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, sign_form=form)
    try:
        actions.sign_report(request.user, report, decrease_reason=form.cleaned_data["decrease_reason"])
    except actions.ReportError as error:
        form.add_error(None, str(error))
        return _report_page(request, report, sign_form=form)
    messages.success(request, "日报已签发；签发后不能再修改，如有错误请提交更正。")
    return redirect("reports:report", report.pk)


@login_required
@require_POST
def report_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    report = _signed_in_action(request, pk)
    try:
        report = actions.generate_report(request.user, report.community, report.day)
    except actions.ReportError as error:
        messages.error(request, str(error))
        return redirect("reports:report", pk)
    if report.is_signed:
        messages.error(request, "这份日报已经签发，不能重新生成；如有错误请提交更正。")
    else:
        messages.success(request, "已按最新记录重新统计。")
    return redirect("reports:report", report.pk)


@login_required
@require_POST
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    report = _signed_in_action(request, pk)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, correction_form=form)
    try:
        correction = actions.start_correction(request.user, report, form.cleaned_data["reason"])
    except actions.ReportError as error:
        form.add_error(None, str(error))
        return _report_page(request, report, correction_form=form)
    messages.success(request, f"已生成更正版（第 {correction.version} 版），核对后签发。")
    return redirect("reports:report", correction.pk)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


def _signature(report: DailyReport) -> str:
    if not report.is_signed:
        return f"第 {report.version} 版 · 待签发（草稿）"
    signer = report.signed_by.display_name or report.signed_by.username
    when = timezone.localtime(report.signed_at).strftime("%Y-%m-%d %H:%M")
    text = f"第 {report.version} 版 · 签发：{signer} {when}"
    if report.supersedes_id:
        text += f" · 更正原因：{report.correction_reason}"
    return text


@login_required
@require_POST
def report_export(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for(request.user, pk)
    formats = _formats()
    form = ExportForm(request.POST, formats=formats)
    if not form.is_valid():
        return _report_page(request, report, export_form=form)
    fmt = _chosen(formats, form.cleaned_data["format"])
    rendered = _rendered(report, fmt, lists=True)
    scope = f"{report.community.name} {report.day:%Y-%m-%d} 日报第{report.version}版 {fmt.office}"
    actions.record_report_export(
        request.user,
        report,
        what=f"xlsx:{fmt.slug}:{fmt.version}",
        purpose=form.cleaned_data["purpose"],
        scope=scope,
        row_count=rendered.row_count,
        client_ip=client_ip(request),
    )
    return _xlsx(workbook(rendered, _signature(report)), f"{scope.replace(' ', '-')}.xlsx")


@login_required
def report_print(request: HttpRequest, pk: int) -> HttpResponse:
    """An A4 page of one format. A format that lists people asks for a purpose first (audited, like an export)."""
    report = access.report_for(request.user, pk)
    fmt = _chosen(_formats(), request.GET.get("format"))
    rendered = _rendered(report, fmt, lists=False)
    form = None
    if rendered.lists_left_out:
        form = PrintForm(request.GET if "purpose" in request.GET else None)
        if form.is_valid():
            rendered = _rendered(report, fmt, lists=True)
            scope = f"{report.community.name} {report.day:%Y-%m-%d} 日报第{report.version}版 {fmt.office}"
            actions.record_report_export(
                request.user,
                report,
                what=f"print:{fmt.slug}:{fmt.version}",
                purpose=form.cleaned_data["purpose"],
                scope=scope,
                row_count=rendered.row_count,
                client_ip=client_ip(request),
            )
            form = None
    context = {"rendered": rendered, "report": report, "format": fmt, "form": form, "signature": _signature(report)}
    return render(request, "reports/print.html", context)


# -- the street's report ----------------------------------------------------------------------------------------


def _street_context(request: HttpRequest, street: Street, day: date, fmt: ReportFormat):
    summary = street_report(request.user, street, day)
    rendered = render_format(fmt, summary.figures, place=street.name, window=Window.report_day(day), area=None)
    # The street had nothing new only if every community says so: with one not signed, its zeros are unknowns.
    rendered.zero = rendered.zero and summary.complete
    return summary, rendered


@login_required
@use_replica
def street_detail(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    street, the_day = access.street_for(request.user, pk), access.day_of(day)
    formats = _formats()
    fmt = _chosen(formats, request.GET.get("format"))
    summary, rendered = _street_context(request, street, the_day, fmt)
    form = ExportForm(request.POST or None, formats=formats, initial={"format": fmt.slug})
    if request.method == "POST" and form.is_valid() and not summary.signed:
        form.add_error(None, "这一天还没有社区签发日报，没有可汇总的数字，不能导出。")
    if request.method == "POST" and form.is_valid():
        fmt = _chosen(formats, form.cleaned_data["format"])
        summary, rendered = _street_context(request, street, the_day, fmt)
        scope = f"{street.name} {the_day:%Y-%m-%d} 街道汇总 {fmt.office}"
        actions.record_report_export(
            request.user,
            None,
            what=f"street_xlsx:{street.pk}:{fmt.slug}:{fmt.version}",
            purpose=form.cleaned_data["purpose"],
            scope=scope,
            row_count=0,
            client_ip=client_ip(request),
        )
        note = f"汇总 {len(summary.signed)} 个社区已签发的日报" + (
            f"；未签发：{'、'.join(c.name for c in summary.missing)}" if summary.missing else ""
        )
        return _xlsx(workbook(rendered, note), f"{scope.replace(' ', '-')}.xlsx")
    context = {
        "street": street,
        "day": the_day,
        "summary": summary,
        "rendered": rendered,
        "formats": formats,
        "format": fmt,
        "form": form,
        "print": request.GET.get("print") == "1",
        "previous": the_day - timedelta(days=1),
        "next": the_day + timedelta(days=1) if the_day < Window.last_report_day(timezone.now()) else None,
    }
    return render(request, "reports/street.html", context, status=400 if request.method == "POST" else 200)


def street_url(street: Street, day: date) -> str:
    return reverse("reports:street", args=[street.pk, day.isoformat()])
