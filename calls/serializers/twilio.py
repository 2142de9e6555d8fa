"""Input shapes of the Twilio webhooks. Every field has a length bound: an
oversized value is a 400, not a truncated write."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings
from rest_framework import serializers

from calls.models import Call, Recording
from calls.serializers import InputSerializer

CALL_SID = r"^CA[0-9a-fA-F]{32}$"
ACCOUNT_SID = r"^AC[0-9a-fA-F]{32}$"
RECORDING_SID = r"^RE[0-9a-fA-F]{32}$"


class RFC2822DateTimeField(serializers.Field):
    """Twilio's ``Timestamp``: ``Tue, 21 Nov 2026 09:50:01 +0000``."""

    default_error_messages = {"invalid": "Expected an RFC 2822 date."}

    def to_internal_value(self, data: Any) -> datetime:
        if not isinstance(data, str) or len(data) > 64:
            self.fail("invalid")
        try:
            parsed = parsedate_to_datetime(data)
        except (TypeError, ValueError, IndexError):
            self.fail("invalid")
        if parsed.tzinfo is None:
            self.fail("invalid")
        return parsed

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


def _text(max_length: int = 64) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, default="")


class TwilioCallSerializer(InputSerializer):
    """The parameters Twilio sends with every voice webhook."""

    CallSid = serializers.RegexField(CALL_SID)
    AccountSid = serializers.RegexField(ACCOUNT_SID)
    From = _text()
    To = _text()
    CallStatus = serializers.ChoiceField(choices=Call.Status.choices, required=False)
    Direction = _text(32)
    FromState = _text()
    FromCountry = _text(8)
    ToState = _text()
    ToCountry = _text(8)
    CallerName = _text(128)


class TwilioGatherSerializer(TwilioCallSerializer):
    Digits = serializers.RegexField(r"^[0-9*#]{0,32}$", required=False, allow_blank=True, default="")
    SpeechResult = _text(1024)
    Confidence = serializers.FloatField(min_value=0.0, max_value=1.0, required=False, allow_null=True, default=None)


class TwilioGatherQuerySerializer(InputSerializer):
    """The query string of a gather action URL, which this service wrote."""

    step = serializers.ChoiceField(choices=["consent", "menu"])
    attempt = serializers.IntegerField(min_value=1)
    prompt = serializers.CharField(max_length=64, required=False, default="")

    def validate_attempt(self, value: int) -> int:
        if value > settings.IVR_MAX_ATTEMPTS:
            raise serializers.ValidationError("Beyond the configured number of attempts.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from calls.ivr import CONSENT_PROMPTS

        if attrs["step"] == "consent" and attrs["prompt"] not in CONSENT_PROMPTS:
            raise serializers.ValidationError({"prompt": "Unknown consent prompt version."})
        return attrs


class TwilioStatusSerializer(TwilioCallSerializer):
    CallStatus = serializers.ChoiceField(choices=Call.Status.choices)
    SequenceNumber = serializers.IntegerField(
        min_value=0, max_value=10**6, required=False, allow_null=True, default=None
    )
    Timestamp = RFC2822DateTimeField(required=False, allow_null=True, default=None)
    CallDuration = serializers.IntegerField(min_value=0, max_value=10**7, required=False, allow_null=True, default=None)
    ParentCallSid = serializers.RegexField(CALL_SID, required=False, allow_blank=True, default="")
    SipResponseCode = serializers.IntegerField(
        min_value=100, max_value=699, required=False, allow_null=True, default=None
    )


class TwilioRecordingSerializer(InputSerializer):
    CallSid = serializers.RegexField(CALL_SID)
    AccountSid = serializers.RegexField(ACCOUNT_SID)
    RecordingSid = serializers.RegexField(RECORDING_SID)
    RecordingStatus = serializers.ChoiceField(
        choices=[choice for choice in Recording.Status.values if choice != Recording.Status.DELETED]
    )
    RecordingDuration = serializers.IntegerField(
        min_value=0, max_value=10**7, required=False, allow_null=True, default=None
    )
    RecordingChannels = serializers.IntegerField(
        min_value=1, max_value=2, required=False, allow_null=True, default=None
    )
    RecordingSource = _text()
    RecordingUrl = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    RecordingStartTime = RFC2822DateTimeField(required=False, allow_null=True, default=None)
