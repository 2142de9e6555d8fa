"""Twilio's REST API, as this service uses it.

Settings are read here and nowhere else. Every request has an explicit
timeout, and every failure is raised as a ``TwilioError`` that says whether
trying again can help: 5xx, 429, timeouts and connection errors are
transient; other 4xx are permanent, with 404 as its own type because for a
deletion it means the work is already done. Error messages carry status and
Twilio error codes, never request data.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from calls.integrations.media import MediaErrors, media_get

RECORDING_CALLBACK_EVENTS = ["in-progress", "completed", "absent"]
TWILIO_API = "https://api.twilio.com"


class TwilioError(Exception):
    permanent = True

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class TwilioTransientError(TwilioError):
    permanent = False


class TwilioPermanentError(TwilioError):
    pass


class TwilioNotFoundError(TwilioPermanentError):
    pass


class TwilioNotConfiguredError(TwilioPermanentError):
    pass


MEDIA_ERRORS = MediaErrors("Twilio", TwilioNotFoundError, TwilioTransientError, TwilioPermanentError)


@functools.cache
def _client(account_sid: str, auth_token: str, base_url: str, timeout: float) -> Client:
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
    if base_url:
        client.api.base_url = base_url
    return client


@receiver(setting_changed)
def _forget_client(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("TWILIO_"):
        _client.cache_clear()


def client() -> Client:
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        raise TwilioNotConfiguredError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required for REST calls.")
    return _client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE_URL,
        settings.TWILIO_HTTP_TIMEOUT_SECONDS,
    )


def _translate(error: Exception, action: str) -> TwilioError:
    if isinstance(error, TwilioRestException):
        status, code = error.status, error.code
        message = f"Twilio {action} failed: HTTP {status}, error code {code}"
        if status == 404:
            return TwilioNotFoundError(message, status=status, code=code)
        if status == 429 or status >= 500:
            return TwilioTransientError(message, status=status, code=code)
        return TwilioPermanentError(message, status=status, code=code)
    return TwilioTransientError(f"Twilio {action} failed: {type(error).__name__}")


_SIDS = {"CA": re.compile(r"CA[0-9a-fA-F]{32}"), "RE": re.compile(r"RE[0-9a-fA-F]{32}")}


def _checked(sid: str, kind: str) -> str:
    """``sid`` if it is a Twilio SID of ``kind``. The SDK puts SIDs into
    URL paths as they are, so anything else could name another resource."""
    if not isinstance(sid, str) or not _SIDS[kind].fullmatch(sid):
        raise TwilioPermanentError(f"not a Twilio {kind} SID")
    return sid


def recording_start(*, call_sid: str, status_callback_url: str) -> str:
    """Start recording a live call, both parties on separate channels.
    Returns the new RecordingSid."""
    _checked(call_sid, "CA")
    try:
        recording = (
            client()
            .calls(call_sid)
            .recordings.create(
                recording_status_callback=status_callback_url,
                recording_status_callback_event=RECORDING_CALLBACK_EVENTS,
                recording_status_callback_method="POST",
                recording_channels="dual",
            )
        )
    except (TwilioRestException, requests.RequestException) as error:
        raise _translate(error, "recording start") from None
    return recording.sid


def _recording_update(*, call_sid: str, recording_sid: str, action: str, **changes: str) -> str:
    """Change a live recording's status; returns the status Twilio reports."""
    _checked(call_sid, "CA")
    _checked(recording_sid, "RE")
    try:
        recording = client().calls(call_sid).recordings(recording_sid).update(**changes)
    except (TwilioRestException, requests.RequestException) as error:
        raise _translate(error, f"recording {action}") from None
    return str(recording.status or "")


def recording_stop(*, call_sid: str, recording_sid: str) -> None:
    _recording_update(call_sid=call_sid, recording_sid=recording_sid, action="stop", status="stopped")


def recording_pause(*, call_sid: str, recording_sid: str, behavior: str) -> str:
    """Pause a live recording: ``skip`` leaves the paused stretch out of the
    file, ``silence`` records silence in its place. A recording that is no
    longer running raises ``TwilioPermanentError`` (``TwilioNotFoundError``
    when Twilio no longer has it)."""
    return _recording_update(
        call_sid=call_sid, recording_sid=recording_sid, action="pause", status="paused", pause_behavior=behavior
    )


def recording_resume(*, call_sid: str, recording_sid: str) -> str:
    return _recording_update(call_sid=call_sid, recording_sid=recording_sid, action="resume", status="in-progress")


def recording_delete(*, recording_sid: str) -> None:
    """Delete a recording's media and metadata at Twilio; returns only when
    Twilio confirms it. Raises ``TwilioNotFoundError`` when Twilio no longer
    has it."""
    _checked(recording_sid, "RE")
    try:
        response = client().recordings(recording_sid).delete_with_http_info()
    except (TwilioRestException, requests.RequestException) as error:
        raise _translate(error, "recording delete") from None
    if response.status_code != 204:
        # Twilio confirms a deletion with 204 No Content; any other success
        # confirms nothing.
        raise TwilioPermanentError(f"Twilio recording delete not confirmed: HTTP {response.status_code}")


def call_create(*, to: str, from_: str, url: str, status_callback_url: str) -> str:
    """Place an outbound call whose TwiML comes from ``url``. Returns its CallSid."""
    try:
        call = client().calls.create(
            to=to,
            from_=from_,
            url=url,
            method="POST",
            status_callback=status_callback_url,
            status_callback_event=["initiated", "ringing", "answered", "completed"],
            status_callback_method="POST",
        )
    except (TwilioRestException, requests.RequestException) as error:
        raise _translate(error, "call create") from None
    return call.sid


def recording_media_configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def recording_media_open(*, recording_sid: str, byte_range: str = "") -> requests.Response:
    """Open a recording's audio (WAV, Twilio's default format) as a stream.

    The caller reads ``status_code`` (200, 206, or 416 for a range past the
    end), ``headers`` and ``iter_content``, and must ``close`` it; nothing
    is written to disk. ``byte_range`` is sent as the ``Range`` header, as
    given: the caller has validated it.

    Twilio answers with a redirect to a short-lived URL on its storage. The
    credentials are sent to Twilio's API origin only, never where it
    redirects, and a redirect never goes from https to plain http. Raises
    ``TwilioNotConfiguredError``, ``TwilioNotFoundError`` when Twilio no
    longer has it, ``TwilioTransientError`` for 5xx, 429 and network
    failures, ``TwilioPermanentError`` otherwise; messages hold statuses only.
    Safe to repeat: it reads and changes nothing.
    """
    if not recording_media_configured():
        raise TwilioNotConfiguredError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required to play recordings.")
    _checked(recording_sid, "RE")
    base = (settings.TWILIO_API_BASE_URL or TWILIO_API).rstrip("/")
    account = quote(settings.TWILIO_ACCOUNT_SID, safe="")
    url = f"{base}/2010-04-01/Accounts/{account}/Recordings/{recording_sid}.wav"
    credentials = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    timeout = settings.TWILIO_HTTP_TIMEOUT_SECONDS
    return media_get(url, auth=credentials, byte_range=byte_range, timeout=timeout, errors=MEDIA_ERRORS)
