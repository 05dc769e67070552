from datetime import datetime, time

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from alleykeeper.accounts.roles import Capability
from alleykeeper.audit.models import ACTION_LABELS, AuditEvent, Purpose
from alleykeeper.core.paging import page_after, query_without
from alleykeeper.core.replica import use_replica
from alleykeeper.core.widgets import DateInput


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="操作", required=False, choices=[("", "全部"), *sorted(ACTION_LABELS.items())])
    actor = forms.CharField(label="操作人", required=False, max_length=150)
    purpose = forms.ChoiceField(label="用途", required=False, choices=[("", "全部"), *Purpose.choices])
    since = forms.DateField(label="起始日期", required=False, widget=DateInput)
    until = forms.DateField(label="截止日期", required=False, widget=DateInput)


@login_required
@use_replica
def audit_list(request: HttpRequest) -> HttpResponse:
    if not request.user.can(Capability.VIEW_AUDIT):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        if data["purpose"]:
            events = events.filter(purpose=data["purpose"])
        zone = timezone.get_current_timezone()
        if data["since"]:
            events = events.filter(at__gte=datetime.combine(data["since"], time.min, zone))
        if data["until"]:
            events = events.filter(at__lte=datetime.combine(data["until"], time.max, zone))
    page = page_after(events, request.GET.get("after"), order=("-at", "-pk"), tag="audit")
    context = {"form": form, "page": page, "query": query_without(request.GET, "after")}
    return render(request, "audit/list.html", context)
