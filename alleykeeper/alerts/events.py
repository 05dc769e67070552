"""The events the scan finds, read from the lower apps' own rows (they know nothing of alerts).

Each source returns `Event`s with a stable key: the same row gives the same key on every run, so the
unique constraint on messages turns a second run, or an overlap of windows, into nothing new.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q
from django.urls import reverse

from alleykeeper.alerts.models import Kind
from alleykeeper.alerts.text import mask_name, staff_text
from alleykeeper.observation import schedule
from alleykeeper.observation.followups import fever_threshold
from alleykeeper.observation.models import CaseStatus, FollowUp, FollowUpSlot, ObservationCase
from alleykeeper.pushlist.models import BatchStatus, PushBatch, PushedPerson
from alleykeeper.registry.models import Community, Grid
from alleykeeper.reopening.models import Application, ApplicationStatus
from alleykeeper.reports.measures import report_cutoff
from alleykeeper.reports.models import DailyReport
from alleykeeper.supplies.models import SupplyItem, amount_text
from alleykeeper.visitors.models import Registration

# Who, among a rule's recipients, an event is for: everyone the rule names, only the grid's workers (a
# per-grid count), or only the community's admins and named people (the community's total).
EVERYONE, WORKERS, ADMINS = "everyone", "workers", "admins"


@dataclass
class Event:
    kind: str
    key: str
    community_id: int
    title: str
    body: str
    link: str = ""
    grid_id: int | None = None
    case_id: int | None = None
    case_worker_id: int | None = None
    audience: str = EVERYONE
    full_names: tuple[str, ...] = field(default=(), repr=False)  # for the tests' leak check only


def _local_time(moment: datetime) -> str:
    return moment.astimezone(schedule.local_zone()).strftime("%m-%d %H:%M")


def fevers(since: datetime, now: datetime) -> list[Event]:
    """Every fever reading recorded in the window: a first one asks for a retest, a retest still at or above
    the threshold asks for escalation."""
    readings = (
        FollowUp.objects.fevers().filter(recorded_at__gte=since, recorded_at__lte=now).select_related("case__grid")
    )
    events = []
    for reading in readings:
        case = reading.case
        kind = Kind.RETEST_FEVER if reading.is_retest else Kind.FEVER
        title, body = staff_text(
            kind,
            grid=case.grid.name,
            name=mask_name(case.name),
            temperature=reading.temperature,
            retest_minutes=settings.OBSERVATION_RETEST_MINUTES,
            threshold=fever_threshold(),
        )
        events.append(_case_event(kind, f"followup:{reading.pk}", case, title, body))
    return events


def _case_event(kind: str, key: str, case: ObservationCase, title: str, body: str) -> Event:
    return Event(
        kind=kind,
        key=key,
        community_id=case.community_id,
        grid_id=case.grid_id,
        case_id=case.pk,
        case_worker_id=case.assigned_worker_id,
        title=title,
        body=body,
        link=reverse("observation:case", args=[case.pk]),
        full_names=(case.name,),
    )


def overdue_followups(now: datetime) -> list[Event]:
    """Follow-ups overdue now (past their time plus the grace, window still open), of the last day."""
    slots = (
        FollowUpSlot.objects.overdue_at(now)
        .filter(due_at__gte=now - timedelta(days=1), case__status__in=[CaseStatus.ACTIVE, CaseStatus.EXTENDED])
        .select_related("case__grid")
    )
    events = []
    for slot in slots:
        title, body = staff_text(
            Kind.OVERDUE, grid=slot.case.grid.name, name=mask_name(slot.case.name), due=_local_time(slot.due_at)
        )
        events.append(_case_event(Kind.OVERDUE, f"slot:{slot.pk}", slot.case, title, body))
    return events


def missed_twice(since: datetime, now: datetime) -> list[Event]:
    """A slot whose window closed in the scan's window without a reached call, the case's slot before it
    also missed: escalated (to the admin by default)."""
    not_done = Q(done_at__isnull=True) | Q(done_at__gte=F("closes_at"))
    closed = list(
        FollowUpSlot.objects.filter(not_done, closes_at__gt=since, closes_at__lte=now)
        .filter(case__status__in=[CaseStatus.ACTIVE, CaseStatus.EXTENDED])
        .select_related("case__grid")
    )
    if not closed:
        return []
    earlier = FollowUpSlot.objects.filter(
        case__in={s.case_id for s in closed}, due_at__lt=max(s.due_at for s in closed)
    ).only("case_id", "due_at", "done_at", "closes_at")
    by_case: dict[int, list] = {}
    for slot in earlier:
        by_case.setdefault(slot.case_id, []).append(slot)
    events = []
    for slot in closed:
        before = [s for s in by_case.get(slot.case_id, []) if s.due_at < slot.due_at]
        if not before:
            continue
        previous = max(before, key=lambda s: s.due_at)
        if previous.done_at is not None and previous.done_at < previous.closes_at:
            continue
        title, body = staff_text(
            Kind.MISSED_TWICE, grid=slot.case.grid.name, name=mask_name(slot.case.name), due=_local_time(slot.due_at)
        )
        events.append(_case_event(Kind.MISSED_TWICE, f"slot:{slot.pk}", slot.case, title, body))
    return events


def key_area_visitors(since: datetime, now: datetime) -> list[Event]:
    """A visitor from (or through) a key area registered at a gate: the grid worker of the household visited
    where the register knows it (a matched key person's household), else the community's admins. The
    message names the gate and the masked visitor only, never the host household."""
    registrations = (
        Registration.objects.from_key_area()
        .between(since, now)
        .select_related("gate__enclosure", "key_person__household")
    )
    events = []
    for registration in registrations:
        household = registration.key_person.household if registration.key_person else None
        title, body = staff_text(
            Kind.KEY_AREA_VISITOR,
            gate=registration.gate.name,
            name=mask_name(registration.name),
            areas=registration.key_area_names,
        )
        events.append(
            Event(
                kind=Kind.KEY_AREA_VISITOR,
                key=f"registration:{registration.pk}",
                community_id=registration.gate.enclosure.community_id,
                grid_id=household.grid_id if household else None,
                title=title,
                body=body,
                link=reverse("visitors:gates"),
                audience=EVERYONE if household else ADMINS,
                full_names=(registration.name,),
            )
        )
    return events


def pushlist_batches(since: datetime, now: datetime) -> list[Event]:
    """A push list imported: per grid, the count still to reach to that grid's workers; the total to admins."""
    batches = list(PushBatch.objects.filter(status=BatchStatus.DONE, imported_at__gt=since, imported_at__lte=now))
    if not batches:
        return []
    counts = (
        PushedPerson.objects.to_reach().filter(batch__in=batches).values("batch_id", "grid_id").annotate(n=Count("pk"))
    )
    grid_names = dict(Grid.objects.filter(community__in={b.community_id for b in batches}).values_list("pk", "name"))
    per_batch: dict[int, dict[int | None, int]] = {}
    for row in counts:
        per_batch.setdefault(row["batch_id"], {})[row["grid_id"]] = row["n"]
    events = []
    for batch in batches:
        grids = per_batch.get(batch.pk, {})
        link = reverse("pushlist:batch", args=[batch.pk])
        received = f"{batch.received_on:%m-%d}"
        for grid_id, count in grids.items():
            if grid_id is None:
                continue
            title, body = staff_text(
                Kind.PUSHLIST_BATCH, received=received, scope=grid_names.get(grid_id, ""), count=count
            )
            events.append(
                Event(
                    Kind.PUSHLIST_BATCH,
                    f"batch:{batch.pk}:grid:{grid_id}",
                    batch.community_id,
                    title,
                    body,
                    link,
                    grid_id=grid_id,
                    audience=WORKERS,
                )
            )
        title, body = staff_text(Kind.PUSHLIST_BATCH, received=received, scope="全社区", count=sum(grids.values()))
        events.append(
            Event(Kind.PUSHLIST_BATCH, f"batch:{batch.pk}", batch.community_id, title, body, link, audience=ADMINS)
        )
    return events


def unsigned_reports(now: datetime) -> list[Event]:
    """Today's daily report not signed ALERTS_REPORT_GRACE_MINUTES after the cutoff (零报告 too)."""
    today = schedule.local_date(now)
    cutoff = datetime.combine(today, report_cutoff(), tzinfo=schedule.local_zone())
    if now < cutoff + timedelta(minutes=settings.ALERTS_REPORT_GRACE_MINUTES):
        return []
    signed = DailyReport.objects.filter(day=today, signed_at__isnull=False).values("community_id")
    events = []
    for community in Community.objects.exclude(pk__in=signed).only("pk"):
        title, body = staff_text(Kind.REPORT_UNSIGNED, day=f"{today:%m-%d}", cutoff=f"{report_cutoff():%H:%M}")
        events.append(
            Event(
                Kind.REPORT_UNSIGNED,
                f"report:{community.pk}:{today}",
                community.pk,
                title,
                body,
                reverse("reports:daily"),
                audience=ADMINS,
            )
        )
    return events


def low_stock(now: datetime) -> list[Event]:
    """Each item at or below its reminder line: once a day while it stays low."""
    today = schedule.local_date(now)
    events = []
    for item in SupplyItem.objects.low().filter(low_threshold__gt=0):
        title, body = staff_text(
            Kind.LOW_STOCK,
            item=item.name,
            on_hand=amount_text(item.on_hand),
            unit=item.unit,
            threshold=amount_text(item.low_threshold),
        )
        events.append(
            Event(
                Kind.LOW_STOCK,
                f"stock:{item.pk}:{today}",
                item.community_id,
                title,
                body,
                reverse("supplies:stock"),
                audience=ADMINS,
            )
        )
    return events


def waiting_applications(since: datetime, now: datetime) -> list[Event]:
    """An application (re)submitted in the window, waiting for review."""
    applications = Application.objects.filter(
        status=ApplicationStatus.SUBMITTED, submitted_at__gt=since, submitted_at__lte=now
    ).select_related("enterprise")
    events = []
    for application in applications:
        title, body = staff_text(Kind.REOPENING_WAITING, enterprise=application.enterprise.name)
        stamp = int(application.submitted_at.timestamp())
        events.append(
            Event(
                Kind.REOPENING_WAITING,
                f"application:{application.pk}:{stamp}",
                application.enterprise.community_id,
                title,
                body,
                reverse("reopening:application", args=[application.pk]),
                grid_id=application.enterprise.grid_id,
                audience=ADMINS,
            )
        )
    return events


def all_events(since: datetime, now: datetime) -> list[Event]:
    return [
        *fevers(since, now),
        *overdue_followups(now),
        *missed_twice(since, now),
        *key_area_visitors(since, now),
        *pushlist_batches(since, now),
        *unsigned_reports(now),
        *low_stock(now),
        *waiting_applications(since, now),
    ]
