"""Vapi's REST API, as this service uses it: deleting a call's recordings.

Settings are read here and nowhere else; every request has a timeout, and
failures are raised as ``VapiError`` split into transient (5xx, 429,
timeouts, connection errors) and permanent, with 404 as its own type.
"""

from __future__ import annotations

import requests
from django.conf import settings


class VapiError(Exception):
    permanent = True

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class VapiTransientError(VapiError):
    permanent = False


class VapiPermanentError(VapiError):
    pass


class VapiNotFoundError(VapiPermanentError):
    pass


def call_delete(*, call_id: str) -> None:
    """Delete a call's data at Vapi, its recordings included. Raises
    ``VapiNotFoundError`` when Vapi no longer has it."""
    if not settings.VAPI_API_KEY:
        raise VapiPermanentError("VAPI_API_KEY is required to delete recordings at Vapi.")
    url = f"{settings.VAPI_API_BASE_URL.rstrip('/')}/call/{call_id}"
    try:
        response = requests.delete(
            url,
            headers={"Authorization": f"Bearer {settings.VAPI_API_KEY}"},
            timeout=settings.VAPI_HTTP_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise VapiTransientError(f"Vapi call delete failed: {type(error).__name__}") from None
    if response.status_code == 404:
        raise VapiNotFoundError("Vapi call delete: not found", status=404)
    if response.status_code == 429 or response.status_code >= 500:
        raise VapiTransientError(f"Vapi call delete failed: HTTP {response.status_code}", status=response.status_code)
    if response.status_code >= 400:
        raise VapiPermanentError(f"Vapi call delete failed: HTTP {response.status_code}", status=response.status_code)
