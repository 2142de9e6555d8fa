"""Production: every secret comes from the environment (or a ``NAME_FILE``),
long, random, and none of the values published in this repository; DEBUG
is refused, not overridden; the site is served over HTTPS only.

A refusal is an ``ImproperlyConfigured`` naming the variable, never its value.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

from contactcenter.secrets import (
    _public_suffixes,
    broker_tls_unverified,
    check_secrets,
    loopback_http,
    wildcard_over_public_suffix,
)

from .base import *  # noqa: F403
from .base import DATABASES, env, require


def unsafe_control_host(entry: str) -> bool:
    """Whether a VAPI_CONTROL_HOSTS entry could name a host that is not
    Vapi's: an address in any form (``10.0.0.7``, ``127.1``, ``2130706433``,
    ``[::1]``), localhost or a name under it, a leading dot (a suffix over
    every host below it), or a "*" whose label is not followed by at least
    two more labels under a registrable domain (``*.ai``, ``vapi.*``), or
    under a public suffix: ``*.co.uk``, ``*.herokuapp.com`` or
    ``*.github.io`` admit hosts anyone can register (the Public Suffix
    List, private domains included, decides)."""
    name = entry.strip().lower().rstrip(".")
    if not name:
        return False  # names nothing
    if name.startswith(".") or ":" in name or "[" in name:
        return True
    labels = name.split(".")
    # No top-level domain is numeric: whatever the resolver makes of it, it is an address.
    if re.fullmatch(r"[0-9]+|0x[0-9a-f]*", labels[-1]):
        return True
    if len(labels) < 2 or "localhost" in labels:
        return True
    starred = [index for index, label in enumerate(labels) if "*" in label]
    if not starred:
        return False
    below = labels[starred[-1] + 1 :]
    if len(below) < 2:
        return True
    parts = _public_suffixes()(".".join(below))
    return not (parts.domain and parts.suffix)


# Refused rather than forced off: a DEBUG=true that reaches production is a
# development configuration deployed by mistake, and the rest of it (its
# secrets, hosts, database) is just as wrong. Starting anyway would hide that.
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be false in production (unset the DEBUG environment variable).")
ADMIN_REQUIRE_OTP = True

require("SECRET_KEY", SECRET_KEY)
require("DATABASE_URL", env.str("DATABASE_URL", default=""))
require("CELERY_BROKER_URL", CELERY_BROKER_URL)
require("TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN)
require("PUBLIC_BASE_URL", env.str("PUBLIC_BASE_URL", default=""))
require("FIELD_ENCRYPTION_KEYS", FIELD_ENCRYPTION_KEYS)
require("IDENTIFIER_HASH_KEY", IDENTIFIER_HASH_KEY)
require("VAPI_WEBHOOK_SECRET", VAPI_WEBHOOK_SECRET)
require("AUDIT_CHECKPOINT_SIGNING_KEY", AUDIT_CHECKPOINT_SIGNING_KEY)
if VAPI_AUTH not in ("hmac", "bearer", "secret"):
    raise ImproperlyConfigured("VAPI_AUTH must be one of hmac, bearer or secret.")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database in production.")
# Callers' data travels in every webhook: only over TLS, to the origin the
# console names. And every Host header is checked, so "*" is refused.
if not PUBLIC_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be an https:// origin in production.")
# TLS to the broker that accepts any certificate only looks encrypted:
# kombu checks the broker's certificate only when the URL asks it to.
if broker_tls_unverified(CELERY_BROKER_URL):
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL: a rediss:// URL must verify the broker's certificate in production "
        "(add ssl_cert_reqs=required, with ssl_ca_certs for a private CA)."
    )
# Provider APIs and the CRM are sent credentials or callers' data on every
# request: never in clear over a network. (Plain http to this machine's
# loopback is a stand-in, as the benchmarks run; nothing leaves the host.)
for name, url in (
    ("TWILIO_API_BASE_URL", TWILIO_API_BASE_URL),
    ("VAPI_API_BASE_URL", VAPI_API_BASE_URL),
    ("HUBSPOT_BASE_URL", HUBSPOT_BASE_URL),
    ("CRM_WEBHOOK_URL", CRM_WEBHOOK_URL),
):
    if url and not url.lower().startswith("https://") and not loopback_http(url):
        raise ImproperlyConfigured(f"{name} must be an https:// URL in production: it is sent credentials or data.")
# A live call's control URL comes from a payload: in production only Vapi's
# own https hosts may be named. An address or localhost (a stand-in's, for
# tests) is refused, and so is a pattern over a domain anyone can register.
for entry in VAPI_CONTROL_HOSTS:
    if unsafe_control_host(entry):
        raise ImproperlyConfigured(
            "VAPI_CONTROL_HOSTS must name Vapi's control hosts in production: no address, no localhost, "
            "no leading dot, and a '*' only in a label followed by a registrable domain "
            "(phone-call-websocket.*.vapi.ai)."
        )
if "*" in ALLOWED_HOSTS or not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name this site's hosts in production, not '*'.")


if any(wildcard_over_public_suffix(entry) for entry in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must not list a leading-dot entry for a public suffix or a top-level domain "
        "(such as .com or .co.uk): it admits hosts anyone can register. Name this site's own domain."
    )


check_secrets(DATABASES)


# --- HTTPS -----------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("TRUST_PROXY_SSL_HEADER", default=True) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health checks come from the platform over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading is the operator's decision for the whole registrable domain, and
# anyone may submit a domain that sends the directive, so it stays opt-in
# (SECURE_HSTS_PRELOAD). Django's reminder of that choice (W021) would
# otherwise fail every `check --deploy` of a deployment that kept the default.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
