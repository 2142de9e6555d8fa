"""Vapi's APIs, as this service uses them: deleting a call's recordings,
fetching a recording's audio for playback, and telling a live call a
message through its control URL (Live Call Control).

Settings are read here and nowhere else; every request has a timeout, and
failures are raised as ``VapiError`` split into transient (5xx, 429,
timeouts, connection errors) and permanent, with 404 as its own type.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from calls.integrations.media import BearerAuth, MediaErrors, host_allowed, media_get

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


class VapiControlRefusedError(VapiPermanentError):
    """A control URL this service may not send to; the message names why
    (``control_url_refusal``), never the URL."""


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
    ``VAPI_RECORDING_HOSTS`` names it, or (with a leading dot) its domain.
    A "*" there is a character like any other, never a pattern."""
    return host_allowed(host, settings.VAPI_RECORDING_HOSTS)


def _storage_host(host: str) -> bool:
    """``recording_host_allowed``, saying which host it refused: the name
    only (never the signed URL), what an operator needs to decide whether
    to add it to ``VAPI_RECORDING_HOSTS``."""
    if recording_host_allowed(host):
        return True
    logger.warning("vapi.recording_host_refused", extra={"host": host[:253]})
    return False


# --- Live Call Control ----------------------------------------------------------------------

# Vapi's control URLs are short: https://<host>/<call id>/control. The
# webhook shapes hold ``monitor.controlUrl`` to this length too.
CONTROL_URL_MAX_LENGTH = 512
# What the webhook shapes keep in place of a control URL that is no URL at
# all (too long, not text): refused here as malformed, so the message it
# came with is still applied and the refusal audited as any other.
CONTROL_URL_UNUSABLE = "unusable"
# Nothing a URL can hide a second meaning in: no userinfo, query, fragment,
# escapes or backslashes, so every parser reads the same host and path.
_CONTROL_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~-]+)+")
# A stand-in for Vapi on this machine (tests, make run) may be plain http.
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def control_url_refusal(url: object, *, vapi_call_id: str | None) -> str:
    """Why ``url`` may not be used as the control URL of the Vapi call
    ``vapi_call_id``, or "" when it may. The URL comes from a payload, so
    it must be https on a host ``VAPI_CONTROL_HOSTS`` names (plain http
    only to a loopback host named there: a stand-in), on the default port,
    and its path must be exactly this call's ``/<id>/control``, as Vapi
    builds them: a URL of another call, of another of Vapi's endpoints, or
    with more segments (``/x/<id>/control``, dot segments) is refused.
    Reasons: malformed, host, scheme, port, path."""
    if not isinstance(url, str) or len(url) > CONTROL_URL_MAX_LENGTH or not _CONTROL_URL.fullmatch(url):
        return "malformed"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "malformed"
    host = (parts.hostname or "").lower()
    if not host:
        return "malformed"
    if not host_allowed(host, settings.VAPI_CONTROL_HOSTS, wildcards=True):
        return "host"
    stand_in = host in LOOPBACK and parts.scheme.lower() == "http"
    if parts.scheme.lower() != "https" and not stand_in:
        return "scheme"
    if port not in (None, 443) and not stand_in:
        return "port"
    if not vapi_call_id or parts.path != f"/{vapi_call_id}/control":
        return "path"
    return ""


def control_deadline_seconds() -> float:
    """The longest a control request may take, start to answer: one wait to
    connect and one for the answer, VAPI_HTTP_TIMEOUT_SECONDS each. Past
    it the request is cut off, however the server paces its bytes, and a
    connection made after it sends nothing: the outbox trusts a claim for
    this long (``calls.services.vapi_control``)."""
    return 2 * settings.VAPI_HTTP_TIMEOUT_SECONDS


class _Watchdog:
    """Cuts a request off at its deadline. ``requests``' timeouts bound each
    read of the socket, not the request: a server sending a byte at a time
    keeps a request alive for as long as it likes. When the deadline passes,
    the watched sockets are shut down (a blocked read then fails at once),
    and a connection made later is refused before it sends anything."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()  # never shut down once the request is over

    def watch(self, sock: socket.socket) -> bool:
        """Watch ``sock``; False when the deadline has already passed."""
        with self._lock:
            if self.expired:
                return False
            self._sockets.append(sock)
            return True

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                try:
                    # The plain socket's shutdown, also under TLS: the TLS
                    # object stays as it is for the thread reading it.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed


def _watched(connection_class: type, watchdog: _Watchdog) -> type:
    class Watched(connection_class):
        def connect(self) -> None:
            super().connect()
            if not watchdog.watch(self.sock):
                self.close()
                raise TimeoutError("deadline passed while connecting")

    return Watched


class _DeadlineAdapter(HTTPAdapter):
    """An adapter whose connections are watched by ``watchdog``."""

    def __init__(self, watchdog: _Watchdog) -> None:
        self.watchdog = watchdog
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(self, *args: object, **kwargs: object) -> object:
        pool = super().get_connection_with_tls_context(*args, **kwargs)
        pool.ConnectionCls = _watched(pool.ConnectionCls, self.watchdog)
        return pool


class _DeadlinePassed(Exception):
    pass


def _post_within(address: str, *, body: dict, deadline: float, timeout: float) -> int:
    """POST ``body`` to ``address`` and return the answer's status, all of
    it within ``deadline`` seconds. The answer's body is never read: only
    its status says anything. Raises ``requests.RequestException`` (or
    ``OSError``) on failure, and ``_DeadlinePassed`` when cut off."""
    with _Watchdog(deadline) as watchdog, requests.Session() as session:
        for prefix in ("http://", "https://"):
            session.mount(prefix, _DeadlineAdapter(watchdog))
        try:
            response = session.post(address, json=body, timeout=(timeout, timeout), stream=True, allow_redirects=False)
        except (requests.RequestException, OSError):
            if watchdog.expired:
                raise _DeadlinePassed from None
            raise
        status = response.status_code
        response.close()
        return status


def control_add_message(*, control_url: str, vapi_call_id: str | None, content: str) -> None:
    """Add ``content`` to the live conversation as a system message that
    makes the assistant respond: Vapi's ``add-message`` control, POSTed to
    the call's control URL.

    The URL is checked first (``control_url_refusal``): a refused one gets
    no request at all and raises ``VapiControlRefusedError``. Redirects are
    never followed (a 3xx is permanent). The request ends within
    ``control_deadline_seconds()``, however slowly the server answers.
    Raises ``VapiNotFoundError`` on 404 or 410 (the call is over),
    ``VapiTransientError`` on 5xx, 429, timeouts, the deadline and
    connection errors, ``VapiPermanentError`` otherwise. Messages name a
    status or an error class, never the URL or the content. Not idempotent:
    Vapi's control URL takes no idempotency key, so the caller sends each
    message once (``calls.services.vapi_control``).
    """
    refusal = control_url_refusal(control_url, vapi_call_id=vapi_call_id)
    if refusal:
        raise VapiControlRefusedError(f"Vapi call control refused: {refusal}")
    parts = urlsplit(control_url)
    # The request goes to the URL as checked, rebuilt from its parts.
    address = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
    body = {"type": "add-message", "message": {"role": "system", "content": content}, "triggerResponseEnabled": True}
    try:
        status = _post_within(
            address, body=body, deadline=control_deadline_seconds(), timeout=settings.VAPI_HTTP_TIMEOUT_SECONDS
        )
    except _DeadlinePassed:
        raise VapiTransientError("Vapi call control failed: deadline passed") from None
    except (requests.RequestException, OSError) as error:
        raise VapiTransientError(f"Vapi call control failed: {type(error).__name__}") from None
    message = f"Vapi call control failed: HTTP {status}"
    if status in (404, 410):
        raise VapiNotFoundError(message, status=status)
    if status == 429 or status >= 500:
        raise VapiTransientError(message, status=status)
    if status >= 300:
        # A redirect included: the address was the payload's, checked; its target would be no one's.
        raise VapiPermanentError(message, status=status)
