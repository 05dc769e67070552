"""Natural order of names people number: 第二网格 before 第十网格, 第3网格 before 第12网格.

`natural_sort_key` turns a name into a string that sorts, as plain text, the way people read the numbers
in it: Arabic digits and Chinese numerals (一 … 九, 十, 百, 千, 万, 零 / 〇) compare as numbers, everything
else character by character. The key holds only the characters 0-9 and A-F, which every database collation
orders alike (C, en_US.UTF-8, ICU), so a column of keys sorts in SQL as it does here.
"""

import re
import unicodedata

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_MYRIADS = {"万": 10_000, "亿": 100_000_000}
_NUMBER = re.compile("[0-9]+|[" + "".join(_DIGITS) + "".join(_UNITS) + "".join(_MYRIADS) + "]+")
_NUMBER_WIDTH = 12  # numbers up to 999,999,999,999; larger ones are clamped (no name numbers that far)
_LARGEST = 10**_NUMBER_WIDTH - 1
# A number before any character at the same place ("第3" before "第A"); two numbers by value, two
# characters by code point (6 hex digits hold every one, 𠮷 included).
_NUMBER_MARK, _CHAR_MARK = "0", "1"


def chinese_number(numeral: str) -> int:
    """The value of a Chinese numeral: 十 = 10, 十一 = 11, 二十 = 20, 一百零五 = 105, 一万 = 10000; without
    a unit, digit by digit, as years and room numbers are read: 二〇二〇 = 2020."""
    if not any(char in _UNITS or char in _MYRIADS for char in numeral):
        value = 0
        for char in numeral:
            value = value * 10 + _DIGITS[char]
        return value
    total = section = digit = 0
    for char in numeral:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            section += (digit or 1) * _UNITS[char]  # 十一: a unit without a digit before it counts once
            digit = 0
        else:
            total = (total + section + digit) * _MYRIADS[char]
            section = digit = 0
    return total + section + digit


def natural_sort_key(name: str) -> str:
    """A key that sorts `name` among others in natural order (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", name or "")
    parts: list[str] = []
    position = 0
    for match in _NUMBER.finditer(text):
        parts.extend(_CHAR_MARK + f"{ord(char):06X}" for char in text[position : match.start()])
        found = match.group()
        value = int(found) if found.isascii() else chinese_number(found)
        parts.append(_NUMBER_MARK + f"{min(value, _LARGEST):0{_NUMBER_WIDTH}d}")
        position = match.end()
    parts.extend(_CHAR_MARK + f"{ord(char):06X}" for char in text[position:])
    return "".join(parts)
