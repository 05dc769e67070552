"""Key-area flags of a list of registrations as of now, in one query.

A registration stores the key areas found when it was made (actions.key_area_names, which asks
places.key_area_hits). A key area declared later the same morning must still flag the visitors waiting at
the gate, so the live list asks again, for all its rows at once: the same rule as places.key_area_hits
(a key-area period that touches the look-back window before arrival, on the place or one of its ancestors;
never the ID's address code), evaluated in Python over one query instead of one query per place."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from alleykeeper.places.models import KeyArea
from alleykeeper.visitors.models import Registration


def _lineage(code: str) -> set[str]:
    """A GB/T 2260 code and its ancestors' codes (divisions nest by prefix: 2 digits province, 4 city)."""
    return {code, code[:4] + "00", code[:2] + "0000"} if len(code) == 6 else {code}


def flag_key_areas(rows: list[Registration]) -> None:
    """Set `row.key_areas` on each row: the key areas it came from or passed through (names joined):
    those found at registration and those declared since."""
    lookback = timedelta(days=settings.KEY_AREA_LOOKBACK_DAYS)
    oldest_in_window = timezone.localdate() - lookback
    places: dict[int, set[str]] = {}
    for row in rows:
        row.key_areas = row.key_area_names
        if row.arrival_date >= oldest_in_window:
            codes = _lineage(row.origin_id)
            for place in row.places_passed:
                codes |= _lineage(str(place.get("code", "")))
            places[row.pk] = codes
    if not places:
        return
    live = [row for row in rows if row.pk in places]
    start = min(row.arrival_date for row in live) - lookback
    end = max(row.arrival_date for row in live)
    areas = list(
        KeyArea.objects.overlapping(start, end)
        .filter(division_id__in=set().union(*places.values()))
        .select_related("division")
    )
    for row in live:
        window_start = row.arrival_date - lookback
        names = [
            area.division.name
            for area in areas
            if area.division_id in places[row.pk]
            and area.start <= row.arrival_date
            and (area.end is None or area.end >= window_start)
        ]
        known = [name for name in row.key_area_names.split("、") if name]
        row.key_areas = "、".join(dict.fromkeys([*known, *names]))
