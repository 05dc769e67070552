"""Read a place written as text ("湖北省武汉市江岸区", "武汉", "420102") into a division.

Imports (push lists, registers) name origins in every way people write them. The index is built with
one query and answers from memory, so an import of 100,000 rows asks the database once.
"""

import re

from alleykeeper.core.identity import clean_text
from alleykeeper.places.models import Division, DivisionLevel

# Longest first, so that 广西壮族自治区 loses "壮族自治区" before "自治区" is tried.
_SUFFIXES = sorted(
    [
        "省", "市", "自治区", "特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "地区", "盟",
        "自治州", "区", "县", "自治县", "旗", "自治旗", "林区", "特区",
    ],
    key=len,
    reverse=True,
)  # fmt: skip


def short_names(name: str) -> set[str]:
    """The name and the forms people shorten it to: 湖北省 → 湖北, 武汉市 → 武汉 (never below 2 characters)."""
    names = {name}
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            names.add(name[: -len(suffix)])
            break
    return names


class DivisionIndex:
    """Every division by code and by (short) name, for resolving text without further queries."""

    def __init__(self, divisions: list[Division] | None = None) -> None:
        if divisions is None:
            divisions = list(Division.objects.only("code", "name", "level", "parent_id"))
        self.by_code: dict[str, Division] = {d.code: d for d in divisions}
        self._children: dict[str | None, list[Division]] = {}
        self._by_name: dict[str, list[Division]] = {}
        # (alias, division) pairs per parent, longest alias first: resolve() walks these, never all names.
        self._aliases: dict[str | None, list[tuple[str, Division]]] = {}
        for d in divisions:
            self._children.setdefault(d.parent_id, []).append(d)
            for alias in short_names(d.name):
                self._by_name.setdefault(alias, []).append(d)
                self._aliases.setdefault(d.parent_id, []).append((alias, d))
        for pairs in self._aliases.values():
            pairs.sort(key=lambda pair: -len(pair[0]))
        self._global = sorted(self._by_name, key=len, reverse=True)
        self._resolved: dict[str, Division | None] = {}  # lists repeat the same few origins thousands of times

    def __len__(self) -> int:
        return len(self.by_code)

    def _prefix_match(self, text: str, parent: str | None) -> tuple[Division, str] | None:
        for alias, division in self._aliases.get(parent, ()):
            if text.startswith(alias):
                return division, alias
        return None

    def resolve(self, raw: object) -> Division | None:
        """The most specific division the text names, or None when it names none unambiguously."""
        key = str(raw or "")
        if key not in self._resolved:
            self._resolved[key] = self._resolve(key)
        return self._resolved[key]

    def _resolve(self, raw: str) -> Division | None:
        text = clean_text(raw)
        if not text:
            return None
        digits = re.sub(r"\D", "", text)
        if len(digits) == 6 and digits == text:
            return self.by_code.get(digits)
        found: Division | None = None
        parent: str | None = None
        while text:
            hit = self._prefix_match(text, parent)
            if hit is None:
                break
            found, alias = hit
            text = text[len(alias) :]
            # "北京市东城区": the municipality's districts hang under the province itself.
            parent = found.code
        if found is None:
            # No province named: accept a city or county name only when it is unique in the country.
            for alias in self._global:
                if text.startswith(alias) and len(self._by_name[alias]) == 1:
                    found = self._by_name[alias][0]
                    rest = text[len(alias) :]
                    deeper = self._prefix_match(rest, found.code) if rest else None
                    return deeper[0] if deeper else found
        return found

    def province_of(self, division: Division | None) -> Division | None:
        if division is None:
            return None
        return self.by_code.get(division.code[:2] + "0000") if division.level > DivisionLevel.PROVINCE else division
