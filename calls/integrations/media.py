"""Fetching a recording's audio from a provider, as both providers serve it:
the provider's API answers with a redirect to a short-lived URL on its
storage. Redirects are followed by hand, so that the credentials go to the
API's own origin and nowhere else, a redirect never leads from https to
plain http, and a provider may name the hosts its storage lives on (an
allow-list read by ``host_allowed``, as Vapi's call control hosts are too).
The vendor modules (``twilio``, ``vapi``) turn what fails here into their
own typed errors.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

# A media request is redirected once, to the provider's storage; a few more hops are tolerated.
MEDIA_MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# What a media request may answer: the file, a part of it, or a range past its end.
MEDIA_ANSWERS = frozenset({200, 206, 416})

Origin = tuple[str, str, int | None]


@dataclass(frozen=True)
class MediaErrors:
    """A vendor's typed errors, raised by ``media_get`` as that vendor's
    integration raises them: each is built as ``Error(message, status=…)``."""

    vendor: str
    not_found: type[Exception]
    transient: type[Exception]
    permanent: type[Exception]


def host_allowed(host: str, entries: Iterable[str], *, wildcards: bool = False) -> bool:
    """Whether an allow-list names ``host``: an entry matches itself, and
    with a leading dot the domain and every subdomain. With ``wildcards``
    (Vapi's control hosts, named by region and shard), a ``*`` in an entry
    stands for part of one label (letters, digits, hyphens; never a dot);
    otherwise it is a character like any other, so a stray ``*`` among the
    recording hosts matches no host at all."""
    host = host.lower().rstrip(".")
    for entry in entries:
        entry = entry.strip().lower().rstrip(".")
        if entry.startswith(".") and len(entry) > 1 and (host.endswith(entry) or host == entry[1:]):
            return True
        if not entry or entry.startswith("."):
            continue
        if host == entry or (wildcards and "*" in entry and _host_pattern(entry).fullmatch(host)):
            return True
    return False


@functools.lru_cache(maxsize=64)
def _host_pattern(entry: str) -> re.Pattern[str]:
    return re.compile("[a-z0-9-]+".join(re.escape(part) for part in entry.split("*")))


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
    errors: MediaErrors,
    host_allowed: Callable[[str], bool] | None = None,
) -> requests.Response:
    """GET ``url`` (on the provider's API), streamed, following redirects:
    ``auth`` (a ``requests`` auth) is sent to the API's origin only; other
    hosts must pass ``host_allowed`` where it is given. Returns the answer
    when it is the file, a part of it or a range past its end (the caller
    reads it and must close it). Otherwise raises the vendor's ``errors``:
    not found (404), transient (5xx, 429, network), permanent (anything
    else, a redirect refused included); messages hold statuses only."""
    try:
        response = _follow(url, auth=auth, byte_range=byte_range, timeout=timeout, host_allowed=host_allowed)
    except requests.RequestException as error:
        raise errors.transient(f"{errors.vendor} recording media failed: {type(error).__name__}") from None
    except _Refused as refused:
        raise errors.permanent(f"{errors.vendor} recording media: {refused}", status=refused.status) from None
    status = response.status_code
    if status in MEDIA_ANSWERS:
        return response
    response.close()
    message = f"{errors.vendor} recording media failed: HTTP {status}"
    if status == 404:
        raise errors.not_found(message, status=status)
    if status == 429 or status >= 500:
        raise errors.transient(message, status=status)
    raise errors.permanent(message, status=status)


class _Refused(Exception):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _follow(
    url: str, *, auth: Any, byte_range: str, timeout: float, host_allowed: Callable[[str], bool] | None
) -> requests.Response:
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
            raise _Refused(f"HTTP {status} to a location refused", status=status)
        if destination != api and host_allowed is not None and not host_allowed(destination[1]):
            raise _Refused(f"HTTP {status} to a host not allowed", status=status)
        url = target
    raise _Refused("too many redirects")


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <key>``, as a ``requests`` auth, so it is sent
    only where ``media_get`` sends its auth."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.key}"
        return request
