"""The test world: a community with two grids and the personas of GUIDE.md, and small builders of households,
residents and synthetic ID numbers. Tests and benchmarks only; production code never imports this package."""

from dataclasses import dataclass

from alleykeeper.accounts.models import User
from alleykeeper.accounts.roles import Role
from alleykeeper.core.identity import check_id_card, check_phone, id_check_char
from alleykeeper.registry import actions
from alleykeeper.registry.models import Alley, Building, Community, Grid, Household, HouseholdKind, Street


def make_id(address: str = "350502", born: str = "19850312", order: str = "123") -> str:
    """A synthetic ID number with a valid check character (never a real person's)."""
    first17 = address + born + order
    return first17 + id_check_char(first17)


@dataclass
class World:
    street: Street
    community: Community
    other_community: Community
    grid_a: Grid
    grid_b: Grid
    grid_other: Grid
    household_a: Household
    household_b: Household
    household_other: Household
    admin: User
    worker_a: User
    worker_b: User
    duty: User
    officer: User
    volunteer: User


def make_user(username: str, role: str, *, communities=(), grids=(), streets=(), password: str | None = None) -> User:
    user = User(username=username, display_name=username, role=role)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.communities.set(communities)
    user.grids.set(grids)
    user.streets.set(streets)
    return user


def make_household(grid: Grid, building_name: str, room: str, kind: str = HouseholdKind.OWNER) -> Household:
    alley, _ = Alley.objects.get_or_create(grid=grid, name=f"{grid.name}巷")
    building, _ = Building.objects.get_or_create(alley=alley, name=building_name)
    return actions.create_household(None, {"building": building, "room": room, "kind": kind})


def add_resident(household: Household, name: str, id_number: str = "", phone: str = "", **data) -> "actions.Resident":
    doc = check_id_card(id_number) if id_number else None
    tel = check_phone(phone) if phone else None
    return actions.create_resident(None, household, {"name": name, **data}, doc=doc, phone=tel)


def build_world() -> World:
    street = Street.objects.create(name="开元街道")
    community = Community.objects.create(street=street, name="开元社区")
    other_street = Street.objects.create(name="海滨街道")
    other_community = Community.objects.create(street=other_street, name="新华社区")
    grid_a = Grid.objects.create(community=community, name="第一网格")
    grid_b = Grid.objects.create(community=community, name="第二网格")
    grid_other = Grid.objects.create(community=other_community, name="新华一网格")
    household_a = make_household(grid_a, "3号楼", "302")
    household_b = make_household(grid_b, "8号楼", "101", HouseholdKind.RENTAL)
    household_other = make_household(grid_other, "1号楼", "201")
    add_resident(household_a, "王翠琳", make_id(order="124"), "13859901234")
    add_resident(household_b, "吴晶晶", make_id(born="19900101", order="246"), "13600001111")
    add_resident(household_other, "陈育玲", make_id(born="19700505", order="368"), "13900002222")
    return World(
        street=street,
        community=community,
        other_community=other_community,
        grid_a=grid_a,
        grid_b=grid_b,
        grid_other=grid_other,
        household_a=household_a,
        household_b=household_b,
        household_other=household_other,
        admin=make_user("admin", Role.ADMIN, communities=[community]),
        worker_a=make_user("worker_a", Role.GRID_WORKER, grids=[grid_a]),
        worker_b=make_user("worker_b", Role.GRID_WORKER, grids=[grid_b]),
        duty=make_user("duty", Role.DUTY_STAFF, communities=[community]),
        officer=make_user("officer", Role.STREET_OFFICER, streets=[street]),
        volunteer=make_user("volunteer", Role.VOLUNTEER, communities=[community]),
    )
