"""Vapi's REST API, as this service uses it: deleting a call's recordings.

Settings are read here and nowhere else; every request has a timeout, and
failures are raised as ``VapiError`` split into transient (5xx, 429,
timeouts, connection errors) and permanent, with 404 as its own type.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import requests
from django.conf import settings

# Vapi's ids are UUIDs (calls.serializers.vapi holds them to it at the edge too).
_VAPI_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


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
    """Delete a call's data at Vapi, its recordings included.

    Returns only when Vapi confirms that this very call is gone: the
    deleted call, with this id, or no content. Raises ``VapiNotFoundError`` when
    Vapi no longer has it. An id that is not Vapi's (a UUID) never reaches
    a URL, and the id is encoded as one path segment whatever it holds.
    """
    if not settings.VAPI_API_KEY:
        raise VapiPermanentError("VAPI_API_KEY is required to delete recordings at Vapi.")
    if not isinstance(call_id, str) or not _VAPI_ID.fullmatch(call_id):
        raise VapiPermanentError("Vapi call delete refused: not a Vapi call id")
    url = f"{settings.VAPI_API_BASE_URL.rstrip('/')}/call/{quote(call_id, safe='')}"
    try:
        response = requests.delete(
            url,
            headers={"Authorization": f"Bearer {settings.VAPI_API_KEY}"},
            timeout=settings.VAPI_HTTP_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise VapiTransientError(f"Vapi call delete failed: {type(error).__name__}") from None
    if response.status_code == 404:
        raise VapiNotFoundError("Vapi call delete: not found", status=404)
    if response.status_code == 429 or response.status_code >= 500:
        raise VapiTransientError(f"Vapi call delete failed: HTTP {response.status_code}", status=response.status_code)
    if response.status_code >= 300:
        raise VapiPermanentError(f"Vapi call delete failed: HTTP {response.status_code}", status=response.status_code)
    if response.status_code == 204:
        return  # No content: the URL named this call and nothing else.
    try:
        deleted = response.json().get("id")
    except (ValueError, AttributeError):
        deleted = None
    if deleted != call_id:
        # Vapi answers a deletion with the call it deleted; anything else
        # confirms nothing, so the deletion is not recorded.
        raise VapiPermanentError("Vapi call delete: the answer names another call", status=response.status_code)
