"""Input shapes of Vapi's server-URL messages: ``{"message": {"type": ...}}``.

Only the fields this service uses are declared; ``serializer.data`` of a
validated message is what the inbox keeps, so everything else Vapi sends
(assistant configuration, costs breakdown, logs) is never stored. Every
string has a bound, and lists have a maximum length.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from calls.serializers import InputSerializer
from calls.serializers.twilio import CALL_SID

MAX_TOOL_CALLS = 20
MAX_MESSAGES = 10_000
STATUSES = ["scheduled", "queued", "ringing", "in-progress", "forwarding", "ended", "not-found", "deletion-failed"]


class VapiTimestampField(serializers.Field):
    """Epoch milliseconds (Vapi's usual form), epoch seconds, or ISO 8601."""

    default_error_messages = {"invalid": "Expected epoch milliseconds or an ISO 8601 date-time."}

    def to_internal_value(self, data: Any) -> datetime:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, (int, float)):
            seconds = data / 1000 if data > 1e11 else data
            try:
                return datetime.fromtimestamp(seconds, tz=UTC)
            except (OverflowError, OSError, ValueError):
                self.fail("invalid")
        if isinstance(data, str) and len(data) <= 40:
            parsed = parse_datetime(data)
            if parsed is not None:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        self.fail("invalid")

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


def _text(max_length: int, **options: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, allow_null=True, trim_whitespace=False, **options
    )


class CustomerSerializer(InputSerializer):
    number = _text(32)
    name = _text(128)


class PhoneNumberSerializer(InputSerializer):
    number = _text(32)


class CallSerializer(InputSerializer):
    id = serializers.CharField(max_length=64)
    phoneCallProviderId = serializers.RegexField(CALL_SID, required=False, allow_blank=True, allow_null=True)
    type = _text(32)
    customer = CustomerSerializer(required=False, allow_null=True)


class MessageSerializer(InputSerializer):
    """What every message has."""

    type = serializers.CharField(max_length=64)
    timestamp = VapiTimestampField(required=False, allow_null=True)
    call = CallSerializer(required=False, allow_null=True)
    phoneNumber = PhoneNumberSerializer(required=False, allow_null=True)
    customer = CustomerSerializer(required=False, allow_null=True)


class EnvelopeSerializer(InputSerializer):
    message = serializers.DictField()

    def validate_message(self, value: dict[str, Any]) -> dict[str, Any]:
        kind = value.get("type")
        if not isinstance(kind, str) or not kind or len(kind) > 64:
            raise serializers.ValidationError("message.type must be a short string.", code="invalid")
        return value


class CallMessageSerializer(MessageSerializer):
    """A message that must name its call."""

    call = CallSerializer()


class StatusUpdateSerializer(CallMessageSerializer):
    status = serializers.ChoiceField(choices=STATUSES)
    endedReason = _text(128)


class TranscriptSerializer(CallMessageSerializer):
    role = serializers.ChoiceField(choices=["user", "assistant"])
    transcriptType = serializers.ChoiceField(choices=["partial", "final"])
    transcript = serializers.CharField(allow_blank=True, trim_whitespace=False)

    def validate_transcript(self, value: str) -> str:
        if len(value) > settings.VAPI_MAX_UTTERANCE_CHARS:
            raise serializers.ValidationError("Longer than one utterance can be.", code="max_length")
        return value


class ToolFunctionSerializer(InputSerializer):
    name = serializers.CharField(max_length=64)
    # An object, or a JSON string of one; read by the tool, which answers
    # bad arguments with an error result rather than failing the request.
    arguments = serializers.JSONField(required=False, allow_null=True)

    def validate_arguments(self, value: Any) -> Any:
        if len(str(value)) > 8192:
            raise serializers.ValidationError("Tool arguments too large.", code="max_length")
        return value


class ToolCallSerializer(InputSerializer):
    id = serializers.CharField(max_length=64)
    type = _text(32)
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
    status = _text(32)
    role = _text(32)


class ArtifactMessageSerializer(InputSerializer):
    role = serializers.CharField(max_length=32)
    message = _text(20_000)
    time = serializers.FloatField(required=False, allow_null=True)
    secondsFromStart = serializers.FloatField(required=False, allow_null=True)


class ArtifactSerializer(InputSerializer):
    messages = serializers.ListField(child=ArtifactMessageSerializer(), max_length=MAX_MESSAGES, required=False)
    transcript = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    recordingUrl = serializers.URLField(max_length=2048, required=False, allow_blank=True, allow_null=True)
    stereoRecordingUrl = serializers.URLField(max_length=2048, required=False, allow_blank=True, allow_null=True)


class AnalysisSerializer(InputSerializer):
    summary = _text(20_000)


class RecordingConsentSerializer(InputSerializer):
    type = _text(32)
    grantedAt = serializers.DateTimeField(required=False, allow_null=True)


class ComplianceSerializer(InputSerializer):
    recordingConsent = RecordingConsentSerializer(required=False, allow_null=True)


class EndOfCallReportSerializer(CallMessageSerializer):
    endedReason = _text(128)
    cost = serializers.FloatField(min_value=0, max_value=1_000_000, required=False, allow_null=True)
    artifact = ArtifactSerializer(required=False, allow_null=True)
    analysis = AnalysisSerializer(required=False, allow_null=True)
    compliance = ComplianceSerializer(required=False, allow_null=True)
    startedAt = serializers.DateTimeField(required=False, allow_null=True)
    endedAt = serializers.DateTimeField(required=False, allow_null=True)


def call_key(call: dict[str, Any]) -> str:
    """The Call row's key: Twilio's CallSid when Vapi runs over Twilio, so
    one row covers both providers; else Vapi's own id."""
    return call.get("phoneCallProviderId") or f"vapi:{call['id']}"
