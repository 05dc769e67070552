"""The leak check every message template is tested with."""

import re

from alleykeeper.alerts.text import DIAGNOSIS_WORDS

_ID_LIKE = re.compile(r"\d{15,18}|\d{17}[Xx]")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def assert_clean(text: str, *, resident: bool = False, names: tuple[str, ...] = ()) -> None:
    """Raise AssertionError if a message would leak: an ID-like number, a full mobile, a full name, or (to a
    resident) a diagnosis word. Used by the tests of every template."""
    if _ID_LIKE.search(text):
        raise AssertionError(f"ID-like number in message: {text!r}")
    if _MOBILE.search(text):
        raise AssertionError(f"full phone in message: {text!r}")
    for name in names:
        if len(name) > 1 and name in text:
            raise AssertionError(f"full name in message: {text!r}")
    if resident:
        for word in DIAGNOSIS_WORDS:
            if word in text:
                raise AssertionError(f"diagnosis word {word!r} in a resident's SMS: {text!r}")
