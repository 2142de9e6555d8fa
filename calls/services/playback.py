"""Playing a call's recording in the admin, every play audited.

A play is granted by ``recording_play_grant``: one ``recording.played``
audit event (who, which recording of which call, when) and a short-lived
grant, signed and bound to the person, the recording and that event. The
browser's audio element then asks ``recording_stream`` for the audio with
the grant, once or many times: seeking is a Range request under the same
grant, not another play. The audio travels from the provider through this
service as it is read; the provider's URL and credentials never reach the
browser, and nothing is written to disk.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from django.core import signing

from calls.integrations import twilio, vapi
from calls.models import Provider, Recording
from calls.services.recordings import vapi_call_id_of
from compliance.audit import Actor, audit_record

logger = logging.getLogger(__name__)

PLAY_PERMISSION = "calls.play_recording"
PLAY_GRANT_SALT = "calls.recording-play"
# Long enough to listen and seek through a call; a play after that is a new, audited one.
PLAY_GRANT_SECONDS = 15 * 60
CHUNK_BYTES = 64 * 1024
# The most one answer carries: an open range ("bytes=N-") is answered with a
# part (206 and its Content-Range), and the player asks for the next, so a
# paused player never holds a web thread for the rest of a long recording.
RANGE_MAX_BYTES = 2 * 1024 * 1024

# One range of bytes (RFC 9110 14.1.2): "first-last", "first-", or "-suffix".
# Audio players always send one. Anything else (none, several ranges, a
# malformed one) is refused with 416 rather than answered with the whole
# file, which would hold a web thread for as long as the recording lasts;
# it is never passed on to the provider as it came.
_RANGE = re.compile(r"bytes=(?:(\d{1,15})-(\d{0,15})|-(\d{1,15}))", re.IGNORECASE)
_CONTENT_RANGE = re.compile(r"bytes (?:\d{1,15}-\d{1,15}|\*)/(?:\d{1,15}|\*)")
_DIGITS = re.compile(r"\d{1,15}")
_MEDIA_TYPE = re.compile(r"audio/[a-z0-9.+-]{1,64}", re.IGNORECASE)


class PlaybackRefused(Exception):
    """This recording can't be played; the message is for the person asking."""


class PlayGrantInvalid(Exception):
    """The grant is forged, expired, or another person's or recording's."""


class PlaybackUnavailable(Exception):
    """The provider could not be asked, or would not answer: ``status`` is
    what the browser gets (502, or 503 when playback is not configured)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RecordingAudio:
    """What the audio endpoint answers: the provider's status and the
    headers a player needs, and the bytes as the provider sends them."""

    status: int
    headers: dict[str, str]
    chunks: Iterator[bytes]


def recording_play_refusal(*, recording: Recording) -> str:
    """Why ``recording`` can't be played, or "" when it can. Reads nothing
    beyond the row; no provider is asked."""
    if recording.deleted_at or recording.status == Recording.Status.DELETED:
        return "This recording was deleted at the provider: it can't be played."
    if recording.deletion_requested_at:
        return "This recording's deletion has been requested: it can't be played."
    if recording.status != Recording.Status.COMPLETED:
        return f"This recording has no audio to play (status: {recording.get_status_display().lower()})."
    return ""


def recording_play_grant(*, recording: Recording, user: Any) -> str:
    """Grant ``user`` one play of ``recording``: audit it and return the grant.

    Side effects: one ``recording.played`` audit event, in the caller's
    transaction (call it as the transaction's last write). Raises
    ``PlaybackRefused``, auditing nothing, when the recording can't be
    played or the provider is not configured. Each call is a new play, with
    an event of its own; it asks nothing of the provider.
    """
    refusal = recording_play_refusal(recording=recording)
    if refusal:
        raise PlaybackRefused(refusal)
    if recording.provider == Provider.VAPI and not vapi.recording_media_configured():
        raise PlaybackRefused("Vapi's API key (VAPI_API_KEY) is not configured: Vapi recordings can't be played.")
    if recording.provider == Provider.TWILIO and not twilio.recording_media_configured():
        raise PlaybackRefused(
            "Twilio's credentials (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN) are not configured: "
            "Twilio recordings can't be played."
        )
    event = audit_record(
        "recording.played", actor=Actor(user=user), object_type="recording", object_id=recording.pk,
        object_repr=recording.call.call_sid,
        details={"recording_sid": recording.recording_sid, "provider": recording.provider},
    )  # fmt: skip
    return signing.TimestampSigner(salt=PLAY_GRANT_SALT).sign_object(
        {"user": user.pk, "recording": recording.pk, "play": event.pk}
    )


def play_grant_check(*, grant: str, user: Any, recording_id: int) -> int:
    """The audited play ``grant`` stands for (its audit event's id), if it is
    this service's, unexpired, and for this user and recording. Raises
    ``PlayGrantInvalid`` otherwise."""
    try:
        granted = signing.TimestampSigner(salt=PLAY_GRANT_SALT).unsign_object(grant, max_age=PLAY_GRANT_SECONDS)
    except signing.BadSignature:  # SignatureExpired included
        raise PlayGrantInvalid("not a valid play grant") from None
    if not isinstance(granted, dict) or (granted.get("user"), granted.get("recording")) != (user.pk, recording_id):
        raise PlayGrantInvalid("a play grant for another person or recording")
    return granted.get("play", 0)


def playback_range(header: str) -> str:
    """The ``Range`` to ask the provider for: ``header`` if it is one valid
    byte range, cut to at most ``RANGE_MAX_BYTES``, else "" (refused)."""
    match = _RANGE.fullmatch(header.strip())
    if not match:
        return ""
    first, last, suffix = match.groups()
    if suffix is not None:
        # The last N bytes: where they start is the provider's to know.
        return f"bytes=-{min(int(suffix), RANGE_MAX_BYTES)}" if int(suffix) > 0 else ""
    if last and int(last) < int(first):
        return ""
    end = int(first) + RANGE_MAX_BYTES - 1
    return f"bytes={int(first)}-{min(int(last), end) if last else end}"


def recording_stream(*, grant: str, user: Any, recording_id: int, byte_range: str = "") -> RecordingAudio:
    """Open the audio of a recording for a play already granted (and audited).

    Checks the grant first (``PlayGrantInvalid``), then the recording
    (``Recording.DoesNotExist``; ``PlaybackRefused`` if it was deleted since),
    before any provider is asked. ``byte_range`` is the browser's ``Range``
    header; without one valid range, ``PlaybackUnavailable`` (416), before
    the provider is asked. Provider failures raise
    ``PlaybackUnavailable`` with a short message and are logged by class
    and status only. Audits nothing: the play was audited when granted.
    """
    play = play_grant_check(grant=grant, user=user, recording_id=recording_id)
    recording = Recording.objects.select_related("call").get(pk=recording_id)
    refusal = recording_play_refusal(recording=recording)
    if refusal:
        raise PlaybackRefused(refusal)
    wanted = playback_range(byte_range)
    if not wanted:
        raise PlaybackUnavailable(
            "A single byte range is required (Range: bytes=N-): this serves audio players.", status=416
        )
    try:
        if recording.provider == Provider.VAPI:
            kind = recording.recording_sid.rsplit(":", 1)[-1]
            upstream = vapi.recording_media_open(call_id=vapi_call_id_of(recording), kind=kind, byte_range=wanted)
        else:
            upstream = twilio.recording_media_open(recording_sid=recording.recording_sid, byte_range=wanted)
    except (twilio.TwilioError, vapi.VapiError) as error:
        logger.warning(
            "recording.stream_failed",
            extra={
                "recording_id": recording.pk, "play": play, "provider": recording.provider,
                "error": type(error).__name__, "status": error.status,
            },
        )  # fmt: skip
        if isinstance(error, (twilio.TwilioNotConfiguredError, vapi.VapiNotConfiguredError)):
            raise PlaybackUnavailable("Recording playback is not configured for this provider.", status=503) from None
        raise PlaybackUnavailable("The provider did not send the recording; try again later.", status=502) from None
    return RecordingAudio(status=upstream.status_code, headers=_player_headers(upstream), chunks=_relay(upstream))


def _player_headers(upstream: requests.Response) -> dict[str, str]:
    """The provider's headers a player needs, each only in a form it should
    have; nothing else of the provider's answer (its location, its cookies,
    its request ids) is passed on."""
    given = upstream.headers
    headers = {"Cache-Control": "no-store"}
    media_type = given.get("Content-Type", "").split(";")[0].strip()
    headers["Content-Type"] = media_type if _MEDIA_TYPE.fullmatch(media_type) else "application/octet-stream"
    if given.get("Accept-Ranges", "").strip().lower() in ("bytes", "none"):
        headers["Accept-Ranges"] = given["Accept-Ranges"].strip().lower()
    if _CONTENT_RANGE.fullmatch(given.get("Content-Range", "").strip()):
        headers["Content-Range"] = given["Content-Range"].strip()
    # A length is only true of the body as sent, unencoded.
    if _DIGITS.fullmatch(given.get("Content-Length", "").strip()) and not given.get("Content-Encoding"):
        headers["Content-Length"] = given["Content-Length"].strip()
    return headers


def _relay(upstream: requests.Response) -> Iterator[bytes]:
    """The provider's bytes as they arrive; the connection is closed when
    the player has them all or goes away (Django closes the iterator)."""
    try:
        if upstream.status_code != 416:
            yield from upstream.iter_content(chunk_size=CHUNK_BYTES)
    except requests.RequestException as error:
        # Headers are sent by now: the player sees a short body and asks again.
        logger.warning("recording.stream_broken", extra={"error": type(error).__name__})
    finally:
        upstream.close()
