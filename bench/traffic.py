"""Realistic calls played over HTTP against a running server, as Twilio and
Vapi deliver them: signed, one TCP connection per delivery, with the
caller's pauses between steps.

A Twilio call: the voice webhook, the consent gather (a keypress) and the
menu gather (speech, with a phone number in it) at the action URLs the
server's TwiML names, then the in-progress and completed status callbacks
and the recording callback. A Vapi call: assistant request, status
in-progress, the ``record_consent`` tool call, three final transcripts,
status ended and the end-of-call report.

Each delivery's acknowledgement latency is kept. ``Play`` can also send a
share of deliveries twice and swap the order of a share of a call's
asynchronous callbacks, and redelivers after a 5xx or a broken connection
as the providers' retries would. Each call counts the effects it expects:
consent events and transcript segments.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import random
import secrets
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

APOLOGY = "having trouble right now"  # in the TwiML answered when the application fails
MENU_SPEECH = "Billing please, you can call me back on four one five, five five five, oh one three two"
VAPI_TURNS = [
    ("bot", "Hi, this call may be recorded. Is that all right?"),
    ("user", "Yes that's fine. My name is Dana Whitfield."),
    ("bot", "Thanks Dana, how can I help?"),
    ("user", "My card 4111 1111 1111 1111 was charged twice, call me on 415-555-0132."),
]


@dataclass
class Delivery:
    label: str
    status: int
    latency: float
    at: float  # time.monotonic() when sent


@dataclass
class Expected:
    """What one call should leave once every delivery is processed."""

    call_key: str
    consent_events: int = 0
    segments: int = 0


async def http_post(
    port: int, path: str, body: bytes, headers: dict[str, str], timeout: float = 30
) -> tuple[int, bytes]:
    """One request on its own connection; returns the status and the body."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\nX-Forwarded-Proto: https\r\n{head}\r\n".encode()
            + body
        )
        response = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    if not status_line.startswith(b"HTTP/1.1 "):
        raise ConnectionError("no HTTP response")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


async def http_get(port: int, path: str, timeout: float = 30) -> int:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        response = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    return int(response.split(b" ", 2)[1])


@dataclass
class Play:
    """The client side: signing secrets, pacing and misbehaviour."""

    port: int
    public_base_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    vapi_secret: str
    pause: float = 0.5  # mean seconds between a call's steps
    duplicate_share: float = 0.0
    reorder_share: float = 0.0
    retry_for: float = 0.0  # seconds to keep redelivering after a 5xx or a broken connection
    deliveries: list[Delivery] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)
    # How a delivery reaches the server: over HTTP to ``port``, unless a
    # script plays the calls in-process (bench/apply.py).
    transport: Callable[..., Awaitable[tuple[int, bytes]]] | None = None

    def __post_init__(self) -> None:
        self.validator = RequestValidator(self.twilio_auth_token)
        self.random = random.Random()

    # --- Delivery -------------------------------------------------------------------

    async def _deliver(self, label: str, path: str, body: bytes, headers) -> tuple[int, bytes]:  # noqa: ANN001
        give_up = time.monotonic() + self.retry_for
        while True:
            started = time.monotonic()
            try:
                status, answer = await (self.transport or http_post)(self.port, path, body, headers())
            except OSError:  # refused, reset, timed out, or no HTTP answer
                status, answer = 0, b""
            self.deliveries.append(Delivery(label, status, time.monotonic() - started, started))
            if (status == 0 or status >= 500) and time.monotonic() < give_up:
                await asyncio.sleep(0.5 + self.random.random())
                continue
            return status, answer

    async def send(self, label: str, path: str, body: bytes, headers) -> tuple[int, bytes]:  # noqa: ANN001
        status, answer = await self._deliver(label, path, body, headers)
        if self.duplicate_share and self.random.random() < self.duplicate_share:
            await self._deliver(label + " (duplicate)", path, body, headers)
        return status, answer

    async def twilio(self, label: str, path: str, params: dict[str, str]) -> tuple[int, str]:
        body = urlencode(params).encode()
        signature = self.validator.compute_signature(self.public_base_url + path, params)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        status, answer = await self.send(label, path, body, lambda: headers)
        return status, answer.decode(errors="replace")

    async def vapi(self, label: str, message: dict) -> tuple[int, bytes]:
        body = json.dumps({"message": message}).encode()

        def headers() -> dict[str, str]:
            stamp = str(int(time.time()))
            signature = hmac.new(self.vapi_secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            return {"Content-Type": "application/json", "X-Signature": signature, "X-Timestamp": stamp}

        return await self.send(label, "/webhooks/vapi/", body, headers)

    async def pause_between_steps(self) -> None:
        await asyncio.sleep(self.random.uniform(0.5, 1.5) * self.pause)

    async def in_some_order(self, steps: list) -> None:  # noqa: ANN001
        """Asynchronous callbacks, each pair swapped now and then."""
        steps = list(steps)
        for index in range(len(steps) - 1):
            if self.reorder_share and self.random.random() < self.reorder_share:
                steps[index], steps[index + 1] = steps[index + 1], steps[index]
        for step in steps:
            await step()
            await self.pause_between_steps()

    # --- Twilio ---------------------------------------------------------------------

    async def twilio_call(self) -> None:
        call_sid = "CA" + secrets.token_hex(16)
        expected = Expected(call_key=call_sid)
        self.expected.append(expected)
        call = {
            "CallSid": call_sid,
            "AccountSid": self.twilio_account_sid,
            "From": f"+1415555{self.random.randrange(10_000):04d}",
            "To": "+18005550199",
            "FromState": "CA",
            "FromCountry": "US",
            "ToState": "NY",
            "ToCountry": "US",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        _, twiml = await self.twilio("twilio voice", "/webhooks/twilio/voice/", {**call, "CallStatus": "ringing"})
        consented = False
        action = _gather_action(twiml)
        if action:
            await self.pause_between_steps()
            status, twiml = await self.twilio(
                "twilio gather", action, {**call, "CallStatus": "in-progress", "Digits": "1"}
            )
            menu = _gather_action(twiml)
            # An apology (the database was down) stores nothing and has no menu.
            consented = status == 200 and menu is not None
            expected.consent_events += consented
            if menu:
                await self.pause_between_steps()
                status, twiml = await self.twilio(
                    "twilio gather",
                    menu,
                    {**call, "CallStatus": "in-progress", "SpeechResult": MENU_SPEECH, "Confidence": "0.93"},
                )
                expected.segments += status == 200 and APOLOGY not in twiml
        await self.pause_between_steps()
        now = formatdate(usegmt=True)

        def status_callback(sequence: int, status: str, **extra: str):  # noqa: ANN202
            params = {**call, "CallStatus": status, "SequenceNumber": str(sequence), "Timestamp": now, **extra}
            return lambda: self.twilio("twilio status", "/webhooks/twilio/status/", params)

        steps = [status_callback(1, "in-progress"), status_callback(2, "completed", CallDuration="42")]
        if consented:
            recording = {
                "CallSid": call_sid,
                "AccountSid": self.twilio_account_sid,
                "RecordingSid": "RE" + secrets.token_hex(16),
                "RecordingStatus": "completed",
                "RecordingDuration": "40",
                "RecordingChannels": "2",
                "RecordingSource": "StartCallRecordingAPI",
                "RecordingStartTime": now,
            }
            steps.append(lambda: self.twilio("twilio recording", "/webhooks/twilio/recording/", recording))
        await self.in_some_order(steps)

    # --- Vapi -----------------------------------------------------------------------

    async def vapi_call(self) -> None:
        call_id = str(_uuid(self.random))
        expected = Expected(call_key=f"vapi:{call_id}")
        self.expected.append(expected)
        call = {
            "id": call_id,
            "orgId": "5a1bde0e-7e1b-4bf0-9d2b-000000000001",
            "type": "inboundPhoneCall",
            "status": "in-progress",
            "customer": {"number": f"+1415555{self.random.randrange(10_000):04d}"},
        }
        clock = [int(time.time() * 1000)]
        started_ms = clock[0]

        def message(kind: str, **fields: object) -> dict:
            clock[0] += 1000
            return {
                "type": kind,
                "timestamp": clock[0],
                "call": call,
                "phoneNumber": {"number": "+18005550199", "provider": "twilio"},
                "customer": call["customer"],
                **fields,
            }

        await self.vapi("vapi assistant-request", message("assistant-request"))
        await self.pause_between_steps()
        await self.vapi("vapi status-update", message("status-update", status="in-progress"))
        await self.pause_between_steps()
        tool_call = {
            "id": "call_" + secrets.token_hex(8),
            "type": "function",
            "function": {"name": "record_consent", "arguments": json.dumps({"decision": "granted"})},
        }
        status, _ = await self.vapi("vapi tool-calls", message("tool-calls", toolCallList=[tool_call]))
        expected.consent_events += status == 200
        await self.pause_between_steps()

        def transcript(role: str, text: str):  # noqa: ANN202
            body = message("transcript", role=role, transcriptType="final", transcript=text)
            return lambda: self.vapi("vapi transcript", body)

        report = message(
            "end-of-call-report",
            endedReason="customer-ended-call",
            cost=0.12,
            startedAt=_iso(started_ms),
            endedAt=_iso(clock[0]),
            analysis={"summary": "Dana Whitfield (415-555-0132) disputed a charge."},
            artifact={
                "messages": [
                    {"role": role, "message": text, "time": 1732183201000 + index, "secondsFromStart": index}
                    for index, (role, text) in enumerate(VAPI_TURNS)
                ],
                "transcript": "\n".join(text for _, text in VAPI_TURNS),
                "recordingUrl": f"https://storage.vapi.ai/{call_id}-mono.wav",
            },
        )
        # The report replaces the live transcript: its turns and its summary.
        expected.segments = len(VAPI_TURNS) + 1
        steps = [transcript("assistant", VAPI_TURNS[2][1]), transcript("user", VAPI_TURNS[3][1])]
        steps.append(lambda: self.vapi("vapi status-update", message("status-update", status="ended")))
        steps.append(lambda: self.vapi("vapi end-of-call-report", report))
        await self.in_some_order(steps)

    # --- The run --------------------------------------------------------------------

    async def calls(self, *, concurrency: int, total: int) -> float:
        """Play ``total`` calls, ``concurrency`` at a time, half Twilio and
        half Vapi; returns the seconds it took."""
        queue = [self.twilio_call if index % 2 == 0 else self.vapi_call for index in range(total)]
        started = time.monotonic()

        async def line(offset: float) -> None:
            await asyncio.sleep(offset)  # calls start spread over the first pause
            while queue:
                await queue.pop()()

        await asyncio.gather(*(line(self.random.uniform(0, self.pause)) for _ in range(concurrency)))
        return time.monotonic() - started


def call_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The command-line options that shape the calls played."""
    parser.add_argument("--concurrency", type=int, default=200, help="Simultaneous calls.")
    parser.add_argument("--calls", type=int, default=1000, help="Calls to play in all.")
    parser.add_argument("--pause", type=float, default=5.0, help="Mean seconds between a call's steps.")
    return parser


def play_against(stack, pause: float) -> Play:  # noqa: ANN001
    """Calls signed with a running stack's secrets (bench/stack.py)."""
    return Play(
        port=stack.port,
        public_base_url=stack.env["PUBLIC_BASE_URL"],
        twilio_account_sid=stack.env["TWILIO_ACCOUNT_SID"],
        twilio_auth_token=stack.env["TWILIO_AUTH_TOKEN"],
        vapi_secret=stack.env["VAPI_WEBHOOK_SECRET"],
        pause=pause,
    )


def _gather_action(twiml: str) -> str | None:
    try:
        gather = ElementTree.fromstring(twiml).find(".//Gather")  # noqa: S314  (our own server's answer)
    except ElementTree.ParseError:
        return None
    if gather is None:
        return None
    action = urlsplit(gather.attrib["action"])
    return f"{action.path}?{action.query}" if action.query else action.path


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


async def saturate(send, *, concurrency: int, seconds: float) -> tuple[int, list[float], int]:  # noqa: ANN001
    """Keep ``concurrency`` requests in flight for ``seconds``; returns the
    number completed, their latencies and the number of errors."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def line() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                ok = await send()
            except OSError:  # refused, reset, timed out, or no HTTP answer
                ok = False
            latencies.append(time.monotonic() - started)
            errors += not ok

    await asyncio.gather(*(line() for _ in range(concurrency)))
    return len(latencies), latencies, errors


def warm_up(stack) -> None:  # noqa: ANN001
    """Twenty quick calls, drained: a stack's first requests and loads out of the way."""
    warm = play_against(stack, pause=0.05)
    asyncio.run(warm.calls(concurrency=10, total=20))
    stack.drain(120)


def healthz_floor(stack, *, concurrency: int, seconds: float) -> tuple[int, list[float], int]:  # noqa: ANN001
    """``saturate`` with ``GET /healthz``: a view that does no work, on the same server."""

    async def floor_request() -> bool:
        return await http_get(stack.port, "/healthz") == 200

    return asyncio.run(saturate(floor_request, concurrency=concurrency, seconds=seconds))


def tally(stack, expected: list[Expected]) -> dict[str, int]:  # noqa: ANN001
    """Compare what each call left in the database with what it should have:
    counts of calls missing, and of consent events and segments lost or
    duplicated."""
    keys = [call.call_key for call in expected]
    consent = dict(
        stack.query(
            "SELECT call_sid, count(*) FROM compliance_consentevent WHERE call_sid = ANY(%s) GROUP BY 1", (keys,)
        )
    )
    segments = dict(
        stack.query(
            "SELECT c.call_sid, count(s.id) FROM calls_call c JOIN calls_transcriptsegment s ON s.call_id = c.id"
            " WHERE c.call_sid = ANY(%s) GROUP BY 1",
            (keys,),
        )
    )
    calls = {row[0] for row in stack.query("SELECT call_sid FROM calls_call WHERE call_sid = ANY(%s)", (keys,))}
    result = {"calls": len(expected), "calls missing": 0, "lost": 0, "duplicated": 0}
    for call in expected:
        result["calls missing"] += call.call_key not in calls
        for want, got in (
            (call.consent_events, consent.get(call.call_key, 0)),
            (call.segments, segments.get(call.call_key, 0)),
        ):
            result["lost"] += max(0, want - got)
            result["duplicated"] += max(0, got - want)
    return result
