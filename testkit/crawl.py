"""A crawler that follows a persona's links page by page from the home page, and what it checks on every page
(core/tests/sitewide/: test_crawl.py, test_hostile_forms.py, test_query_counts.py, e2e/test_crawl_layout.py)."""

import re
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve

from alleykeeper.accounts.models import User

# -- crawling: every page a persona reaches by following links from the home page ------------------------------

# The moment the site-wide tests (crawl, hostile forms, query counts, the phone layout) load the demo and walk
# the site: a Tuesday morning, when every form is reachable (the morning follow-up is open, the demo's gates
# have a shift on duty with the grid worker on it). The clock ticks from there; out-of-hours pages are tested
# at other moments on purpose.
SITE_MOMENT = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# Who plays each role in the demo community (alleykeeper/demo/data.py): the grid worker, the duty staff and the
# volunteer have work today.
DEMO_PERSONAS = {
    "admin": "chenyl",
    "grid_worker": "wangcl",
    "duty_staff": "zhuangjg",
    "volunteer": "lixd",
    "cleaner": "suay",
    "street_officer": "yangzh",
}


def client_for(persona: str) -> Client:
    """A test client logged in as the demo's persona (DEMO_PERSONAS), anonymous for any other name."""
    client = Client()
    if persona in DEMO_PERSONAS:
        client.force_login(User.objects.get(username=DEMO_PERSONAS[persona]))
    return client


# Pages a role's menu does not link yet (the menu is center's NAVIGATION): the crawl starts from them too, for
# the personas they answer 200 to. Remove a line once the home page or the menu links the page.
UNLINKED_START_PAGES = ("/reports/",)
_UNLINKED = "(not linked from the home page yet)"

_WRITE_SQL = re.compile(r"\s*(INSERT|UPDATE|DELETE)\s", re.IGNORECASE)
_SESSION_TABLE = "django_session"  # Django saves the session (flash messages live there) on any request
_EXPLICITLY_CLOSED = {
    *("html", "head", "body", "title", "script", "style", "main", "header", "footer", "nav", "section", "article"),
    *("aside", "div", "form", "fieldset", "legend", "table", "ul", "ol", "dl", "a", "span", "strong", "em"),
    *("small", "button", "label", "select", "textarea", "details", "summary", "h1", "h2", "h3", "h4", "h5", "h6"),
}
_NONE_WORD = re.compile(r"(?<![A-Za-z])None(?![A-Za-z])")
_CELLS = {"td", "th", "dd"}
_DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # data (json_script), never run


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
        self._inline_script(tag, a)
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

    def _inline_script(self, tag: str, a: dict[str, str | None]) -> None:
        """The content security policy runs no inline script: note any the page has."""
        if tag == "script" and not a.get("src") and a.get("type") not in _DATA_SCRIPT_TYPES:
            self.structure.append("an inline <script> (the content security policy blocks it)")
        handlers = [name for name in a if name.startswith(("on", "hx-on"))]
        if handlers:
            self.structure.append(f"an inline event handler on <{tag}>: {', '.join(handlers)}")
        if (a.get("href") or "").strip().lower().startswith("javascript:"):
            self.structure.append("a javascript: link")

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
    html: str = ""  # the body of an HTML page as fetched (the hostile-form test reads its forms)


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
    page = CrawledPage(url, route, response.status_code, [], list(dict.fromkeys(writes)), download, body)
    if html and not download:
        page.problems += csp_problems(response.get("Content-Security-Policy", ""))
    if response.status_code in (301, 302, 303, 307, 308):
        body = f'<a href="{response["Location"]}">'  # followed like a link
    return page, body


def csp_problems(policy: str) -> list[str]:
    """What is wrong with a page's content security policy header: missing, or letting inline script run."""
    if not policy:
        return ["no Content-Security-Policy header"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.split()}
    script_src = directives.get("script-src", directives.get("default-src", ["*"]))
    loose = [source for source in script_src if source in ("*", "'unsafe-inline'", "'unsafe-eval'", "data:")]
    return [f"the content security policy lets script run from {', '.join(loose)}"] if loose else []


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
    result = Crawl(links={start: ""} | {page: _UNLINKED for page in UNLINKED_START_PAGES if page != start})
    queue, fetched = deque(result.links), Counter()
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
        if result.links[url] == _UNLINKED and page.status != 200:
            fetched[route] -= 1
            continue  # not this persona's page
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
