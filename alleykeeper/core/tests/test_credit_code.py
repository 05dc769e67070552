"""Unified social credit codes (GB 32100-2015, GUIDE.md section 3), including property tests."""

from hypothesis import given
from hypothesis import strategies as st

from alleykeeper.core.credit_code import CREDIT_CODE_CHARS, CREDIT_CODE_WEIGHTS, check_credit_code, credit_check_char

VALID = "91440300708461136T"  # the guide's example


def make_code(first17: str) -> str:
    return first17 + credit_check_char(first17)


def test_weights_are_powers_of_three_mod_31_as_the_guide_lists():
    assert CREDIT_CODE_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_the_guides_example_passes_and_messy_input_is_normalised():
    assert check_credit_code(VALID).ok and check_credit_code(VALID).value == VALID
    for messy in ("９１４４０３００７０８４６１１３６Ｔ", " 9144 0300 7084 6113 6t ", "91440300708461136\u200bT"):
        checked = check_credit_code(messy)
        assert checked.ok and checked.value == VALID, messy


def test_bad_codes_say_what_to_fix():
    cases = {
        VALID[:-1] + "U": "校验位",  # wrong check character
        VALID[:-1] + "0": "校验位",
        "91440300708461136": "18 位，现在是 17 位",
        VALID + "1": "现在是 19 位",
        "9144030070846113OT": "I、O、S、V、Z",
        "I1440300708461136T": "字母 I",
        "91440300708461136S": "字母 S",
        "9144030070846113VZ": "字母 V、Z",
        "9144030070846113#T": "“#”不对",
        "": "个体工商户",
    }
    for code, message in cases.items():
        checked = check_credit_code(code)
        assert not checked.ok and message in checked.error, (code, checked.error)


@given(st.text(alphabet=CREDIT_CODE_CHARS, min_size=17, max_size=17))
def test_property_every_generated_code_passes_and_round_trips(first17):
    code = make_code(first17)
    assert check_credit_code(code).ok
    assert check_credit_code(code.lower()).value == code


@given(
    st.text(alphabet=CREDIT_CODE_CHARS, min_size=17, max_size=17),
    st.integers(min_value=0, max_value=17),
    st.integers(min_value=1, max_value=30),
)
def test_property_any_single_character_change_is_caught(first17, position, delta):
    code = make_code(first17)
    changed_char = CREDIT_CODE_CHARS[(CREDIT_CODE_CHARS.index(code[position]) + delta) % 31]
    changed = code[:position] + changed_char + code[position + 1 :]
    assert not check_credit_code(changed).ok


@given(st.text(max_size=30))
def test_property_checker_never_crashes(text):
    checked = check_credit_code(text)
    assert checked.ok == (not checked.error)
