"""Large synthetic registers for benchmarks and load tests (`manage.py seed --households 200000`).

Every person is invented: random names, ID numbers that only pass the checksum, random phones. Identity
values are still sealed through SealedIdentity.seal_identity (encryption, blind index, mask), exactly as
real data is, so that pages, search and exports are measured on what production holds. Rows go in with
bulk_create in batches inside one transaction (all or nothing); one audit record names the run.

The plan (who lives where) depends only on --seed, so two runs with the same seed describe the same
people; ciphertexts differ because every encryption draws a fresh IV.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from alleykeeper.audit.actions import record_event
from alleykeeper.core.crypto import blind_index, seal_phone
from alleykeeper.core.identity import Checked, DocumentType, id_check_char
from alleykeeper.core.ordering import natural_sort_key
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
    Unit,
    pinyin_keys,
)

STREET_NAME = "合成数据街道"
COMMUNITY_NAME = "合成数据社区"
HOUSEHOLDS_PER_GRID = 500
HOUSEHOLDS_PER_ALLEY = 100
HOUSEHOLDS_PER_BUILDING = 10
CHUNK_HOUSEHOLDS = 2000  # households generated, sealed and inserted per step (bounded memory)
BATCH_SIZE = 1000  # rows per INSERT statement
NAME_POOL = 20_000  # distinct names at most (fewer for small runs)

# Quanzhou's county codes (the demo community is in 鲤城区 350502) and a few from elsewhere.
ADDRESS_CODES = ("350502", "350503", "350504", "350505", "350521", "350524", "350581", "350582", "350583")
ADDRESS_CODES += ("110105", "310104", "440305", "420106", "510107")
PERMIT_CODES = ("810000", "820000", "830000")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程苏魏吕丁任沈姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武洪"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国志文玉兰红梅海燕辉鹏飞俊宇浩然子涵欣怡梓轩雨婷佳琪晨阳思远翠琳育玲晶金水福清泉惠安荣春生"
# Household sizes of occupied homes and their weights: a mean of about 2.8 people, so that with a few
# vacant homes and shops the register averages about 2.7 residents per household.
SIZES, SIZE_WEIGHTS = (1, 2, 3, 4, 5, 6), (15, 29, 28, 17, 8, 3)


@dataclass(frozen=True)
class PlannedPerson:
    name: str
    doc_type: str
    doc_number: str
    phone: str
    sex: str
    birth_date: date
    relation: str
    status: str


@dataclass(frozen=True)
class PlannedHousehold:
    grid: int
    alley: int
    building: int
    unit: str
    room: str
    kind: str
    landlord_name: str = ""
    landlord_phone: str = ""
    tenancy_start: date | None = None
    tenancy_end: date | None = None
    people: tuple[PlannedPerson, ...] = ()


@dataclass
class SeedResult:
    community: Community
    grids: int = 0
    households: int = 0
    residents: int = 0
    rentals: int = 0
    skipped_ids: int = field(default=0)


class Planner:
    """Draws households and people from one random generator: the same seed gives the same register."""

    def __init__(self, seed: int, taken_indexes: set[str] | None = None, names: int = NAME_POOL) -> None:
        self.rng = random.Random(seed)
        self.taken = taken_indexes if taken_indexes is not None else set()
        self.used: set[str] = set()
        self.today = date.today()
        # A pool of names drawn once, their pinyin computed once: pinyin conversion (~0.1 ms a name) would
        # otherwise be the slowest step per person. Names repeat in a real register too.
        pool = {self._new_name() for _ in range(names)}
        self.names = sorted(pool)
        self.pinyin = {name: pinyin_keys(name) for name in self.names}

    def _new_name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def name(self) -> str:
        return self.rng.choice(self.names)

    def phone(self) -> str:
        rng = self.rng
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"

    def id_number(self, born: date, sex: str) -> tuple[str, str]:
        """A unique number (in this run and in the database) with a valid check character."""
        rng = self.rng
        while True:
            permit = rng.random() < 0.01
            address = rng.choice(PERMIT_CODES) if permit else rng.choice(ADDRESS_CODES)
            order = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{address}{born:%Y%m%d}{order:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.used and (not self.taken or blind_index("doc", number) not in self.taken):
                self.used.add(number)
                return (DocumentType.HMT_RESIDENCE if permit else DocumentType.ID_CARD), number

    def born(self, earliest: int, latest: int) -> date:
        latest = min(latest, self.today.year - 1)
        earliest = min(earliest, latest)
        start = date(earliest, 1, 1)
        return start + timedelta(days=self.rng.randrange((date(latest, 12, 31) - start).days))

    def person(self, relation: str, born: date, sex: str, status: str) -> PlannedPerson:
        doc_type, number = self.id_number(born, sex)
        adult = self.today.year - born.year >= 16
        phone = self.phone() if adult and self.rng.random() < 0.85 else ""
        return PlannedPerson(self.name(), doc_type, number, phone, sex, born, relation, status)

    def status(self, rental: bool) -> str:
        roll = self.rng.random()
        if rental:
            return ResidenceStatus.TEMPORARY if roll < 0.7 else ResidenceStatus.LIVING
        return (
            ResidenceStatus.LIVING
            if roll < 0.86
            else ResidenceStatus.AWAY
            if roll < 0.94
            else ResidenceStatus.TEMPORARY
        )

    def people(self, size: int, rental: bool) -> tuple[PlannedPerson, ...]:
        rng = self.rng
        head_born = self.born(1938, 1998)
        head_sex = rng.choice("MF")
        people = [self.person(RelationToHead.HEAD, head_born, head_sex, self.status(rental))]
        if size >= 2:
            spouse_born = self.born(head_born.year - 5, head_born.year + 5)
            people.append(
                self.person(RelationToHead.SPOUSE, spouse_born, "F" if head_sex == "M" else "M", people[0].status)
            )
        for _ in range(size - len(people)):
            if rental:
                relation = RelationToHead.TENANT
                born = self.born(1960, 2002)
            elif rng.random() < 0.75:
                relation = RelationToHead.CHILD
                born = self.born(head_born.year + 20, head_born.year + 40)
            else:
                relation = RelationToHead.PARENT
                born = self.born(max(head_born.year - 35, 1925), max(head_born.year - 20, 1926))
            people.append(self.person(relation, born, rng.choice("MF"), self.status(rental)))
        return tuple(people)

    def household(self, number: int) -> PlannedHousehold:
        """Household `number` (0-based) of the run: its place follows from the number, its people from the seed."""
        rng = self.rng
        grid, in_grid = divmod(number, HOUSEHOLDS_PER_GRID)
        alley, in_alley = divmod(in_grid, HOUSEHOLDS_PER_ALLEY)
        building, in_building = divmod(in_alley, HOUSEHOLDS_PER_BUILDING)
        estate = alley % 3 == 0  # one alley in three is an estate with units
        if estate:
            unit, slot = divmod(in_building, HOUSEHOLDS_PER_BUILDING // 2)
            unit_name, room = f"{unit + 1}单元", f"{slot + 1}0{1 + unit % 2}"
        else:
            floor, door = divmod(in_building, 2)
            unit_name, room = "", f"{floor + 1}0{door + 1}"
        roll = rng.random()
        kind = (
            HouseholdKind.RENTAL
            if roll < 0.16
            else HouseholdKind.VACANT
            if roll < 0.19
            else HouseholdKind.SHOP
            if roll < 0.21 and not estate
            else HouseholdKind.OWNER
        )
        planned = {"grid": grid, "alley": alley, "building": building, "unit": unit_name, "room": room, "kind": kind}
        if kind == HouseholdKind.VACANT:
            return PlannedHousehold(**planned)
        size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
        if kind == HouseholdKind.SHOP:
            size = min(size, 2)
        if kind == HouseholdKind.RENTAL:
            start = self.today - timedelta(days=rng.randrange(30, 900))
            planned |= {
                "landlord_name": self.name(),
                "landlord_phone": self.phone(),
                "tenancy_start": start,
                "tenancy_end": start + timedelta(days=rng.choice((183, 365, 730))),
            }
        return PlannedHousehold(**planned, people=self.people(size, kind == HouseholdKind.RENTAL))


def _places(community: Community, households: int) -> tuple[dict, dict, dict]:
    """Grids, alleys, buildings and units for `households` homes, created in a few bulk inserts."""
    grid_count = -(-households // HOUSEHOLDS_PER_GRID)
    grids = Grid.objects.bulk_create(
        # In bulk, so not through registry.actions.save_grid: the same natural-order key, set here.
        [
            Grid(community=community, name=(name := f"合成第{n + 1}网格"), name_key=natural_sort_key(name))
            for n in range(grid_count)
        ],
        batch_size=BATCH_SIZE,
    )
    alley_keys, building_keys = [], []
    for number in range(0, households, HOUSEHOLDS_PER_ALLEY):
        alley_keys.append(divmod(number // HOUSEHOLDS_PER_ALLEY, HOUSEHOLDS_PER_GRID // HOUSEHOLDS_PER_ALLEY))
    alleys = Alley.objects.bulk_create(
        [Alley(grid=grids[g], name=f"合成{a + 1}巷") for g, a in alley_keys], batch_size=BATCH_SIZE
    )
    alley_by_key = dict(zip(alley_keys, alleys, strict=True))
    for number in range(0, households, HOUSEHOLDS_PER_BUILDING):
        grid, in_grid = divmod(number, HOUSEHOLDS_PER_GRID)
        alley, in_alley = divmod(in_grid, HOUSEHOLDS_PER_ALLEY)
        building_keys.append((grid, alley, in_alley // HOUSEHOLDS_PER_BUILDING))
    buildings = Building.objects.bulk_create(
        [Building(alley=alley_by_key[(g, a)], name=f"{b + 1}号楼") for g, a, b in building_keys],
        batch_size=BATCH_SIZE,
    )
    building_by_key = dict(zip(building_keys, buildings, strict=True))
    unit_keys = [(key, f"{u}单元") for key in building_keys if key[1] % 3 == 0 for u in (1, 2)]
    units = Unit.objects.bulk_create(
        [Unit(building=building_by_key[key], name=name) for key, name in unit_keys], batch_size=BATCH_SIZE
    )
    unit_by_key = dict(zip(unit_keys, units, strict=True))
    return {n: g for n, g in enumerate(grids)}, building_by_key, unit_by_key


def _sealed_household(plan: PlannedHousehold, building: Building, unit: Unit | None, grid: Grid) -> Household:
    household = Household(
        building=building,
        unit=unit,
        room=plan.room,
        grid=grid,
        community_id=grid.community_id,
        kind=plan.kind,
        landlord_name=plan.landlord_name,
        tenancy_start=plan.tenancy_start,
        tenancy_end=plan.tenancy_end,
    )
    if plan.landlord_phone:
        sealed = seal_phone(plan.landlord_phone)
        household.landlord_phone_enc, household.landlord_phone_masked = sealed.encrypted, sealed.masked
    return household


def _sealed_resident(person: PlannedPerson, household: Household, pinyin: dict[str, tuple[str, str]]) -> Resident:
    resident = Resident(
        household=household,
        name=person.name,
        doc_type=person.doc_type,
        sex=person.sex,
        birth_date=person.birth_date,
        relation=person.relation,
        status=person.status,
    )
    resident.name_pinyin, resident.name_initials = pinyin[person.name]
    resident.seal_identity(Checked(value=person.doc_number), Checked(value=person.phone) if person.phone else None)
    return resident


def _chunks(planner: Planner, households: int) -> Iterator[list[tuple[int, PlannedHousehold]]]:
    for start in range(0, households, CHUNK_HOUSEHOLDS):
        yield [(n, planner.household(n)) for n in range(start, min(start + CHUNK_HOUSEHOLDS, households))]


@transaction.atomic
def seed_register(
    actor,
    *,
    households: int,
    seed: int = 1,
    street_name: str = STREET_NAME,
    community_name: str = COMMUNITY_NAME,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Create a new synthetic community of `households` homes with about 2.7 residents each.

    Raises ValueError when the community already exists (a second run needs a new name, so that two
    synthetic registers never mix). Existing ID numbers anywhere in the register are never reused.
    """
    if households < 1:
        raise ValueError("住户数至少为 1。")
    street, _ = Street.objects.get_or_create(name=street_name)
    if Community.objects.filter(street=street, name=community_name).exists():
        raise ValueError(f"“{street_name} / {community_name}”已存在：请用 --community 换一个名称，或换一个空数据库。")
    community = Community.objects.create(street=street, name=community_name)
    taken = set(Resident.objects.exclude(doc_number_index="").values_list("doc_number_index", flat=True))
    planner = Planner(seed, taken, names=min(NAME_POOL, 200 + households))
    grids, buildings, units = _places(community, households)
    result = SeedResult(community=community, grids=len(grids))
    for chunk in _chunks(planner, households):
        homes = []
        for _, plan in chunk:
            key = (plan.grid, plan.alley, plan.building)
            unit = units.get((key, plan.unit)) if plan.unit else None
            homes.append(_sealed_household(plan, buildings[key], unit, grids[plan.grid]))
        Household.objects.bulk_create(homes, batch_size=BATCH_SIZE)
        people = [
            _sealed_resident(person, home, planner.pinyin)
            for (_, plan), home in zip(chunk, homes, strict=True)
            for person in plan.people
        ]
        Resident.objects.bulk_create(people, batch_size=BATCH_SIZE)
        result.households += len(homes)
        result.residents += len(people)
        result.rentals += sum(plan.kind == HouseholdKind.RENTAL for _, plan in chunk)
        if progress is not None:
            progress(len(homes))
    record_event(
        actor,
        "register.seed",
        community,
        label=f"{street_name} / {community_name}（合成数据）",
        row_count=result.residents,
        detail={"households": result.households, "residents": result.residents, "seed": seed},
    )
    return result
