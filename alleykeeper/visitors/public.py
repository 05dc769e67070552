"""The public side: the form a visitor opens from the gate's QR code, without login, in WeChat's browser.

It must hold up (GUIDE.md section 4, issue 5): an unknown token is a Chinese 404, rate limits answer a
friendly 429, a database outage a clear 503 (never a stack trace), and the confirmation is shown only
after the registration is committed."""

import functools
import logging
from collections.abc import Callable
from contextlib import nullcontext

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from alleykeeper.core import ratelimit
from alleykeeper.core.net import client_ip
from alleykeeper.gates.models import Gate, GateState
from alleykeeper.visitors import access, actions
from alleykeeper.visitors.forms import RegistrationForm, new_submission_key
from alleykeeper.visitors.models import Registration, new_code

log = logging.getLogger(__name__)
RATE_WINDOW_SECONDS = 60


def _standalone(template: str, status: int, context: dict | None = None) -> HttpResponse:
    """A page rendered without the request: no session, no user, no database (it serves outages too)."""
    response = HttpResponse(render_to_string(template, context or {}), status=status)
    response["Cache-Control"] = "no-store"
    return response


def database_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """When the database is unreachable, ask the visitor to register with the duty staff (HTTP 503)."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            log.warning("visitor form: database unavailable (%s)", type(error).__name__)
            response = _standalone("visitors/unavailable.html", 503)
            response["Retry-After"] = "60"
            return response

    return guarded


def _gate_unknown() -> HttpResponse:
    return _standalone("visitors/gate_unknown.html", 404)


def _over_limit(scope: str, subject: str, limit: int) -> bool:
    return ratelimit.hit(scope, subject, RATE_WINDOW_SECONDS) > limit


def _too_many() -> HttpResponse:
    response = _standalone("visitors/rate_limited.html", 429)
    response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@database_guard
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, token: str) -> HttpResponse:
    # Rate limits count posts only: per client first (no database needed), then per gate.
    if request.method == "POST" and _over_limit("visitor:client", client_ip(request), settings.VISITOR_RATE_PER_CLIENT):
        return _too_many()
    gate = access.public_gate(token)
    if gate is None:
        return _gate_unknown()
    if gate.state != GateState.OPEN:
        return _private(render(request, "visitors/gate_closed.html", {"gate": gate}))
    if request.method == "POST":
        if _over_limit("visitor:gate", str(gate.pk), settings.VISITOR_RATE_PER_GATE):
            return _too_many()
        form = RegistrationForm(request.POST, counties_url=_counties_url(gate))
        if form.is_valid():
            try:
                submitted = actions.register_visitor(
                    gate,
                    form.cleaned_data,
                    submission_key=form.cleaned_data["submission_key"],
                    doc=form.doc_checked,
                    phone=form.phone_checked,
                    origin=form.origin_division,
                    passed=form.passed_divisions,
                )
            except actions.SubmissionKeyTaken:
                form = _with_fresh_key(request, gate)
            else:
                # Committed: only now may the visitor see a confirmation (303: a reload does not re-post).
                response = redirect("visitors:confirmed", token=gate.token, key=submitted.registration.submission_key)
                response.status_code = 303
                return response
        elif "submission_key" in form.errors:
            form = _with_fresh_key(request, gate)
    else:
        initial = {"submission_key": new_submission_key(), "arrival_date": timezone.localdate()}
        form = RegistrationForm(initial=initial, counties_url=_counties_url(gate))
    context = {"form": form, "gate": gate, "retention_days": settings.VISITOR_RETENTION_DAYS}
    return _private(render(request, "visitors/register.html", context))


def _counties_url(gate: Gate) -> str:
    return reverse("visitors:counties", args=[gate.token])


def _with_fresh_key(request: HttpRequest, gate: Gate) -> RegistrationForm:
    """The hidden key was missing, malformed or not this gate's: keep what was typed, give a new key."""
    data = request.POST.copy()
    data["submission_key"] = new_submission_key()
    form = RegistrationForm(data, counties_url=_counties_url(gate))
    form.full_clean()
    form.add_error(None, "页面已过期，请核对后再提交一次。")
    return form


@database_guard
@require_GET
def confirmed(request: HttpRequest, token: str, key: str) -> HttpResponse:
    gate = access.public_gate(token)
    if gate is None:
        return _gate_unknown()
    registration = Registration.objects.filter(gate=gate, submission_key=key).select_related("origin").first()
    if registration is None:
        return _gate_unknown()
    context = {"gate": gate, "registration": registration, "retention_days": settings.VISITOR_RETENTION_DAYS}
    return _private(render(request, "visitors/confirmed.html", context))


@database_guard
@require_GET
def counties(request: HttpRequest, token: str) -> HttpResponse:
    """htmx: the county select for the chosen city (without JavaScript it fills in after a re-render)."""
    if access.public_gate(token) is None:
        return _gate_unknown()
    form = RegistrationForm(initial={"origin": request.GET.get("origin", "")})
    return render(request, "visitors/_county_field.html", {"field": form["origin_county"]})


def bench_baseline(request: HttpRequest, token: str) -> HttpResponse:
    """Benchmark baseline (mounted only with ALLEYKEEPER_BENCH=1): the same row, inserted as posted,
    without validation, encryption or rate limiting. Like any careful hand-written insert, it draws another
    short code when the drawn one is taken at the gate (the unique constraint says so): without that, one
    post in a long run (tens of thousands of rows at one gate) failed with a 500 (bench/registration.py's
    errors=1)."""
    gate = Gate.objects.filter(token=token).first()
    if gate is None:
        return HttpResponse(status=404)
    post = request.POST
    row = {
        "gate": gate,
        "submission_key": post.get("submission_key", "")[:64],
        "name": post.get("name", "")[:50],
        "doc_type": post.get("doc_type", "")[:20],
        "doc_number_enc": post.get("doc_number", ""),
        "phone_enc": post.get("phone", ""),
        "arrival_date": post.get("arrival_date"),
        "origin_id": post.get("origin"),
        "transport": post.get("transport", "")[:10],
        "transport_number": post.get("transport_number", "")[:20],
        "reason": post.get("reason", "")[:100],
        "host_address": post.get("host_address", "")[:100],
        "host_name": post.get("host_name", "")[:50],
    }
    for _ in range(actions.CODE_ATTEMPTS):
        try:
            # As register_visitor: in autocommit a failed insert leaves the connection usable; inside a
            # transaction (tests) a savepoint keeps it so.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                registration = Registration.objects.create(code=new_code(), **row)
            break
        except IntegrityError:
            continue
    else:
        return HttpResponse(status=503)
    response = HttpResponse(status=303)
    response["Location"] = f"/v/{token}/ok/{registration.submission_key}/"
    return response
