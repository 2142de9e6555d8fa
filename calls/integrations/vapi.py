"""Vapi's REST API, as this service uses it: deleting a call's recordings,
and fetching a recording's audio for playback.

Settings are read here and nowhere else; every request has a timeout, and
failures are raised as ``VapiError`` split into transient (5xx, 429,
timeouts, connection errors) and permanent, with 404 as its own type.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

import requests
from django.conf import settings

from calls.integrations.media import BearerAuth, MediaErrors, media_get

logger = logging.getLogger(__name__)

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


class VapiNotConfiguredError(VapiPermanentError):
    pass


MEDIA_ERRORS = MediaErrors("Vapi", VapiNotFoundError, VapiTransientError, VapiPermanentError)


# The recordings Vapi keeps for a call, as this service names them
# (``vapi:<call id>:<kind>``), and the API path that serves each.
RECORDING_KINDS = {"mono": "mono-recording", "stereo": "stereo-recording"}


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


def recording_media_configured() -> bool:
    return bool(settings.VAPI_API_KEY)


def recording_media_open(*, call_id: str, kind: str, byte_range: str = "") -> requests.Response:
    """Open one of a call's recordings at Vapi (``kind``: mono or stereo) as
    a stream. The caller reads ``status_code`` (200, 206, or 416 for a range
    past the end), ``headers`` and ``iter_content``, and must ``close`` it;
    nothing is written to disk. ``byte_range`` is sent as ``Range``, as given.

    Vapi's recording storage is access-controlled: the URL an end-of-call
    report names is an identifier, not a download. The audio is asked of
    Vapi's API (``GET /call/{id}/{kind}-recording``) with the private key,
    and Vapi redirects to a short-lived signed URL. The key goes to the API's
    origin only; a redirect is followed only to a host in
    ``VAPI_RECORDING_HOSTS``, never from https to http, so no stored or
    answered URL can make this service fetch another host. Raises
    ``VapiNotConfiguredError``, ``VapiNotFoundError``, ``VapiTransientError``
    (5xx, 429, network) or ``VapiPermanentError``; messages hold statuses only.
    Safe to repeat: it reads and changes nothing.
    """
    if not recording_media_configured():
        raise VapiNotConfiguredError("VAPI_API_KEY is required to play recordings.")
    if not isinstance(call_id, str) or not _VAPI_ID.fullmatch(call_id) or kind not in RECORDING_KINDS:
        raise VapiPermanentError("Vapi recording media refused: not a Vapi recording")
    base = settings.VAPI_API_BASE_URL.rstrip("/")
    url = f"{base}/call/{quote(call_id, safe='')}/{RECORDING_KINDS[kind]}"
    return media_get(
        url, auth=BearerAuth(settings.VAPI_API_KEY), byte_range=byte_range, timeout=settings.VAPI_HTTP_TIMEOUT_SECONDS,
        errors=MEDIA_ERRORS, host_allowed=_storage_host,
    )  # fmt: skip


def recording_host_allowed(host: str) -> bool:
    """Whether a redirect may take a recording fetch to ``host``: an entry of
    ``VAPI_RECORDING_HOSTS`` names it, or (with a leading dot) its domain."""
    host = host.lower().rstrip(".")
    for entry in settings.VAPI_RECORDING_HOSTS:
        entry = entry.strip().lower().rstrip(".")
        if entry.startswith(".") and len(entry) > 1 and (host.endswith(entry) or host == entry[1:]):
            return True
        if entry and not entry.startswith(".") and host == entry:
            return True
    return False


def _storage_host(host: str) -> bool:
    """``recording_host_allowed``, saying which host it refused: the name
    only (never the signed URL), what an operator needs to decide whether
    to add it to ``VAPI_RECORDING_HOSTS``."""
    if recording_host_allowed(host):
        return True
    logger.warning("vapi.recording_host_refused", extra={"host": host[:253]})
    return False
