"""Field encryption and keyed lookup hashes for personal data.

Values are encrypted with Fernet under a MultiFernet built from
FIELD_ENCRYPTION_KEYS: the first key encrypts, every key decrypts, so keys
rotate by putting a new one in front. Equality lookups on encrypted values
go through ``identifier_hash``, an HMAC-SHA256 under IDENTIFIER_HASH_KEY, a
separate key, so the hash column can't be reversed with the encryption keys.
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


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _multifernet.cache_clear()


def encrypt(plaintext: bytes) -> str:
    return _cipher().encrypt(plaintext).decode("ascii")


def decrypt(token: str) -> bytes:
    try:
        return _cipher().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        # "from None": the chained exception would carry the token.
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


def rotate(token: str) -> str:
    """Re-encrypt a stored value under the newest key."""
    return _cipher().rotate(token.encode("ascii")).decode("ascii")


def identifier_hash(value: str) -> str:
    """A keyed, deterministic hash of an identifier, for exact lookups.

    Phone numbers are hashed as given (E.164 from the providers); callers
    normalise other identifiers before hashing.
    """
    key = settings.IDENTIFIER_HASH_KEY
    if not key:
        raise ImproperlyConfigured("The IDENTIFIER_HASH_KEY environment variable is required.")
    return hmac.new(key.encode(), value.strip().encode(), hashlib.sha256).hexdigest()
