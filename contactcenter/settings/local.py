"""The embedded default for ``make run``: SQLite and Celery's filesystem
transport, so nothing has to be installed or started.

The secrets below are for this machine's throwaway data only; production
refuses to start without real ones.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
ADMIN_REQUIRE_OTP = env.bool("ADMIN_REQUIRE_OTP", default=False)

SECRET_KEY = SECRET_KEY or "local-only-insecure-secret-key-not-for-production"  # noqa: F405
TWILIO_AUTH_TOKEN = TWILIO_AUTH_TOKEN or "local-only-twilio-auth-token"  # noqa: F405
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or ["bG9jYWwtb25seS1pbnNlY3VyZS1maWVsZC1rZXkhISE="]  # noqa: F405
IDENTIFIER_HASH_KEY = IDENTIFIER_HASH_KEY or "local-only-identifier-hash-key"  # noqa: F405
VAPI_WEBHOOK_SECRET = VAPI_WEBHOOK_SECRET or "local-only-vapi-webhook-secret"  # noqa: F405
# simulate_call --callback serves a stand-in for Vapi's call control on this
# machine's loopback: the local worker may tell results there (plain http).
if "127.0.0.1" not in VAPI_CONTROL_HOSTS:  # noqa: F405
    VAPI_CONTROL_HOSTS = [*VAPI_CONTROL_HOSTS, "127.0.0.1"]  # noqa: F405


def _local_signing_key(path: Path) -> str:
    """This machine's evidence signing key, made once and kept in var/, so
    its checkpoints still verify after a restart."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as handle:
            handle.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    return path.read_text().strip()


AUDIT_CHECKPOINT_SIGNING_KEY = AUDIT_CHECKPOINT_SIGNING_KEY or _local_signing_key(  # noqa: F405
    VAR_DIR / "checkpoint-signing.key"
)

BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = CELERY_BROKER_URL or "filesystem://"  # noqa: F405
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # The transport polls a folder; a short interval keeps the demo snappy.
        "polling_interval": 0.2,
    }
