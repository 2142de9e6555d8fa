"""Field encryption and keyed lookup hashes for personal data.

Values are encrypted with Fernet under a MultiFernet built from
FIELD_ENCRYPTION_KEYS: the first key encrypts, every key decrypts, so keys
rotate by putting a new one in front. Equality lookups on encrypted values
go through ``identifier_hash``, an HMAC-SHA256 under IDENTIFIER_HASH_KEY, a
separate key, so the hash column can't be reversed with the encryption keys.
That key rotates too: IDENTIFIER_HASH_KEY_FALLBACKS holds the earlier ones,
``identifier_hashes`` gives a value's hash under each, and lookups match any
of them while ``rotate_keys --identifier-hashes`` (``compliance.keys``)
recomputes the stored hashes. Keys are named in reports and the audit trail
by ``key_fingerprint`` only.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key.

    The message never includes the ciphertext or the plaintext.
    """


def key_fingerprint(key: str) -> str:
    """The first 8 hex digits of the SHA-256 of a key as configured: enough
    to tell keys apart in a report or an audit event, nothing to recover the
    key from."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


@functools.cache
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("The FIELD_ENCRYPTION_KEYS environment variable is required.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from error


def _cipher() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


@functools.cache
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    _multifernet(keys)  # the same checks, and the same error, for an empty or malformed list
    return tuple(Fernet(key) for key in keys)


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _multifernet.cache_clear()
        _fernets.cache_clear()


def encrypt(plaintext: bytes) -> str:
    return _cipher().encrypt(plaintext).decode("ascii")


def decrypt(token: str) -> bytes:
    try:
        return _cipher().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        # "from None": the chained exception would carry the token.
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


def rotate(token: str) -> str:
    """Re-encrypt a stored value under the newest key, keeping its timestamp."""
    try:
        return _cipher().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


def field_keys() -> list[str]:
    """FIELD_ENCRYPTION_KEYS, newest first."""
    return list(settings.FIELD_ENCRYPTION_KEYS)


def made_by_newest_key(token: str) -> bool:
    """Whether the newest key made ``token`` (checks its MAC only)."""
    return token_key_index(token, newest_only=True) == 0


def token_key_index(token: str, *, newest_only: bool = False) -> int | None:
    """The position in FIELD_ENCRYPTION_KEYS of the key that made ``token``
    (0: the newest), or None when no configured key did. Checks the token's
    MAC only, so it is cheaper than decrypting."""
    try:
        data = token.encode("ascii")
    except UnicodeEncodeError:
        return None
    fernets = _fernets(tuple(settings.FIELD_ENCRYPTION_KEYS))
    for index, fernet in enumerate(fernets[:1] if newest_only else fernets):
        try:
            fernet.extract_timestamp(data)
        except InvalidToken:
            continue
        return index
    return None


def identifier_keys() -> list[str]:
    """The keys identifier hashes are made under, newest first: IDENTIFIER_HASH_KEY,
    then IDENTIFIER_HASH_KEY_FALLBACKS (each once)."""
    key = settings.IDENTIFIER_HASH_KEY
    if not key:
        raise ImproperlyConfigured("The IDENTIFIER_HASH_KEY environment variable is required.")
    return list(dict.fromkeys([key, *settings.IDENTIFIER_HASH_KEY_FALLBACKS]))


def identifier_hashes(value: str) -> list[str]:
    """``value``'s hash under each identifier key, newest first: what a
    lookup matches while stored hashes are being recomputed."""
    data = value.strip().encode()
    return [hmac.new(key.encode(), data, hashlib.sha256).hexdigest() for key in identifier_keys()]


def identifier_hash(value: str) -> str:
    """A keyed, deterministic hash of an identifier, under the newest key:
    what is stored. Lookups use ``identifier_hashes``.

    Phone numbers are hashed as given (E.164 from the providers); callers
    normalise other identifiers before hashing.
    """
    key = settings.IDENTIFIER_HASH_KEY
    if not key:
        raise ImproperlyConfigured("The IDENTIFIER_HASH_KEY environment variable is required.")
    return hmac.new(key.encode(), value.strip().encode(), hashlib.sha256).hexdigest()
