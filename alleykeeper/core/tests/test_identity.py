"""ID numbers and phones (GUIDE.md section 3), including property tests."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from alleykeeper.core.identity import (
    DocumentType,
    check_document,
    check_id_card,
    check_person_name,
    check_phone,
    id_check_char,
    mask_document,
    mask_phone,
)
from testkit.world import make_id

VALID = "11010519491231002X"  # the standard's own example


def test_standard_example_passes_with_birth_date_and_sex():
    checked = check_id_card(VALID)
    assert checked.ok
    assert checked.birth_date == date(1949, 12, 31)
    assert checked.sex == "F"  # order 002 is even


def test_normalises_full_width_spaces_zero_width_and_lower_x():
    messy = "１１０１０５ 1949\u200b1231\u3000002x"
    assert check_id_card(messy).value == VALID


def test_wrong_check_digit_says_which_digit_to_check():
    checked = check_id_card(VALID[:-1] + "1")
    assert not checked.ok
    assert "校验位" in checked.error


def test_impossible_birth_date_is_rejected():
    first17 = "350502" + "19850231" + "123"
    checked = check_id_card(first17 + id_check_char(first17))
    assert not checked.ok and "出生日期" in checked.error


def test_a_birth_date_in_the_future_is_not_said_not_to_exist():
    """20990101 exists: the message said 不存在, which is wrong; it says the date is in the future too."""
    first17 = "350502" + "20990101" + "123"
    checked = check_id_card(first17 + id_check_char(first17))
    assert not checked.ok and "20990101 不存在或晚于今天" in checked.error


def test_wrong_length_names_the_length():
    checked = check_id_card("3505021985")
    assert not checked.ok and "10 位" in checked.error


def test_number_mangled_by_excel_is_reported():
    for mangled in ("3.50502198503121E+17", "350502198503121000.0"):
        checked = check_id_card(mangled)
        assert not checked.ok and "文本" in checked.error


def test_legacy_15_digit_upgrades_with_check_digit():
    checked = check_id_card("350502850312123")
    assert checked.ok
    assert checked.value == make_id(born="19850312", order="123")
    assert checked.birth_date == date(1985, 3, 12)


def test_unknown_address_code_warns_never_rejects():
    checked = check_id_card(make_id(address="990000"))
    assert checked.ok
    assert checked.warnings


def test_hong_kong_macau_taiwan_residence_permits_use_the_same_checksum():
    for prefix in ("810000", "820000", "830000"):
        number = make_id(address=prefix)
        assert check_document(DocumentType.HMT_RESIDENCE, number).ok
        assert check_id_card(number).ok and not check_id_card(number).warnings
    assert not check_document(DocumentType.HMT_RESIDENCE, make_id()).ok


def test_other_documents():
    assert check_document(DocumentType.HM_PERMIT, "h12345678").ok
    assert not check_document(DocumentType.HM_PERMIT, "X12345678").ok
    assert check_document(DocumentType.TW_PERMIT, "12345678").ok
    assert check_document(DocumentType.PASSPORT, "E12345678").ok
    assert check_document(DocumentType.FOREIGN_PR, "USA350512123456").ok
    assert not check_document(DocumentType.PASSPORT, "").ok


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["350502", "110105", "420106", "810000"]),
)
def test_property_every_generated_id_passes_and_round_trips(born, order, address):
    number = make_id(address=address, born=born.strftime("%Y%m%d"), order=f"{order:03d}")
    checked = check_id_card(number)
    assert checked.ok
    assert checked.birth_date == born
    assert checked.sex == ("M" if order % 2 else "F")
    assert check_id_card(number.lower()).value == number


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_property_check_character_is_the_standards_weighted_sum(first17):
    # GB 11643-1999 as GUIDE.md states it, written out: id_check_char computes it another way (base 13).
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert id_check_char(first17) == "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


@given(st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_property_any_single_digit_change_is_caught(position, delta):
    number = make_id()
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not check_id_card(changed).ok


@given(st.text(max_size=30))
def test_property_checker_never_crashes(text):
    check_id_card(text)
    check_phone(text)


NAMES_THAT_PASS = [
    ("王翠琳", "王翠琳"),
    ("  王  翠琳 ", "王 翠琳"),
    ("𠮷田", "𠮷田"),  # outside the Basic Multilingual Plane
    ("𡈼", "𡈼"),
    ("王〇", "王〇"),
    ("John Smith", "John Smith"),
    ("Ｊｏｈｎ", "John"),  # full-width folded
    ("Ngô Bảo Châu", "Ngô Bảo Châu"),
    ("O'Brien", "O'Brien"),
    ("D’Arcy", "D'Arcy"),  # typographic apostrophe
    ("Jean-Luc", "Jean-Luc"),
    ("J. R. Smith", "J. R. Smith"),
    ("Мария", "Мария"),
    ("محمد", "محمد"),
    ("阿依古丽·买买提", "阿依古丽·买买提"),
    ("阿依古丽.买买提", "阿依古丽·买买提"),
    ("阿依古丽．买买提", "阿依古丽·买买提"),
    ("阿依古丽 • 买买提", "阿依古丽·买买提"),
    ("阿依古丽・买买提", "阿依古丽·买买提"),
    ("阿依古丽‧买买提", "阿依古丽·买买提"),
    ("阿依古丽\u200b·买买提", "阿依古丽·买买提"),  # a zero-width space pasted from a chat
]
NAMES_REFUSED = [
    ("", "请填写姓名"),
    ("   ", "请填写姓名"),
    ("=cmd|' /C calc'!A0", "“=”“|”“/”“!”"),
    ("<script>", "“<”“>”"),
    ("+1", "“+”“1”"),
    ("@SUM(A1)", "“@”“(”“1”“)”"),
    ("-王五", "“-”只能写在两个字之间"),
    ("王五·", "“·”只能写在两个字之间"),
    ("王··五", "“·”只能写在两个字之间"),
    ("'王五", "“'”只能写在两个字之间"),
    ("王五2", "姓名里不能有数字（“2”）"),
    ("王五二号", None),  # letters only: a name check cannot know, and must not guess
    ("王五.", "“.”只能写在外文名的缩写后"),
    ("王😀", "“😀”"),
    ("王五\t", None),  # a tab is whitespace: folded away
]


def test_names_of_any_script_pass_normalised():
    for typed, stored in NAMES_THAT_PASS:
        checked = check_person_name(typed)
        assert checked.ok and checked.value == stored, typed


def test_names_that_are_not_names_are_refused_with_what_to_fix():
    for typed, message in NAMES_REFUSED:
        checked = check_person_name(typed)
        if message is None:
            assert checked.ok, typed
        else:
            assert not checked.ok and message in checked.error, typed


@given(st.text(max_size=30))
def test_property_name_check_never_crashes_and_a_passing_name_is_stable(text):
    checked = check_person_name(text)
    if checked.ok:
        assert check_person_name(checked.value).value == checked.value
        assert checked.value[:1] not in set("=+-@'·\t\r\n ")


def test_phone_normalisation():
    assert check_phone("+86 138-5990-1234").value == "13859901234"
    assert check_phone("0086 13859901234").value == "13859901234"
    assert check_phone("（0595）22123456").value == "059522123456"
    assert check_phone("１３８５９９０１２３４").value == "13859901234"


def test_phone_unusual_warns_and_letters_reject():
    assert check_phone("12345678").ok and check_phone("12345678").warnings
    assert not check_phone("138abc").ok
    assert not check_phone("123").ok


def test_masking():
    assert mask_document(VALID) == "110105********002X"
    assert mask_phone("13859901234") == "138****1234"
    assert mask_phone("059522123456") == "0595-****3456"
    assert mask_phone("01012345678") == "010-****5678"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_property_mobile_round_trip_and_mask(mobile):
    assert check_phone(mobile).value == mobile and not check_phone(mobile).warnings
    masked = mask_phone(mobile)
    assert masked[:3] == mobile[:3] and masked[-4:] == mobile[-4:] and mobile[3:7] not in masked[3:7]


class _Text(str):
    """A str that is not exactly str: check_person_name takes its full path, not the fast one."""


@given(st.text(alphabet="王翠琳欧阳㐀䶵龥𠮷abcXYZ ·.'-=1", min_size=1, max_size=12))
def test_property_the_fast_path_for_plain_names_agrees_with_the_full_check(text):
    fast, full = check_person_name(text), check_person_name(_Text(text))
    assert (fast.ok, fast.value, fast.error) == (full.ok, full.value, full.error)
