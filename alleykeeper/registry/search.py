"""One search box: name, pinyin (full or initials), phone, exact ID number or address."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import F, Lookup, OrderBy, Q, QuerySet

from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import check_id_card, check_phone, clean_text
from alleykeeper.core.paging import KeysetPage, decode_cursor, encode_cursor, keyset_page
from alleykeeper.registry.models import Alley, Building, Grid, Household, Resident, Unit

LIMIT = 50  # of residents and of households, a page
END = "."  # a stream of results read to its end (in a search's cursor)


class BytewiseOrder(OrderBy):
    """Ascending byte order of a text column (what C collation and SQLite's BINARY give), then the id.

    On PostgreSQL `ORDER BY col USING ~<~` is the order of a *_pattern_ops index, so a prefix search
    (LIKE '王%') walks that index from the prefix and stops after LIMIT rows, whatever the database's
    collation. A plain ORDER BY col under a non-C collation would sort every match, or worse, walk the
    default index from its start (seconds at 200k households). Django's compiler expects ASC or DESC in
    every ORDER BY term, hence the id as a tie-break rather than a bare USING."""

    def __init__(self, field: str, then: str = "pk") -> None:
        super().__init__(F(field))
        self.then = F(then)

    def get_source_expressions(self) -> list:
        return [self.expression, self.then]

    def set_source_expressions(self, exprs: list) -> None:
        self.expression, self.then = exprs

    def as_sql(self, compiler, connection, template: str | None = None, **extra_context) -> tuple[str, tuple]:
        then_sql, then_params = compiler.compile(self.then)
        template = (template or "%(expression)s ASC") + f", {then_sql} ASC"
        sql, params = super().as_sql(compiler, connection, template=template, **extra_context)
        return sql, (*params, *then_params)

    def as_postgresql(self, compiler, connection, **extra_context) -> tuple[str, tuple]:
        return self.as_sql(compiler, connection, template="%(expression)s USING ~<~", **extra_context)


class BytewiseAfter(Lookup):
    """`field > value` in byte order (the order BytewiseOrder sorts by): `~>~` on PostgreSQL, a plain `>`
    elsewhere (SQLite compares text bytewise). The next page of a search starts after the last name read."""

    lookup_name = "bytes_gt"

    def as_sql(self, compiler, connection, operator: str = ">") -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {operator} {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection) -> tuple[str, list]:
        return self.as_sql(compiler, connection, operator="~>~")


for _name in ("name", "name_pinyin", "name_initials"):
    Resident._meta.get_field(_name).register_lookup(BytewiseAfter)


@dataclass
class Found:
    """One page of results: residents and households, how the query was read, and where the next page
    starts (None: this was the last)."""

    residents: list[Resident] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    reading: str = ""
    cursor: str | None = None


def _by_name(queryset: QuerySet, key: str, cursor: str | None, size: int) -> KeysetPage:
    """Residents in byte order of `key` (a prefix search walks its pattern_ops index and stops after a page)."""
    return keyset_page(
        queryset, cursor, size, order=(key, "pk"), ordering=(BytewiseOrder(key),), lookups={key: "bytes_gt"}, tag=key
    )


def _pages(
    kind: str, after: str | None, streams: dict[str, Callable[[str | None], KeysetPage]]
) -> tuple[list, str | None]:
    """Page each stream (residents, households...) from its own cursor; one cursor for them all.
    Raises BadCursor for a cursor of another search."""
    names = list(streams)
    cursors: list = [None] * len(names) if after is None else decode_cursor(after, f"search:{kind}", len(names))
    pages, next_cursors = [], []
    for name, cursor in zip(names, cursors, strict=True):
        if cursor == END:
            pages.append(KeysetPage(items=[], next_cursor=None, cursor=END))
            next_cursors.append(END)
            continue
        page = streams[name](cursor)
        pages.append(page)
        next_cursors.append(page.next_cursor or END)
    more = any(c != END for c in next_cursors)
    return pages, encode_cursor(next_cursors, f"search:{kind}") if more else None


def search(user, query: str, after: str | None = None, size: int = LIMIT) -> Found:
    """Residents and households in the user's scope matching `query`, `size` of each a page, from the
    cursor `after` of the previous page. Raises BadCursor for a cursor of another query's kind."""
    text = clean_text(query)
    residents = Resident.objects.visible_to(user).select_related("household__building__alley", "household__unit")
    households = Household.objects.visible_to(user).select_related("building__alley", "unit")
    if not text:
        return Found()
    id_checked = check_id_card(text)
    if re.fullmatch(r"[\dXx]{15,18}", text) and id_checked.ok:
        found = residents.filter(doc_number_index=blind_index("doc", id_checked.value))
        return Found(list(found[:size]), [], "证件号码（精确）")
    if re.fullmatch(r"\+?[\d\-]{7,16}", text):
        phone = check_phone(text)
        if phone.ok and phone.value:
            found = residents.filter(phone_index=blind_index("phone", phone.value))
            if found.exists():
                return Found(list(found[:size]), [], "电话（精确）")
        rooms = households.filter(room__startswith=text)
        (page,), cursor = _pages("room", after, {"h": lambda c: keyset_page(rooms, c, size, tag="room")})
        return Found([], page.items, "门牌号", cursor)
    if re.fullmatch(r"[A-Za-z]+", text):
        # Two indexed prefix queries instead of one OR: with OR, PostgreSQL cannot bound either index and
        # walks the pinyin index from "a" (seconds for a broad key like "w" at 200k households). The second
        # leaves out what the first finds, so that paging the two never shows a person twice.
        key = text.lower()
        by_initials = residents.filter(name_initials__startswith=key)
        by_pinyin = residents.filter(name_pinyin__startswith=key).exclude(name_initials__startswith=key)
        streams = {
            "i": lambda c: _by_name(by_initials, "name_initials", c, size),
            "p": lambda c: _by_name(by_pinyin, "name_pinyin", c, size),
        }
        (initials, pinyin), cursor = _pages("pinyin", after, streams)
        found = sorted([*initials.items, *pinyin.items], key=lambda r: (r.name_pinyin, r.pk))
        return Found(found, [], "拼音", cursor)
    by_address = _by_address(user, households, text)
    streams = {
        "r": lambda c: _by_name(residents.filter(name__startswith=text), "name", c, size),
        "h": lambda c: keyset_page(by_address, c, size, tag="address"),
    }
    (people, places), cursor = _pages("name", after, streams)
    return Found(people.items, places.items, "姓名或地址", cursor)


def _by_address(user, households, text: str):
    """Households whose alley, building, room or landlord starts with `text`.

    The matching buildings (of the user's grids; alleys and buildings are small tables) are looked up
    first, so that the household query is an OR of three indexed conditions that PostgreSQL combines in
    one bitmap. One OR across joined tables instead makes it join and scan every household in scope
    (0.2 s at 200k households when nothing matches)."""
    buildings = (
        Building.objects.filter(alley__grid__in=Grid.objects.visible_to(user))
        .filter(Q(name__startswith=text) | Q(alley__name__startswith=text))
        .order_by()
        .values_list("id", flat=True)[:LIMIT]
    )
    matches = Q(room__startswith=text) | (Q(landlord_name__startswith=text) & ~Q(landlord_name=""))
    building_ids = list(buildings)
    if building_ids:
        matches |= Q(building_id__in=building_ids)
    return households.filter(matches | _whole_address(user, text))


def _prefixes(text: str) -> list[str]:
    return [text[:end] for end in range(1, min(len(text), 100) + 1)]


def _whole_address(user, text: str) -> Q:
    """An address typed as the pages write it, alley, building, unit and room run together (孝感巷1号201,
    中山北路19号2单元302, or its start): the alleys whose name starts the text, their buildings whose name starts
    what follows, their units likewise, and the rooms that start with the rest. Three small look-ups (alleys,
    buildings and units are small tables), whatever the number of households."""
    alleys = dict(
        Alley.objects.filter(grid__in=Grid.objects.visible_to(user), name__in=_prefixes(text)).values_list("id", "name")
    )
    rests: dict[int, str] = {}  # building -> what follows its alley and name
    if alleys:
        wanted = {prefix for alley in alleys.values() for prefix in _prefixes(text[len(alley) :])}
        candidates = Building.objects.filter(alley_id__in=alleys, name__in=wanted)
        for pk, alley_id, name in candidates.values_list("id", "alley_id", "name"):
            rest = text[len(alleys[alley_id]) :]
            if rest.startswith(name):
                rests[pk] = rest[len(name) :]
    found = Q(pk__in=[])
    units = Unit.objects.filter(building_id__in=[pk for pk, rest in rests.items() if rest])
    for unit_pk, building_id, name in units.values_list("id", "building_id", "name"):
        if rests[building_id].startswith(name):
            found |= Q(unit_id=unit_pk, room__startswith=rests[building_id][len(name) :])
    for building_id, rest in rests.items():
        found |= Q(building_id=building_id, room__startswith=rest) if rest else Q(building_id=building_id)
    return found
