from __future__ import annotations

from email.utils import format_datetime

import pytest
from django.utils import timezone

from calls.models import Call, InboundEvent
from calls.services.inbox import inbox_process
from tests.factories import call_sid, twilio_call_params

pytestmark = pytest.mark.django_db

STATUS = "/webhooks/twilio/status/"


def status_params(sid: str, status: str, sequence: int | None, **extra: str) -> dict[str, str]:
    params = twilio_call_params(sid, CallStatus=status, Timestamp=format_datetime(timezone.now()), **extra)
    if sequence is not None:
        params["SequenceNumber"] = str(sequence)
    return params


def deliver(twilio_post, sid: str, status: str, sequence: int | None, **extra: str):
    response = twilio_post(STATUS, status_params(sid, status, sequence, **extra))
    assert response.status_code == 204
    for event_id in InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).values_list("pk", flat=True):
        inbox_process(event_id=event_id)
    return Call.objects.get(call_sid=sid)


def test_status_callbacks_in_order_move_the_call_forward(twilio_post):
    sid = call_sid()
    deliver(twilio_post, sid, "initiated", 0)
    deliver(twilio_post, sid, "ringing", 1)
    deliver(twilio_post, sid, "in-progress", 2)
    call = deliver(twilio_post, sid, "completed", 3, CallDuration="73")

    assert call.status == Call.Status.COMPLETED
    assert call.duration_seconds == 73
    assert call.end_reason == "completed"
    assert call.status_sequence == 3
    assert call.started_at and call.answered_at and call.ended_at
    assert call.status_events.filter(applied=True).count() == 4


def test_completed_call_never_goes_back_to_ringing(twilio_post):
    sid = call_sid()
    deliver(twilio_post, sid, "completed", 3, CallDuration="12")
    call = deliver(twilio_post, sid, "ringing", 1)
    call = deliver(twilio_post, sid, "in-progress", 2)

    assert call.status == Call.Status.COMPLETED
    assert call.duration_seconds == 12
    assert list(call.status_events.order_by("id").values_list("status", "applied")) == [
        ("completed", True),
        ("ringing", False),
        ("in-progress", False),
    ]


def test_duplicate_status_callback_changes_nothing(twilio_post):
    sid = call_sid()
    deliver(twilio_post, sid, "ringing", 1)
    call = deliver(twilio_post, sid, "ringing", 1)

    assert call.status_events.count() == 1
    assert InboundEvent.objects.get().deliveries == 2


def test_failed_call_keeps_the_sip_reason(twilio_post):
    call = deliver(twilio_post, call_sid(), "busy", 2, SipResponseCode="486")

    assert call.status == Call.Status.BUSY
    assert call.end_reason == "busy (SIP 486)"


def test_status_without_sequence_number_is_accepted(twilio_post):
    call = deliver(twilio_post, call_sid(), "in-progress", None)

    assert call.status == Call.Status.IN_PROGRESS


def test_dial_leg_status_is_linked_to_its_parent_call(twilio_post):
    parent, leg = call_sid(), call_sid()
    deliver(twilio_post, parent, "in-progress", 1)
    call = deliver(twilio_post, leg, "ringing", 1, ParentCallSid=parent, Direction="outbound-dial")

    assert call.parent.call_sid == parent
    assert call.direction == "outbound-dial"


@pytest.mark.parametrize(
    "field, value",
    [
        ("CallStatus", "teleported"),
        ("SequenceNumber", "-1"),
        ("SequenceNumber", "many"),
        ("Timestamp", "yesterday"),
        ("CallDuration", "1e9"),
    ],
)
def test_malformed_status_callback_is_rejected_without_storing(twilio_post, field, value):
    params = status_params(call_sid(), "ringing", 1)
    params[field] = value

    response = twilio_post(STATUS, params)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not InboundEvent.objects.exists()
