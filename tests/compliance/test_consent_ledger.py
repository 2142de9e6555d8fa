from __future__ import annotations

import pytest
from django.utils import timezone

from compliance.models import ConsentDecision, ConsentEvent, ConsentMethod
from compliance.services import consent_record
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def record(call, **overrides):
    arguments = {
        "call": call,
        "decision": ConsentDecision.GRANTED,
        "method": ConsentMethod.DTMF,
        "prompt_version": "2026-11-v1",
        "source": f"twilio:gather:{call.call_sid}:consent:1",
        "occurred_at": timezone.now(),
    }
    return consent_record(**{**arguments, **overrides})


def test_recording_the_same_answer_twice_appends_once():
    call = CallFactory()

    first, created = record(call)
    second, created_again = record(call)

    assert created and not created_again
    assert first.pk == second.pk
    assert ConsentEvent.objects.count() == 1


def test_consent_event_copies_the_call_policy_and_survives_the_call():
    call = CallFactory(consent_jurisdiction="US-WA")
    event, _ = record(call)
    call.delete()

    event.refresh_from_db()
    assert event.call is None
    assert event.call_sid == call.call_sid
    assert event.jurisdiction == "US-WA"


def test_latest_decision_is_the_calls_consent():
    call = CallFactory()
    record(call, decision=ConsentDecision.GRANTED, source="a")
    record(call, decision=ConsentDecision.DECLINED, source="b")

    assert call.consent_decision == ConsentDecision.DECLINED
    assert not call.has_granted_consent
