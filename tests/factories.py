"""Rows and Twilio request parameters for tests."""

from __future__ import annotations

import secrets

import factory
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import timezone

from calls.models import Call, TranscriptSegment
from compliance.crypto import identifier_hash
from compliance.models import ConsentRequirement

# What a card number leaves wherever it is stored, sent or logged: as spoken,
# or as digits. Not a shorter fragment: "4111" turns up by chance in the hex
# digests and random ids that audit rows and CRM bodies carry.
CARD_NUMBER = "4111 1111 1111 1111"
CARD_NUMBER_TRACES = ("4111 1111", "41111111")


def call_sid() -> str:
    return "CA" + secrets.token_hex(16)


def recording_sid() -> str:
    return "RE" + secrets.token_hex(16)


def twilio_call_params(sid: str | None = None, **overrides: str) -> dict[str, str]:
    """The parameters Twilio sends with an inbound call's voice webhooks."""
    params = {
        "CallSid": sid or call_sid(),
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": "+14155550100",
        "To": "+18005550199",
        "Caller": "+14155550100",
        "Called": "+18005550199",
        "FromCity": "SAN FRANCISCO",
        "FromState": "CA",
        "FromCountry": "US",
        "FromZip": "94103",
        "ToState": "NY",
        "ToCountry": "US",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    params.update(overrides)
    return params


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    call_sid = factory.LazyFunction(call_sid)
    direction = "inbound"
    from_number = "+14155550100"
    from_hash = factory.LazyAttribute(lambda call: identifier_hash(call.from_number))
    to_number = "+18005550199"
    to_hash = factory.LazyAttribute(lambda call: identifier_hash(call.to_number))
    caller_jurisdiction = "US-CA"
    callee_jurisdiction = "US-NY"
    consent_requirement = ConsentRequirement.ALL_PARTY
    consent_jurisdiction = "US-CA"
    status = Call.Status.IN_PROGRESS


class SegmentFactory(factory.django.DjangoModelFactory):
    """A transcript segment already redacted."""

    class Meta:
        model = TranscriptSegment

    call = factory.SubFactory(CallFactory)
    source = "vapi.transcript"
    source_field = "message.transcript"
    speaker = "caller"
    spoken_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyAttribute(lambda segment: segment.spoken_at)
    status = TranscriptSegment.Status.REDACTED
    text = "hello"


def staff_member(username: str, role: str) -> User:
    """A staff user holding one of the roles (compliance.roles)."""
    user = User.objects.create_user(username, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user
