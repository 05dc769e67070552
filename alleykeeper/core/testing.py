"""One place that builds the test world: a community with two grids and the personas of GUIDE.md; and what a
browser would submit from a page's form, for tests that post a page back as it was shown."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser

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


# What a browser keeps of an input's value attribute (HTML's value sanitization): anything else is sent
# empty, which is how a date rendered as 2020/03/01 erased the stored date.
_DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
_TIME = r"(?P<time>\d{2}:\d{2})(:[0-5]\d(\.\d{1,3})?)?"
_VALID = {
    "date": re.compile(_DATE),
    "time": re.compile(_TIME),
    "datetime-local": re.compile(_DATE + "[T ]" + _TIME),  # a space is valid too
    "number": re.compile(r"-?(\d+|\d*\.\d+)([eE][-+]?\d+)?"),
}
_NOT_SENT = {"submit", "button", "image", "reset", "file"}


def browser_value(input_type: str, value: str) -> str:
    """An input's value as a browser submits it: line breaks dropped from text, an invalid date, time or
    number sent empty."""
    if input_type not in _VALID:
        return value.replace("\r", "").replace("\n", "")
    match = _VALID[input_type].fullmatch(value)
    if match is None:
        return ""
    parts = match.groupdict()
    if "date" in parts and not _parses(parts["date"], "%Y-%m-%d"):
        return ""
    if "time" in parts and not _parses(parts["time"], "%H:%M"):
        return ""
    return value


def _parses(text: str, pattern: str) -> bool:
    try:
        datetime.strptime(text, pattern)
    except ValueError:
        return False
    return True


@dataclass
class _Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class _FormReader(HTMLParser):
    """Every form of a page and the fields it would submit unchanged (no scripts run)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = _Form(a.get("method", "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
        elif self._form is None or "disabled" in a:
            if tag == "option" and self._select is not None:
                self._option = None  # a disabled option is never chosen
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((a["name"], a.get("value", "on")))
            elif kind not in _NOT_SENT:
                self._form.fields.append((a["name"], browser_value(kind, a.get("value", ""))))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
            self._select["options"].append(self._option)
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "text": ""}

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["text"] += data
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            self._end_select(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The parser drops one newline right after <textarea>; a submission sends line breaks as CR LF.
            text = self._textarea["text"].removeprefix("\n").replace("\r\n", "\n").replace("\n", "\r\n")
            self._form.fields.append((self._textarea["name"], text))
            self._textarea = None

    def _end_select(self, select: dict) -> None:
        options = select["options"]
        chosen = [o for o in options if o["selected"]]
        if not select["multiple"]:
            chosen = chosen[-1:] or options[:1]  # the last selected one, else the first
        for option in chosen:
            value = option["value"] if option["value"] is not None else " ".join(option["text"].split())
            self._form.fields.append((select["name"], value))


def submitted_form(html: str, action: str = "") -> dict[str, list[str]]:
    """What a browser posts from the page's POST form whose action is `action` ("" = the page itself), when
    the user changes nothing: the shape Django's test client takes for repeated fields."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    matching = [f for f in reader.forms if f.method == "post" and f.action == action]
    if not matching:
        raise AssertionError(f"no POST form with action {action!r} on the page")
    data: dict[str, list[str]] = {}
    for name, value in matching[0].fields:
        data.setdefault(name, []).append(value)
    return data
