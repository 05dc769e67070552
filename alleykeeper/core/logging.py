"""Keep identity numbers and phones out of every log line (GUIDE.md section 4)."""

import logging
import re

_ID_LIKE = re.compile(r"(?<![\dA-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])|(?<!\d)(\d{6})\d{5}(\d{4})(?!\d)")
_PHONE_LIKE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")


def redact(text: str) -> str:
    text = _ID_LIKE.sub(lambda m: f"{m[1] or m[3]}********{m[2] or m[4]}", text)
    return _PHONE_LIKE.sub(lambda m: f"{m[1]}****{m[2]}", text)


class RedactPIIFilter(logging.Filter):
    """Redacts the message, and the traceback and stack text that formatters append to it (an exception
    raised by a hostile import cell or a database error can carry an ID number or a phone)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the redacted text is what gets written.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
