"""Pages without COUNT(*): lists of hundreds of thousands of rows stay as fast as small ones."""

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.http import QueryDict


def int_or_none(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


# ---- Keyset pages: the one place lists are paged by key (the API, the register's lists, search) ----------

CURSOR_VERSION = 1


class BadCursor(ValueError):
    """A cursor this list did not hand out (edited, truncated, or from another list)."""


@dataclass
class KeysetPage:
    """One page of a list ordered by keys; `next_cursor` names where the next page starts (None: the end).
    Stable under inserts: a row added before the cursor never shifts the next page, unlike OFFSET."""

    items: list
    next_cursor: str | None
    cursor: str | None  # the cursor this page was read from (None: the first page)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def is_first(self) -> bool:
        return self.cursor is None


def _encode_value(value: object) -> object:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if value is None or isinstance(value, int | str | float | bool):
        return value
    raise TypeError(f"cannot page by a value of type {type(value).__name__}")


def _decode_value(value: object) -> object:
    if isinstance(value, dict) and set(value) == {"dt"}:
        return datetime.fromisoformat(str(value["dt"]))
    if isinstance(value, dict) and set(value) == {"d"}:
        return date.fromisoformat(str(value["d"]))
    if value is None or isinstance(value, int | str | float | bool):
        return value
    raise BadCursor("bad value")


def encode_cursor(values: list, tag: str = "") -> str:
    raw = json.dumps([CURSOR_VERSION, tag, [_encode_value(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, tag: str = "", length: int | None = None) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        version, cursor_tag, values = json.loads(raw)
        decoded = [_decode_value(v) for v in values]
    except (ValueError, TypeError, UnicodeError) as error:
        raise BadCursor("not a cursor of this list") from error
    if version != CURSOR_VERSION or cursor_tag != tag or not isinstance(values, list):
        raise BadCursor("not a cursor of this list")
    if length is not None and len(decoded) != length:
        raise BadCursor("not a cursor of this list")
    return decoded


def _after(keys: list[tuple[str, bool]], values: list, lookups: dict[str, str]) -> Q:
    """Rows after `values` in the order of `keys` (name, descending): (k0 > v0) OR (k0 = v0 AND k1 > v1) ...
    `lookups` names another comparison for a key (registry.search: byte order on PostgreSQL)."""
    condition = Q()
    for i, (name, descending) in enumerate(keys):
        lookup = lookups.get(name, "lt" if descending else "gt")
        step = Q(**{f"{name}__{lookup}": values[i]})
        condition |= Q(*(Q(**{keys[j][0]: values[j]}) for j in range(i)), step)
    return condition


def keyset_page(
    queryset: QuerySet,
    cursor: str | None,
    size: int = 50,
    *,
    order: tuple[str, ...] = ("pk",),
    tag: str = "",
    ordering: tuple | None = None,
    lookups: dict[str, str] | None = None,
    private: bool = False,
) -> KeysetPage:
    """The page of `queryset` after `cursor`, in `order` (field names or annotations, '-' for descending; none
    may be null, and the last must be unique, usually "pk"). The one place lists are paged: no OFFSET, so page
    5,000 costs what page 1 does, and rows inserted while someone pages never shift a page.

    The cursor is an opaque base64 of the last row's keys, tagged with the list's name (another list's cursor
    is refused). `private`: the cursor holds the last row's id only and its keys are read back when the next
    page is asked (one more query), for lists whose keys are personal and whose cursor goes into a URL; the
    row gone or moved out of the list makes the cursor bad. `ordering`: the ORDER BY expressions when they
    are not the keys' plain order, with `lookups` the matching comparisons. Raises BadCursor."""
    keys = [(name.removeprefix("-"), name.startswith("-")) for name in order]
    ordered = queryset.order_by(*(ordering or order))
    if cursor:
        if private:
            (pk,) = decode_cursor(cursor, tag, 1)
            found = queryset.filter(pk=pk).values_list(*(name for name, _ in keys))[:1] if isinstance(pk, int) else []
            if not found:
                raise BadCursor("the row this cursor points at has gone")
            values = list(found[0])
        else:
            values = decode_cursor(cursor, tag, len(keys))
        ordered = ordered.filter(_after(keys, values, lookups or {}))
    rows = list(ordered[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        values = [last.pk] if private else [_key_value(last, name) for name, _ in keys]
        next_cursor = encode_cursor(values, tag)
    return KeysetPage(items=items, next_cursor=next_cursor, cursor=cursor or None)


def _key_value(row: object, name: str) -> object:
    value: object = row
    for step in name.split("__"):
        value = getattr(value, step)
    return value


def page_after(queryset: QuerySet, cursor: object, size: int = 50, **options) -> KeysetPage:
    """A page list's keyset page from its `?after=` parameter: a cursor that is bad or whose row has gone
    (edited address, deleted row) gives the first page rather than an error. Cursors are private (an id)."""
    text = str(cursor or "")[:500] or None
    try:
        return keyset_page(queryset, text, size, private=True, **options)
    except BadCursor:
        return keyset_page(queryset, None, size, private=True, **options)


def query_without(params: QueryDict, *names: str) -> str:
    """The page's filters as a query string for its 下一页 link ("a=1&b=2&", or ""), without `names`."""
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode() + "&" if query else ""
