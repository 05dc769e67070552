"""Every page each role reaches from the home page, link by link (GET only): no server error, no broken page,
no GET that writes, and no link to anything outside the role's scope.

The demo community (`manage.py load_demo`: 922 households, every feature at work) is loaded once for the
site-wide tests (this package's conftest.py), inside a transaction rolled back after their last test, with a
community of another street that is nobody's business here.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.gates import actions as gate_actions
from alleykeeper.observation.actions import CaseTerms, Person, issue_report_link, open_cases
from alleykeeper.observation.models import DayZeroBasis, ObservationCase, Reason
from alleykeeper.registry.models import Community, Grid, Household, Street
from alleykeeper.sanitation.models import DisinfectionTask, Place
from alleykeeper.supplies.models import SupplyItem
from testkit.crawl import DEMO_PERSONAS, SITE_MOMENT, Crawl, client_for, html_problems
from testkit.world import add_resident, make_household, make_id, make_user

pytestmark = pytest.mark.django_db

PERSONAS: dict[str, str | None] = {**DEMO_PERSONAS, "anonymous": None}
# The parts of the site (url namespaces) each role's pages belong to.
EVERY_PART = {
    "center",
    "registry",
    "visitors",
    "gates",
    "pushlist",
    "screening",
    "observation",
    "audit",
    "reports",
    "maps",
    "reopening",
    "publicity",
    "sanitation",
    "supplies",
    "alerts",
}
# Every account has its page (accounts: the name in the top bar), which links its API tokens, which link the
# API's documentation.
API = {"accounts", "api", "api-v1"}
PARTS = {
    "admin": EVERY_PART | API,
    # The records behind their grids' figures (the dashboard); disinfection and supplies are the community's.
    "grid_worker": EVERY_PART - {"audit", "sanitation", "supplies"} | API,
    # Everyone signed in has an inbox (alerts).
    "duty_staff": API | {"center", "visitors", "gates", "maps", "alerts"},
    "volunteer": API | {"center", "visitors", "gates", "observation", "maps", "publicity", "alerts"},
    "cleaner": API | {"center", "sanitation", "supplies", "alerts"},
    "street_officer": API | {"center", "registry", "screening", "reports", "reopening", "maps", "publicity", "alerts"},
    "anonymous": {"accounts"},  # the home page sends to the login page
}
# Reads that are audited by design (GUIDE.md section 4): downloads, and notices printed with personal links.
AUDITED_READS = {"observation:notice", "observation:notices"}
AUDIT_TABLE = "audit_auditevent"
# Where a page names a household: url name and argument.
HOUSEHOLD_ARGS = {
    "registry:household": "pk",
    "registry:household_edit": "pk",
    "observation:household": "pk",
    "screening:attempt": "household_id",
}


@dataclass
class Outsiders:
    """A community of another street, with a household under observation and a gate."""

    household: Household
    case: ObservationCase
    gate_pk: int
    task_pk: int = 0  # the stairwell task of the observed household's building, and its place
    place_pk: int = 0
    item_pk: int = 0  # a supplies item of the other community

    def urls(self) -> list[str]:
        household = self.household
        return [
            reverse("registry:grid", args=[household.building.alley.grid_id]),
            reverse("registry:building", args=[household.building_id]),
            reverse("registry:household", args=[household.pk]),
            reverse("registry:household_edit", args=[household.pk]),
            reverse("registry:resident_edit", args=[household.residents.get().pk]),
            reverse("observation:household", args=[household.pk]),
            reverse("observation:case", args=[self.case.pk]),
            reverse("gates:gate", args=[self.gate_pk]),
            reverse("gates:log", args=[self.gate_pk]),
            reverse("gates:log_today", args=[self.gate_pk]),
            reverse("visitors:live", args=[self.gate_pk]),
            reverse("center:dashboard_community", args=[household.community_id]),
            reverse("center:dashboard_grid", args=[household.building.alley.grid_id]),
            reverse("maps:edit", args=["building", household.building_id]),
            reverse("maps:edit", args=["gate", self.gate_pk]),
            reverse("maps:alley_lead", args=[household.building.alley_id]),
            reverse("maps:export", args=[household.community_id]),
            reverse("sanitation:task", args=[self.task_pk]),
            reverse("sanitation:place", args=[self.place_pk]),
            reverse("supplies:item", args=[self.item_pk]),
        ]


def _add_outsiders() -> Outsiders:
    community = Community.objects.create(street=Street.objects.create(name="海滨街道"), name="新华社区")
    household = make_household(Grid.objects.create(community=community, name="新华一网格"), "1号楼", "201")
    resident = add_resident(household, "陈秀英", make_id(born="19700505", order="368"), "13900002222")
    admin = make_user("xinhua_admin", Role.ADMIN, communities=[community])
    enclosure = gate_actions.create_enclosure(admin, community, {"name": "新华片区"})
    gate_actions.set_enclosure_buildings(admin, enclosure, [household.building])
    gate = gate_actions.create_gate(admin, {"enclosure": enclosure, "name": "新华门"})
    day_zero = timezone.localdate() - timedelta(days=3)
    terms = CaseTerms(Reason.KEY_AREA, DayZeroBasis.ARRIVAL, day_zero, assigned_worker=admin)
    case = open_cases(admin, household, [Person(resident.name, resident=resident)], terms)[0]
    building = household.building
    place = Place.objects.create(community=community, kind="stairwell", building=building, alley=building.alley)
    now = timezone.now()
    task = DisinfectionTask.objects.create(
        community=community,
        place=place,
        source="observation",
        day=timezone.localdate(now),
        due_at=now,
        overdue_at=now + timedelta(hours=2),
        agent="84消毒液",
        dilution="1:100",
    )
    item = SupplyItem.objects.create(
        community=community, name="84消毒液", kind="disinfectant", unit="瓶", created_at=timezone.now()
    )
    return Outsiders(household, case, gate.pk, task.pk, task.place_id, item.pk)


def _user(persona: str) -> User | None:
    return User.objects.get(username=PERSONAS[persona]) if PERSONAS[persona] else None


def _households_named(url: str) -> set[int]:
    match = resolve(urlsplit(url).path)
    named = {int(match.kwargs[HOUSEHOLD_ARGS[match.view_name]])} if match.view_name in HOUSEHOLD_ARGS else set()
    return named | {int(pk) for pk in parse_qs(urlsplit(url).query).get("household", []) if pk.isdigit()}


def _write_problems(result: Crawl) -> list[str]:
    problems = []
    for page in result.pages:
        allowed = {AUDIT_TABLE} if page.download or page.route in AUDITED_READS else set()
        problems += [f"{page.url}: a GET writes to {table}" for table in page.writes if table not in allowed]
    return problems


def _scope_problems(persona: str, result: Crawl, outsiders: Outsiders) -> list[str]:
    user = _user(persona)
    visible = set(Household.objects.visible_to(user).values_list("pk", flat=True)) if user else set()
    problems = [f"{url}: links another street's community" for url in outsiders.urls() if url in result.links]
    for url, source in result.links.items():
        if _households_named(url) - visible:
            problems.append(f"{source} links {url}, a household out of scope")
    parts = {page.route.split(":")[0] for page in result.pages if page.status == 200}
    if parts != PARTS[persona]:
        problems.append(f"reaches {sorted(parts)}, should reach {sorted(PARTS[persona])}")
    return problems


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_a_role_reaches_works(persona, outsiders, site_crawls):
    result = site_crawls[persona]
    problems = [f"{page.url}: {problem}" for page in result.pages for problem in page.problems]
    problems += _write_problems(result) + _scope_problems(persona, result, outsiders)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", PERSONAS)
def test_another_communitys_pages_are_not_found(persona, outsiders):
    client = client_for(persona)
    answers = {url: client.get(url).status_code for url in outsiders.urls()}
    expected = (302,) if persona == "anonymous" else (403, 404)  # 403: the role never sees such pages
    assert {url: status for url, status in answers.items() if status not in expected} == {}


def test_grid_worker_cannot_open_another_grids_household(outsiders):
    worker = _user("grid_worker")
    neighbour = Household.objects.filter(community=worker.grids.get().community).exclude(grid__in=worker.grids.all())
    client = client_for("grid_worker")
    for household in (neighbour.first(), outsiders.household):
        for route in ("registry:household", "registry:household_edit", "observation:household"):
            assert client.get(reverse(route, args=[household.pk])).status_code == 404, (route, household.pk)


def test_building_page_offers_no_new_household_without_edit(outsiders):
    """Found by the crawl: the button was shown to every role that may read the register."""
    client = client_for("street_officer")
    building = Household.objects.visible_to(_user("street_officer")).first().building
    page = client.get(reverse("registry:building", args=[building.pk])).content.decode()
    assert reverse("registry:household_new") not in page
    assert client.get(reverse("registry:household_new") + f"?building={building.pk}").status_code == 403


def test_out_of_hours_pages_say_so_in_words(outsiders):
    """The site-wide tests walk the site at a moment when every form is open; here the same demo out of hours.
    At 03:50 the grid worker has no shift: the 值守 page says so and names the next one, and the gate log
    is closed to them. A person whose observation starts at 12:10 opens the link before the first follow-up:
    the page says when to report, not that a report was received."""
    worker = _user("grid_worker")
    night = (SITE_MOMENT + timedelta(days=1)).replace(hour=3, minute=50)
    with time_machine.travel(night, tick=False), transaction.atomic():
        client = client_for("grid_worker")
        shift = worker.shift_memberships.filter(shift__starts_at__gt=night).order_by("shift__starts_at").first()
        page = client.get(reverse("gates:duty")).content.decode()
        assert "现在没有您的班次" in page and "正在值守" not in page
        assert f"下一班是 <strong>{timezone.localtime(shift.shift.starts_at):%-m月%-d日 %H:%M}</strong>" in page
        assert client.get(reverse("gates:log", args=[shift.shift.gate_id])).status_code == 404
        transaction.set_rollback(True)
    noon = SITE_MOMENT.replace(hour=12, minute=10)
    with time_machine.travel(noon, tick=False), transaction.atomic():
        household = Household.objects.filter(community__name="开元社区", observation_cases__isnull=True).first()
        resident = household.residents.first()
        terms = CaseTerms(Reason.KEY_AREA, DayZeroBasis.ARRIVAL, noon.date(), assigned_worker=worker)
        case = open_cases(worker, household, [Person(resident.name, resident=resident)], terms)[0]
        page = Client().get(reverse("observation:self_report", args=[issue_report_link(worker, case)]))
        assert "现在还不到上报时间" in page.content.decode() and "17:00" in page.content.decode()
        transaction.set_rollback(True)


def test_crawl_checks_catch_broken_pages():
    problems, links = html_problems(
        "<html><head><title> </title></head><body><div><span>王翠琳</div><table><tr><td>None</td>"
        '<td>{{ household.room }}</td><td>None of them</td></tr></table><a href="/register/">台账</a>'
        '<p id="x"></p><p id="x"></p></body></html>'
    )
    assert links == ["/register/"]
    assert problems == [
        "<span> is never closed (inside <div>)",
        'id="x" is used twice',
        "no <title>",
        "no <h1>",
        "template syntax in the visible text",
        "a cell reads 'None'",
        "a cell reads 'None of them'",
    ]
