"""The gate log: one phone screen for duty staff on duty at the gate (or its managers).

htmx swaps the panel (#gate-log) after each tap; without JavaScript the same form posts and redirects.
Names found by the lookup travel in POST bodies only, never in URLs.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alleykeeper.accounts.roles import Capability
from alleykeeper.audit.exports import export_page
from alleykeeper.gates import access, actions, log_export
from alleykeeper.gates.log_forms import FIND, GateLogForm, LookupForm, find_residents
from alleykeeper.gates.models import TALLIED, Direction, Gate, GateLogEntry, PassageKind
from alleykeeper.gates.views import visitors_live_url
from alleykeeper.registry.models import Resident

RECENT = 30
# A day's list behind one count stops here (a gate records a few hundred passages on a busy day).
TODAY_LIMIT = 500


def _rows(queryset):
    return queryset.select_related(
        "resident__household__building__alley", "resident__household__unit", "recorded_by"
    ).order_by("-at", "-id")


def _recent(gate: Gate) -> list[GateLogEntry]:
    return list(_rows(GateLogEntry.objects.filter(gate=gate))[:RECENT])


def _today(gate: Gate) -> dict:
    return GateLogEntry.objects.filter(gate=gate).on_day(timezone.localdate()).tally()


def _context(request: HttpRequest, gate: Gate, form: GateLogForm, **extra) -> dict:
    return {
        "gate": gate,
        "form": form,
        "entries": _recent(gate),
        "today": _today(gate),
        "visitors_url": visitors_live_url(gate),
        "fever_threshold": settings.FEVER_THRESHOLD,
        "can_export": request.user.can(Capability.MANAGE_GATES),
        **extra,
    }


def _success_message(entry: GateLogEntry) -> str:
    who = {
        PassageKind.RESIDENT: entry.resident.name if entry.resident else "居民",
        PassageKind.VISITOR: f"访客 {entry.visitor_code}",
        PassageKind.VEHICLE: f"车辆 {entry.plate}",
        PassageKind.COURIER: "快递/外卖",
    }[entry.kind]
    if entry.kind == PassageKind.COURIER:
        return f"已登记：{who}，拦于门外。"
    return f"已登记：{who} {entry.get_direction_display()}。"


@login_required
def log_page(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.gate_for(request.user, pk)
    return _panel(request, gate, GateLogForm())


def _panel(request: HttpRequest, gate: Gate, form: GateLogForm, status: int = 200, **extra) -> HttpResponse:
    template = "gates/_log_panel.html" if request.htmx else "gates/log.html"
    response = render(request, template, _context(request, gate, form, **extra), status=200 if request.htmx else status)
    response["Cache-Control"] = "no-store"
    return response


# The session key under which a temperature measured here goes with a visitor's code to the visitor list: the
# session, not the address (a temperature is health data: never in a URL, never in a server's access log).
FORWARDED_TEMPERATURE = "gates_forwarded_temperature"


def _to_visitor_list(request: HttpRequest, gate: Gate, code: str, temperature: Decimal | None) -> HttpResponse | None:
    """A visitor comes in through the visitors app's live list, which checks the code against the
    registrations and flags key-area arrivals; the gate log forwards the code there, and the temperature
    measured, which the list puts in the visitor's row to be confirmed."""
    url = visitors_live_url(gate)
    if not url:
        return None
    url = f"{url}?code={code}"
    if temperature is not None:
        request.session[FORWARDED_TEMPERATURE] = [code, str(temperature)]
    if request.htmx:
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
def today_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Today's entries behind one of the gate's counts (?show=entered|left|kept_outside|fever): the duty home's
    and the log page's counts open it."""
    gate = access.gate_for(request.user, pk)
    show = request.GET.get("show", "")
    if show not in TALLIED:
        show = "entered"
    today = GateLogEntry.objects.filter(gate=gate).on_day(timezone.localdate())
    entries = list(_rows(today.counted_as(show))[: TODAY_LIMIT + 1])
    tally = today.tally()
    context = {
        "gate": gate,
        "show": show,
        "what": TALLIED[show],
        "tabs": [(key, label, tally[key]) for key, label in TALLIED.items()],
        "entries": entries[:TODAY_LIMIT],
        "cut": len(entries) > TODAY_LIMIT,
        "limit": TODAY_LIMIT,
    }
    response = render(request, "gates/log_today.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def record(request: HttpRequest, pk: int) -> HttpResponse:
    gate = access.gate_for(request.user, pk)
    form = GateLogForm(request.POST)
    if not form.is_valid():
        return _panel(request, gate, form, status=400)
    data = form.cleaned_data
    if data["tap"] == FIND:
        residents = find_residents(request.user, gate, data["q"])
        return _panel(request, gate, form, residents=residents, searched=bool(data["q"]))
    direction, kind, resident_id = data["tap"]
    if kind == PassageKind.VISITOR and direction == Direction.IN:
        forwarded = _to_visitor_list(request, gate, data["visitor_code"], data["temperature"])
        if forwarded:
            return forwarded
    resident = None
    if kind == PassageKind.RESIDENT:
        scoped = Resident.objects.visible_to(request.user).filter(household__community=gate.enclosure.community_id)
        resident = get_object_or_404(scoped.select_related("household"), pk=resident_id)
    try:
        entry = actions.log_gate_passage(
            request.user,
            gate,
            direction=direction,
            kind=kind,
            resident=resident,
            visitor_code=data["visitor_code"],
            temperature=data["temperature"],
            plate=data["plate"],
            note=data["note"],
        )
    except actions.GateLogError as error:
        form.add_error(None, str(error))
        return _panel(request, gate, form, status=400)
    done, warnings = _success_message(entry), entry.warnings()
    if not request.htmx:
        messages.success(request, done)
        for warning in warnings:
            messages.warning(request, warning)
        return redirect("gates:log", gate.pk)
    # Family members often pass together: after a resident, keep the search and its results.
    fresh = GateLogForm(initial={"q": data["q"]} if kind == PassageKind.RESIDENT else None)
    residents = find_residents(request.user, gate, data["q"]) if kind == PassageKind.RESIDENT else []
    return _panel(request, gate, fresh, done=done, warnings=warnings, residents=residents, searched=bool(residents))


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The gate's log of some days as CSV, after choosing the days and a purpose (audited with the row count).

    Managers only (MANAGE_GATES in the gate's community), not the duty staff who may read the log while on
    shift: the live page shows the last few passages for the work at the gate; a file of days of people's
    movements is a bulk read for reporting, and duty access ends with the shift while a file does not."""
    gate = access.managed_gate_for(request.user, pk)

    def export_gate(actor, start: date, end: date, purpose: str, ip: str | None) -> Iterator[bytes]:
        return log_export.export_log(actor, gate, start, end, purpose, ip)

    return export_page(
        request, export_gate, title="出入记录", name=gate.name, template="gates/log_export.html", context={"gate": gate}
    )


@login_required
@require_POST
def lookup(request: HttpRequest, pk: int) -> HttpResponse:
    """Residents matching the typed name or address, each with 进/出 buttons (an htmx fragment)."""
    gate = access.gate_for(request.user, pk)
    form = LookupForm(request.POST)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    residents = find_residents(request.user, gate, query)
    response = render(request, "gates/_residents.html", {"gate": gate, "residents": residents, "searched": bool(query)})
    response["Cache-Control"] = "no-store"
    return response
