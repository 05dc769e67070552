"""Encryption at rest for identity data, and the keyed hash (blind index) for exact look-up.

Fernet (AES-CBC + HMAC) from `cryptography`; MultiFernet lets keys rotate: the first key in
FIELD_ENCRYPTION_KEYS encrypts, all of them decrypt (`manage.py rotate_keys` re-encrypts).
"""

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

from alleykeeper.core.identity import mask_document, mask_phone


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode() if token else ""


def rotate(token: str) -> str:
    return _fernet().rotate(token.encode()).decode() if token else ""


def blind_index(kind: str, normalised: str) -> str:
    """Keyed hash of a normalised value; `kind` keeps an ID and a phone with the same digits apart."""
    if not normalised:
        return ""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Sealed:
    """What a model stores for one identity value: ciphertext, blind index, masked form."""

    encrypted: str
    index: str
    masked: str


def seal_document(normalised: str) -> Sealed:
    return Sealed(encrypt(normalised), blind_index("doc", normalised), mask_document(normalised))


def seal_phone(digits: str) -> Sealed:
    return Sealed(encrypt(digits), blind_index("phone", digits), mask_phone(digits))
