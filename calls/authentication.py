"""Webhook authentication for DRF views."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import time

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)


class WebhookCaller:
    """The authenticated party of a webhook request: a provider, not a user."""

    is_authenticated = True

    def __init__(self, provider: str) -> None:
        self.provider = provider


@functools.cache
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


@receiver(setting_changed)
def _forget_validator(*, setting: str, **kwargs: object) -> None:
    if setting == "TWILIO_AUTH_TOKEN":
        _validator.cache_clear()


def twilio_signed_url(path_with_query: str) -> str:
    """The URL Twilio signed: the configured public base, never the Host or
    X-Forwarded-* headers, which a caller controls."""
    return settings.PUBLIC_BASE_URL + path_with_query


class TwilioSignatureAuthentication(BaseAuthentication):
    """X-Twilio-Signature, checked by the official library's validator over
    the public URL and every form parameter."""

    def authenticate(self, request: Request) -> tuple[WebhookCaller, None]:
        django_request = request._request
        signature = django_request.headers.get("X-Twilio-Signature", "")
        url = twilio_signed_url(django_request.get_full_path())
        if not signature or not _validator(settings.TWILIO_AUTH_TOKEN).validate(url, django_request.POST, signature):
            logger.warning(
                "webhook.rejected", extra={"provider": "twilio", "path": django_request.path, "reason": "signature"}
            )
            raise AuthenticationFailed()
        return WebhookCaller("twilio"), None


# Epoch seconds or milliseconds, optionally with a fraction.
_EPOCH = re.compile(r"[0-9]{1,13}(\.[0-9]{1,6})?")


class VapiAuthentication(BaseAuthentication):
    """Vapi's server-URL credential, checked on the raw body before it is parsed.

    VAPI_AUTH picks the scheme: ``hmac`` (hex SHA-256 HMAC over
    "{timestamp}.{raw body}", with the timestamp within
    VAPI_TIMESTAMP_TOLERANCE_SECONDS of now, which stops replays), ``bearer``
    or ``secret`` (X-Vapi-Secret). Comparisons are constant-time.
    """

    def authenticate(self, request: Request) -> tuple[WebhookCaller, None]:
        django_request = request._request
        secret = settings.VAPI_WEBHOOK_SECRET
        scheme = settings.VAPI_AUTH
        if not secret:
            reason = "not_configured"
        elif scheme == "hmac":
            reason = self._hmac_failure(django_request, secret)
        elif scheme == "bearer":
            supplied = django_request.headers.get("Authorization", "")
            reason = None if hmac.compare_digest(supplied.encode(), f"Bearer {secret}".encode()) else "bearer"
        elif scheme == "secret":
            supplied = django_request.headers.get("X-Vapi-Secret", "")
            reason = None if hmac.compare_digest(supplied.encode(), secret.encode()) else "secret"
        else:
            reason = "unknown_scheme"
        if reason:
            logger.warning(
                "webhook.rejected", extra={"provider": "vapi", "path": django_request.path, "reason": reason}
            )
            raise AuthenticationFailed()
        return WebhookCaller("vapi"), None

    @staticmethod
    def _hmac_failure(django_request: object, secret: str) -> str | None:
        signature = django_request.headers.get(settings.VAPI_SIGNATURE_HEADER, "")
        timestamp = django_request.headers.get(settings.VAPI_TIMESTAMP_HEADER, "")
        # Digits only: float() would also take "nan", which no comparison
        # finds stale, and "inf".
        if not _EPOCH.fullmatch(timestamp):
            return "timestamp"
        sent_at = float(timestamp)
        if sent_at > 1e12:  # milliseconds
            sent_at /= 1000
        if abs(time.time() - sent_at) > settings.VAPI_TIMESTAMP_TOLERANCE_SECONDS:
            return "stale_timestamp"
        signed = timestamp.encode() + b"." + django_request.body
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return None if hmac.compare_digest(signature.lower().encode(), expected.encode()) else "signature"
