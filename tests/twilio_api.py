"""A stand-in for Twilio's REST API on loopback, for exercising the real
client (HTTP, auth, timeouts, error mapping) without the network.

It answers the calls the service makes (start a recording; pause, resume
and stop it; delete it) in Twilio's JSON shapes, keeps each recording's
status as Twilio would (a recording that has stopped or completed can't be
paused or resumed: 400, error 21220), and records every request it
receives with its arrival time. A test can queue error responses or
delays for the next requests, and end a recording as a hang-up would.

It serves a recording's audio (``media``) as Twilio does, at
``Recordings/{Sid}.wav``, honouring ``Range``, or redirects there to a
``FakeMediaStorage`` standing in for Twilio's storage (``media_redirect``).
``FakeMediaStorage`` also stands in for Vapi's (tests/vapi_api.py).
"""

from __future__ import annotations

import io
import math
import re
import secrets
import struct
import time
import wave
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.loopback import JsonHandler, LoopbackServer

START = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)/Recordings\.json$")
UPDATE = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)/Recordings/(RE\w+)\.json$")
DELETE = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Recordings/(RE\w+)\.json$")
MEDIA = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Recordings/(RE\w+)\.(wav|mp3)$")
RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass
class Received:
    method: str
    path: str
    form: dict[str, list[str]]
    authorization: str
    at: float = 0.0  # time.time() on arrival
    range: str = ""  # the Range header, if any


@dataclass
class FakeTwilioApi(LoopbackServer):
    requests: list[Received] = field(default_factory=list)
    scripted: list[tuple[int, float]] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    # RecordingSid -> Twilio's status for it: in-progress, paused, stopped, completed.
    statuses: dict[str, str] = field(default_factory=dict)
    # RecordingSid -> its audio, served at Recordings/{Sid}.wav.
    media: dict[str, bytes] = field(default_factory=dict)
    # When set, a FakeMediaStorage's URL: media requests are redirected there, as Twilio does.
    media_redirect: str = ""

    def finish(self, recording_sid: str) -> None:
        """The call ended: the recording is completed."""
        self.statuses[recording_sid] = "completed"

    def updates(self, recording_sid: str) -> list[str]:
        """The statuses asked for, in order, for one recording."""
        return [
            request.form["Status"][0]
            for request in self.requests
            if request.method == "POST" and request.path.endswith(f"/Recordings/{recording_sid}.json")
        ]

    def start(self) -> FakeTwilioApi:
        api = self

        class Handler(JsonHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode()) if length else {}
                api.requests.append(
                    Received(
                        self.command,
                        self.path,
                        form,
                        self.headers.get("Authorization", ""),
                        time.time(),
                        range=self.headers.get("Range", ""),
                    )
                )
                status, delay = api.scripted.pop(0) if api.scripted else (0, 0.0)
                time.sleep(delay)
                if status:
                    return self._reply(
                        status, {"code": 20500 if status >= 500 else 21220, "message": "scripted", "status": status}
                    )
                self._route(form)

            def _route(self, form: dict[str, list[str]]) -> None:
                if self.command == "POST" and (match := START.match(self.path)):
                    sid = "RE" + secrets.token_hex(16)
                    api.statuses[sid] = "in-progress"
                    return self._reply(
                        201,
                        {
                            "sid": sid,
                            "call_sid": match.group(2),
                            "account_sid": match.group(1),
                            "status": "in-progress",
                        },
                    )
                if self.command == "POST" and (match := UPDATE.match(self.path)):
                    return self._update(match.group(2), match.group(3), form)
                if self.command == "GET" and (match := MEDIA.match(self.path)) and match.group(2) in api.media:
                    if api.media_redirect:
                        # A short-lived signed URL on Twilio's storage, as Twilio answers.
                        return self._redirect(f"{api.media_redirect}/{match.group(2)}.wav?Signature=s3cr3t-signature")
                    return send_media(self, api.media[match.group(2)], "audio/x-wav")
                if self.command == "DELETE" and (match := DELETE.match(self.path)):
                    if match.group(2) in api.deleted:
                        return self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                    api.deleted.add(match.group(2))
                    return self._no_content()
                return self._reply(404, {"code": 20404, "message": "not found", "status": 404})

            def _update(self, call_sid: str, sid: str, form: dict[str, list[str]]) -> None:
                wanted = (form.get("Status") or [""])[0]
                current = api.statuses.get(sid, "in-progress")
                if wanted not in ("paused", "in-progress", "stopped"):
                    return self._reply(400, {"code": 21205, "message": "invalid status", "status": 400})
                if current in ("stopped", "completed"):
                    # Twilio refuses to change a recording that is no longer running.
                    return self._reply(400, {"code": 21220, "message": "Invalid call state", "status": 400})
                behavior = (form.get("PauseBehavior") or [""])[0]
                if wanted == "paused" and behavior not in ("", "skip", "silence"):
                    return self._reply(400, {"code": 21205, "message": "invalid pause behavior", "status": 400})
                api.statuses[sid] = wanted
                return self._reply(200, {"sid": sid, "call_sid": call_sid, "status": wanted})

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_DELETE = do_GET = _handle  # noqa: N815

        self.serve(Handler)
        return self


def send_media(
    handler: BaseHTTPRequestHandler, body: bytes, content_type: str, request: StorageRequest | None = None
) -> int:
    """Answer with ``body`` as a file server does: 206 and the slice for a
    single ``Range``, 416 for a range past the end, else 200 and all of it.
    Returns the status sent, and records it on ``request`` before anything
    is sent: a client that has read the answer finds it recorded."""
    size = len(body)
    match = RANGE.fullmatch(handler.headers.get("Range", "").strip())
    status, first, last = 200, 0, size - 1
    if match and (match.group(1) or match.group(2)):
        if match.group(1):
            first = int(match.group(1))
            last = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # the last N bytes
            first = max(size - int(match.group(2)), 0)
        if first >= size or last < first:
            if request is not None:
                request.status = 416
            handler.send_response(416)
            handler.send_header("Content-Range", f"bytes */{size}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return 416
        status = 206
    if request is not None:
        request.status = status
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Accept-Ranges", "bytes")
    handler.send_header("Content-Length", str(last - first + 1))
    if status == 206:
        handler.send_header("Content-Range", f"bytes {first}-{last}/{size}")
    # Headers a player must never see: where the file lives, and a storage cookie.
    handler.send_header("X-Storage-Location", f"https://storage.example.test{handler.path}")
    handler.send_header("Set-Cookie", "storage-session=s3cr3t-cookie")
    handler.end_headers()
    try:
        handler.wfile.write(body[first : last + 1])
    except (BrokenPipeError, ConnectionResetError):
        pass  # the player went away, as players do when they seek
    return status


@dataclass
class StorageRequest:
    path: str
    authorization: str
    range: str
    status: int = 0


@dataclass
class FakeMediaStorage(LoopbackServer):
    """A provider's media storage on loopback: serves ``files`` (path ->
    bytes, the query string ignored, as a signed URL's signature is here)
    with ``Range``, and records every request with the status it got."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[StorageRequest] = field(default_factory=list)

    def start(self) -> FakeMediaStorage:
        storage = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:  # noqa: N802
                request = StorageRequest(
                    self.path, self.headers.get("Authorization", ""), self.headers.get("Range", "")
                )
                storage.requests.append(request)
                body = storage.files.get(urlsplit(self.path).path)
                if body is None:
                    request.status = 404
                    return self._reply(404, {"message": "NoSuchKey"})
                send_media(self, body, "audio/x-wav", request)

        self.serve(Handler)
        return self


def wav_tone(*, seconds: int, rate: int = 8000) -> bytes:
    """A WAV file as Twilio records a call: two channels (one a party),
    16-bit, a 440 Hz tone (a whole number of cycles a second, so one
    second repeated is the whole tone)."""
    second = b"".join(
        struct.pack("<hh", sample, -sample)
        for sample in (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(rate))
    )
    frames = io.BytesIO()
    with wave.open(frames, "wb") as file:
        file.setnchannels(2)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(second * seconds)
    return frames.getvalue()
