"""Production: every secret must come from the environment, and the site is
served over HTTPS only."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import DATABASES, env, require

DEBUG = False
ADMIN_REQUIRE_OTP = True

require("SECRET_KEY", SECRET_KEY)  # noqa: F405
require("DATABASE_URL", env.str("DATABASE_URL", default=""))
require("CELERY_BROKER_URL", CELERY_BROKER_URL)  # noqa: F405
require("TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN)  # noqa: F405
require("PUBLIC_BASE_URL", env.str("PUBLIC_BASE_URL", default=""))
require("FIELD_ENCRYPTION_KEYS", FIELD_ENCRYPTION_KEYS)  # noqa: F405
require("IDENTIFIER_HASH_KEY", IDENTIFIER_HASH_KEY)  # noqa: F405
require("VAPI_WEBHOOK_SECRET", VAPI_WEBHOOK_SECRET)  # noqa: F405
require("AUDIT_CHECKPOINT_SIGNING_KEY", AUDIT_CHECKPOINT_SIGNING_KEY)  # noqa: F405
from compliance.signing import signing_key_check  # noqa: E402  (an Ed25519 key of random bytes)

signing_key_check(AUDIT_CHECKPOINT_SIGNING_KEY)  # noqa: F405
if VAPI_AUTH not in ("hmac", "bearer", "secret"):  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("VAPI_AUTH must be one of hmac, bearer or secret.")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database in production.")

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("TRUST_PROXY_SSL_HEADER", default=True) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health checks come from the platform over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
