"""Webhook authentication for DRF views."""

from __future__ import annotations

import functools
import logging

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
