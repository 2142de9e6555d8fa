"""Input shapes of Vapi's server-URL messages: ``{"message": {"type": ...}}``.

Only the fields this service uses are declared; ``serializer.data`` of a
validated message is what the inbox keeps, so everything else Vapi sends
(assistant configuration, costs breakdown, logs) is never stored. Every
string has a bound, and lists have a maximum length.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from rest_framework import serializers

from calls.integrations.vapi import CONTROL_URL_MAX_LENGTH, CONTROL_URL_UNUSABLE
from calls.models import (
    Call,
    CallEvent,
    CallStatusEvent,
    InboundEvent,
    Recording,
    ScheduledCallback,
    TranscriptSegment,
    VapiControlMessage,
)
from calls.serializers import InputSerializer
from calls.serializers.fields import (
    Column,
    EpochOrISO8601TimeField,
    FiniteFloatField,
    LenientTextField,
    PatternField,
    TextField,
    column,
    feeds,
)
from calls.serializers.twilio import CALL_SID
from compliance.models import ConsentEvent

HANDOFF_HEADER = "x-handoff"
# Vapi gives each x- header to the assistant as a variable named without the prefix.
HANDOFF_VARIABLE = HANDOFF_HEADER.removeprefix("x-")
HANDOFF_REFERENCE_MAX_LENGTH = 256
MAX_TOOL_CALLS = 20
MAX_MESSAGES = 10_000
STATUSES = ["scheduled", "queued", "ringing", "in-progress", "forwarding", "ended", "not-found", "deletion-failed"]
# Vapi's ids (calls, assistants, phone numbers) are UUIDs.
VAPI_ID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
VAPI_ID_LENGTH = 36
# A tool call's id comes from the model provider ("call_…", "toolu_…"):
# printable ASCII without spaces.
TOOL_CALL_ID = r"^[!-~]{1,64}$"
# A SHA-256 in hex, as deduplication keys hold it.
DIGEST_LENGTH = 64
OPTIONAL = {"required": False, "allow_blank": True, "allow_null": True, "trim_whitespace": False}
OPTIONAL_VALUE = {"required": False, "allow_null": True}
SPOKEN = Column(TranscriptSegment, "text")
MOMENT_COLUMNS = (Column(CallStatusEvent, "occurred_at"), Column(TranscriptSegment, "spoken_at"))


def _text(max_length: int | None = None) -> serializers.CharField:
    return TextField(max_length=max_length, **OPTIONAL)


def call_id_field() -> serializers.Field:
    return feeds(
        PatternField(VAPI_ID, max_length=VAPI_ID_LENGTH),
        Column(Call, "vapi_call_id"),
        Column(Call, "call_sid", len("vapi:")),
        Column(Recording, "recording_sid", len("vapi::stereo")),
        # "<id>:<message type>:<digest>"
        Column(InboundEvent, "dedup_key", len("::") + CallEvent._meta.get_field("type").max_length + DIGEST_LENGTH),
    )


class CustomerSerializer(InputSerializer):
    number = column(Call, "from_number", max_length=32, also=(Column(ScheduledCallback, "phone"),), **OPTIONAL)
    name = column(Call, "caller_name", max_length=128, **OPTIONAL)


class PhoneNumberSerializer(InputSerializer):
    number = column(Call, "to_number", max_length=32, **OPTIONAL)


class TransportSerializer(InputSerializer):
    provider = feeds(_text(32))
    # Twilio's CallSid when ``provider`` is "twilio"; else the SIP or other provider's id.
    callSid = feeds(_text(128))


class MonitorSerializer(InputSerializer):
    # Checked before it is kept (calls.services.vapi_control): a URL this
    # service may not use is refused there, not here, so the message it
    # came with is still applied. One that is no URL at all (too long, not
    # text) is kept as unusable, which the check refuses as malformed. The
    # listen URL is not read, nor kept.
    controlUrl = feeds(
        LenientTextField(max_length=CONTROL_URL_MAX_LENGTH, unusable=CONTROL_URL_UNUSABLE, **OPTIONAL),
        Column(Call, "vapi_control_url"),
    )


class CallSerializer(InputSerializer):
    id = call_id_field()
    # "twilio" when Twilio carries the call; "vapi" for a call to a Vapi SIP number.
    phoneCallProvider = feeds(_text(32))
    phoneCallTransport = feeds(_text(16))
    # Twilio's CallSid for a Twilio call (deprecated by Vapi for transport.callSid).
    phoneCallProviderId = feeds(_text(128))
    transport = TransportSerializer(required=False, allow_null=True)
    type = feeds(_text(32))
    customer = CustomerSerializer(required=False, allow_null=True)
    monitor = MonitorSerializer(required=False, allow_null=True)


class MessageSerializer(InputSerializer):
    """What every message has."""

    type = column(CallEvent, "type")
    timestamp = column(
        CallEvent, "occurred_at", time_field=EpochOrISO8601TimeField, also=MOMENT_COLUMNS, **OPTIONAL_VALUE
    )
    call = CallSerializer(required=False, allow_null=True)
    phoneNumber = PhoneNumberSerializer(required=False, allow_null=True)
    customer = CustomerSerializer(required=False, allow_null=True)


class EnvelopeSerializer(InputSerializer):
    # Read again, field by field, by the shape of its type.
    message = feeds(serializers.DictField())

    def validate_message(self, value: dict[str, Any]) -> dict[str, Any]:
        kind = value.get("type")
        if not isinstance(kind, str) or not kind or len(kind) > 64:
            raise serializers.ValidationError("message.type must be a short string.", code="invalid")
        return value


class CallMessageSerializer(MessageSerializer):
    """A message that must name its call."""

    call = CallSerializer()


class StatusUpdateSerializer(CallMessageSerializer):
    status = feeds(serializers.ChoiceField(choices=STATUSES), Column(CallEvent, "detail"))
    endedReason = column(Call, "end_reason", **OPTIONAL)


class TranscriptSerializer(CallMessageSerializer):
    role = feeds(serializers.ChoiceField(choices=["user", "assistant"]))
    transcriptType = feeds(serializers.ChoiceField(choices=["partial", "final"]))
    transcript = feeds(TextField(allow_blank=True, trim_whitespace=False), SPOKEN)

    def validate_transcript(self, value: str) -> str:
        if len(value) > settings.VAPI_MAX_UTTERANCE_CHARS:
            raise serializers.ValidationError("Longer than one utterance can be.", code="max_length")
        return value


class ToolFunctionSerializer(InputSerializer):
    name = feeds(TextField(max_length=64))
    # An object, or a JSON string of one; read by the tool, which answers
    # bad arguments with an error result rather than failing the request.
    arguments = feeds(serializers.JSONField(required=False, allow_null=True))

    def validate_arguments(self, value: Any) -> Any:
        if len(str(value)) > 8192:
            raise serializers.ValidationError("Tool arguments too large.", code="max_length")
        return value


class ToolCallSerializer(InputSerializer):
    # Kept as "tool:<call id>:<id>:<digest>".
    id = feeds(
        PatternField(TOOL_CALL_ID, max_length=64),
        Column(InboundEvent, "dedup_key", len("tool::") + VAPI_ID_LENGTH + len(":") + DIGEST_LENGTH),
        Column(VapiControlMessage, "tool_call_id"),
    )
    type = feeds(_text(32))
    function = ToolFunctionSerializer()


class ToolWithToolCallSerializer(InputSerializer):
    toolCall = ToolCallSerializer()


class ToolCallsSerializer(CallMessageSerializer):
    toolCallList = serializers.ListField(child=ToolCallSerializer(), max_length=MAX_TOOL_CALLS, required=False)
    toolWithToolCallList = serializers.ListField(
        child=ToolWithToolCallSerializer(), max_length=MAX_TOOL_CALLS, required=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        calls = attrs.get("toolCallList") or [item["toolCall"] for item in attrs.get("toolWithToolCallList") or []]
        if not calls:
            raise serializers.ValidationError({"toolCallList": "No tool calls."}, code="required")
        attrs["toolCallList"] = calls
        return attrs


class SpeechUpdateSerializer(CallMessageSerializer):
    # Kept as the call event's detail and role, each cut to 32 characters.
    status = feeds(_text(32), Column(CallEvent, "detail"))
    role = feeds(_text(32))


class ArtifactMessageSerializer(InputSerializer):
    role = feeds(TextField(max_length=32))
    message = feeds(_text(20_000), SPOKEN)
    time = feeds(FiniteFloatField(**OPTIONAL_VALUE))
    secondsFromStart = feeds(FiniteFloatField(**OPTIONAL_VALUE))


class ArtifactSerializer(InputSerializer):
    messages = serializers.ListField(child=ArtifactMessageSerializer(), max_length=MAX_MESSAGES, required=False)
    transcript = feeds(_text(), SPOKEN)
    recordingUrl = column(Recording, "media_url", **OPTIONAL)
    stereoRecordingUrl = column(Recording, "media_url", **OPTIONAL)


class AnalysisSerializer(InputSerializer):
    summary = feeds(_text(20_000), SPOKEN)


class RecordingConsentSerializer(InputSerializer):
    type = feeds(_text(32), Column(ConsentEvent, "prompt_version", len("vapi:")))
    grantedAt = column(ConsentEvent, "occurred_at", **OPTIONAL_VALUE)


class ComplianceSerializer(InputSerializer):
    recordingConsent = RecordingConsentSerializer(required=False, allow_null=True)


class EndOfCallReportSerializer(CallMessageSerializer):
    endedReason = column(Call, "end_reason", **OPTIONAL)
    cost = column(Call, "cost", min_value=0, **OPTIONAL_VALUE)
    artifact = ArtifactSerializer(required=False, allow_null=True)
    analysis = AnalysisSerializer(required=False, allow_null=True)
    compliance = ComplianceSerializer(required=False, allow_null=True)
    startedAt = column(TranscriptSegment, "spoken_at", **OPTIONAL_VALUE)
    endedAt = column(Call, "ended_at", also=MOMENT_COLUMNS, **OPTIONAL_VALUE)


_CALL_SID = re.compile(CALL_SID)
# What a stored event keeps of its call (``_event_payload``).
CALL_KEYS = ("id", "phoneCallProvider", "phoneCallTransport", "phoneCallProviderId", "transport")


def twilio_call_sid(call: dict[str, Any]) -> str:
    """Twilio's CallSid of a call Twilio carries for Vapi, or ''. Vapi names
    it in ``transport.callSid`` and, deprecated, ``phoneCallProviderId``; a
    value there that is not a Twilio CallSid (a SIP call's id) names no Twilio call."""
    transport = call.get("transport") or {}
    if transport:
        valid = transport.get("provider") == "twilio" and _CALL_SID.match(transport.get("callSid") or "")
        return transport["callSid"] if valid else ""
    # A SIP call's id is chosen by whoever dials: never taken for Twilio's.
    if over_sip(call) or (call.get("phoneCallProvider") or "twilio") != "twilio":
        return ""
    return call["phoneCallProviderId"] if _CALL_SID.match(call.get("phoneCallProviderId") or "") else ""


def over_sip(call: dict[str, Any]) -> bool:
    """Whether the conversation reached Vapi over SIP, as one handed off from
    the IVR does (Twilio's <Dial><Sip> to a Vapi SIP number)."""
    return (call.get("transport") or {}).get("provider") == "vapi.sip" or call.get("phoneCallTransport") == "sip"


def call_key(call: dict[str, Any]) -> str:
    """The Call row's key when nothing else joins the call: Twilio's CallSid
    when Vapi runs over Twilio, so one row covers both providers; else
    Vapi's own id. (A conversation handed off from the IVR joins the IVR's
    call: calls.services.handoff.)"""
    return twilio_call_sid(call) or f"vapi:{call['id']}"


def handoff_reference_of(message: dict[str, Any]) -> str | None:
    """The hand-off reference the call presents, or None when it presents
    none. Vapi turns the INVITE's ``x-handoff`` header into the variable
    ``handoff``, and keeps the SIP headers with the provider's details; the
    reference is read from either. Its authenticity is checked elsewhere:
    here it is only found, and anything that is not a short string is
    returned as it stands so that it is judged, not dropped."""
    call = message.get("call") if isinstance(message.get("call"), dict) else {}
    variables = _path(call, "assistantOverrides", "variableValues")
    if HANDOFF_VARIABLE in variables:
        return _reference_text(variables[HANDOFF_VARIABLE])
    headers = _path(call, "phoneCallProviderDetails", "sip", "headers")
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == HANDOFF_HEADER:
            return _reference_text(value)
    return None


def _path(holder: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        holder = holder.get(name) if isinstance(holder, dict) else None
    return holder if isinstance(holder, dict) else {}


def _reference_text(value: Any) -> str:
    # A SIP header may be repeated (a list); a reference is one short string.
    if isinstance(value, str) and 0 < len(value) <= HANDOFF_REFERENCE_MAX_LENGTH:
        return value
    return "-"
