"""Encryption at rest, blind index, and no PII in logs (GUIDE.md section 4)."""

import logging

from alleykeeper.core.crypto import blind_index, decrypt, encrypt
from alleykeeper.core.logging import RedactPIIFilter, redact
from testkit.world import make_id


def test_encrypt_round_trip_and_not_clear():
    token = encrypt("13859901234")
    assert "13859901234" not in token
    assert decrypt(token) == "13859901234"


def test_blind_index_is_keyed_and_kind_separated(settings):
    assert blind_index("doc", "123") != blind_index("phone", "123")
    first = blind_index("doc", make_id())
    settings.BLIND_INDEX_KEY = "another-key"
    assert blind_index("doc", make_id()) != first


def test_log_lines_never_carry_ids_or_phones(caplog):
    number = make_id()
    logger = logging.getLogger("alleykeeper.test")
    logger.addFilter(RedactPIIFilter())
    with caplog.at_level(logging.INFO):
        logger.info("looked up %s and +86 138-5990-1234", number)
    assert number not in caplog.text
    assert "5990" not in caplog.text
    assert "350502********" in caplog.text


def test_redact_handles_legacy_15_digit():
    assert "850312" not in redact("old number 350502850312123")


def test_tracebacks_in_logs_are_redacted_too():
    import io

    number = make_id()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPIIFilter())
    logger = logging.getLogger("alleykeeper.test.traceback")
    logger.addHandler(handler)
    try:
        raise ValueError(f"bad cell {number} 13859901234")
    except ValueError:
        logger.exception("import failed")
    logger.removeHandler(handler)
    text = stream.getvalue()
    assert "Traceback" in text and "ValueError" in text
    assert number not in text and "13859901234" not in text


# -- free text: an ID number or a phone typed into a note is masked ------------------------------------------

# Names of free-text fields across the forms: each must be a NoteField (a new note field written as a plain
# CharField fails here).
FREE_TEXT_NAMES = {"note", "notes", "needs_note", "reason_note", "reason", "detail", "unwell_note", "suspend_reason"}


def _all_forms() -> list[type]:
    from django import forms

    found, stack = [], [forms.BaseForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("alleykeeper.") and ".tests" not in cls.__module__:
            found.append(cls)
    return found


def test_note_field_masks_numbers_typed_into_free_text():
    from alleykeeper.core.widgets import NOTE_HELP, NoteField

    number = make_id()
    field = NoteField(required=False, max_length=300)
    cleaned = field.clean(f"女儿电话 139 1234 5678，身份证 {number}，门牌 302，买青菜 2 斤")
    assert "1234 5678" not in cleaned and "139****5678" in cleaned
    assert number not in cleaned and f"{number[:6]}********{number[-4:]}" in cleaned
    assert "门牌 302，买青菜 2 斤" in cleaned
    assert field.clean("") == "" and field.help_text == NOTE_HELP
    assert NoteField(help_text="如：顺丰").help_text == "如：顺丰"


def test_every_free_text_field_of_every_form_masks_numbers():
    """Every form field named as free text (备注, 说明, 原因) in the whole site is a NoteField: the pages, the
    API's writes and the imports clean through these forms."""
    from django.forms import CharField

    import alleykeeper.urls  # noqa: F401  (every view, so every form module, is imported)
    from alleykeeper.core.widgets import NoteField

    forms_seen = _all_forms()
    assert len(forms_seen) > 40
    plain = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in forms_seen
        for name, field in form.base_fields.items()
        if name in FREE_TEXT_NAMES and isinstance(field, CharField) and not isinstance(field, NoteField)
    ]
    assert not plain, plain
