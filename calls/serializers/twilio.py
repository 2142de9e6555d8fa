"""Input shapes of the Twilio webhooks. Every field is bounded by the
column it feeds (``calls.serializers.fields``): an oversized or
out-of-range value is a 400, never a write the worker can't make."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from rest_framework import serializers

from calls.models import Call, CallEvent, CallStatusEvent, InboundEvent, Payment, Recording
from calls.serializers import InputSerializer
from calls.serializers.fields import Column, PatternField, RFC2822TimeField, TextField, column, feeds
from compliance.models import ConsentEvent

CALL_SID = r"^CA[0-9a-fA-F]{32}$"
ACCOUNT_SID = r"^AC[0-9a-fA-F]{32}$"
RECORDING_SID = r"^RE[0-9a-fA-F]{32}$"
SID_LENGTH = 34
# A country is ISO 3166-1 alpha-2; it is stored as "<country>-<state>".
COUNTRY = r"^([A-Za-z]{2})?$"
JURISDICTION_COLUMNS = (
    Column(Call, "caller_jurisdiction"),
    Column(Call, "callee_jurisdiction"),
    Column(Call, "consent_jurisdiction"),
    Column(ConsentEvent, "jurisdiction"),
)
# What the jurisdiction adds around a state: "US-".
STATE_PREFIX = len("XX-")

OPTIONAL = {"required": False, "allow_blank": True, "default": ""}
OPTIONAL_NUMBER = {"required": False, "allow_null": True, "default": None}


def call_sid_field(**options: Any) -> serializers.Field:
    return feeds(
        PatternField(CALL_SID, max_length=SID_LENGTH, **options),
        Column(Call, "call_sid"),
        Column(InboundEvent, "call_sid"),
    )


def _state() -> serializers.Field:
    return column(
        Call,
        "caller_jurisdiction",
        extra=STATE_PREFIX,
        also=tuple(Column(target.model, target.name, STATE_PREFIX) for target in JURISDICTION_COLUMNS[1:]),
        **OPTIONAL,
    )


def _country() -> serializers.Field:
    state_length = JURISDICTION_COLUMNS[0].field.max_length - STATE_PREFIX
    return feeds(
        PatternField(COUNTRY, max_length=2, **OPTIONAL),
        *(Column(target.model, target.name, 1 + state_length) for target in JURISDICTION_COLUMNS),
    )


class AddressField(TextField):
    """A number, or a SIP address. The leg to the assistant is "sip:…", and
    what follows its address (URI parameters, headers such as the hand-off
    reference) is dropped before the length is checked: never stored."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value[:4].lower() == "sip:" or value[:5].lower() == "sips:":
            value = _SIP_EXTRAS.split(value, maxsplit=1)[0]
        return value


_SIP_EXTRAS = re.compile(r"[;?]")


def _address(name: str) -> serializers.Field:
    return feeds(AddressField(max_length=64, **OPTIONAL), Column(Call, name))


class TwilioCallSerializer(InputSerializer):
    """The parameters Twilio sends with every voice webhook."""

    CallSid = call_sid_field()
    AccountSid = feeds(PatternField(ACCOUNT_SID, max_length=SID_LENGTH))
    From = _address("from_number")
    To = _address("to_number")
    CallStatus = column(Call, "status", required=False)
    Direction = column(Call, "direction", **OPTIONAL)
    FromState = _state()
    FromCountry = _country()
    ToState = _state()
    ToCountry = _country()
    CallerName = column(Call, "caller_name", max_length=128, **OPTIONAL)


class TwilioGatherSerializer(TwilioCallSerializer):
    # Read as the answer; what is said is stored as a transcript segment.
    Digits = feeds(PatternField(r"^[0-9*#]{0,32}$", max_length=32, **OPTIONAL))
    SpeechResult = feeds(TextField(max_length=1024, **OPTIONAL))
    Confidence = column(ConsentEvent, "confidence", min_value=0.0, max_value=1.0, **OPTIONAL_NUMBER)


class TwilioGatherQuerySerializer(InputSerializer):
    """The query string of a gather action URL, which this service wrote."""

    step = feeds(serializers.ChoiceField(choices=["consent", "menu"]))
    attempt = feeds(serializers.IntegerField(min_value=1))
    prompt = column(ConsentEvent, "prompt_version", required=False, default="")

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
    CallStatus = column(Call, "status")
    SequenceNumber = column(
        CallStatusEvent, "sequence_number", min_value=0, also=(Column(Call, "status_sequence"),), **OPTIONAL_NUMBER
    )
    Timestamp = column(CallStatusEvent, "occurred_at", time_field=RFC2822TimeField, **OPTIONAL_NUMBER)
    CallDuration = column(Call, "duration_seconds", **OPTIONAL_NUMBER)
    ParentCallSid = call_sid_field(**OPTIONAL)
    # Stored inside the end reason: "<status> (SIP <code>)".
    SipResponseCode = feeds(
        serializers.IntegerField(min_value=100, max_value=699, **OPTIONAL_NUMBER),
        Column(Call, "end_reason", len("no-answer (SIP )")),
    )


class TwilioRecordingSerializer(InputSerializer):
    CallSid = call_sid_field()
    AccountSid = feeds(PatternField(ACCOUNT_SID, max_length=SID_LENGTH))
    RecordingSid = feeds(PatternField(RECORDING_SID, max_length=SID_LENGTH), Column(Recording, "recording_sid"))
    # "deleted" is this service's own status, never Twilio's.
    RecordingStatus = column(
        Recording, "status", choices=sorted(set(Recording.Status.values) - {Recording.Status.DELETED})
    )
    RecordingDuration = column(Recording, "duration_seconds", **OPTIONAL_NUMBER)
    RecordingChannels = column(Recording, "channels", min_value=1, max_value=2, **OPTIONAL_NUMBER)
    RecordingSource = column(Recording, "source", **OPTIONAL)
    RecordingUrl = column(Recording, "media_url", **OPTIONAL)
    RecordingStartTime = column(Recording, "started_at", time_field=RFC2822TimeField, **OPTIONAL_NUMBER)


# What <Pay> posts that is card data (the expiry, the postal code, the
# masked code, the bank's numbers) is not read and never stored.
_CARD_DIGITS = r"^[xX*•#\s\-.0-9]{0,32}$"


class TwilioPaySerializer(InputSerializer):
    """The <Pay> verb's action callback: the payment's outcome."""

    CallSid = call_sid_field()
    AccountSid = feeds(PatternField(ACCOUNT_SID, max_length=SID_LENGTH))
    Result = feeds(PatternField(r"^[a-z][a-z-]*$", max_length=64), Column(Payment, "result"))
    PaymentConfirmationCode = column(Payment, "confirmation_code", **OPTIONAL)
    PaymentCardType = column(Payment, "card_type", **OPTIONAL)
    # Masked by Twilio ("xxxx-xxxxxx-x4001"): only its last four digits are kept.
    # Read, never stored: only the last four digits the validator keeps reach a column.
    PaymentCardNumber = feeds(PatternField(_CARD_DIGITS, max_length=32, **OPTIONAL))
    PaymentToken = column(Payment, "token_reference", max_length=256, **OPTIONAL)
    ProfileId = column(Payment, "token_reference", max_length=256, **OPTIONAL)
    PayErrorCode = column(Payment, "error", **OPTIONAL)
    ConnectorError = column(Payment, "error", **OPTIONAL)

    def validate_PaymentCardNumber(self, value: str) -> str:  # noqa: N802  (Twilio's parameter name)
        return "".join(character for character in value if character.isdigit())[-4:]


# <Dial>'s outcomes (twilio.com/docs/voice/twiml/dial#dialcallstatus).
DIAL_CALL_STATUSES = ["completed", "answered", "busy", "no-answer", "failed", "canceled"]


class TwilioHandoffSerializer(TwilioCallSerializer):
    """The action of the <Dial> to the assistant: how its leg ended."""

    DialCallStatus = feeds(serializers.ChoiceField(choices=DIAL_CALL_STATUSES), Column(CallEvent, "detail"))
    DialCallSid = call_sid_field(**OPTIONAL)
    # Kept in the event's detail: "<status> (SIP <code>)".
    DialSipResponseCode = feeds(
        serializers.IntegerField(min_value=100, max_value=699, **OPTIONAL_NUMBER),
        Column(CallEvent, "detail", len("no-answer (SIP )")),
    )


class TwilioReferSerializer(TwilioCallSerializer):
    """A transfer the assistant asked for: a SIP REFER, its Refer-To as
    ReferTransferTarget. Read to choose among this service's own numbers."""

    # Blank or unreadable, it names none of this service's numbers: the operator.
    ReferTransferTarget = feeds(TextField(max_length=1024, allow_blank=True))
