"""One place that builds the test world: a community with two grids and the personas of GUIDE.md; what a
browser would submit from a page's form, for tests that post a page back as it was shown; and a crawler that
follows a persona's links page by page (core/tests/test_crawl.py, e2e/test_crawl_layout.py)."""

import re
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve

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
    kinds: dict[str, str] = field(default_factory=dict)  # input type, "textarea", or "choice" (select, radio, box)
    options: dict[str, list[str]] = field(default_factory=dict)  # a choice's values
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons: the choice they send


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
        if tag == "form":  # htmx posts a form that names its address in hx-post alone
            method = a.get("method") or ("post" if "hx-post" in a else "get")
            self._form = _Form(method.lower(), a.get("action") or a.get("hx-post", ""))
            self.forms.append(self._form)
        elif self._form is None or "disabled" in a:
            if tag == "option" and self._select is not None:
                self._option = None  # a disabled option is never chosen
            return
        elif tag == "button" and a.get("name") and a.get("type", "submit") == "submit":
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            self._form.kinds[a["name"]] = "choice" if kind in ("checkbox", "radio") else kind
            if kind in ("checkbox", "radio"):
                self._form.options.setdefault(a["name"], []).append(a.get("value", "on"))
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
            self._form.kinds[a["name"]] = "textarea"

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
        self._form.kinds[select["name"]] = "choice"
        self._form.options[select["name"]] = [o["value"] or "" for o in options]
        chosen = [o for o in options if o["selected"]]
        if not select["multiple"]:
            chosen = chosen[-1:] or options[:1]  # the last selected one, else the first
        for option in chosen:
            value = option["value"] if option["value"] is not None else " ".join(option["text"].split())
            self._form.fields.append((select["name"], value))


def post_forms(html: str) -> list[_Form]:
    """Every form of the page that posts (htmx's too), read as by submitted_form."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return [f for f in reader.forms if f.method == "post"]


def submitted_form(html: str, action: str = "") -> dict[str, list[str]]:
    """What a browser posts from the page's POST form whose action is `action` ("" = the page itself), when
    the user changes nothing: the shape Django's test client takes for repeated fields."""
    matching = [f for f in post_forms(html) if f.action == action]
    if not matching:
        raise AssertionError(f"no POST form with action {action!r} on the page")
    data: dict[str, list[str]] = {}
    for name, value in matching[0].fields:
        data.setdefault(name, []).append(value)
    return data


# -- crawling: every page a persona reaches by following links from the home page ------------------------------

# Who plays each role in the demo community (registry/demo_data.py): the grid worker, the duty staff and the
# volunteer have work today.
DEMO_PERSONAS = {
    "admin": "chenyl",
    "grid_worker": "wangcl",
    "duty_staff": "zhuangjg",
    "volunteer": "lixd",
    "cleaner": "suay",
    "street_officer": "yangzh",
}

_WRITE_SQL = re.compile(r"\s*(INSERT|UPDATE|DELETE)\s", re.IGNORECASE)
_SESSION_TABLE = "django_session"  # Django saves the session (flash messages live there) on any request
_EXPLICITLY_CLOSED = {
    *("html", "head", "body", "title", "script", "style", "main", "header", "footer", "nav", "section", "article"),
    *("aside", "div", "form", "fieldset", "legend", "table", "ul", "ol", "dl", "a", "span", "strong", "em"),
    *("small", "button", "label", "select", "textarea", "details", "summary", "h1", "h2", "h3", "h4", "h5", "h6"),
}
_NONE_WORD = re.compile(r"(?<![A-Za-z])None(?![A-Za-z])")
_CELLS = {"td", "th", "dd"}


class _PageReader(HTMLParser):
    """What a crawl checks on an HTML page: its title and headings, links, visible text, table cells, and
    elements that are never closed or closed without being opened."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title, self.h1s, self.links, self.text, self.cells = "", 0, [], [], []
        self.structure: list[str] = []
        self._open: list[str] = []
        self._ids: set[str] = set()
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            if a["id"] in self._ids:
                self.structure.append(f'id="{a["id"]}" is used twice')
            self._ids.add(a["id"])
        if tag == "h1":
            self.h1s += 1
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag in _CELLS:
            self._cell = []
        if tag in _EXPLICITLY_CLOSED:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _CELLS and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag not in _EXPLICITLY_CLOSED:
            return
        if tag not in self._open:
            self.structure.append(f"</{tag}> closes nothing")
            return
        while (top := self._open.pop()) != tag:
            self.structure.append(f"<{top}> is never closed (inside <{tag}>)")

    def handle_data(self, data: str) -> None:
        inside = self._open[-1] if self._open else ""
        if inside == "title":
            self.title += data
        elif inside not in ("script", "style"):
            self.text.append(data)
            if self._cell is not None:
                self._cell.append(data)

    def close(self) -> None:
        super().close()
        self.structure += [f"<{tag}> is never closed" for tag in self._open]


def html_problems(html: str) -> tuple[list[str], list[str]]:
    """(problems, links) of a full HTML page: a title and an <h1>, no debug page, no template syntax or a
    Python None shown where a value belongs, every element closed."""
    reader = _PageReader()
    reader.feed(html)
    reader.close()
    text = " ".join(reader.text)
    problems = list(dict.fromkeys(reader.structure))
    if not reader.title.strip():
        problems.append("no <title>")
    if not reader.h1s:
        problems.append("no <h1>")
    if "Traceback" in text or "Exception Value" in text:
        problems.append("a debug page")
    if "{{" in text or "{%" in text:
        problems.append("template syntax in the visible text")
    problems += [f"a cell reads {cell!r}" for cell in reader.cells if _NONE_WORD.search(cell)]
    return problems, reader.links


@dataclass
class CrawledPage:
    url: str
    route: str  # the url name ("registry:household"): pages are capped per route
    status: int
    problems: list[str]
    writes: list[str] = field(default_factory=list)  # tables the GET wrote to, the session's aside
    download: bool = False


@dataclass
class Crawl:
    pages: list[CrawledPage] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # every same-site address linked, and where from

    def routes(self) -> dict[str, str]:
        """One URL per route, the first the crawl fetched, HTML pages only."""
        first: dict[str, str] = {}
        for page in self.pages:
            if not page.download and page.status == 200:
                first.setdefault(page.route, page.url)
        return first


def _written_table(sql: str) -> str:
    words = sql.replace('"', "").split()
    return words[2] if words[0].upper() in ("INSERT", "DELETE") else words[1]


@contextmanager
def tables_written() -> Iterator[list[str]]:
    """The tables written to inside the block, as they are (the session's aside)."""
    writes: list[str] = []

    def watch(execute, sql, params, many, context):
        if _WRITE_SQL.match(sql) and (table := _written_table(sql)) != _SESSION_TABLE:
            writes.append(table)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield writes


def _fetch(client: Client, url: str, route: str) -> tuple[CrawledPage, str]:
    """GET one page, noting every table written meanwhile; the body of an HTML page, "" for anything else."""
    with tables_written() as writes:
        try:
            response = client.get(url)
        except Exception as error:  # the test client re-raises a view's exception: that is a 500
            return CrawledPage(url, route, 500, [f"500: {type(error).__name__}: {error}"]), ""
        # Read to the end: the test client then closes a streamed response (a download) as a server would.
        content = response.getvalue()
        download = response.get("Content-Disposition", "").startswith("attachment")
        html = response.status_code == 200 and response["Content-Type"].startswith("text/html")
        body = content.decode() if html and not download else ""
    page = CrawledPage(url, route, response.status_code, [], list(dict.fromkeys(writes)), download)
    if response.status_code in (301, 302, 303, 307, 308):
        body = f'<a href="{response["Location"]}">'  # followed like a link
    return page, body


def _same_site(base: str, href: str) -> str | None:
    """The path and query an href leads to on this site, None for another site or a static file."""
    parts = urlsplit(urldefrag(urljoin(base, href))[0])
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    if parts.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(
    client: Client,
    start: str = "/",
    *,
    per_route: int = 3,
    limit: int = 300,
    skip: tuple[str, ...] = ("accounts:logout",),
) -> Crawl:
    """Follow every same-site <a href> (and redirect) breadth-first with GET only, at most `per_route` pages
    of one url name and `limit` in all; record each page's problems (a server error, a followed link that
    answers 4xx, html_problems) and the tables each GET wrote to."""
    result = Crawl(links={start: ""})
    queue, fetched = deque([start]), Counter()
    while queue and len(result.pages) < limit:
        url = queue.popleft()
        try:
            route = resolve(urlsplit(url).path).view_name
        except Resolver404:
            result.pages.append(CrawledPage(url, "", 404, [f"linked from {result.links[url]}: no such page"]))
            continue
        if route in skip or fetched[route] >= per_route:
            continue
        fetched[route] += 1
        page, body = _fetch(client, url, route)
        result.pages.append(page)
        if 400 <= page.status < 500:
            page.problems.append(f"answers {page.status} (linked from {result.links[url]})")
        if not body:
            continue
        problems, hrefs = html_problems(body)
        if page.status == 200:
            page.problems += problems
        for href in hrefs:
            target = _same_site(url, href)
            if target is not None and target not in result.links:
                result.links[target] = url
                queue.append(target)
    return result
