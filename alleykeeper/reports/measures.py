"""What a figure is measured over: the time window (the cutoff of the daily report), the area (inside the
viewer's scope) and the Figure itself (the records behind it). The catalogue of figures is figures.py."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, models
from django.db.models import Func, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.urls import get_script_prefix, get_urlconf, reverse

from alleykeeper.accounts.roles import Capability
from alleykeeper.accounts.scope import scope_of
from alleykeeper.registry.models import Community, Grid

FLOW, STOCK = "flow", "stock"


# -- time: the cutoff and the windows --------------------------------------------------------------------------


def local_zone() -> ZoneInfo:
    """The community's time zone (settings.TIME_ZONE), whatever zone a request activated."""
    return ZoneInfo(settings.TIME_ZONE)


@cache
def _parse_cutoff(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise ImproperlyConfigured(f"REPORT_CUTOFF: {text!r} is not a time like 15:00 (HH:MM, local time).") from error


def report_cutoff() -> time:
    """REPORT_CUTOFF (e.g. "15:00"): the daily report counts the 24 hours up to this local time."""
    return _parse_cutoff(settings.REPORT_CUTOFF)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Figures need aware datetimes; got a naive one.")


@dataclass(frozen=True)
class Window:
    """[start, end): a record at `start` is in, a record at `end` belongs to the next window."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start)
        _require_aware(self.end)
        if self.end < self.start:
            raise ValueError("A window ends after it starts.")

    @classmethod
    def report_day(cls, day: date) -> "Window":
        """The 24 hours ending at `day`'s cutoff, local time: with a 15:00 cutoff, the report of 10 Feb
        covers 9 Feb 15:00 to 10 Feb 15:00 (截至 10 日 15 时)."""
        zone, cutoff = local_zone(), report_cutoff()
        return cls(datetime.combine(day - timedelta(days=1), cutoff, zone), datetime.combine(day, cutoff, zone))

    @staticmethod
    def report_day_of(moment: datetime) -> date:
        """The report day a moment counts for: before the cutoff, today's; from the cutoff on, tomorrow's."""
        _require_aware(moment)
        local = moment.astimezone(local_zone())
        return local.date() if local.time() < report_cutoff() else local.date() + timedelta(days=1)

    @staticmethod
    def last_report_day(now: datetime) -> date:
        """The latest report day whose cutoff has passed at `now` (the one `generate_daily_reports` makes)."""
        return Window.report_day_of(now) - timedelta(days=1)

    @classmethod
    def today_so_far(cls, now: datetime) -> "Window":
        """From the last cutoff to `now`: what the next daily report will say if nothing else happens
        (at the cutoff it is exactly that report's window)."""
        return cls(cls.report_day(cls.report_day_of(now)).start, now)

    @classmethod
    def since_midnight(cls, now: datetime) -> "Window":
        """The local calendar day so far (00:00 to `now`), for pages that mean "today" literally."""
        _require_aware(now)
        local = now.astimezone(local_zone())
        return cls(datetime.combine(local.date(), time.min, local_zone()), now)

    @property
    def last_day(self) -> date:
        """The local date of the window's last instant (a report day's own date)."""
        return (self.end - timedelta(microseconds=1)).astimezone(local_zone()).date()


class WindowColumns:
    """Every window of a series at once: a figure's records built with this instead of a Window have the
    columns of the series' windows relation as their bounds (w.s, w.e and w.d, see count_in_windows), so
    they are built and compiled once for all the days instead of once a day (a 28-day trend built 28
    querysets a figure), and the database counts them window by window, each with its own index range."""

    start = RawSQL("w.s", (), output_field=models.DateTimeField())
    end = RawSQL("w.e", (), output_field=models.DateTimeField())
    last_day = RawSQL("w.d", (), output_field=models.DateField())


EACH_WINDOW = WindowColumns()


def _compiled(queryset: QuerySet, connection) -> tuple[str, list] | None:
    """The SQL of a queryset, or None when it can match nothing (an area of no communities)."""
    try:
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return None
    return sql, list(params)


def _counting(records: QuerySet) -> QuerySet:
    # COUNT(*), not COUNT(id): an index on the filtered columns alone can answer (an index-only scan).
    return records.order_by().annotate(n=Func(template="COUNT(*)", output_field=models.IntegerField())).values("n")


def count_together(records: list[QuerySet]) -> list[int]:
    """The number of each of `records`, in one query (one round trip, however many figures): a SELECT of
    scalar subqueries, each the records' own SQL counted (SQLite and PostgreSQL)."""
    if not records:
        return []
    connection = connections[records[0].db]
    columns, params = [], []
    for queryset in records:
        compiled = _compiled(_counting(queryset), connection)
        if compiled is None:
            columns.append("0")
        else:
            columns.append(f"({compiled[0]})")
            params += compiled[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        return [int(n or 0) for n in cursor.fetchone()]


def count_in_windows(records: QuerySet, windows: list[Window]) -> list[int]:
    """The number of `records` (built with EACH_WINDOW for their window) in each of `windows`, in one query:
    the windows are a VALUES list and each is counted by the records' own SQL (SQLite and PostgreSQL)."""
    return count_lines_in_windows([records], windows)[0]


def count_lines_in_windows(lines: list[QuerySet], windows: list[Window]) -> list[list[int]]:
    """count_in_windows for several figures at once (the lines of a chart, every trend of a page): one query,
    a column per line."""
    if not lines or not windows:
        return [[0] * len(windows) for _ in lines]
    connection = connections[lines[0].db]
    columns, params = [], []
    for records in lines:
        compiled = _compiled(_counting(records), connection)
        if compiled is None:  # an area of no communities: nothing to count
            columns.append("0")
        else:
            columns.append(f"({compiled[0]})")
            params += compiled[1]
    ops, values = connection.ops, []
    for n, window in enumerate(windows):
        values += [n, ops.adapt_datetimefield_value(window.start), ops.adapt_datetimefield_value(window.end)]
        values.append(ops.adapt_datefield_value(window.last_day))
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(windows))
    query = f"WITH w (n, s, e, d) AS (VALUES {rows}) SELECT w.n, {', '.join(columns)} FROM w"  # noqa: S608 - placeholders and Django's SQL
    with connection.cursor() as cursor:
        cursor.execute(query, [*values, *params])
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    return [[int(found[n][line] or 0) for n in range(len(windows))] for line in range(len(lines))]


# -- space: the area inside the viewer's scope -----------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """Communities, and optionally some of their grids (None: the whole communities)."""

    community_ids: frozenset[int]
    grid_ids: frozenset[int] | None = None

    @classmethod
    def for_user(cls, user, community_id: int | None = None, grid_id: int | None = None) -> "Area":
        """The user's whole scope, one community of it, or one grid of it. Http404 when outside scope_of(user)."""
        return cls.within(
            user,
            None if community_id is None else [community_id],
            None if grid_id is None else [grid_id],
        )

    @classmethod
    def within(cls, user, community_ids: Iterable[int] | None = None, grid_ids: Iterable[int] | None = None) -> "Area":
        """Communities and grids named by a page (None: all of the scope's). Every one must be in the user's
        scope, else Http404; a grid worker's area is always narrowed to their own grids."""
        scope = scope_of(user)
        if not user.is_authenticated or (not scope.everything and not scope.community_ids):
            raise Http404
        wanted = None if community_ids is None else frozenset(community_ids)
        if grid_ids is not None:
            grids = frozenset(grid_ids)
            found = dict(Grid.objects.visible_to(user).filter(pk__in=grids).values_list("pk", "community_id"))
            if len(found) != len(grids) or (wanted is not None and not set(found.values()) <= wanted):
                raise Http404
            return cls(wanted or frozenset(found.values()), grids)
        if wanted is None:
            if scope.everything:
                return cls(frozenset(Community.objects.values_list("pk", flat=True)), None)
            return cls(scope.community_ids, scope.grid_ids)
        if Community.objects.visible_to(user).filter(pk__in=wanted).count() != len(wanted):
            raise Http404
        if scope.everything or scope.grid_ids is None:
            return cls(wanted, None)
        mine = Grid.objects.filter(pk__in=scope.grid_ids, community_id__in=wanted).values_list("pk", flat=True)
        return cls(wanted, frozenset(mine))

    @classmethod
    def of_communities(cls, community_ids: Iterable[int]) -> "Area":
        """Whole communities, with no viewer (commands, the daily report's generation)."""
        return cls(frozenset(community_ids), None)

    def narrow(self, queryset: QuerySet, community_path: str, grid_path: str | None) -> QuerySet:
        queryset = queryset.filter(**{f"{community_path}__in": self.community_ids})
        if self.grid_ids is not None:
            if grid_path is None:
                return queryset.none()
            queryset = queryset.filter(**{f"{grid_path}__in": self.grid_ids})
        return queryset


# -- the figures ------------------------------------------------------------------------------------------------

# (community path, grid path) of each records model: how an area narrows them.
HOUSEHOLD = ("community_id", "grid_id")
RESIDENT = ("household__community_id", "household__grid_id")
KEY_PERSON = ("community_id", "grid_id")
CASE = ("community_id", "grid_id")
SLOT = ("case__community_id", "case__grid_id")
PUSHED = ("community_id", "grid_id")
ATTEMPT = ("campaign__community_id", "household__grid_id")  # screening.ScreenedHousehold too
# screening.ScreenedPerson: the grid of the resident's household now, as the figure's residents are narrowed.
SCREENED_PERSON = ("campaign__community_id", "resident__household__grid_id")
ANSWER = ("attempt__campaign__community_id", "attempt__household__grid_id")
REGISTRATION = ("gate__enclosure__community_id", None)
GATE_LOG = ("gate__enclosure__community_id", None)
GATE = ("enclosure__community_id", None)
ENTERPRISE = ("community_id", "grid_id")
OF_ENTERPRISE = ("enterprise__community_id", "enterprise__grid_id")  # applications, returning staff

# Who may open the list behind a figure (any one of these): counts are shown to whoever sees the page.
SEE_REGISTER = (Capability.VIEW_REPORTS, Capability.VIEW_REGISTER)
SEE_PEOPLE = (Capability.VIEW_REPORTS, Capability.VIEW_KEY_PERSONS)
SEE_PUSH_LIST = (Capability.VIEW_REPORTS, Capability.RECONCILE_PUSH_LIST)
SEE_GATES = (Capability.VIEW_REPORTS, Capability.MANAGE_GATES)
SEE_REOPENING = (Capability.VIEW_REPORTS, Capability.VIEW_REOPENING)

Select = Callable[["Area", Window], QuerySet]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str  # FLOW or STOCK
    group: str  # the section it is shown in (排查, 重点人员, 居家观察, 推送比对, 来访与卡口, 复工复产)
    unit: str
    paths: tuple[str, str | None]  # (community path, grid path) of the records' model
    select: Select  # the records, in the area's communities (the area narrows them again)
    cumulative: bool = False
    capabilities: tuple[str, ...] = (Capability.VIEW_REPORTS,)
    note: str = ""  # what it counts, in words, for the records page

    @property
    def per_grid(self) -> bool:
        return self.paths[1] is not None

    def applies_to(self, area: Area) -> bool:
        return self.per_grid or area.grid_ids is None

    def records(self, area: Area, window: Window) -> QuerySet:
        """The records behind the figure: the figure is their count."""
        return area.narrow(self.select(area, window), *self.paths)

    def can_list(self, user) -> bool:
        return any(user.can(capability) for capability in self.capabilities)


# -- the records behind a figure: their page's address ----------------------------------------------------------


def records_query(area: Area, window: Window) -> str:
    """The query string naming an area and a window on the records page: ids and times, no personal data."""
    query = "community=" + ",".join(str(pk) for pk in sorted(area.community_ids)) + "&" + _window_query(window)
    if area.grid_ids is not None:
        query += "&grid=" + ",".join(str(pk) for pk in sorted(area.grid_ids))
    return query.replace(",", "%2C")


@lru_cache(maxsize=512)
def _window_query(window: Window) -> str:
    # A page links hundreds of numbers over a few windows (the officer's 400, a trend's 28 days): encoded once.
    return urlencode(
        {
            "start": window.start.astimezone(local_zone()).isoformat(),
            "end": window.end.astimezone(local_zone()).isoformat(),
        }
    )


@lru_cache(maxsize=256)
def _records_path(key: str, prefix: str, urlconf: str) -> str:
    return reverse("reports:figure_records", args=[key])


def records_url(key: str, area: Area, window: Window) -> str:
    """The page listing the records behind a figure."""
    return f"{_records_path(key, get_script_prefix(), str(get_urlconf()))}?{records_query(area, window)}"
