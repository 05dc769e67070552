"""Reading what duty staff type at a gate: temperature (两查一测), vehicle plates, visitor codes.

Each check returns the clean value or raises ValueError whose message says, in Chinese, what to fix.
The gate-log form and actions.log_gate_passage use the same functions.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.conf import settings

# A body temperature outside the plausible range is a misreading (a forehead thermometer in the cold, a typo).
from alleykeeper.core.temperature import implausible_message, plausible

PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Province + city letter + 5 characters (6 for new-energy plates), optional 挂/学/警/港/澳 suffix.
_PLATE = re.compile(rf"^[{PROVINCE_CHARS}][A-Z][A-Z0-9]{{4,6}}[挂学警港澳]?$")
_CODE = re.compile(r"^[A-Z0-9]{4,12}$")


def _normalise(raw: object) -> str:
    # Full-width digits and letters from Chinese keyboards become ASCII (NFKC), spacing disappears.
    return "".join(unicodedata.normalize("NFKC", str(raw or "")).split())


def check_temperature(raw: object) -> Decimal | None:
    """'36.5', '３６．５', '36,5' → Decimal('36.5'); '' → None."""
    text = _normalise(raw).replace("，", ".").replace(",", ".").replace("。", ".")
    text = text.removesuffix("℃").removesuffix("°C").removesuffix("°").removesuffix("度")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"体温“{str(raw)[:10]}”不是数字，请输入如 36.5 的读数。") from None
    if not value.is_finite():
        raise ValueError("体温请输入如 36.5 的读数。")
    if Decimal("93") <= value <= Decimal("110"):
        raise ValueError(f"体温 {value} 像是华氏度，请输入摄氏度读数（如 36.5）。")
    if not plausible(value):
        raise ValueError(implausible_message(value))
    return value.quantize(Decimal("0.1"))


def is_fever(temperature: Decimal | None) -> bool:
    return temperature is not None and temperature >= Decimal(str(settings.FEVER_THRESHOLD))


def check_plate(raw: object) -> str:
    """'闽c·12345' → '闽C12345'; raises ValueError for what is not a mainland plate."""
    text = _normalise(raw).upper().replace("·", "").replace(".", "").replace("-", "").replace("•", "")
    if not text:
        raise ValueError("请输入车牌号，如 闽C12345。")
    if not _PLATE.match(text):
        raise ValueError(f"车牌号“{text[:10]}”格式不对：应为省份简称 + 字母 + 5 或 6 位，如 闽C12345。")
    return text


def is_out_of_province(plate: str) -> bool:
    return bool(plate) and not plate.startswith(settings.HOME_PLATE_PREFIX)


def check_visitor_code(raw: object) -> str:
    """The short code shown on a visitor's confirmation; only its shape is checked here (the visitors
    app decides whether a registration has that code)."""
    text = _normalise(raw).upper()
    if not text:
        raise ValueError("请输入访客登记确认页上的登记码。")
    if not _CODE.match(text):
        raise ValueError(f"登记码“{text[:12]}”格式不对：应为访客确认页上显示的字母和数字。")
    return text
