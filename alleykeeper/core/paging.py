"""Pages without COUNT(*): lists of hundreds of thousands of rows stay as fast as small ones."""

from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class Page:
    items: list
    number: int
    has_next: bool

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(queryset: QuerySet, number: object, size: int = 50) -> Page:
    try:
        page = max(1, min(int(str(number or 1)), 10_000))
    except ValueError:
        page = 1
    start = (page - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(items=rows[:size], number=page, has_next=len(rows) > size)


def int_or_none(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None
