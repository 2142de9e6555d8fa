"""Realistic Vapi server-URL messages, and signed delivery of them.

Each builder returns the whole body ``{"message": {...}}``; the shapes follow
Vapi's published schema, and tests/calls/test_vapi_fixtures.py validates
every one against the vapi-server-sdk types.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings

ASSISTANT_PHONE = "+18005550199"
CUSTOMER_PHONE = "+14155550123"
# Where Vapi serves a call's live listening and control, by region and shard.
VAPI_CONTROL_ORIGIN = "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai"


def iso_ago(**delta: float) -> str:
    """An ISO 8601 time this long before now, as Vapi writes them."""
    moment = datetime.now(UTC) - timedelta(**delta)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def monitor(call_id: str, *, control_origin: str = VAPI_CONTROL_ORIGIN) -> dict[str, str]:
    """The call's ``monitor``, as Vapi sends it with every message: its live
    listening (a websocket) and control URLs, by the call's id."""
    listen_origin = "wss://" + control_origin.split("://", 1)[1]
    return {"listenUrl": f"{listen_origin}/{call_id}/listen", "controlUrl": f"{control_origin}/{call_id}/control"}


def new_call(
    *, twilio_sid: str | None = None, customer: str = CUSTOMER_PHONE, control_origin: str = VAPI_CONTROL_ORIGIN
) -> dict[str, Any]:
    """``control_origin``: where the call's control URL points (a stand-in's, in tests that use it)."""
    call_id = str(uuid.uuid4())
    call: dict[str, Any] = {
        "id": call_id,
        "orgId": "5a1bde0e-7e1b-4bf0-9d2b-000000000001",
        "type": "inboundPhoneCall",
        "status": "in-progress",
        "phoneCallProvider": "twilio",
        "phoneCallTransport": "pstn",
        "customer": {"number": customer},
        "createdAt": iso_ago(minutes=5),
        "updatedAt": iso_ago(minutes=5),
        "monitor": monitor(call_id, control_origin=control_origin),
    }
    if twilio_sid:
        call["phoneCallProviderId"] = twilio_sid
    return call


def sip_call(
    reference: str | None,
    *,
    customer: str = CUSTOMER_PHONE,
    where: str = "both",
    control_origin: str = VAPI_CONTROL_ORIGIN,
) -> dict[str, Any]:
    """A conversation on Vapi's SIP number, as Vapi describes it: no Twilio
    CallSid anywhere (the SIP call's own id where one would be), the INVITE's
    x-handoff header as the variable ``handoff`` and as a SIP header
    (``where``: both, variables or headers)."""
    sip_id = f"{uuid.uuid4().hex}@10.0.0.7"
    call_id = str(uuid.uuid4())
    call: dict[str, Any] = {
        "id": call_id,
        "orgId": "5a1bde0e-7e1b-4bf0-9d2b-000000000001",
        "type": "inboundPhoneCall",
        "status": "ringing",
        "phoneCallProvider": "vapi",
        "phoneCallTransport": "sip",
        "transport": {"provider": "vapi.sip", "callSid": sip_id},
        "phoneCallProviderId": sip_id,
        "customer": {"number": customer},
        "createdAt": iso_ago(seconds=1),
        "updatedAt": iso_ago(seconds=1),
        "monitor": monitor(call_id, control_origin=control_origin),
    }
    if reference is not None and where in ("both", "variables"):
        call["assistantOverrides"] = {"variableValues": {"handoff": reference}}
    if reference is not None and where in ("both", "headers"):
        call["phoneCallProviderDetails"] = {"sip": {"headers": {"X-Handoff": reference, "x-other": "1"}}}
    return call


_clock = [int(time.time() * 1000)]


def _now_ms() -> int:
    _clock[0] += 1
    return _clock[0]


def _message(call: dict[str, Any], message_type: str, **fields: Any) -> dict[str, Any]:
    return {
        "message": {
            "type": message_type,
            "timestamp": fields.pop("timestamp", _now_ms()),
            "call": call,
            "phoneNumber": {"number": ASSISTANT_PHONE, "provider": "twilio", "twilioAccountSid": "AC" + "0" * 32},
            "customer": call.get("customer"),
            **fields,
        }
    }


def assistant_request(call: dict[str, Any]) -> dict[str, Any]:
    return _message(call, "assistant-request")


def status_update(call: dict[str, Any], status: str, **fields: Any) -> dict[str, Any]:
    return _message(call, "status-update", status=status, **fields)


def transcript(
    call: dict[str, Any], text: str, *, role: str = "user", final: bool = True, **fields: Any
) -> dict[str, Any]:
    return _message(
        call, "transcript", role=role, transcriptType="final" if final else "partial", transcript=text, **fields
    )


def tool_calls(call: dict[str, Any], *calls: tuple[str, Any]) -> dict[str, Any]:
    tool_call_list = [
        {
            "id": "call_" + secrets.token_hex(8),
            "type": "function",
            # Vapi's schema has the arguments as a JSON string.
            "function": {"name": name, "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments)},
        }
        for name, arguments in calls
    ]
    return _message(call, "tool-calls", toolCallList=tool_call_list, toolWithToolCallList=[])


def transfer_destination_request(call: dict[str, Any]) -> dict[str, Any]:
    return _message(call, "transfer-destination-request")


def speech_update(call: dict[str, Any], status: str = "started", role: str = "user") -> dict[str, Any]:
    return _message(call, "speech-update", status=status, role=role, turn=1)


def user_interrupted(call: dict[str, Any]) -> dict[str, Any]:
    return _message(call, "user-interrupted")


def hang(call: dict[str, Any]) -> dict[str, Any]:
    return _message(call, "hang")


def conversation_update(call: dict[str, Any], said: str) -> dict[str, Any]:
    messages = [{"role": "assistant", "content": "How can I help?"}, {"role": "user", "content": said}]
    return _message(call, "conversation-update", messages=[], messagesOpenAIFormatted=messages)


def end_of_call_report(
    call: dict[str, Any],
    turns: list[tuple[str, str]],
    *,
    summary: str = "",
    recording: bool = True,
    consent_granted_at: str | None = None,
    ended_reason: str = "customer-ended-call",
    **fields: Any,
) -> dict[str, Any]:
    messages = [
        {"role": "system", "message": "You are the voice assistant.", "time": 1732183200000, "secondsFromStart": 0},
        *(
            {
                "role": role,
                "message": text,
                "time": 1732183201000 + 1000 * index,
                "endTime": 1732183201900 + 1000 * index,
                "secondsFromStart": 1 + index,
            }
            for index, (role, text) in enumerate(turns)
        ),
    ]
    artifact: dict[str, Any] = {
        "messages": messages,
        "messagesOpenAIFormatted": [],
        "transcript": "\n".join(f"{'AI' if role == 'bot' else 'User'}: {text}" for role, text in turns),
    }
    if recording:
        artifact["recordingUrl"] = f"https://storage.vapi.ai/{call['id']}-mono.wav"
        artifact["stereoRecordingUrl"] = f"https://storage.vapi.ai/{call['id']}-stereo.wav"
    report = _message(
        call,
        "end-of-call-report",
        endedReason=ended_reason,
        cost=0.1234,
        costs=[],
        artifact=artifact,
        analysis={"summary": summary, "successEvaluation": "true"},
        startedAt=iso_ago(minutes=4),
        endedAt=iso_ago(minutes=0),
        **fields,
    )
    if consent_granted_at:
        report["message"]["compliance"] = {"recordingConsent": {"type": "verbal", "grantedAt": consent_granted_at}}
    return report


def signed_headers(body: bytes, *, secret: str | None = None, timestamp: float | None = None) -> dict[str, str]:
    """Headers as Vapi's HMAC credential sends them."""
    stamp = str(int(timestamp if timestamp is not None else time.time()))
    signature = hmac.new(
        (secret or settings.VAPI_WEBHOOK_SECRET).encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return {"HTTP_X_SIGNATURE": signature, "HTTP_X_TIMESTAMP": stamp}


def post(client: Any, body: dict[str, Any] | bytes, **headers: Any) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if not any(key in headers for key in ("HTTP_X_SIGNATURE", "HTTP_AUTHORIZATION", "HTTP_X_VAPI_SECRET")):
        headers.update(signed_headers(raw))
    return client.post("/webhooks/vapi/", data=raw, content_type="application/json", **headers)
