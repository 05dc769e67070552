"""No N+1 queries (GUIDE.md section 5): every page the admin and a grid worker reach runs as many queries
over a community with two or three times the data it lists as over the demo community.

The demo (`manage.py load_demo`) is loaded once for the site-wide tests (conftest.py); each persona is crawled and one URL per url name is measured, then the data those pages list is
grown through the apps' own actions (more households and residents in the same buildings, screening
attempts and key persons, gate log entries, visitors, shifts and their members, gates of the enclosure,
observation cases with follow-ups and deliveries, push-list people), and the same URLs are measured again.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.core.identity import DocumentType, check_document, check_phone
from alleykeeper.demo import data as plan
from alleykeeper.gates import actions as gate_actions
from alleykeeper.gates import roster, rules
from alleykeeper.gates.models import Direction, Enclosure, Gate, PassageKind
from alleykeeper.observation import schedule
from alleykeeper.observation.actions import CaseTerms, Person, open_cases
from alleykeeper.observation.deliveries import assign_request, create_request
from alleykeeper.observation.followups import Report, record_followup, tick
from alleykeeper.observation.models import DayZeroBasis, NeedKind, ObservationCase, Reason
from alleykeeper.places.models import Division
from alleykeeper.pushlist.models import PushBatch
from alleykeeper.registry import actions as registry_actions
from alleykeeper.registry.models import Building, Community, Household, HouseholdKind, Resident
from alleykeeper.screening.actions import record_attempt, sync_campaign_scope
from alleykeeper.screening.answers import PersonSlot
from alleykeeper.screening.models import Campaign, CampaignHousehold, Channel, Outcome, QuestionRole
from alleykeeper.screening.questionnaire import NO, YES
from alleykeeper.visitors.actions import log_visitor_entry, register_visitor
from testkit.crawl import DEMO_PERSONAS, client_for
from testkit.world import add_resident, make_id

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "grid_worker")
# Pages whose query count grows with the data: real N+1 bugs, pinned until fixed (persona, url name).
# The repeated query is shown with its values taken out (_shape).
# Pages allowed a bounded extra query or two once the data grows, and why: a list that was empty in the demo
# skips the queries that read what its rows need (prefetches, flags); they run once, whatever the row count.
BOUNDED_EXTRA: dict[str, tuple[int, str]] = {
    "gates:roster": (1, "the shifts' members, read once there are shifts (the crawled gate has none in the demo)"),
    "gates:roster_print": (1, "the same as gates:roster"),
    "gates:weekly": (1, "the crews of the weekly roster, read once there are lines (the demo's crawled gate has none)"),
    "visitors:live": (2, "the key areas and the gate-log entries of today's visitors, read once there are any"),
}
GATE_PAGES = {"gates:gate", "gates:gate_edit", "gates:log", "gates:roster", "gates:roster_print", "visitors:live"}
GATE_PAGES |= {"visitors:export", "visitors:poster", "gates:weekly", "gates:weekly_entry_new"}


@dataclass
class Measured:
    url: str
    queries: list[str]


@dataclass
class Named:
    """The objects the crawled URLs name: the data to grow is theirs."""

    households: set[int] = field(default_factory=set)
    buildings: set[int] = field(default_factory=set)
    gates: set[int] = field(default_factory=set)
    enclosures: set[int] = field(default_factory=set)
    campaigns: set[int] = field(default_factory=set)
    batches: set[int] = field(default_factory=set)


def _measure(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        response.getvalue()  # a streamed page runs its queries while it is read
    assert response.status_code == 200, url
    return [query["sql"] for query in context.captured_queries]


def _named(urls: list[str]) -> Named:
    named = Named()
    where = {
        "registry:household": named.households,
        "registry:household_edit": named.households,
        "observation:household": named.households,
        "registry:building": named.buildings,
        "gates:enclosure": named.enclosures,
        "pushlist:batch": named.batches,
        "pushlist:report": named.batches,
    }
    for url in urls:
        match = resolve(url.split("?")[0])
        pk = match.kwargs.get("pk")
        if match.view_name in where:
            where[match.view_name].add(int(pk))
        elif match.view_name in GATE_PAGES:
            named.gates.add(int(pk))
        elif match.view_name.startswith("screening:") and pk and "key_person" not in match.view_name:
            named.campaigns.add(int(pk))
        if match.view_name == "screening:attempt":
            named.households.add(int(match.kwargs["household_id"]))
        if match.view_name == "observation:case":
            named.households.add(ObservationCase.objects.get(pk=pk).household_id)
    homes = Household.objects.filter(pk__in=named.households)
    named.buildings |= set(homes.values_list("building_id", flat=True))
    return named


# -- growing the data ------------------------------------------------------------------------------------------

_serial = count(1)


def _new_resident(household: Household) -> Resident:
    n = next(_serial)
    born = f"{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}"
    return add_resident(household, f"增量{n}号", make_id(born=born, order=f"{n % 1000:03d}"), f"139{n:08d}")


def _grow_register(named: Named) -> list[Household]:
    """Twice as many households in each named building (half of them rentals, 2 residents each), and three
    more residents in each named household."""
    added = []
    for building in Building.objects.filter(pk__in=named.buildings):
        for n in range(2 * max(building.households.count(), 3)):
            kind = HouseholdKind.RENTAL if n % 2 else HouseholdKind.OWNER
            home = registry_actions.create_household(None, {"building": building, "room": f"9{n:02d}", "kind": kind})
            for _ in range(2):
                _new_resident(home)
            added.append(home)
    for household in Household.objects.filter(pk__in=named.households):
        for _ in range(3):
            _new_resident(household)
    return added


def _grow_screening(named: Named, added: list[Household], admin: User) -> None:
    """The new rentals enrolled and called (one in three reports a key-area arrival: a key person), and three
    more calls to each named household."""
    wuhan = {d.code: d for d in Division.objects.filter(code="420102")}
    now = timezone.now()
    for campaign in Campaign.objects.filter(pk__in=named.campaigns):
        sync_campaign_scope(admin, campaign)
        questions = {q.pk: q for q in campaign.questions.all()}
        qid = {q.role: q.pk for q in questions.values() if q.role}
        states = CampaignHousehold.objects.filter(campaign=campaign).select_related("household")
        new = [s.household for s in states if s.household in added]
        again = [s.household for s in states if s.household_id in named.households]
        for n, household in enumerate(new + again * 3):
            slots = []
            for i, resident in enumerate(household.residents.order_by("id")):
                arrived = n % 3 == 0 and i == 0
                values = {qid[QuestionRole.ARRIVED]: NO, qid[QuestionRole.TRAVEL]: NO, qid[QuestionRole.CONTACT]: NO}
                if arrived:
                    values[qid[QuestionRole.ARRIVED]] = YES
                    values[qid[QuestionRole.ARRIVAL_DATE]] = (timezone.localdate() - timedelta(days=3)).isoformat()
                    values[qid[QuestionRole.ORIGIN]] = "420102"
                    values[qid[QuestionRole.TRANSPORT]] = "自驾"
                slots.append(PersonSlot(key=f"p{resident.pk}", resident=resident, all_no=not arrived, values=values))
            record_attempt(admin, campaign, household, channel=Channel.PHONE, outcome=Outcome.REACHED, people=slots,
                           questions=questions, divisions=wuhan, at=now - timedelta(minutes=90 - n))  # fmt: skip


def _grow_gates(named: Named, community: Community, admin: User) -> None:
    """At each named gate: twenty more passages of every kind, six visitors (four let in), this week's and
    next week's shifts filled with staff; two more gates and every building of the community in each named
    enclosure, and three more enclosures."""
    now = timezone.now()
    duty = User.objects.get(username=DEMO_PERSONAS["duty_staff"])
    wuhan = Division.objects.get(code="420102")
    residents = list(Resident.objects.filter(household__community=community).order_by("id")[:20])
    for gate in Gate.objects.filter(pk__in=named.gates).select_related("enclosure"):
        for n, resident in enumerate(residents):
            at = now - timedelta(minutes=200 - n * 5)
            log = gate_actions.log_gate_passage
            log(duty, gate, direction=Direction.IN, kind=PassageKind.RESIDENT, resident=resident, at=at)
            log(duty, gate, direction=Direction.IN, kind=PassageKind.COURIER, note=f"快递{n}", at=at)
            log(duty, gate, direction=Direction.IN, kind=PassageKind.VEHICLE, plate=f"粤B·{n:05d}", at=at)
        for n in range(6):
            serial = next(_serial)
            doc = check_document(DocumentType.ID_CARD, make_id("420102", f"1980{1 + n:02d}15", f"{serial % 1000:03d}"))
            data = {"name": f"访客{serial}", "doc_type": DocumentType.ID_CARD, "arrival_date": timezone.localdate(),
                    "transport": "car", "transport_number": "", "reason": "探亲", "host_address": "城北路1号",
                    "host_name": "刘女士"}  # fmt: skip
            submitted = register_visitor(gate, data, submission_key=f"grow-{serial}", doc=doc,
                                         phone=check_phone(f"138{serial:08d}"), origin=wuhan, passed=[])  # fmt: skip
            if n < 4:
                log_visitor_entry(duty, submitted.registration, "36.5")
        _fill_shifts(gate, community, admin)
        _weekly_roster(gate, community, admin)
    for enclosure in Enclosure.objects.filter(pk__in=named.enclosures):
        for n in range(2):
            gate_actions.create_gate(admin, {"enclosure": enclosure, "name": f"增量门{n}"})
        gate_actions.set_enclosure_buildings(
            admin, enclosure, Building.objects.filter(alley__grid__community=community)
        )
    for n in range(3):
        gate_actions.create_enclosure(admin, community, {"name": f"增量片区{n}"})


def _fill_shifts(gate: Gate, community: Community, admin: User) -> None:
    """This week's and next week's shifts of the gate's pattern, each with up to four of the staff."""
    monday = rules.week_start(timezone.localdate())
    for week in (monday, monday + timedelta(days=7)):
        roster.fill_week(admin, gate, week)
    pool = list(rules.eligible_staff(community.pk))
    for shift in gate.shifts.filter(starts_at__date__gte=monday):
        for person in pool:
            if shift.members.count() >= 4:
                break
            if not shift.members.filter(user=person).exists() and not rules.booking_problem(person, shift):
                roster.add_shift_member(admin, shift, person)


def _weekly_roster(gate: Gate, community: Community, admin: User) -> None:
    """Three lines of a weekly roster, each with a leader and two of the staff, their shifts made for four
    weeks, one day cancelled."""
    pool = list(rules.eligible_staff(community.pk))
    for n, (starts, ends) in enumerate(((time(0), time(8)), (time(8), time(16)), (time(16), time(0)))):
        group = pool[3 * n : 3 * n + 3]
        data = {"weekdays": "0123456", "starts": starts, "ends": ends, "min_strength": 3, "leader": group[0],
                "crew": group[1:]}  # fmt: skip
        roster.save_roster_entry(admin, gate, None, data)
    roster.generate_shifts(admin, days=28, gates=[gate])  # beyond the two weeks filled by hand
    made = gate.shifts.filter(roster_entry__isnull=False).order_by("-starts_at").first()
    roster.cancel_shift(admin, made, "测试")


def _grow_observation(named: Named, added: list[Household], admin: User) -> None:
    """Each named household's new residents and a few of the new households under observation for four days,
    called twice a day, a delivery for each case assigned to the volunteer."""
    worker = User.objects.get(username=DEMO_PERSONAS["grid_worker"])
    volunteer = User.objects.get(username=DEMO_PERSONAS["volunteer"])
    now = timezone.now()
    day_zero = timezone.localdate() - timedelta(days=4)
    opened = now - timedelta(days=4)
    homes = list(Household.objects.filter(pk__in=named.households)) + added[:6]
    for household in homes:
        people = [Person(r.name, resident=r) for r in household.residents.filter(name__startswith="增量")]
        terms = CaseTerms(Reason.KEY_AREA, DayZeroBasis.ARRIVAL, day_zero, assigned_worker=worker)
        cases = open_cases(admin, household, people, terms, now=opened)
        for due in schedule.due_times_between(opened, timezone.localdate() - timedelta(days=1)):
            for case in cases:
                record_followup(worker, case, Report(temperature=Decimal("36.5")), now=due + timedelta(minutes=5))
        for case in cases:
            request = create_request(worker, case, NeedKind.GROCERIES, "青菜", now=now - timedelta(hours=2))
            assign_request(worker, request, volunteer, now=now - timedelta(hours=1))
    tick(now)


def _grow_push_lists(named: Named) -> None:
    """Each named batch's people twice more, with their match candidates (a re-sent list adds the same
    people again; the import itself is measured in bench/)."""
    for batch in PushBatch.objects.filter(pk__in=named.batches):
        people = list(batch.people.order_by("row_number").prefetch_related("matches"))
        last = people[-1].row_number
        for copy in (1, 2):
            for person in people:
                matches = list(person.matches.all())
                person.pk, person.row_number = None, person.row_number + copy * last
                person.save()
                for match in matches:
                    match.pk, match.person = None, person
                    match.save()


def _grow_reopening(community: Community, admin: User) -> None:
    """Three more policy calls and links for the first enterprises of the mall, as many more enterprises of the
    mall in the grid worker's grid, each told and applying through its link, three more returning employees of
    every enterprise with staff, and a second week of slots. (Forty, not all 329: lists are paged, and what
    counts is that their rows grow.)"""
    from alleykeeper.core.identity import check_id_card
    from alleykeeper.reopening import actions as reopening_actions
    from alleykeeper.reopening import slots as reopening_slots
    from alleykeeper.reopening import staff as reopening_staff
    from alleykeeper.reopening.models import Enterprise, ReturningStaff
    from testkit.world import make_id

    worker = User.objects.get(username=DEMO_PERSONAS["grid_worker"])
    grid = worker.grids.get()
    first = list(Enterprise.objects.filter(community=community).order_by("pk")[:40])
    for enterprise in first:
        for _ in range(3):
            reopening_actions.record_policy_call(worker, enterprise, "phone", "再次提醒")
            reopening_actions.issue_link(worker, enterprise)
    for n in range(len(first)):
        data = {"name": f"增量商户{n}", "no_credit_code": True, "grid": grid, "mall": "开元盛世广场", "floor": "4F",
                "shop_number": f"4F-{n:03d}", "sector": "retail", "contact_name": "店长", "headcount": 3}  # fmt: skip
        enterprise = reopening_actions.save_enterprise(admin, None, data, check_phone(f"1377777{n:04d}"))
        reopening_actions.record_policy_call(worker, enterprise, "visit")
        application_data = {"planned_date": timezone.localdate(), "contact_name": "店长"}
        reopening_actions.submit_application(None, enterprise, application_data, None, via_link=True)
    for n, person in enumerate(ReturningStaff.objects.select_related("enterprise", "origin")):
        entries = [
            reopening_staff.StaffEntry(
                {
                    "name": f"增量员工{n}{k}",
                    "doc_type": "id_card",
                    "returned_on": person.returned_on,
                    "health_state": "fever" if k == 0 else "healthy",
                },
                check_id_card(make_id(born="19910101", order=f"{(n * 3 + k) % 1000:03d}")),
                None,
                person.origin,
                [],
            )
            for k in range(3)
        ]
        reopening_staff.add_staff_many(admin, person.enterprise, entries, via_link=False)
    today = timezone.localdate()
    places = [("开元盛世广场", floor) for floor in ("B1", "1F", "2F", "3F", "4F")] + [("", "")]
    reopening_slots.open_slots(admin, community, today + timedelta(days=14), today + timedelta(days=20), places, 4)


def _grow_publicity(community: Community, admin: User) -> None:
    """Two more materials in use, every building of the grid worker's grid given a sheet of each with floors
    ticked by different people, more channels, and each material sent on every channel twice."""
    from alleykeeper.publicity import actions as publicity_actions
    from alleykeeper.publicity.models import Channel, Material

    worker = User.objects.get(username=DEMO_PERSONAS["grid_worker"])
    volunteer = User.objects.get(username=DEMO_PERSONAS["volunteer"])
    grid = worker.grids.get()
    buildings = list(Building.objects.filter(alley__grid=grid).select_related("alley__grid")[:30])
    for n, building in enumerate(buildings[:10]):
        publicity_actions.save_channel(
            admin,
            None,
            {
                "community": community,
                "kind": "building_group",
                "name": f"加测楼栋群{n}",
                "building": building,
                "active": True,
            },
        )
    channels = list(Channel.objects.filter(community=community).order_by("-pk")[:20])
    today = timezone.localdate()
    for title in ("加测海报甲", "加测海报乙"):
        data = {"community": community, "kind": "poster", "title": title, "start_date": today - timedelta(days=2)}
        publicity_actions.save_material(admin, None, data)
    for material in Material.objects.filter(community=community):
        for building in buildings:
            sheet = publicity_actions.open_sheet(worker, material, building, 6)
            floors = list(range(1, sheet.floors + 1))
            publicity_actions.set_floors_posted(worker, sheet, set(floors[:1]))
            publicity_actions.set_floors_posted(volunteer, sheet, set(floors))
        for channel in channels:
            for _ in range(2):
                publicity_actions.record_distribution(
                    admin, material, {"channel": channel, "at": timezone.now(), "reach": 10, "reach_unit": "people"}
                )


def _grow(named: Named) -> None:
    community = Community.objects.get(name=plan.COMMUNITY)
    admin = User.objects.get(username=DEMO_PERSONAS["admin"])
    added = _grow_register(named)
    _grow_screening(named, added, admin)
    _grow_gates(named, community, admin)
    _grow_observation(named, added, admin)
    _grow_push_lists(named)
    _grow_reopening(community, admin)
    _grow_publicity(community, admin)
    _grow_sanitation(community, admin)
    cache.clear()


def _grow_sanitation(community: Community, admin: User) -> None:
    """Twice the plans (each with today's tasks, some done drawing stock), three more tasks in every place's
    history, two more items, and ten more moves of every item."""
    from alleykeeper.sanitation.actions import Done, complete_task, save_plan
    from alleykeeper.sanitation.models import DisinfectionTask, Plan
    from alleykeeper.supplies import actions as supply_actions
    from alleykeeper.supplies.models import ItemKind, MoveKind, SupplyItem

    now = timezone.now()
    cleaner = User.objects.get(username=DEMO_PERSONAS["cleaner"])
    for n, old in enumerate(Plan.objects.filter(community=community).select_related("place").order_by("pk")):
        data = {
            "place_kind": "passage",
            "building": None,
            "gate": None,
            "alley": old.place.alley,
            "description": f"增量通道{n}",
            "sequence": 200 + n,
            "surfaces": old.surfaces,
            "agent": old.agent,
            "dilution": old.dilution,
            "supply_item": old.supply_item,
            "amount": old.amount,
            "frequency": "daily",
            "times": ["00:01", "23:59"],
            "every_n_days": None,
            "weekdays": [],
            "starts_on": timezone.localdate(now),
            "cleaner": cleaner,
            "active": True,
        }
        new = save_plan(admin, community, None, data, now=now.replace(hour=0, minute=0))
        first = DisinfectionTask.objects.filter(plan=new).order_by("due_at").first()
        if first is not None and first.due_at <= now and n % 2:
            complete_task(cleaner, first, Done(agent_used="", amount=new.amount, item=new.supply_item))
    for task in list(DisinfectionTask.objects.filter(community=community, day=timezone.localdate(now))):
        for days in range(1, 4):
            task.pk, task.day = None, task.day - timedelta(days=40 + days)
            task.due_at -= timedelta(days=40 + days)
            task.overdue_at -= timedelta(days=40 + days)
            task.done_at = task.done_by = task.stock_move = None
            task.save()
    for name in ("增量物资甲", "增量物资乙"):
        item = supply_actions.save_item(
            admin, community, None, {"name": name, "kind": ItemKind.OTHER, "unit": "个", "low_threshold": Decimal("1")}
        )
    for item in SupplyItem.objects.filter(community=community):
        for _ in range(10):
            supply_actions.receive_stock(admin, item, MoveKind.DONATION, Decimal("3"), source="增量")
        supply_actions.draw_stock(admin, item, MoveKind.TO_CLEANER, Decimal("1"), recipient=cleaner)


# -- the measurements --------------------------------------------------------------------------------------------


# One query shape asked more often than this on one page is a query per row, even when a full page of rows
# hides it from the before/after comparison (the reopening overview read each enterprise's building and
# alley, 100 queries for its first 50 rows, before and after the growth alike).
REPEAT_LIMIT = 5


def _shape(sql: str) -> str:
    """A query with its values taken out: the same shape repeated is what an N+1 looks like."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"\((?:\?\s*,\s*)+\?\)", "(?...)", sql)


def _repeated(queries: list[str]) -> list[str]:
    return [f"{n}x {shape[:300]}" for shape, n in Counter(map(_shape, queries)).most_common() if n > 1]


@pytest.fixture(scope="module")
def measured(outsiders, site_crawls, django_db_blocker) -> dict[str, dict[str, tuple[Measured, Measured]]]:
    """{persona: {url name: (before, after)}}: the site-wide demo (conftest.py) measured, grown inside a
    savepoint, measured again; the growth is rolled back at the end, the demo stays for the next module."""
    with django_db_blocker.unblock(), transaction.atomic():
        clients = {persona: client_for(persona) for persona in PERSONAS}
        urls = {persona: site_crawls[persona].routes() for persona in PERSONAS}
        before = {
            p: {route: Measured(url, _measure(clients[p], url)) for route, url in urls[p].items()} for p in PERSONAS
        }
        _grow(_named([url for routes in urls.values() for url in routes.values()]))
        after = {
            p: {route: Measured(url, _measure(clients[p], url)) for route, url in urls[p].items()} for p in PERSONAS
        }
        yield {p: {route: (before[p][route], after[p][route]) for route in urls[p]} for p in PERSONAS}
        transaction.set_rollback(True)
    cache.clear()


def _problem(pages: dict[str, tuple[Measured, Measured]], route: str) -> str:
    """What is wrong with the page's query count over the grown data (nothing: ""), and which queries repeat."""
    before, after = pages[route]
    extra = len(after.queries) - len(before.queries)
    most = max(Counter(map(_shape, after.queries)).values(), default=0)
    if 0 <= extra <= BOUNDED_EXTRA.get(route, (0, ""))[0] and most <= REPEAT_LIMIT:
        return ""
    repeated = "\n    ".join(_repeated(after.queries)) or "(none)"
    return (
        f"{before.url}: {len(before.queries)} queries, {len(after.queries)} with more data; repeated:\n    {repeated}"
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_run_as_many_queries_over_more_data(persona, measured):
    """Found so far, and fixed: the push-list batch page and report read each person's unit (Household.address)
    one by one, the screening form read the province list once per person, and the reopening overview each
    enterprise's building and alley (a full page of rows before the growth and after: caught by REPEAT_LIMIT)."""
    pages = measured[persona]
    problems = [_problem(pages, route) for route in sorted(pages)]
    assert not any(problems), "\n".join(filter(None, problems))
