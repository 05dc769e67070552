"""The worker's day (今日): calls due and overdue, fevers, cases ending, open requests, doubtful reports.

Every section is one query on stored state (slot status, case fever state and planned end, request due
time), whatever the number of cases: a fixed number of queries per page. A worker sees the cases
assigned to them; someone who manages observation sees every open case in scope.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from alleykeeper.accounts.roles import Capability
from alleykeeper.accounts.scope import scope_of
from alleykeeper.observation import schedule
from alleykeeper.observation.models import (
    OPEN_REQUEST_STATUSES,
    OPEN_STATUSES,
    FeverState,
    Flag,
    FollowUp,
    FollowUpSlot,
    NeedKind,
    ObservationCase,
    RequestStatus,
    ServiceRequest,
    SlotStatus,
    late_request_q,
)

SECTION_LIMIT = 100


def case_filter(user, prefix: str = "", *, everyone: bool | None = None) -> Q:
    """Open cases in the user's scope; only their own unless they manage observation."""
    scope = scope_of(user)
    q = Q(**{f"{prefix}status__in": OPEN_STATUSES})
    if not scope.everything:
        if scope.grid_ids is not None:
            q &= Q(**{f"{prefix}grid_id__in": scope.grid_ids})
        else:
            q &= Q(**{f"{prefix}community_id__in": scope.community_ids})
    if everyone is None:
        everyone = user.can(Capability.MANAGE_OBSERVATION)
    if not everyone:
        q &= Q(**{f"{prefix}assigned_worker_id": user.pk})
    return q


@dataclass
class Today:
    now: datetime
    overdue: list = field(default_factory=list)
    due: list = field(default_factory=list)
    fevers: list = field(default_factory=list)
    ending: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    flagged: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    limit: int = SECTION_LIMIT


# Rows are plain dicts (values()), not model instances: a full page is hundreds of rows, and building six
# related model objects per row cost more than the queries themselves.
_FEVER_LABELS = dict(FeverState.choices)
_KIND_LABELS = dict(NeedKind.choices)
_STATUS_LABELS = dict(RequestStatus.choices)
_FLAG_LABELS = dict(Flag.choices)


def _address_fields(prefix: str) -> list[str]:
    return [
        f"{prefix}{p}"
        for p in (
            "household__building__alley__name",
            "household__building__name",
            "household__unit__name",
            "household__room",
        )
    ]


def _rows(queryset, fields: dict[str, str], prefix: str) -> list[dict]:
    """Rename `fields` (our key → lookup) and add `address` as Household.address writes it."""
    lookups = list(fields.values()) + _address_fields(prefix)
    rows, zone = [], schedule.local_zone()
    for values in queryset.values(*lookups):
        row = {key: values[lookup] for key, lookup in fields.items()}
        alley, building, unit, room = (values[f] for f in _address_fields(prefix))
        row["address"] = f"{alley}{building}{unit or ''}{room}"
        if "fever_state" in row:
            row["fever_label"] = _FEVER_LABELS.get(row["fever_state"], "")
        for key in ("due_at", "retest_due_at", "due_by"):
            if row.get(key):  # formatted here: |date on hundreds of rows costs more than the query
                row[f"{key}_time"] = timezone.localtime(row[key], zone).strftime("%H:%M")
        rows.append(row)
    return rows


SLOT_FIELDS = {
    "id": "id",
    "due_at": "due_at",
    "status": "status",
    "attempts": "attempts",
    "case_id": "case_id",
    "name": "case__name",
    "fever_state": "case__fever_state",
    "last_temperature": "case__last_temperature",
}
CASE_FIELDS = {
    "case_id": "id",
    "name": "name",
    "fever_state": "fever_state",
    "retest_due_at": "retest_due_at",
    "last_temperature": "last_temperature",
    "planned_end": "planned_end",
}
REQUEST_FIELDS = {
    "id": "id",
    "kind": "kind",
    "status": "status",
    "due_by": "due_by",
    "case_id": "case_id",
    "name": "case__name",
    "assignee_name": "assignee__display_name",
    "assignee_username": "assignee__username",
}


def _conditions(user, now: datetime, everyone: bool | None) -> dict:
    """What each of today's lists and counts reads: one definition for the page (build_today) and for the
    home page's counts (count_today)."""
    today = schedule.local_date(now)
    tomorrow_start = schedule.local_midnight(today + timedelta(days=1))
    mine = case_filter(user, "case__", everyone=everyone)
    return {
        "mine": mine,
        "slots": FollowUpSlot.objects.filter(mine),
        # A slot whose window has closed is missed (the tick stores it); until then it is not shown as due.
        "overdue": Q(status=SlotStatus.OVERDUE, closes_at__gt=now),
        "due": Q(status=SlotStatus.PENDING, due_at__lt=tomorrow_start, closes_at__gt=now),
        "cases": ObservationCase.objects.filter(case_filter(user, everyone=everyone)),
        "fever": Q(fever_state__in=[FeverState.RETEST_DUE, FeverState.FEVER]),
        "ending": Q(planned_end__lte=today),
        "requests": ServiceRequest.objects.filter(mine, status__in=OPEN_REQUEST_STATUSES),
        "late": late_request_q(now),
    }


def _counts(c: dict) -> dict:
    counts = c["slots"].aggregate(overdue=Count("id", filter=c["overdue"]), due=Count("id", filter=c["due"]))
    counts |= c["cases"].aggregate(fevers=Count("id", filter=c["fever"]), ending=Count("id", filter=c["ending"]))
    counts |= c["requests"].aggregate(requests=Count("id"), late_requests=Count("id", filter=c["late"]))
    return counts


def count_today(user, now: datetime, *, everyone: bool | None = None) -> dict:
    """The counts of 今日 alone (overdue, due, fevers, ending, requests, late_requests), in three queries:
    what the home page shows, each count the length of one section of the 今日 page."""
    return _counts(_conditions(user, now, everyone))


def build_today(user, now: datetime, *, everyone: bool | None = None, limit: int = SECTION_LIMIT) -> Today:
    c = _conditions(user, now, everyone)
    slots, cases, requests = c["slots"], c["cases"], c["requests"]
    flagged = FollowUp.objects.filter(c["mine"], flagged=True, recorded_at__gte=now - timedelta(hours=24))

    result = Today(now=now, limit=limit)
    result.overdue = _rows(slots.filter(c["overdue"]).order_by("due_at", "id")[:limit], SLOT_FIELDS, "case__")
    result.due = _rows(slots.filter(c["due"]).order_by("due_at", "id")[:limit], SLOT_FIELDS, "case__")
    fevers = cases.filter(c["fever"]).order_by("-fever_state", "retest_due_at", "id")[:limit]
    result.fevers = _rows(fevers, CASE_FIELDS, "")
    result.ending = _rows(cases.filter(c["ending"]).order_by("planned_end", "id")[:limit], CASE_FIELDS, "")
    result.requests = _rows(requests.order_by("due_by", "id")[:limit], REQUEST_FIELDS, "case__")
    for row in result.requests:
        row["kind_label"], row["status_label"] = _KIND_LABELS.get(row["kind"]), _STATUS_LABELS.get(row["status"])
        name, username = row.pop("assignee_name"), row.pop("assignee_username")
        row["assignee"] = name or username or ""
    result.flagged = [
        row | {"flag_labels": [_FLAG_LABELS.get(f, f) for f in row["flags"]]}
        for row in flagged.order_by("-recorded_at", "-id")[:limit].values(
            "id", "case_id", "temperature", "flags", "recorded_at", name=F("case__name")
        )
    ]
    result.counts = _counts(c)
    return result
