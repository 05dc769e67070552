"""Coverage per campaign and per grid, today's attempts per worker, the never-reached list; its export."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from alleykeeper.accounts.roles import Capability
from alleykeeper.core.net import client_ip
from alleykeeper.registry.models import Grid
from alleykeeper.screening import access, coverage
from alleykeeper.screening.forms import ExportForm
from alleykeeper.screening.models import Outcome

NEVER_REACHED_SHOWN = 100
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def coverage_page(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_any(request.user, Capability.SCREEN, Capability.MANAGE_CAMPAIGNS)
    campaign = access.campaign_for(request.user, pk)
    states = coverage.visible_states(request.user, campaign)
    total, grids = coverage.by_grid(states)
    today = timezone.localdate()
    missing = list(coverage.never_reached(states)[: NEVER_REACHED_SHOWN + 1])
    context = {
        "campaign": campaign,
        "total": total,
        "grids": grids,
        "today": today,
        "workers": coverage.attempts_per_worker(coverage.visible_attempts(request.user, campaign), today),
        "outcomes": Outcome.choices,
        "never_reached": missing[:NEVER_REACHED_SHOWN],
        "more_never_reached": len(missing) > NEVER_REACHED_SHOWN,
        "can_manage": request.user.can(Capability.MANAGE_CAMPAIGNS),
        "can_screen": request.user.can(Capability.SCREEN),
    }
    return render(request, "screening/coverage.html", context)


@login_required
def coverage_export(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the form; POST exports, with the purpose chosen and the row count audited."""
    access.require_any(request.user, Capability.SCREEN, Capability.MANAGE_CAMPAIGNS)
    campaign = access.campaign_for(request.user, pk)
    if request.method != "POST":
        return render(request, "screening/export.html", {"campaign": campaign, "form": ExportForm()})
    form = ExportForm(request.POST)
    if not form.is_valid():
        return render(request, "screening/export.html", {"campaign": campaign, "form": form}, status=400)
    states = coverage.visible_states(request.user, campaign)
    grids = "、".join(Grid.objects.visible_to(request.user).filter(campaigns=campaign).values_list("name", flat=True))
    options = {
        "purpose": form.cleaned_data["purpose"],
        "scope": f"排查活动：{campaign.name}；网格：{grids or '无'}",
        "client_ip": client_ip(request),
    }
    if form.cleaned_data["format"] == "csv":
        chunks = coverage.export_csv(request.user, campaign, states, **options)
        response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, coverage.export_filename(campaign, "csv"))
    else:
        result = coverage.export_xlsx(request.user, campaign, states, **options)
        response = FileResponse(
            result.file, as_attachment=True, filename=coverage.export_filename(campaign, "xlsx"), content_type=XLSX_TYPE
        )
    response["Cache-Control"] = "no-store"
    return response
