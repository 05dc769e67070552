"""The worker's day (今日): calls due and overdue, fevers, cases ending, open requests, doubtful reports.

Every section is one query on stored state (slot status, case fever state and planned end, request due
time), whatever the number of cases: a fixed number of queries per page. A worker sees the cases
assigned to them; someone who manages observation sees every open case in scope.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q

from alleykeeper.accounts.roles import Capability
from alleykeeper.accounts.scope import scope_of
from alleykeeper.observation import schedule
from alleykeeper.observation.models import (
    OPEN_REQUEST_STATUSES,
    OPEN_STATUSES,
    FeverState,
    FollowUp,
    FollowUpSlot,
    ObservationCase,
    RequestStatus,
    ServiceRequest,
    SlotStatus,
)

SECTION_LIMIT = 100
HOUSEHOLD_PATH = ("household__building__alley", "household__unit")


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


def build_today(user, now: datetime, *, everyone: bool | None = None, limit: int = SECTION_LIMIT) -> Today:
    today = schedule.local_date(now)
    tomorrow_start = schedule.local_midnight(today + timedelta(days=1))
    mine = case_filter(user, "case__", everyone=everyone)
    slots = FollowUpSlot.objects.filter(mine).select_related("case", *(f"case__{p}" for p in HOUSEHOLD_PATH))
    # A slot whose window has closed is missed (the tick stores it); until then it is not shown as due.
    overdue_q = Q(status=SlotStatus.OVERDUE, closes_at__gt=now)
    due_q = Q(status=SlotStatus.PENDING, due_at__lt=tomorrow_start, closes_at__gt=now)
    cases = ObservationCase.objects.filter(case_filter(user, everyone=everyone))
    fever_q = Q(fever_state__in=[FeverState.RETEST_DUE, FeverState.FEVER])
    ending_q = Q(planned_end__lte=today)
    requests = ServiceRequest.objects.filter(mine, status__in=OPEN_REQUEST_STATUSES)
    late_q = Q(due_by__lt=now, status__in=[RequestStatus.REQUESTED, RequestStatus.ASSIGNED])
    flagged = FollowUp.objects.filter(mine, flagged=True, recorded_at__gte=now - timedelta(hours=24))

    result = Today(now=now, limit=limit)
    result.overdue = list(slots.filter(overdue_q).order_by("due_at", "id")[:limit])
    result.due = list(slots.filter(due_q).order_by("due_at", "id")[:limit])
    result.fevers = list(
        cases.filter(fever_q).select_related(*HOUSEHOLD_PATH).order_by("-fever_state", "retest_due_at", "id")[:limit]
    )
    result.ending = list(cases.filter(ending_q).select_related(*HOUSEHOLD_PATH).order_by("planned_end", "id")[:limit])
    result.requests = list(
        requests.select_related("case", "assignee", *(f"case__{p}" for p in HOUSEHOLD_PATH)).order_by("due_by", "id")[
            :limit
        ]
    )
    result.flagged = list(flagged.select_related("case").order_by("-recorded_at", "-id")[:limit])
    counts = FollowUpSlot.objects.filter(mine).aggregate(
        overdue=Count("id", filter=overdue_q), due=Count("id", filter=due_q)
    )
    counts |= cases.aggregate(fevers=Count("id", filter=fever_q), ending=Count("id", filter=ending_q))
    counts |= requests.aggregate(requests=Count("id"), late_requests=Count("id", filter=late_q))
    result.counts = counts
    return result
