"""One search box: name, pinyin (full or initials), phone, exact ID number or address."""

import re

from django.db.models import F, OrderBy, Q

from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import check_id_card, check_phone, clean_text
from alleykeeper.registry.models import Building, Grid, Household, Resident

LIMIT = 50


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


def search(user, query: str) -> tuple[list[Resident], list[Household], str]:
    """Residents and households in the user's scope matching `query`, and how the query was read."""
    text = clean_text(query)
    residents = Resident.objects.visible_to(user).select_related("household__building__alley", "household__unit")
    households = Household.objects.visible_to(user).select_related("building__alley", "unit")
    if not text:
        return [], [], ""
    id_checked = check_id_card(text)
    if re.fullmatch(r"[\dXx]{15,18}", text) and id_checked.ok:
        found = residents.filter(doc_number_index=blind_index("doc", id_checked.value))
        return list(found[:LIMIT]), [], "证件号码（精确）"
    if re.fullmatch(r"\+?[\d\-]{7,16}", text):
        phone = check_phone(text)
        if phone.ok and phone.value:
            found = residents.filter(phone_index=blind_index("phone", phone.value))
            if found.exists():
                return list(found[:LIMIT]), [], "电话（精确）"
        return [], list(households.filter(room__startswith=text)[:LIMIT]), "门牌号"
    if re.fullmatch(r"[A-Za-z]+", text):
        # Two indexed prefix queries instead of one OR: with OR, PostgreSQL cannot bound either index and
        # walks the pinyin index from "a" (seconds for a broad key like "w" at 200k households).
        key = text.lower()
        by_initials = residents.filter(name_initials__startswith=key).order_by(BytewiseOrder("name_initials"))
        by_pinyin = residents.filter(name_pinyin__startswith=key).order_by(BytewiseOrder("name_pinyin"))
        found = {r.pk: r for r in [*by_initials[:LIMIT], *by_pinyin[:LIMIT]]}
        return sorted(found.values(), key=lambda r: (r.name_pinyin, r.pk))[:LIMIT], [], "拼音"
    found = residents.filter(name__startswith=text).order_by(BytewiseOrder("name"))
    return list(found[:LIMIT]), list(_by_address(user, households, text)[:LIMIT]), "姓名或地址"


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
    return households.filter(matches)
