"""The unified social credit code of an enterprise (统一社会信用代码, GB 32100-2015), GUIDE.md section 3.

18 characters from `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, S, V, Z): position 1 the registering
authority, 2 the kind of organisation, 3-8 the division code, 9-17 the organisation code, 18 the check
character. Check: the value of each of the first 17 characters times the weights 3^i mod 31, summed; the
check character is the one of value (31 - sum % 31) % 31. A code that passes is "format valid", never
"this enterprise exists". Individual businesses (个体工商户) may have none: the caller marks that.
"""

from alleykeeper.core.identity import Checked, clean_text

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
_VALUE = {char: value for value, char in enumerate(CREDIT_CODE_CHARS)}
_NEVER_USED = "IOSVZ"


def credit_check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError(f"credit_check_char needs the first 17 characters, got {len(first17)}")
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def check_credit_code(raw: object) -> Checked:
    """Normalise (full-width, spaces, zero-width characters, lower case) and check; the error says what to fix."""
    value = clean_text(raw).upper()
    if not value:
        return Checked(error="请填写统一社会信用代码；个体工商户没有代码的，请勾选“无统一社会信用代码”。")
    if len(value) != 18:
        return Checked(value=value, error=f"统一社会信用代码应为 18 位，现在是 {len(value)} 位，请核对。")
    never = sorted({char for char in value if char in _NEVER_USED})
    if never:
        shown = "、".join(never)
        return Checked(
            value=value,
            error=f"统一社会信用代码里不会出现字母 {shown}（I、O、S、V、Z 都不用），可能把数字 1、0、5、2 或字母看错了，请核对。",
        )
    bad = [char for char in value if char not in _VALUE]
    if bad:
        return Checked(value=value, error=f"统一社会信用代码只能是数字和大写字母，“{bad[0]}”不对，请核对。")
    if value[17] != credit_check_char(value[:17]):
        return Checked(value=value, error="统一社会信用代码校验位（最后一位）不对，可能有一位抄错了，请逐位核对。")
    return Checked(value=value)
