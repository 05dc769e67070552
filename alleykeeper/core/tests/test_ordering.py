"""The natural order of numbered names (core.ordering): Chinese numerals and Arabic digits as numbers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alleykeeper.core.ordering import chinese_number, natural_sort_key

NUMERALS = [
    ("零", 0),
    ("〇", 0),
    ("一", 1),
    ("九", 9),
    ("十", 10),
    ("十一", 11),
    ("十九", 19),
    ("二十", 20),
    ("二十一", 21),
    ("两百", 200),
    ("一百", 100),
    ("一百零五", 105),
    ("一百一十", 110),
    ("三百四十五", 345),
    ("一千零一", 1001),
    ("一万", 10_000),
    ("十万", 100_000),
    ("二〇二〇", 2020),  # digit by digit, as years are read
]


@pytest.mark.parametrize(("numeral", "value"), NUMERALS, ids=[n for n, _ in NUMERALS])
def test_chinese_numerals_read_as_numbers(numeral, value):
    assert chinese_number(numeral) == value


def ordered(names: list[str]) -> list[str]:
    return sorted(names, key=natural_sort_key)


def test_chinese_numbered_grids_sort_as_numbers_not_by_character_code():
    expected = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格", "第十网格", "第十一网格",
                "第十二网格", "第二十网格", "第二十一网格", "第一百网格"]  # fmt: skip
    assert ordered(list(reversed(expected))) == expected
    assert sorted(expected) != expected  # character-code order is what this replaces: 第一、第三、第九…


def test_arabic_digits_and_mixed_numerals():
    assert ordered(["第12网格", "第3网格", "第10网格"]) == ["第3网格", "第10网格", "第12网格"]
    assert ordered(["第十二网格", "第3网格", "第二网格"]) == ["第二网格", "第3网格", "第十二网格"]
    assert ordered(["第１２网格", "第3网格"]) == ["第3网格", "第１２网格"]  # full-width digits fold
    assert ordered(["3号楼", "12号楼", "2号楼"]) == ["2号楼", "3号楼", "12号楼"]
    assert ordered(["第零网格", "第一网格"]) == ["第零网格", "第一网格"]


def test_names_without_numerals_sort_by_character_and_after_numbers_at_the_same_place():
    assert ordered(["西片网格", "东片网格"]) == sorted(["西片网格", "东片网格"])
    assert ordered(["网格", "网格十"]) == ["网格", "网格十"]  # a prefix first
    assert ordered(["第A网格", "第1网格"]) == ["第1网格", "第A网格"]
    assert natural_sort_key("") == ""


def test_rare_characters_and_huge_numbers_keep_the_key_in_the_safe_alphabet():
    key = natural_sort_key("𠮷" + "9" * 40 + "网格")
    assert set(key) <= set("0123456789ABCDEF")
    assert ordered(["𠮷网格", "丁网格"]) == ["丁网格", "𠮷网格"]  # by code point


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=2, max_size=8))
def test_property_numbered_names_sort_by_their_numbers(numbers):
    names = [f"第{n}网格" for n in numbers]
    assert [int(name[1:-2]) for name in ordered(names)] == sorted(numbers)


@given(st.text(max_size=20))
def test_property_key_never_fails_and_uses_only_hex_digits(text):
    assert set(natural_sort_key(text)) <= set("0123456789ABCDEF")
