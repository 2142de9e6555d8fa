"""The evidence signing key: Ed25519, held by the application, never by the database.

Checkpoints of the ledgers and purge tombstones are signed with the private
key (``AUDIT_CHECKPOINT_SIGNING_KEY``, or ``_FILE``). Anyone holding only
the public key can verify them, so an auditor needs no secret, and a
database user, however privileged, can't forge them. Verification accepts
the signing key's own public key and those listed in
``AUDIT_CHECKPOINT_VERIFY_KEYS`` (the public keys of earlier signing keys,
after a rotation).

Keys are written as base64 of the raw 32 bytes; a private key may also be
PEM (``openssl genpkey -algorithm ed25519``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .chain import canonical_json

SETTING = "AUDIT_CHECKPOINT_SIGNING_KEY"


def _raw_32(text: str, name: str) -> bytes:
    # Standard or URL-safe alphabet, padded or not.
    cleaned = "".join(text.split()).replace("-", "+").replace("_", "/").rstrip("=")
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{name} must be an Ed25519 key: base64 of 32 bytes (or PEM, for a private key).")
    return raw


def private_key_from_text(text: str, name: str = SETTING) -> Ed25519PrivateKey:
    """Parse a private key; raises ImproperlyConfigured naming ``name``
    (never echoing the value) when it is not one."""
    if text.lstrip().startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError):
            key = None
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{name} is PEM but not an unencrypted Ed25519 private key.")
        return key
    return Ed25519PrivateKey.from_private_bytes(_raw_32(text, name))


def signing_key_check(text: str, name: str = SETTING) -> None:
    """Production's check: ``text`` is an Ed25519 private key made from
    random bytes, not typed text (every published or hand-made placeholder,
    the test settings' key among them, is). Raises ImproperlyConfigured
    naming ``name``, never quoting the value."""
    raw = private_key_from_text(text, name).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    if all(32 <= byte < 127 for byte in raw) or len(set(raw)) < 16:
        raise ImproperlyConfigured(f"{name} is not random: generate one with `manage.py checkpoint_key --new`.")


def public_key_from_text(text: str, name: str = "AUDIT_CHECKPOINT_VERIFY_KEYS") -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_raw_32(text, name))


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: what signatures say they were made with."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _private(text: str) -> Ed25519PrivateKey:
    return private_key_from_text(text)


def signing_key() -> Ed25519PrivateKey:
    text = settings.AUDIT_CHECKPOINT_SIGNING_KEY
    if not text:
        raise ImproperlyConfigured(f"The {SETTING} environment variable is required to sign evidence checkpoints.")
    return _private(text)


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys whose signatures verification accepts, by key id."""
    keys = [public_key_from_text(text) for text in settings.AUDIT_CHECKPOINT_VERIFY_KEYS if text.strip()]
    if settings.AUDIT_CHECKPOINT_SIGNING_KEY:
        keys.append(signing_key().public_key())
    return {key_id(key): key for key in keys}


def sign(payload: Any) -> dict[str, str]:
    """``{"key_id", "signature"}`` over the canonical JSON of ``payload``."""
    key = signing_key()
    signature = key.sign(canonical_json(payload))
    return {"key_id": key_id(key.public_key()), "signature": base64.b64encode(signature).decode()}


def verify(payload: Any, *, key: str, signature: str, keys: dict[str, Ed25519PublicKey] | None = None) -> bool:
    """Whether ``signature`` over ``payload`` was made by trusted key ``key``."""
    public = (keys if keys is not None else trusted_keys()).get(key)
    if public is None or not isinstance(signature, str):
        return False
    try:
        public.verify(base64.b64decode(signature, validate=True), canonical_json(payload))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
