"""Logging: one-line structured records, and the filter that masks personal
data in every record the project writes.

Code logs an event name with ids and counts in ``extra``, never payload
values. ``PersonalDataFilter`` sits on every handler as a safety net: it
masks card numbers, phone numbers, e-mail addresses, SSNs, API tokens,
credentials and the configured secrets in the message, its arguments, extra
fields, tracebacks and stack traces, as written and percent-decoded, in
any script and look-alike form (full-width digits, no-break spaces and
hyphens, zero-width characters, escapes such as Django's ``\\xe9`` in a
logged path), right up to a sentence's full stop
(``compliance.masking.mask_text``). Query strings and form bodies are never
logged, whatever they hold: a request attached to a record (Django's
``django.request`` logger attaches one to every 4xx and 5xx) is logged as
its method and path only, and an extra field named like a credential
(``token``, ``api_key``, ``authorization``...) is masked whatever its value.

Gunicorn writes its own error and access logs; ``GunicornLogger`` (the
Procfile's ``--logger-class``) puts the same filter on them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from gunicorn.glogging import Logger as GunicornBaseLogger

from compliance.masking import CREDENTIAL_NAME, mask_text

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_SECRET_SETTINGS = (
    "TWILIO_AUTH_TOKEN", "SECRET_KEY", "SECRET_KEY_FALLBACKS", "IDENTIFIER_HASH_KEY", "IDENTIFIER_HASH_KEY_FALLBACKS",
    "FIELD_ENCRYPTION_KEYS", "VAPI_WEBHOOK_SECRET", "VAPI_API_KEY", "VAPI_SIP_PASSWORD", "CRM_WEBHOOK_SECRET",
    "HUBSPOT_ACCESS_TOKEN", "AUDIT_CHECKPOINT_SIGNING_KEY", "METRICS_TOKEN",
)  # fmt: skip


class StructuredFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(fmt="%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        extras = {key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES}
        if extras:
            line += " " + " ".join(f"{key}={value}" for key, value in sorted(extras.items()))
        return line


def _configured_secrets() -> tuple[str, ...]:
    """The secret settings' values, read once the settings are configured
    (every record used to read thirteen settings anew: a third of the
    filter's time) and again whenever a setting changes."""
    global _secrets
    if _secrets is not None:
        return _secrets
    try:
        from django.conf import settings

        if not settings.configured:
            return ()
        values = []
        for name in _SECRET_SETTINGS:
            value = getattr(settings, name, "")
            values += value if isinstance(value, (list, tuple)) else [value]
    except Exception:  # noqa: BLE001  (settings not configured: nothing to add)
        return ()
    _secrets = tuple(value for value in values if isinstance(value, str) and len(value) >= 8)
    return _secrets


_secrets: tuple[str, ...] | None = None


@receiver(setting_changed)
def _secrets_changed(**kwargs: object) -> None:
    global _secrets
    _secrets = None


def _mask_extra(name: str, value: Any, secrets: tuple[str, ...]) -> Any:
    if CREDENTIAL_NAME.fullmatch(name) and value not in (None, ""):
        return "[CREDENTIAL]"
    if _is_request(value):
        # Method and path: never the query string, the body or the headers.
        return mask_text(f"{getattr(value, 'method', '')} {getattr(value, 'path', '')}", secrets=secrets)
    if isinstance(value, str):
        return mask_text(value, secrets=secrets)
    if isinstance(value, (bool, float)) or value is None:
        return value
    text = str(value)
    masked = mask_text(text, secrets=secrets)
    return value if masked == text else masked


def _is_request(value: Any) -> bool:
    try:
        from django.http import HttpRequest
    except ImportError:  # pragma: no cover  (Django is a dependency)
        return False
    return isinstance(value, HttpRequest)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _configured_secrets()
        # The message is rendered first, so "%d" with a number in args is
        # masked too, then stored without args.
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = mask_text(message, secrets=secrets), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRIBUTES:
                setattr(record, key, _mask_extra(key, value, secrets))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text, secrets=secrets)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info, secrets=secrets)
        return True


class WithoutTaskChatter(logging.Filter):
    """Drops the two lines a Celery worker writes for every task it runs at
    INFO ("Task … received", "Task … succeeded in …"). Together they cost
    1.5 ms of the worker's CPU a message (built, masked by the filter above,
    formatted), as much as Celery's own handling of the message, for nothing
    the task's own records and the task metrics don't say (bench/README.md,
    ``tasks.py``). Retries, failures and rejections are still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        from celery.app import trace

        return record.msg not in (trace.LOG_RECEIVED, trace.LOG_SUCCESS)


class GunicornLogger(GunicornBaseLogger):
    """Gunicorn's logger with the personal-data filter on every handler it
    sets up (error log, access log, syslog). Gunicorn logs a failed
    request's full URI ("Error handling request /path?query") and a
    malformed request line; the filter drops the query and masks the rest."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(existing, PersonalDataFilter) for existing in handler.filters):
                    handler.addFilter(PersonalDataFilter())
