"""The demo community (`manage.py load_demo`): a plan drawn from a fixed seed, then written once.

`plan_households` is pure (same seed, same day → same community); `load_demo_community` writes it
through registry.actions, so every ID number and phone is checked by core.identity and sealed exactly
as a page or an import would seal it. Nothing here is a real person.
"""

import json
import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.audit.actions import record_event
from alleykeeper.core.identity import DocumentType, check_document, check_phone, id_check_char
from alleykeeper.demo import data as plan
from alleykeeper.demo.geography import demo_features
from alleykeeper.gates import actions as gate_actions
from alleykeeper.maps.actions import import_geojson
from alleykeeper.registry import actions
from alleykeeper.registry.imports import ImportRow
from alleykeeper.registry.models import (
    Alley,
    Building,
    Community,
    Grid,
    Household,
    HouseholdKind,
    RelationToHead,
    ResidenceStatus,
    Resident,
    Street,
)

SHOP_TRADES = ("杂货店", "小吃店", "五金店", "理发店", "茶叶店", "药店", "水果店", "面线糊店", "文具店", "裁缝店")


@dataclass
class PlannedResident:
    name: str
    born: date
    male: bool
    relation: str
    status: str = ResidenceStatus.LIVING
    doc_type: str = DocumentType.ID_CARD
    doc_number: str = ""
    phone: str = ""
    notes: str = ""


@dataclass
class PlannedHousehold:
    grid: str
    alley: str
    style: str
    building: str
    unit: str
    room: str
    kind: str = HouseholdKind.OWNER
    landlord_name: str = ""
    landlord_phone: str = ""
    tenancy_start: date | None = None
    tenancy_end: date | None = None
    notes: str = ""
    residents: list[PlannedResident] = field(default_factory=list)


class _People:
    """Random but plausible people; remembers issued ID numbers so that none repeats."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng, self.today, self.issued = rng, today, set()

    def pick(self, weighted: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]

    def given_name(self, male: bool) -> str:
        chars = plan.MALE_CHARS if male else plan.FEMALE_CHARS
        return "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2, 2))))

    def birth(self, age: int) -> date:
        age = max(age, 0)
        born = self.today - timedelta(days=age * 365 + self.rng.randrange(0, 365))
        return min(born, self.today - timedelta(days=30))

    def id_number(self, code: str, born: date, male: bool) -> str:
        while True:
            order = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"{code}{born:%Y%m%d}{order:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.issued:
                self.issued.add(number)
                return number

    def mobile(self) -> str:
        prefix = self.rng.choice(("133", "135", "136", "137", "138", "139", "150", "151", "158", "159", "180", "188"))
        return prefix + f"{self.rng.randrange(10**8):08d}"

    def landline(self) -> str:
        return f"0595-2{self.rng.randrange(10**7):07d}"

    def person(self, surname: str, age: int, male: bool, relation: str, codes, status: str = "") -> PlannedResident:
        born = self.birth(age)
        resident = PlannedResident(
            name=surname + self.given_name(male),
            born=born,
            male=male,
            relation=relation,
            status=status or ResidenceStatus.LIVING,
        )
        if self.rng.random() > 0.015:  # a few people have no document on file yet
            resident.doc_number = self.id_number(self.pick(codes), born, male)
        if age >= 18 and self.rng.random() < (0.93 if age < 70 else 0.55 if age < 80 else 0.25):
            resident.phone = self.mobile()
        return resident


def _addresses(rng: random.Random) -> list[PlannedHousehold]:
    """Every dwelling of the community, alley by alley, exactly as many as each alley holds."""
    dwellings = []
    for grid in plan.GRIDS:
        for alley in grid.alleys:
            rows: list[PlannedHousehold] = []
            number = 1
            while len(rows) < alley.households:
                if alley.style == "estate":
                    building = f"{number}号楼"
                    for unit in ("1单元", "2单元"):
                        rows += [
                            PlannedHousehold(grid.name, alley.name, alley.style, building, unit, f"{floor}0{door}")
                            for floor in range(1, 7)
                            for door in (1, 2)
                        ]
                    number += 1
                    continue
                floors = rng.choice((1, 2, 2, 3)) if alley.style == "lane" else rng.choice((3, 3, 4))
                building = f"{number}号"
                for floor in range(1, floors + 1):
                    row = PlannedHousehold(grid.name, alley.name, alley.style, building, "", f"{floor}01")
                    if alley.style == "street" and floor == 1 and rng.random() < 0.5:
                        row.kind, row.notes = HouseholdKind.SHOP, f"店面：{rng.choice(SHOP_TRADES)}"
                    rows.append(row)
                number += 1 if alley.style == "lane" else 2  # shop streets: odd numbers on one side
            dwellings += rows[: alley.households]
    assert len(dwellings) == plan.TOTAL_HOUSEHOLDS
    return dwellings


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k items without replacement, each with chance proportional to its weight (Efraimidis–Spirakis)."""
    keyed = sorted(zip(items, weights, strict=True), key=lambda iw: rng.random() ** (1 / iw[1]), reverse=True)
    return [item for item, _ in keyed[:k]]


def _age(people: _People, resident: PlannedResident) -> int:
    return (people.today - resident.born).days // 365


def _owner_family(people: _People, household: PlannedHousehold) -> None:
    rng = people.rng
    size = rng.choices((1, 2, 3, 4, 5, 6), weights=(13, 26, 27, 19, 10, 5))[0]
    head_age = rng.randint(28, 88) if size > 1 else rng.choice((rng.randint(24, 45), rng.randint(65, 92)))
    male = rng.random() < 0.68
    surname = people.pick(plan.NATIVE_SURNAMES)
    members = [people.person(surname, head_age, male, RelationToHead.HEAD, plan.NATIVE_CODES)]
    family_name = surname  # children take the father's surname
    if size >= 2 and rng.random() < 0.88:
        spouse_surname = people.pick(plan.NATIVE_SURNAMES)
        age = head_age + rng.randint(-5, 3) * (1 if male else -1)
        members.append(people.person(spouse_surname, age, not male, RelationToHead.SPOUSE, plan.NATIVE_CODES))
        family_name = surname if male else spouse_surname
    while len(members) < size:
        person_male = rng.random() < 0.52
        if head_age > 62 and len(members) >= 3 and rng.random() < 0.6:
            age, relation, name = rng.randint(0, max(0, head_age - 52)), RelationToHead.GRANDCHILD, family_name
        elif head_age < 55 and len(members) >= 3 and rng.random() < 0.35:
            age, relation = head_age + rng.randint(24, 32), RelationToHead.PARENT
            name = surname if person_male else people.pick(plan.NATIVE_SURNAMES)
        else:
            age, relation, name = max(0, head_age - rng.randint(24, 36)), RelationToHead.CHILD, family_name
        status = ResidenceStatus.AWAY if 18 <= age <= 32 and rng.random() < 0.3 else ResidenceStatus.LIVING
        person = people.person(name, age, person_male, relation, plan.NATIVE_CODES, status)
        if status == ResidenceStatus.AWAY:
            person.notes = rng.choice(("在外地读书", "在厦门工作", "在福州工作", "在广东务工"))
        members.append(person)
    if rng.random() < 0.03:
        members[0].status = ResidenceStatus.AWAY
        members[0].notes = "长期在外地，房屋由家人照看"
    elders_without_mobile = [m for m in members if not m.phone and _age(people, m) >= 60]
    if elders_without_mobile and rng.random() < 0.6:  # the old folk share the family landline
        landline = people.landline()
        for member in elders_without_mobile:
            member.phone = landline
    household.residents = members


def _tenants(people: _People, household: PlannedHousehold) -> None:
    rng = people.rng
    household.landlord_name = people.pick(plan.NATIVE_SURNAMES) + people.given_name(rng.random() < 0.6)
    household.landlord_phone = people.mobile()
    household.tenancy_start = people.today - timedelta(days=rng.randint(20, 900))
    years = rng.choice((1, 1, 2, 3))
    while household.tenancy_start + timedelta(days=365 * years) < people.today and rng.random() > 0.04:
        years += 1  # most leases still run; a few have lapsed and need a follow-up
    household.tenancy_end = household.tenancy_start + timedelta(days=365 * years)

    def tenant(surname: str, age: int, male: bool, relation: str) -> PlannedResident:
        return people.person(surname, age, male, relation, plan.TENANT_CODES, ResidenceStatus.TEMPORARY)

    if rng.random() < 0.6:  # a family renting
        male, age = rng.random() < 0.7, rng.randint(23, 55)
        members = [tenant(people.pick(plan.TENANT_SURNAMES), age, male, RelationToHead.TENANT)]
        if rng.random() < 0.8:
            spouse_age = age + rng.randint(-4, 2)
            members.append(tenant(people.pick(plan.TENANT_SURNAMES), spouse_age, not male, RelationToHead.SPOUSE))
        father = members[0] if male or len(members) == 1 else members[1]
        for _ in range(rng.choice((0, 1, 1, 2)) if age > 25 else 0):
            kid_age = rng.randint(0, max(0, age - 23))
            members.append(tenant(father.name[0], kid_age, rng.random() < 0.5, RelationToHead.CHILD))
    else:  # workers sharing a flat
        members = [
            tenant(people.pick(plan.TENANT_SURNAMES), rng.randint(19, 50), rng.random() < 0.6, RelationToHead.TENANT)
            for _ in range(rng.choice((1, 2, 2, 3, 4)))
        ]
        household.notes = "合租"
    household.residents = members


def _shopkeeper(people: _People, household: PlannedHousehold) -> None:
    if people.rng.random() < 0.45:
        person = people.person(
            people.pick(plan.NATIVE_SURNAMES), people.rng.randint(30, 65), people.rng.random() < 0.5,
            RelationToHead.HEAD, plan.NATIVE_CODES,
        )  # fmt: skip
        person.notes = "店主，住店内"
        household.residents = [person]


def _special_documents(people: _People, households: list[PlannedHousehold]) -> None:
    """A handful of documents other than a mainland ID, so that every document type appears."""
    rng = people.rng
    owners = [h for h in households if h.kind == HouseholdKind.OWNER and len(h.residents) >= 2]
    specials = [
        (DocumentType.HMT_RESIDENCE, lambda p: people.id_number("830000", p.born, p.male)),
        (DocumentType.HMT_RESIDENCE, lambda p: people.id_number("810000", p.born, p.male)),
        (DocumentType.TW_PERMIT, lambda p: f"{rng.randrange(10**8):08d}"),
        (DocumentType.HM_PERMIT, lambda p: f"H{rng.randrange(10**8):08d}"),
        (DocumentType.PASSPORT, lambda p: f"C{rng.randrange(10**7):07d}"),
    ]
    for household, (doc_type, number) in zip(rng.sample(owners, len(specials)), specials, strict=True):
        spouse = household.residents[1]
        spouse.doc_type, spouse.doc_number = doc_type, number(spouse)


def _from_the_report(people: _People, households: list[PlannedHousehold]) -> None:
    """The two families the report follows (小花, 小强: 化名), back on 4 February, under home observation."""
    stories = (
        ("第一网格", "饶", "饶小花", "361002", "全家2月4日从江西省抚州市返回，居家医学观察，网格员王翠琳每日电话随访（报道中的“小花”一家，化名）"),
        ("第二网格", "邱", "邱小强", "360302", "全家2月4日返回，居家医学观察，网格员吴晶晶代买蔬菜（报道中的“小强”一家，化名）"),
    )  # fmt: skip
    for grid, surname, child, code, note in stories:
        household = next(
            h for h in households if h.grid == grid and h.kind == HouseholdKind.OWNER and h.style == "lane"
        )
        codes = ((code, 1),)
        household.residents = [
            people.person(surname, 41, True, RelationToHead.HEAD, codes),
            people.person(people.pick(plan.TENANT_SURNAMES), 38, False, RelationToHead.SPOUSE, codes),
            people.person(surname, 9, child.endswith("强"), RelationToHead.CHILD, codes),
        ]
        household.residents[2].name = child
        household.notes = note


def plan_households(today: date) -> list[PlannedHousehold]:
    """The whole community as plain data; the same seed and day always give the same community."""
    rng = random.Random(plan.SEED)
    people = _People(rng, today)
    households = _addresses(rng)
    candidates = [h for h in households if h.kind != HouseholdKind.SHOP]
    weights = [1.5 if h.style == "estate" else 1.2 if h.style == "street" else 1.0 for h in candidates]
    for household in _weighted_sample(rng, candidates, weights, plan.RENTALS):
        household.kind = HouseholdKind.RENTAL
    owners = [h for h in candidates if h.kind == HouseholdKind.OWNER]
    for household in rng.sample(owners, plan.VACANT):
        household.kind, household.notes = HouseholdKind.VACANT, rng.choice(("房屋空置", "待售", "老屋无人居住"))
    fill = {HouseholdKind.OWNER: _owner_family, HouseholdKind.RENTAL: _tenants, HouseholdKind.SHOP: _shopkeeper}
    for household in households:
        if household.kind in fill:
            fill[household.kind](people, household)
    _special_documents(people, households)
    _from_the_report(people, households)
    return households


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    scope: str


@dataclass(frozen=True)
class DemoResult:
    created: bool
    households: int
    rentals: int
    residents: int
    logins: list[DemoLogin]


# The register was typed in before the epidemic work the demo shows began: its households and residents are
# dated this many days before the day it is loaded, so that earlier daily reports count them (在册户数).
REGISTERED_DAYS_AGO = 60


def _import_row(n: int, grid: Grid, planned: PlannedHousehold, person: PlannedResident) -> ImportRow:
    """One resident as a checked import row: the demo's register comes in as a community's own spreadsheet does
    (registry.actions.import_rows: places, households and residents written in bulk, sealed, one audit record)."""
    doc = _checked(check_document(person.doc_type, person.doc_number)) if person.doc_number else None
    phone = _checked(check_phone(person.phone)) if person.phone else None
    landlord = _checked(check_phone(planned.landlord_phone)) if planned.landlord_phone else None
    household = {
        "kind": planned.kind,
        "landlord_name": planned.landlord_name,
        "tenancy_start": planned.tenancy_start,
        "tenancy_end": planned.tenancy_end,
        "notes": planned.notes,
    }
    resident = {
        "doc_type": person.doc_type,
        "sex": doc.sex if doc and doc.sex else ("M" if person.male else "F"),
        "birth_date": doc.birth_date if doc and doc.birth_date else person.born,
        "relation": person.relation,
        "status": person.status,
        "notes": person.notes,
    }
    return ImportRow(
        n, grid.pk, planned.alley, planned.building, planned.unit, planned.room, person.name,
        household=household, resident=resident, landlord_phone=landlord, doc=doc, phone=phone,
    )  # fmt: skip


def _write_register(community: Community, today: date) -> int:
    """Grids, alleys, buildings, households and residents, then the enclosures; returns the building count.
    Buildings are made in the plan's order (the map names them in that order); households with people come
    in through the register's import, the empty ones (vacant) first through the household form's action (the
    lists show the newest first: an occupied one)."""
    grids = {g.name: actions.save_grid(None, Grid(community=community, name=g.name)) for g in plan.GRIDS}
    alleys = {a.name: Alley.objects.create(grid=grids[g.name], name=a.name) for g in plan.GRIDS for a in g.alleys}
    planned_households = plan_households(today)
    keys = list(dict.fromkeys((planned.alley, planned.building) for planned in planned_households))
    made = Building.objects.bulk_create([Building(alley=alleys[alley], name=name) for alley, name in keys])
    buildings = dict(zip(keys, made, strict=True))
    rows = [
        _import_row(n, grids[planned.grid], planned, person)
        for n, (planned, person) in enumerate(
            ((planned, person) for planned in planned_households for person in planned.residents), start=2
        )
    ]
    for planned in planned_households:
        if not planned.residents:
            building = buildings[(planned.alley, planned.building)]
            data = {
                "building": building,
                "unit": actions.get_or_create_unit(building, planned.unit),
                "room": planned.room,
                "kind": planned.kind,
                "landlord_name": planned.landlord_name,
                "tenancy_start": planned.tenancy_start,
                "tenancy_end": planned.tenancy_end,
                "notes": planned.notes,
            }
            actions.create_household(None, data)
    actions.import_rows(None, community, rows, label="开元社区人口台账（演示）")
    since = timezone.now() - timedelta(days=REGISTERED_DAYS_AGO)
    Household.objects.filter(community=community).update(created_at=since, updated_at=since)
    Resident.objects.filter(household__community=community).update(created_at=since, updated_at=since)
    _write_enclosures(community, buildings)
    return len(buildings)


def _checked(checked):
    if not checked.ok:  # the plan only makes valid numbers; a failure here is a bug in the plan
        raise ValueError(checked.error)
    return checked


def _write_enclosures(community: Community, buildings: dict) -> None:
    """Through gates.actions, so that enclosure membership (buildings and their households) is kept
    exactly as the gates pages keep it."""
    for enclosure_plan in plan.ENCLOSURES:
        enclosure = gate_actions.create_enclosure(
            None, community, {"name": enclosure_plan.name, "notes": "、".join(enclosure_plan.alleys)}
        )
        members = [b for (alley, _), b in buildings.items() if alley in enclosure_plan.alleys]
        gate_actions.set_enclosure_buildings(None, enclosure, members)
        for gate_plan in enclosure_plan.gates:
            opens, closes = (time.fromisoformat(t) for t in gate_plan.hours) if gate_plan.hours else (None, None)
            data = {
                "enclosure": enclosure,
                "name": gate_plan.name,
                "location": gate_plan.location,
                "state": gate_plan.state,
                "opens_at": opens,
                "closes_at": closes,
            }
            gate_actions.create_gate(None, data)


def _draw_map(community: Community) -> None:
    """The prevention map: the community's geometry at its real place (demo/geography.py), imported by the
    secretary as a community imports its own GeoJSON file, and the alleys' leads (巷长)."""
    secretary = User.objects.get(username=plan.STAFF[0].username)
    names: dict[str, list[str]] = {}
    for alley, building in (
        Building.objects.filter(alley__grid__community=community).values_list("alley__name", "name").order_by("pk")
    ):
        names.setdefault(alley, []).append(building)
    data = json.dumps(demo_features(names), ensure_ascii=False).encode()
    import_geojson(secretary, community, data, file_name="开元社区.geojson")
    for alley in Alley.objects.filter(grid__community=community, name__in=plan.ALLEY_LEADS):
        name, kind = plan.ALLEY_LEADS[alley.name]
        actions.set_alley_lead(secretary, alley, name, kind)


SHORT_ROLE_LABELS = {Role.ADMIN: "社区管理员"}  # the full label "社区管理员（书记/主任）" repeats the title


def _role_label(staff: plan.StaffPlan) -> str:
    role = SHORT_ROLE_LABELS.get(staff.role, Role(staff.role).label)
    return f"{role}（{staff.title}）" if staff.title else role


def _scope_label(staff: plan.StaffPlan) -> str:
    if staff.role == Role.GRID_WORKER:
        return f"{plan.COMMUNITY} · {staff.grid}"
    if staff.role == Role.STREET_OFFICER:
        return f"{plan.STREET}（全部社区）"
    return f"{plan.COMMUNITY}（全部网格）"


def _write_staff(street: Street, community: Community, password: str, reset_passwords: bool) -> None:
    """Missing demo accounts are created; existing ones keep their password unless asked to reset."""
    existing = {u.username: u for u in User.objects.filter(username__in=[s.username for s in plan.STAFF])}
    encoded = make_password(password)  # hashed once: the accounts share a demo password anyway
    grids = {g.name: g for g in community.grids.all()}
    for staff in plan.STAFF:
        user = existing.get(staff.username)
        if user is not None:
            if reset_passwords:
                user.password = encoded
                user.save(update_fields=["password"])
            continue
        user = User.objects.create(username=staff.username, display_name=staff.name, role=staff.role, password=encoded)
        if staff.role == Role.GRID_WORKER:
            user.grids.set([grids[staff.grid]])
        elif staff.role == Role.STREET_OFFICER:
            user.streets.set([street])
        else:
            user.communities.set([community])


@transaction.atomic
def load_demo_community(password: str, *, today: date | None = None, reset_passwords: bool = False) -> DemoResult:
    """Create the demo community once; later calls only add demo accounts that are missing."""
    today = today or timezone.localdate()
    street, _ = Street.objects.get_or_create(name=plan.STREET)
    community, created = Community.objects.get_or_create(street=street, name=plan.COMMUNITY)
    created = created or not community.households.exists()
    buildings = _write_register(community, today) if created else 0
    _write_staff(street, community, password, reset_passwords)
    if created:
        _draw_map(community)
    households = community.households.count()
    rentals = community.households.filter(kind=HouseholdKind.RENTAL).count()
    residents = community.households.aggregate(n=Count("residents"))["n"]
    if created:
        record_event(
            None,
            "demo.load",
            community,
            row_count=residents,
            detail={"households": households, "rentals": rentals, "buildings": buildings},
        )
    logins = [DemoLogin(s.username, s.name, _role_label(s), _scope_label(s)) for s in plan.STAFF]
    return DemoResult(created, households, rentals, residents, logins)
