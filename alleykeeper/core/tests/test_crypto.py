"""The sealed-value format (AES-256-GCM with a key id): round trip, tamper detection, wrong key, rotation."""

import base64
import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet

from alleykeeper.core import crypto
from alleykeeper.core.crypto import InvalidToken, blind_index, decrypt, encrypt, rotate, seal_document, seal_phone
from testkit.world import make_id


def _flip(token: str, position: int) -> str:
    raw = bytearray(base64.b64decode(token))
    raw[position] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_round_trip_of_chinese_and_ascii_values_with_a_fresh_nonce_each_time():
    for value in (make_id(), "13859901234", "王翠琳 H12345678"):
        first, second = encrypt(value), encrypt(value)
        assert first != second  # random nonce: equal values do not give equal tokens
        assert value not in first
        assert decrypt(first) == decrypt(second) == value
    assert encrypt("") == "" and decrypt("") == "" and rotate("") == ""


def test_token_carries_version_key_id_and_nonce(settings):
    token = encrypt("13859901234")
    raw = base64.b64decode(token)
    assert raw[:1] == crypto.VERSION
    assert crypto.token_key_id(token) == crypto.key_id(crypto.key_bytes(settings.FIELD_ENCRYPTION_KEYS[0]))
    assert len(raw) == 1 + 4 + 12 + len("13859901234") + 16


@pytest.mark.parametrize(
    "position", [0, 1, 5, 17, -1, -17], ids=["version", "key-id", "nonce", "ciphertext", "tag", "first-tag-byte"]
)
def test_any_changed_byte_is_refused(position):
    token = encrypt(make_id())
    with pytest.raises(InvalidToken):
        decrypt(_flip(token, position))


@pytest.mark.parametrize(
    "bad", ["not base64 !", "AQID", base64.b64encode(b"\x01" * 20).decode(), "gAAAAABfake"],
    ids=["not-base64", "too-short", "garbage-of-header-size", "old-fernet-looking"],
)  # fmt: skip
def test_what_is_not_a_sealed_value_is_refused(bad):
    with pytest.raises(InvalidToken):
        decrypt(bad)


def test_a_token_of_a_key_no_longer_configured_is_refused(settings):
    token = encrypt("13859901234")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(InvalidToken, match="not in FIELD_ENCRYPTION_KEYS"):
        decrypt(token)


def test_a_token_moved_to_another_keys_id_fails_authentication(settings):
    """Same key id bytes swapped in the header: the header is authenticated, so the wrong key is caught."""
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    other = Fernet.generate_key().decode()
    token = encrypt("13859901234")
    raw = bytearray(base64.b64decode(token))
    raw[1:5] = crypto.key_id(crypto.key_bytes(other))
    settings.FIELD_ENCRYPTION_KEYS = [old, other]
    with pytest.raises(InvalidToken):
        decrypt(base64.b64encode(bytes(raw)).decode())


def test_first_key_encrypts_any_key_decrypts_and_rotate_moves_to_the_first(settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    token = encrypt("13859901234")
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert decrypt(token) == "13859901234"  # old rows stay readable
    assert crypto.token_key_id(encrypt("x")) == crypto.key_id(crypto.key_bytes(new))
    rotated = rotate(token)
    assert crypto.token_key_id(rotated) == crypto.key_id(crypto.key_bytes(new))
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert decrypt(rotated) == "13859901234"
    with pytest.raises(InvalidToken):
        decrypt(token)


@pytest.mark.parametrize("bad", ["short", "", "!" * 44], ids=["too-short", "empty", "not-base64"])
def test_a_key_that_is_not_32_bytes_of_base64_is_refused(settings, bad):
    settings.FIELD_ENCRYPTION_KEYS = [bad]
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt("13859901234")


def test_blind_index_is_hmac_sha256_of_kind_and_value(settings):
    for key in ("dev-key", "k" * 100):  # a key longer than SHA-256's block is hashed first, as in RFC 2104
        settings.BLIND_INDEX_KEY = key
        expected = hmac.new(key.encode(), b"doc:35050219900101123X", hashlib.sha256).hexdigest()[:32]
        assert blind_index("doc", "35050219900101123X") == expected
    assert blind_index("doc", "") == ""


def test_seal_functions_give_ciphertext_index_and_mask():
    number = make_id()
    sealed = seal_document(number)
    assert decrypt(sealed.encrypted) == number
    assert sealed.index == blind_index("doc", number)
    assert sealed.masked == number[:6] + "********" + number[-4:]
    phone = seal_phone("13859901234")
    assert decrypt(phone.encrypted) == "13859901234" and phone.masked == "138****1234"
