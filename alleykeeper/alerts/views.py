"""Alerts pages: my inbox and mutes, a community's channels, rules and message log (its admins), a case's
messages and SMS switch, and the SMS provider's upstream callback (reply STOP)."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.alerts import access, actions, resident
from alleykeeper.alerts.forms import CHANNEL_FORMS, MuteForm, RuleForm, SmsSwitchForm, TestSmsForm
from alleykeeper.alerts.models import (
    CONFIGURABLE_CHANNELS,
    STAFF_KINDS,
    ChannelConfig,
    ChannelKind,
    Message,
    Mute,
    ResidentSms,
    Rule,
    Status,
)
from alleykeeper.alerts.rules import DEFAULT_RULES, RuleTerms
from alleykeeper.core.paging import page_after

INBOX_PAGE = 30
LOG_PAGE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    rows = Message.objects.inbox_of(request.user)
    page = page_after(rows, request.GET.get("after"), INBOX_PAGE, order=("-created_at", "-pk"), tag="inbox")
    unread = Message.objects.inbox_of(request.user).unread().count()
    context = {"page": page, "unread": unread, "can_manage": request.user.can(access.MANAGE)}
    return render(request, "alerts/inbox.html", context)


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    count = actions.mark_read(request.user)
    messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
    return redirect("alerts:inbox")


@login_required
def mutes(request: HttpRequest) -> HttpResponse:
    form = MuteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        mute = actions.mute_kind(request.user, form.cleaned_data["kind"], form.cleaned_data["hours"])
        messages.success(request, f"“{mute.get_kind_display()}”已静音至 {timezone.localtime(mute.until):%m-%d %H:%M}。")
        return redirect("alerts:mutes")
    current = Mute.objects.filter(user=request.user, until__gt=timezone.now()).order_by("until")
    return render(request, "alerts/mutes.html", {"form": form, "mutes": current})


@login_required
@require_POST
def unmute(request: HttpRequest, kind: str) -> HttpResponse:
    actions.unmute_kind(request.user, kind)
    messages.success(request, "已取消静音。")
    return redirect("alerts:mutes")


# -- a community's set-up (its admins) ---------------------------------------------------------------------


def _wanted(request: HttpRequest) -> str | None:
    return request.GET.get("community")


def _setup_page(request: HttpRequest, template: str, community, **context) -> HttpResponse:
    """A set-up page of one community: `cq` (its query, carried by every link, form and redirect) and, for an
    admin of several, the communities to switch between."""
    communities = access.communities_for(request.user)
    context |= {"community": community, "cq": f"community={community.pk}"}
    context["switch"] = communities if len(communities) > 1 else None
    return render(request, template, context)


def _back(name: str, community, *args) -> HttpResponse:
    return redirect(f"{reverse(name, args=args)}?community={community.pk}")


@login_required
def channels(request: HttpRequest) -> HttpResponse:
    community = access.community_for(request.user, _wanted(request))
    saved = {c.kind: c for c in ChannelConfig.objects.filter(community=community)}
    rows = [{"kind": ChannelKind(k), "config": saved.get(k)} for k in CONFIGURABLE_CHANNELS]
    failed = Message.objects.filter(community=community, status=Status.FAILED).count()
    return _setup_page(request, "alerts/channels.html", community, rows=rows, failed=failed)


def _kind_or_404(kind: str, allowed) -> str:
    if kind not in [str(k) for k in allowed]:
        raise Http404
    return kind


def _initial(config: ChannelConfig | None) -> dict:
    if config is None:
        return {"enabled": True, "provider": "console"}
    options = config.options or {}
    templates = options.get("templates", {})
    return {
        "enabled": config.enabled,
        "provider": options.get("provider", "console"),
        "access_key_id": options.get("access_key_id", ""),
        "sign_name": options.get("sign_name", ""),
        "template_reminder": templates.get("resident_reminder", ""),
        "template_end": templates.get("resident_end", ""),
    }


@login_required
def channel_edit(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind_or_404(kind, CONFIGURABLE_CHANNELS)
    community, config = access.channel_for(request.user, kind, _wanted(request))
    saved = bool(config and (config.endpoint_enc or config.secret_enc))
    form_class = CHANNEL_FORMS[kind]
    form = form_class(request.POST if request.method == "POST" else None, initial=_initial(config), saved=saved)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        settings_ = actions.ChannelSettings(
            enabled=data["enabled"],
            endpoint=data.get("endpoint", ""),
            secret=data.get("secret", ""),
            options=form.options(),
        )
        actions.save_channel(request.user, community, kind, settings_)
        messages.success(request, f"{ChannelKind(kind).label}已保存。可以发送一条测试消息确认设置正确。")
        return _back("alerts:channel", community, kind)
    test_form = TestSmsForm() if kind == ChannelKind.SMS else None
    return _setup_page(
        request, "alerts/channel.html", community, kind=ChannelKind(kind), config=config, form=form, test_form=test_form
    )


@login_required
@require_POST
def channel_test(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind_or_404(kind, CONFIGURABLE_CHANNELS)
    community, config = access.channel_for(request.user, kind, _wanted(request))
    if config is None:
        messages.error(request, "请先保存设置，再发送测试消息。")
        return _back("alerts:channel", community, kind)
    address = ""
    if kind == ChannelKind.SMS:
        form = TestSmsForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["phone"][0])
            return _back("alerts:channel", community, kind)
        address = form.cleaned_data["phone"]
    if kind == ChannelKind.EMAIL and not request.user.email:
        messages.error(request, "您的账号没有登记电子邮箱，无法接收测试邮件。")
        return _back("alerts:channel", community, kind)
    outcome = actions.test_channel(request.user, config, address=address)
    (messages.success if outcome.startswith("发送成功") else messages.error)(request, outcome)
    return _back("alerts:channel", community, kind)


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    community = access.community_for(request.user, _wanted(request))
    stored = {r.kind: r for r in Rule.objects.filter(community=community).prefetch_related("users")}
    rows = []
    for kind in STAFF_KINDS:
        rule = stored.get(kind)
        terms = DEFAULT_RULES.get(kind, RuleTerms())
        rows.append(
            {
                "kind": kind,
                "enabled": rule.enabled if rule else terms.enabled,
                "to_case_worker": rule.to_case_worker if rule else terms.to_case_worker,
                "to_admins": rule.to_admins if rule else terms.to_admins,
                "users": [str(u) for u in rule.users.all()] if rule else [],
                "channels": [ChannelKind(c).label for c in (rule.channels if rule else terms.channels)],
                "custom": rule is not None,
            }
        )
    return _setup_page(request, "alerts/rules.html", community, rows=rows)


def _staff_of(community) -> QuerySet:
    return (
        User.objects.filter(is_active=True)
        .filter(Q(communities=community) | Q(grids__community=community))
        .exclude(role__in=[Role.CLEANER])
        .distinct()
        .order_by("role", "display_name", "username")
    )


@login_required
def rule_edit(request: HttpRequest, kind: str) -> HttpResponse:
    community = access.community_for(request.user, _wanted(request))
    kind = _kind_or_404(kind, STAFF_KINDS)
    rule = Rule.objects.filter(community=community, kind=kind).prefetch_related("users").first()
    terms = DEFAULT_RULES.get(kind, RuleTerms())
    initial = {
        "enabled": rule.enabled if rule else terms.enabled,
        "to_case_worker": rule.to_case_worker if rule else terms.to_case_worker,
        "to_admins": rule.to_admins if rule else terms.to_admins,
        "users": list(rule.users.all()) if rule else [],
        "channels": [c for c in (rule.channels if rule else terms.channels) if c != ChannelKind.INBOX],
    }
    form = RuleForm(request.POST if request.method == "POST" else None, initial=initial, staff=_staff_of(community))
    if request.method == "POST" and form.is_valid():
        saved = actions.save_rule(request.user, community, kind, form.cleaned_data)
        messages.success(request, f"“{saved.get_kind_display()}”的规则已保存。")
        return _back("alerts:rules", community)
    label = dict((k.value, k.label) for k in STAFF_KINDS)[kind]
    return _setup_page(request, "alerts/rule.html", community, form=form, label=label)


@login_required
def log(request: HttpRequest) -> HttpResponse:
    community = access.community_for(request.user, _wanted(request))
    rows = Message.objects.filter(community=community).exclude(channel=ChannelKind.INBOX).select_related("recipient")
    only_failed = request.GET.get("status") == "failed"
    if only_failed:
        rows = rows.filter(status=Status.FAILED)
    page = page_after(rows, request.GET.get("after"), LOG_PAGE, order=("-created_at", "-pk"), tag="alert_log")
    query = f"community={community.pk}&" + ("status=failed&" if only_failed else "")
    return _setup_page(request, "alerts/log.html", community, page=page, only_failed=only_failed, query=query)


@login_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    message = access.message_for(request.user, pk)
    if message.status not in (Status.FAILED, Status.CANCELLED):
        messages.error(request, "这条消息不是发送失败的消息，无需重发。")
    else:
        actions.resend_message(request.user, message)
        messages.success(request, "已重新排队发送；结果稍后在本页显示。")
    return _back("alerts:log", message.community)


# -- a case's messages and its SMS switch ---------------------------------------------------------------------


@login_required
def case_messages(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.case_for(request.user, pk)
    rows = Message.objects.filter(case=case).select_related("recipient").order_by("-created_at", "-id")[:100]
    subscription = ResidentSms.objects.filter(case=case).first()
    form = SmsSwitchForm(
        request.POST if request.method == "POST" else None,
        initial={"consent": bool(subscription and subscription.active)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["consent"]:
                resident.switch_on(request.user, case)
                messages.success(request, "已开启短信提醒：每个随访时段会把本人上报链接发到其手机。")
            else:
                resident.switch_off(request.user, case)
                messages.success(request, "已关闭短信提醒。")
        except resident.SmsSwitchError as error:
            form.add_error(None, str(error))
        else:
            return redirect("alerts:case", case.pk)
    context = {"case": case, "rows": rows, "subscription": subscription, "form": form}
    return render(request, "alerts/case.html", context)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS provider's upstream (reply) callback, e.g. 阿里云短信 "上行消息" HTTP push: a JSON list of
    {"phone_number", "content", ...}. Answered as the provider expects; the address carries a secret token."""
    expected = settings.ALERTS_SMS_INBOUND_TOKEN
    if not expected or not constant_time_compare(token, expected):
        raise Http404
    try:
        items = json.loads(request.body.decode("utf-8") or "[]")
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"code": 1, "msg": "bad json"}, status=400)
    if isinstance(items, dict):
        items = [items]
    stopped = 0
    for item in items[:500] if isinstance(items, list) else []:
        if isinstance(item, dict):
            stopped += resident.stop_by_reply(str(item.get("phone_number", ""))[:20], str(item.get("content", ""))[:20])
    return JsonResponse({"code": 0, "msg": "成功", "stopped": stopped})
