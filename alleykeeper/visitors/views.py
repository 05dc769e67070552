"""Staff side: the gates I watch, a gate's live list of today's arrivals, its poster, the list's buttons."""

import re
from collections.abc import Iterator
from datetime import date, datetime, time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.audit.exports import export_page
from alleykeeper.gates.actions import GateLogError
from alleykeeper.gates.log_views import FORWARDED_TEMPERATURE
from alleykeeper.gates.models import Gate, GateLogEntry, PassageKind
from alleykeeper.visitors import access, actions, exports
from alleykeeper.visitors.flags import flag_key_areas
from alleykeeper.visitors.models import CODE_LENGTH, Registration

LIVE_LIMIT = 300  # a gate's busiest day stays on one page; the code search finds anyone older


def public_url(gate: Gate) -> str:
    return settings.SITE_URL + reverse("visitors:register", args=[gate.token])


@login_required
def gates(request: HttpRequest) -> HttpResponse:
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    watched = (
        access.watched_gates(request.user)
        .annotate(today=Count("registrations", filter=Q(registrations__created_at__gte=start), distinct=True))
        .order_by("enclosure__name", "name")
    )
    return render(request, "visitors/gates.html", {"gates": watched})


def _rows(gate: Gate, code: str = "") -> list[Registration]:
    """Today's registrations at the gate (or one code, any day), each with `last_entry`: its latest passage in
    the gate log (when it was let in, with the temperature and flags), or None."""
    queryset = Registration.objects.filter(gate=gate).select_related("origin", "key_person")
    queryset = queryset.filter(code=code) if code else queryset.registered_on(timezone.localdate())
    rows = list(queryset.order_by("-created_at", "-id")[:LIVE_LIMIT])
    flag_key_areas(rows)
    latest: dict[str, GateLogEntry] = {}
    if rows:
        logged = GateLogEntry.objects.filter(
            gate=gate, kind=PassageKind.VISITOR, visitor_code__in=[r.code for r in rows]
        ).only("visitor_code", "temperature", "flags", "at")
        for entry in logged.order_by("at", "id"):
            latest[entry.visitor_code] = entry
    for row in rows:
        row.last_entry = latest.get(row.code)
    return rows


def _code_query(request: HttpRequest) -> str:
    return re.sub(r"[^A-Z0-9]", "", request.GET.get("code", "").upper())[:CODE_LENGTH]


@login_required
def live(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.gate_for(request.user, pk)
    code = _code_query(request)
    rows = _rows(gate, code)
    # A temperature measured on the gate log page before it sent a visitor's code here (gates.log_views): in the
    # row until the visitor is let in (the list refreshes itself meanwhile).
    forwarded = request.session.get(FORWARDED_TEMPERATURE)
    context = {
        "gate": gate,
        "rows": rows,
        "code": code,
        "typed": forwarded[1] if forwarded and code and forwarded[0] == code else "",
        "can_export": request.user.can(Capability.MANAGE_GATES),
        "limit": LIVE_LIMIT,
        "today": timezone.localdate(),
    }
    template = "visitors/_rows.html" if request.htmx and request.htmx.target == "rows" else "visitors/live.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.gate_for(request.user, pk)
    url = public_url(gate)
    qr = segno.make(url, error="m")
    context = {
        "gate": gate,
        "url": url,
        "qr_svg": qr.svg_inline(scale=8, border=2, omitsize=True),
        "retention_days": settings.VISITOR_RETENTION_DAYS,
        "lookback_days": settings.KEY_AREA_LOOKBACK_DAYS,
    }
    return render(request, "visitors/poster.html", context)


def _after_action(
    request: HttpRequest, registration: Registration, message: str, error: str = "", warnings: list[str] | None = None
) -> HttpResponse:
    """htmx: the row, re-rendered in place with what was done and what to do now (a fever: retest, report), or
    the error with the temperature as typed; without JS: back to the list, the same words as messages."""
    warnings = warnings or []
    if request.htmx:
        context = {
            "gate": registration.gate,
            "row": _rows(registration.gate, registration.code)[0],
            "row_error": error,
            "row_done": "" if error else message,
            "row_warnings": warnings,
            "typed": request.POST.get("temperature", "")[:5] if error else "",
        }
        return render(request, "visitors/_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
    for warning in warnings:
        messages.warning(request, warning)
    return redirect("visitors:live", registration.gate_id)


@login_required
@require_POST
def make_key_person(request: HttpRequest, pk: int) -> HttpResponse:
    registration = access.registration_for(request.user, pk)
    person = actions.make_key_person(request.user, registration)
    return _after_action(request, registration, f"已将 {person.name}（登记码 {registration.code}）转为重点人员。")


@login_required
@require_POST
def log_entry(request: HttpRequest, pk: int) -> HttpResponse:
    registration = access.registration_for(request.user, pk)
    try:
        entry = actions.log_visitor_entry(request.user, registration, request.POST.get("temperature", ""))
    except GateLogError as error:
        return _after_action(request, registration, "", str(error))
    request.session.pop(FORWARDED_TEMPERATURE, None)
    measured = f"，体温 {entry.temperature} ℃" if entry.temperature is not None else "，未测体温"
    done = f"已登记 {registration.name}（{registration.code}）进入{measured}。"
    return _after_action(request, registration, done, warnings=entry.warnings())


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The gate's registrations of some days as CSV, after choosing a purpose (audited with the row count);
    the gate's managers only (access.managed_gate_for)."""
    gate = access.managed_gate_for(request.user, pk)
    context = {"gate": gate}

    def export_gate(actor, start: date, end: date, purpose: str, ip: str | None) -> Iterator[bytes]:
        return exports.export_days(actor, gate, start, end, purpose, ip)

    return export_page(
        request, export_gate, title="来访登记", name=gate.name, template="visitors/export.html", context=context
    )
