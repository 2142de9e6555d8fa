"""Fetching a recording's audio from a provider, as both providers serve it:
the provider's API answers with a redirect to a short-lived URL on its
storage. Redirects are followed by hand, so that the credentials go to the
API's own origin and nowhere else, a redirect never leads from https to
plain http, and a provider may name the hosts its storage lives on. The
vendor modules (``twilio``, ``vapi``) turn what fails here into their own
typed errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

# A media request is redirected once, to the provider's storage; a few more hops are tolerated.
MEDIA_MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# What a media request may answer: the file, a part of it, or a range past its end.
MEDIA_ANSWERS = frozenset({200, 206, 416})

Origin = tuple[str, str, int | None]


class RedirectRefused(Exception):
    """A redirect this fetch won't follow; the message names why, never the URL."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def origin(url: str) -> Origin:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"https": 443, "http": 80}.get(scheme)


def media_get(
    url: str,
    *,
    auth: Any,
    byte_range: str,
    timeout: float,
    host_allowed: Callable[[str], bool] | None = None,
) -> requests.Response:
    """GET ``url`` (on the provider's API), streamed, following redirects:
    ``auth`` (a ``requests`` auth) is sent to the API's origin only; other
    hosts must pass ``host_allowed`` where it is given. Raises
    ``RedirectRefused`` and ``requests.RequestException``; the caller reads
    the response's status and must close it."""
    api = origin(url)
    # Audio is sent as stored: an encoded body would not match the length passed on.
    headers = {"Accept-Encoding": "identity", **({"Range": byte_range} if byte_range else {})}
    for _ in range(MEDIA_MAX_REDIRECTS + 1):
        response = requests.get(
            url,
            auth=auth if origin(url) == api else None,
            headers=headers,
            stream=True,
            timeout=timeout,
            allow_redirects=False,
        )
        if response.status_code not in REDIRECTS:
            return response
        status, location = response.status_code, response.headers.get("Location", "")
        response.close()
        try:
            target = urljoin(url, location)
            destination = origin(target)
        except ValueError:  # a port or an address that can't be parsed
            destination = ("", "", None)
        # Plain http only where the API itself is (a local stand-in in tests).
        if not location or destination[0] not in {"https", api[0]}:
            raise RedirectRefused(f"HTTP {status} to a location refused", status=status)
        if destination != api and host_allowed is not None and not host_allowed(destination[1]):
            raise RedirectRefused(f"HTTP {status} to a host not allowed", status=status)
        url = target
    raise RedirectRefused("too many redirects")


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <key>``, as a ``requests`` auth, so it is sent
    only where ``media_get`` sends its auth."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.key}"
        return request
