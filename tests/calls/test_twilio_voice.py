from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest
from django.db import connection

from calls.ivr import CONSENT_PROMPTS
from calls.models import Call, InboundEvent
from calls.services.inbox import inbox_process
from compliance.crypto import identifier_hash
from compliance.models import ConsentRequirement
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db

VOICE = "/webhooks/twilio/voice/"


def test_inbound_call_is_answered_with_a_consent_gather(twilio_post, django_capture_on_commit_callbacks):
    params = twilio_call_params()
    with django_capture_on_commit_callbacks() as callbacks:
        response = twilio_post(VOICE, params)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    gather = ElementTree.fromstring(response.content).find("Gather")
    assert gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["action"].startswith(
        "https://webhooks.example.test/webhooks/twilio/gather/?step=consent&attempt=1"
    )
    assert gather.find("Say").text == CONSENT_PROMPTS["2026-11-v1"]
    assert len(callbacks) == 1, "processing is enqueued once, on commit"


def test_inbound_call_is_stored_encrypted_in_the_inbox(twilio_post):
    params = twilio_call_params()
    twilio_post(VOICE, params)

    event = InboundEvent.objects.get()
    assert event.kind == InboundEvent.Kind.TWILIO_VOICE
    assert event.status == InboundEvent.Status.PENDING
    assert event.payload["form"]["From"] == "+14155550100"
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM calls_inboundevent WHERE id = %s", [event.pk])
        stored = cursor.fetchone()[0]
    assert "+14155550100" not in stored
    assert "4155550100" not in stored


def test_processing_creates_the_call_with_encrypted_numbers_and_consent_rule(twilio_post):
    params = twilio_call_params(FromState="TX", ToState="NY")
    twilio_post(VOICE, params)

    assert inbox_process(event_id=InboundEvent.objects.get().pk)

    call = Call.objects.get(call_sid=params["CallSid"])
    assert call.from_number == "+14155550100"
    assert call.from_hash == identifier_hash("+14155550100")
    assert call.caller_jurisdiction == "US-TX"
    assert call.consent_requirement == ConsentRequirement.ONE_PARTY
    assert call.status == Call.Status.RINGING
    with connection.cursor() as cursor:
        cursor.execute("SELECT from_number, to_number FROM calls_call WHERE id = %s", [call.pk])
        assert not any("555" in value for value in cursor.fetchone())

    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.DONE
    assert event.payload is None and event.payload_scrubbed_at is not None
    assert len(event.payload_sha256) == 64


def test_caller_in_an_all_party_state_needs_all_party_consent(twilio_post):
    params = twilio_call_params(FromState="CA", ToState="TX")
    twilio_post(VOICE, params)
    inbox_process(event_id=InboundEvent.objects.get().pk)

    call = Call.objects.get()
    assert call.consent_requirement == ConsentRequirement.ALL_PARTY
    assert call.consent_jurisdiction == "US-CA"


def test_duplicate_inbound_call_gets_the_same_answer_and_stores_nothing_new(
    twilio_post, django_capture_on_commit_callbacks
):
    params = twilio_call_params()
    first = twilio_post(VOICE, params)
    with django_capture_on_commit_callbacks() as callbacks:
        second = twilio_post(VOICE, params)

    assert second.status_code == 200
    assert second.content == first.content
    event = InboundEvent.objects.get()
    assert event.deliveries == 2
    assert callbacks == [], "a duplicate is not enqueued again"


@pytest.mark.parametrize(
    "field, value",
    [
        ("CallSid", "not-a-sid"),
        ("CallSid", ""),
        ("AccountSid", "AC123"),
        ("From", "+1" * 100),
        ("FromCountry", "UNITEDSTATES"),
        ("CallStatus", "exploded"),
    ],
)
def test_malformed_inbound_call_is_rejected_without_storing(twilio_post, field, value):
    params = twilio_call_params(**{field: value})

    response = twilio_post(VOICE, params)

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert value not in response.content.decode() or value == ""
    assert not InboundEvent.objects.exists()


def test_missing_call_sid_is_rejected_without_storing(twilio_post):
    params = twilio_call_params()
    del params["CallSid"]

    response = twilio_post(VOICE, params)

    assert response.status_code == 400
    assert response.json()["fields"] == {"CallSid": ["required"]}
    assert not InboundEvent.objects.exists()


def test_oversize_body_is_rejected_without_storing(twilio_post):
    params = twilio_call_params(Padding="x" * 70_000)

    response = twilio_post(VOICE, params)

    assert response.status_code == 413
    assert not InboundEvent.objects.exists()


def test_oversize_field_within_body_limit_is_rejected(twilio_post):
    params = twilio_call_params(FromState="x" * 5000)

    response = twilio_post(VOICE, params)

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()
