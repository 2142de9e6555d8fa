"""Test settings: a real PostgreSQL database and fixed, throwaway secrets.

``tests/conftest.py`` starts a private PostgreSQL cluster and points this
configuration at it when DATABASE_URL is not set. There is no SQLite
fallback: the suite refuses to run on anything but PostgreSQL.
"""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import BASE_DIR, env

SECRET_KEY = "test-secret-key"
# Tests that sign in to the admin turn it on where they test it.
ADMIN_REQUIRE_OTP = False
TWILIO_ACCOUNT_SID = "AC" + "0" * 32
TWILIO_AUTH_TOKEN = "test-twilio-auth-token"
PUBLIC_BASE_URL = "https://webhooks.example.test"
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE="]
IDENTIFIER_HASH_KEY = "test-identifier-hash-key"
VAPI_AUTH = "hmac"
VAPI_WEBHOOK_SECRET = "test-vapi-webhook-secret"
VAPI_API_KEY = "test-vapi-api-key"
TWILIO_CALLER_ID = "+15005550006"
# Evidence checkpoints are signed with this fixed key; tests/conftest.py
# gives every test a checkpoint directory of its own.
AUDIT_CHECKPOINT_SIGNING_KEY = "dGVzdC1vbmx5IGV2aWRlbmNlIHNpZ25pbmcga2V5ISE="
AUDIT_CHECKPOINT_DIR = BASE_DIR / "test-artifacts" / "checkpoints"

DATABASE_URL = env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/contactcenter")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "contactcenter.postgresql"
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = 0
# The owner role's connection (compliance/database.py). tests/conftest.py
# makes the two roles in its cluster: the suite migrates as the owner and
# runs the application as the runtime role, as production does.
DATABASES["owner"] = env.db_url_config(env.str("DATABASE_OWNER_URL", default=DATABASE_URL))
DATABASES["owner"].update(ENGINE="contactcenter.postgresql", CONN_MAX_AGE=0)

# Tasks are sent to an in-memory broker unless a test starts a real worker
# against Redis; nothing in the suite runs tasks eagerly.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files are not collected for tests; WhiteNoise would warn on each request.
MIDDLEWARE = [entry for entry in MIDDLEWARE if not entry.startswith("whitenoise")]  # noqa: F405
