"""The personal report link (本人上报): no login, named by an unguessable token (never the case id).

It allows exactly that person's report for the current slot (and a retest when a fever asks for one),
and shows no history and no other data: a masked name, the form, or a thank-you. Rate limited per
client and per link. An unknown, replaced or closed link is refused with the same page.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from alleykeeper.core import ratelimit
from alleykeeper.core.net import client_ip
from alleykeeper.observation import schedule
from alleykeeper.observation.actions import CaseError, case_for_token, hash_token
from alleykeeper.observation.followups import Report, current_slot_of, record_followup
from alleykeeper.observation.forms import SelfReportForm
from alleykeeper.observation.models import Channel, FeverState, ObservationCase, SlotStatus
from alleykeeper.observation.views_delivery import mask_name

WINDOW = 3600


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _state(case: ObservationCase) -> tuple[str, object]:
    """What the page may offer now: 'report', 'retest', 'done' (this slot's report is in) or 'closed' (no
    report is due now: before the first follow-up of a case opened today, or after the last), and the next
    due time."""
    now = timezone.now()
    if case.fever_state == FeverState.RETEST_DUE:
        return "retest", None
    slot = current_slot_of(case, now)
    if slot is not None and slot.status != SlotStatus.DONE:
        return "report", slot.due_at
    upcoming = case.slots.filter(due_at__gt=now, status=SlotStatus.PENDING).order_by("due_at").first()
    return "done" if slot is not None else "closed", upcoming.due_at if upcoming else None


@never_cache
@csrf_protect
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    limit = settings.OBSERVATION_SELF_REPORTS_PER_HOUR
    if ratelimit.hit("obs-self-ip", client_ip(request), WINDOW) > limit * 3:
        return _private(render(request, "observation/self_report.html", {"refused": "busy"}, status=429))
    case = case_for_token(token)
    if case is None:
        return _private(render(request, "observation/self_report.html", {"refused": "invalid"}, status=404))
    state, next_due = _state(case)
    form = SelfReportForm(request.POST or None)
    if request.method == "POST":
        if ratelimit.hit("obs-self-link", hash_token(token), WINDOW) > limit:
            return _private(render(request, "observation/self_report.html", {"refused": "busy"}, status=429))
        if state in ("report", "retest") and form.is_valid():
            report = Report(
                channel=Channel.SELF,
                temperature=form.cleaned_data["temperature"],
                symptoms=form.cleaned_data["symptoms"],
            )
            try:
                record_followup(None, case, report)
            except CaseError:
                pass  # reported meanwhile (a double tap): the page below says it is done
            return _private(redirect("observation:self_report", token))
    context = {
        "state": state,
        "next_due": timezone.localtime(next_due, schedule.local_zone()) if next_due else None,
        "form": form,
        "shown_name": mask_name(case.name),
        "retest_minutes": settings.OBSERVATION_RETEST_MINUTES,
    }
    return _private(render(request, "observation/self_report.html", context))
