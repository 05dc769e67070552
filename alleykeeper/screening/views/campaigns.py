"""Campaign pages: the list every screener starts from, and what admins set up (scope, questions)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.accounts.scope import scope_of
from alleykeeper.registry.models import Grid
from alleykeeper.screening import access, actions
from alleykeeper.screening.forms import CampaignForm, QuestionForm
from alleykeeper.screening.models import Campaign, HouseholdStatus


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    access.require_any(request.user, Capability.SCREEN, Capability.MANAGE_CAMPAIGNS)
    scope = scope_of(request.user)
    # Progress counts only the households the user works on (a grid worker: their grids).
    mine = Q(households__grid_id__in=scope.grid_ids) if scope.grid_ids is not None else Q()
    campaigns = (
        Campaign.objects.visible_to(request.user)
        .select_related("community")
        .annotate(
            total=Count("households", filter=mine),
            covered=Count("households", filter=mine & Q(households__status=HouseholdStatus.COVERED)),
            revisit=Count("households", filter=mine & Q(households__status=HouseholdStatus.REVISIT)),
        )
        .order_by("-start_date", "-id")
    )
    today = timezone.localdate()
    context = {
        "campaigns": campaigns,
        "today": today,
        "can_manage": request.user.can(Capability.MANAGE_CAMPAIGNS),
        "can_screen": request.user.can(Capability.SCREEN),
    }
    return render(request, "screening/campaigns.html", context)


@login_required
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require_any(request.user, Capability.MANAGE_CAMPAIGNS)
    campaign = access.campaign_for(request.user, pk) if pk else None
    grids = Grid.objects.visible_to(request.user).select_related("community")
    if campaign is not None:
        grids = grids.filter(community=campaign.community)
    form = CampaignForm(request.POST or None, instance=campaign, grids=grids)
    if request.method == "POST" and form.is_valid():
        if campaign is None:
            campaign = actions.create_campaign(request.user, form.cleaned_data)
            messages.success(request, f"已建立排查活动“{campaign.name}”，范围内 {campaign.households.count()} 户。")
            return redirect("screening:questions", campaign.pk)
        actions.update_campaign(request.user, campaign, form.cleaned_data)
        messages.success(request, "已保存活动设置。")
        return redirect("screening:coverage", campaign.pk)
    return render(request, "screening/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
@require_POST
def campaign_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """Households added to the register after the campaign started join it here."""
    access.require_any(request.user, Capability.MANAGE_CAMPAIGNS)
    campaign = access.campaign_for(request.user, pk)
    added, removed = actions.sync_campaign_scope(request.user, campaign)
    messages.success(request, f"已更新范围：新增 {added} 户，移出 {removed} 户（已联系过的住户保留）。")
    return redirect("screening:coverage", campaign.pk)


@login_required
def questions(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_any(request.user, Capability.MANAGE_CAMPAIGNS)
    campaign = access.campaign_for(request.user, pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        question = actions.add_question(request.user, campaign, form.cleaned_data)
        messages.success(request, f"已添加问题“{question.text}”。")
        return redirect("screening:questions", campaign.pk)
    listed = campaign.questions.annotate(answer_count=Count("answers")).order_by("order", "id")
    return render(request, "screening/questions.html", {"campaign": campaign, "questions": listed, "form": form})


@login_required
@require_POST
def question_toggle(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    access.require_any(request.user, Capability.MANAGE_CAMPAIGNS)
    campaign = access.campaign_for(request.user, pk)
    question = access.question_for(request.user, campaign, question_id)
    actions.set_question_active(request.user, question, not question.active)
    messages.success(request, f"已{'启用' if question.active else '停用'}问题“{question.text}”。")
    return redirect("screening:questions", campaign.pk)
