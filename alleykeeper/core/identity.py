"""Identity documents and phone numbers: normalisation, validation, masking (GUIDE.md section 3).

A document that passes is "format valid" (格式校验通过), never "identity verified".
"""

import functools
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# First two digits of mainland address codes (provinces), plus the 81/82/83 residence permits.
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
}  # fmt: skip
PERMIT_PREFIXES = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00a0\u3000"), None)
# Compiled once: imports check 100,000 numbers in a row, and re's own cache look-up costs per call.
_NUMBER_AS_FLOAT = re.compile(r"\d+(\.\d+)?[eE]\+?\d+")
_NUMBER_WITH_ZEROS = re.compile(r"\d{15,18}\.0+")
_NOT_PHONE_CHAR = re.compile(r"[^\d+\-()（）.]")
_NON_DIGIT = re.compile(r"\D")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
_MOBILE_SHAPE = re.compile(r"1\d{10}")
_EARLIEST_BIRTH = date(1900, 1, 1)
# Any date before the day this module was loaded is before today, whenever today is: date.today() is
# only asked for later dates.
_LOADED_ON = date.today()


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", "居民身份证"
    HMT_RESIDENCE = "hmt_residence", "港澳台居民居住证"
    PASSPORT = "passport", "护照"
    HM_PERMIT = "hm_permit", "回乡证（港澳居民来往内地通行证）"
    TW_PERMIT = "tw_permit", "台胞证（台湾居民来往大陆通行证）"
    FOREIGN_PR = "foreign_pr", "外国人永久居留身份证"


@dataclass(slots=True)  # two per imported row: no __dict__ each
class Checked:
    """The outcome of checking one document number or phone."""

    value: str = ""
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    birth_date: date | None = None
    sex: str = ""  # "M" / "F" where the number tells

    @property
    def ok(self) -> bool:
        return not self.error


def clean_text(raw: object) -> str:
    """Fold full-width characters, drop zero-width and other invisible characters and spaces."""
    text = str(raw or "")
    if text.isascii():
        # NFKC leaves ASCII as it is and no invisible character is ASCII: only whitespace to drop.
        return text if text.isalnum() else "".join(text.split())
    # str.split() and re's \s agree on what whitespace is (Unicode White_Space / str.isspace).
    return "".join(unicodedata.normalize("NFKC", text).translate(_INVISIBLE).split())


def id_check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError(f"id_check_char needs the first 17 characters, got {len(first17)}")
    if first17.isascii() and first17.isdigit():
        # The weights are 2^(17-i) mod 11 (i = 0..16) and 13 = 2 (mod 11), so the weighted sum is
        # 2 * (the digits read in base 13) mod 11: one int() in C instead of a sum over the characters.
        return ID_CHECK_CHARS[2 * int(first17, 13) % 11]
    return ID_CHECK_CHARS[sum(map(operator.mul, map(int, first17), ID_WEIGHTS)) % 11]


@functools.lru_cache(maxsize=65_536)  # an import reads 100,000 birth dates, of some 36,000 days a century
def _date_of(text: str) -> date | None:
    try:
        born = date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None
    return born if born >= _EARLIEST_BIRTH else None


def _birth_date(text: str) -> date | None:
    born = _date_of(text)
    if born is None:
        return None
    return born if born < _LOADED_ON or born <= date.today() else None


def check_id_card(raw: object) -> Checked:
    """Mainland resident ID (GB 11643-1999), 15-digit legacy numbers and HK/Macau/Taiwan permits."""
    value = clean_text(raw).upper()
    if not value:
        return Checked(error="请填写证件号码。")
    # Both shapes need an E (the value is upper case) or a dot: most numbers skip the two patterns.
    if ("E" in value or "." in value) and (_NUMBER_AS_FLOAT.fullmatch(value) or _NUMBER_WITH_ZEROS.fullmatch(value)):
        return Checked(
            value=value, error="证件号码被表格软件转成了数字（科学计数法或末尾带 .0），请把该列设为“文本”后重新填写。"
        )
    # str.isdecimal() is what re's \d matches (Unicode category Nd), without a regex call per number.
    if len(value) == 15 and value.isdecimal():
        born = _birth_date("19" + value[6:12])
        if born is None:
            return Checked(value=value, error=f"15 位旧号码中的出生日期 19{value[6:12]} 不存在或晚于今天，请核对。")
        first17 = value[:6] + "19" + value[6:]
        value = first17 + id_check_char(first17)
    if len(value) != 18:
        return Checked(value=value, error=f"身份证号码应为 18 位（或 15 位旧号码），现在是 {len(value)} 位，请核对。")
    if not (value[:17].isdecimal() and (value[17] == "X" or value[17].isdecimal())):  # \d{17}[\dX]
        return Checked(value=value, error="身份证号码前 17 位只能是数字，最后一位是数字或 X，请核对。")
    born = _birth_date(value[6:14])
    if born is None:
        return Checked(value=value, error=f"号码中的出生日期 {value[6:14]} 不存在或晚于今天，请核对第 7 到 14 位。")
    expected = id_check_char(value[:17])
    if value[17] != expected:
        return Checked(value=value, error="身份证号码校验位不对（最后一位），可能有一位抄错了，请逐位核对。")
    warnings = []
    if value[:6] not in PERMIT_PREFIXES and value[:2] not in PROVINCE_CODES:
        warnings.append(f"地址码 {value[:6]} 不在已知的省级代码中，请确认（仅提示，不影响保存）。")
    return Checked(value=value, warnings=warnings, birth_date=born, sex="M" if int(value[16]) % 2 else "F")


_OTHER_DOCUMENTS = {
    DocumentType.PASSPORT: (r"[A-Z0-9]{5,17}", "护照号码应为 5 到 17 位字母或数字。"),
    DocumentType.HM_PERMIT: (r"[HM]\d{8}(\d{2})?", "回乡证号码应为 H 或 M 开头，后跟 8 位或 10 位数字。"),
    DocumentType.TW_PERMIT: (r"\d{8}|\d{10}", "台胞证号码应为 8 位数字（旧版 10 位）。"),
    DocumentType.FOREIGN_PR: (
        r"[A-Z]{3}\d{12}|9\d{17}",
        "外国人永久居留身份证应为 3 位字母加 12 位数字，或 9 开头的 18 位数字。",
    ),
}


# The numbers that carry their holder's birth date (digits 7 to 14, which the masked form hides) and are checked
# as ID card numbers.
NUMBERS_WITH_BIRTH_DATE = frozenset({DocumentType.ID_CARD, DocumentType.HMT_RESIDENCE})


def check_document(doc_type: str, raw: object) -> Checked:
    if doc_type in NUMBERS_WITH_BIRTH_DATE:
        checked = check_id_card(raw)
        if checked.ok and doc_type == DocumentType.HMT_RESIDENCE and checked.value[:6] not in PERMIT_PREFIXES:
            checked.error = "港澳台居民居住证号码应以 810000、820000 或 830000 开头。"
        return checked
    if doc_type not in _OTHER_DOCUMENTS:
        return Checked(error="请选择证件类型。")
    value = clean_text(raw).upper()
    if not value:
        return Checked(error="请填写证件号码。")
    pattern, message = _OTHER_DOCUMENTS[DocumentType(doc_type)]
    if not re.fullmatch(pattern, value):
        return Checked(value=value, error=message)
    return Checked(value=value)


def document_type_of(checked_id_value: str) -> str:
    """The document type an 18-character ID-card-shaped number really is."""
    return DocumentType.HMT_RESIDENCE if checked_id_value[:6] in PERMIT_PREFIXES else DocumentType.ID_CARD


def check_phone(raw: object) -> Checked:
    """Normalise to digits; mobiles keep 11 digits, landlines keep their area code."""
    if raw.__class__ is str and len(raw) == 11 and raw.isascii() and raw.isdigit() and _MOBILE.fullmatch(raw):
        return Checked(value=raw)  # the usual cell, a mobile as it should be: imports check 100,000 of them
    text = clean_text(raw)
    if not text:
        return Checked()
    if _NOT_PHONE_CHAR.search(text):
        return Checked(value=text, error="电话号码只能包含数字（以及 +、-、括号），请核对。")
    digits = text if text.isdigit() and text.isascii() else _NON_DIGIT.sub("", text)
    if text.startswith("+") and not digits.startswith("86"):
        return Checked(value=digits, warnings=["境外号码，请确认能够拨通。"])
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            digits = digits[len(prefix) :]
    if not 5 <= len(digits) <= 15:
        return Checked(value=digits, error=f"电话号码位数不对（{len(digits)} 位），手机号应为 11 位，座机请带区号。")
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return Checked(value=digits)
    return Checked(value=digits, warnings=["不是常见的手机号或带区号的座机号，请确认能够拨通（仅提示，不影响保存）。"])


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day` (born on 29 February: a year older on 1 March in a common year).

    A person's birth date is shown as this age, never in full, wherever the masked ID number is shown (pages,
    exports, the API): the eight digits a masked ID card number hides are the birth date, so the two together
    are the whole number. The full date goes with the number, through an audited reveal."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def mask_document(value: str) -> str:
    if not value:
        return ""
    if len(value) >= 15:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    return value[:1] + "*" * (len(value) - 3) + value[-2:]


def landline_area_code(digits: str) -> str:
    return digits[:3] if digits[:2] in ("01", "02") else digits[:4]


def mask_phone(digits: str) -> str:
    if not digits:
        return ""
    if _MOBILE_SHAPE.fullmatch(digits):
        return digits[:3] + "****" + digits[-4:]
    if digits.startswith("0") and len(digits) >= 10:
        area = landline_area_code(digits)
        return f"{area}-" + "*" * (len(digits) - len(area) - 4) + digits[-4:]
    return "*" * max(len(digits) - 4, 1) + digits[-4:]


def format_phone(digits: str) -> str:
    """Readable form of a full phone, for the people allowed to see it."""
    if digits.startswith("0") and len(digits) >= 10:
        area = landline_area_code(digits)
        return f"{area}-{digits[len(area) :]}"
    return digits


# Person names (register, imports, push list, visitor form): letters of any script, the middle dot that
# joins the parts of many minority and foreign names (阿依古丽·买买提), spaces, and inside a Latin-script
# name an apostrophe, a hyphen or the dot of an initial (O'Brien, Jean-Luc, J. Smith). Anything else (digits,
# = + @ < > | ! and other symbols) is refused: a name is imported into the register and exported to
# spreadsheets, and "=cmd|' /C calc'!A0" or "<script>" is not anyone's name.
NAME_DOT = "·"
# Dots that input methods and old systems write in its place; NFKC has already folded ･ (to ・) and ．
# (to .) and the Greek ano teleia (to ·).
_NAME_DOT_LOOKALIKES = str.maketrans(
    dict.fromkeys("•・‧∙⋅●", NAME_DOT) | dict.fromkeys("’‘ʼ`´", "'") | dict.fromkeys("‐‑", "-")
)
_NAME_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_NAME_JOINERS = frozenset("·'-")
# Letters that are not category L but are written in Chinese names: 〇 (U+3007, "ling").
_NAME_EXTRA_LETTERS = frozenset("〇")
_SHOWN_BAD_CHARS = 4
# Han characters of the BMP (NFKC leaves them as they are), or ASCII words with single spaces between.
_PLAIN_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[A-Za-z]+(?: [A-Za-z]+)*")


def _is_name_letter(char: str) -> bool:
    return char in _NAME_EXTRA_LETTERS or unicodedata.category(char)[0] in "LM"


def _is_latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith(("LATIN", "GREEK", "CYRILLIC"))


def _fold_name(raw: object) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).translate(_NAME_INVISIBLE).translate(_NAME_DOT_LOOKALIKES)
    text = " ".join(text.split())
    # "阿依古丽 · 买买提" and "阿依古丽.买买提": the dot between two parts, without spaces, as ·.
    text = re.sub(r"\s*·\s*", NAME_DOT, text)
    chars = list(text)
    for i, char in enumerate(chars):
        if char == "." and 0 < i < len(chars) - 1:
            before, after = chars[i - 1], chars[i + 1]
            if _is_name_letter(before) and _is_name_letter(after) and not (_is_latin(before) and _is_latin(after)):
                chars[i] = NAME_DOT
    return "".join(chars)


def check_person_name(raw: object) -> Checked:
    """A person's name, normalised (NFKC, single spaces, look-alike dots as ·), or what to fix in it.

    Rare characters outside the Basic Multilingual Plane (𠮷, 𡈼) are letters like any other."""
    if raw.__class__ is str and _PLAIN_NAME.fullmatch(raw):
        return Checked(value=raw)  # the usual name, already in its normal form: imports check 100,000 of them
    name = _fold_name(raw)
    if not name:
        return Checked(error="请填写姓名。")
    bad: list[str] = []
    for char in name:
        if not (_is_name_letter(char) or char in _NAME_JOINERS or char in " .") and char not in bad:
            bad.append(char)
    if bad and all(unicodedata.category(c) == "Nd" for c in bad):
        return Checked(value=name, error=f"姓名里不能有数字（“{bad[0]}”），请只填写姓名。")
    if bad:
        shown = "".join(f"“{c}”" for c in bad[:_SHOWN_BAD_CHARS])
        return Checked(
            value=name,
            error=f"姓名里不能有 {shown} 这样的符号或数字：姓名只能写文字、间隔号“·”和空格"
            "（外文名可含 ' 和 -），请删去后再填。",
        )
    for i, char in enumerate(name):
        before = name[i - 1] if i else ""
        after = name[i + 1] if i + 1 < len(name) else ""
        if char in _NAME_JOINERS and not (before and after and _is_name_letter(before) and _is_name_letter(after)):
            return Checked(
                value=name, error=f"“{char}”只能写在两个字之间，如 阿依古丽·买买提、Jean-Luc、O'Brien，请核对。"
            )
        if char == "." and not (before and _is_latin(before) and _is_name_letter(before) and after in ("", " ")):
            return Checked(value=name, error="姓名里的“.”只能写在外文名的缩写后（如 J. Smith），中文名请用间隔号“·”。")
    return Checked(value=name)


def person_name(raw: object) -> str:
    """check_person_name for a form's clean_<field>: the normalised name, or a ValidationError saying what to fix."""
    checked = check_person_name(raw)
    if not checked.ok:
        raise ValidationError(checked.error)
    return checked.value
