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
