"""The capture worker and the inbox worker read the same delivery at once:
neither waits for the other's hold on the call, so they can't deadlock."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction
from django.utils import timezone

from calls.models import Call, CaptureEvent, InboundEvent, Recording
from calls.services import capture
from calls.services.calls import call_upsert
from compliance.models import ConsentDecision, ConsentMethod
from compliance.services import consent_record
from tests.calls import vapi_messages as vapi
from tests.factories import CallFactory, call_sid

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_capture_worker_records_a_delivery_while_the_inbox_worker_holds_its_call(client, twilio_api):
    sid = call_sid()
    call = CallFactory(call_sid=sid, provider="vapi", recording_state=Call.RecordingState.STARTED)
    consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=f"test:{sid}", occurred_at=timezone.now(),
    )  # fmt: skip
    recording = Recording.objects.create(
        recording_sid="RE" + sid[2:], call=call, status=Recording.Status.IN_PROGRESS, started_at=timezone.now()
    )
    twilio_api.statuses[recording.recording_sid] = "in-progress"
    said = "Sure, it's 4111 1111 1111 1111."
    assert vapi.post(client, vapi.transcript(vapi.new_call(twilio_sid=sid), said)).status_code == 200
    delivery = InboundEvent.objects.get(kind=InboundEvent.Kind.VAPI_TRANSCRIPT)
    recorded = threading.Event()

    def capture_worker() -> None:
        try:
            capture.capture_apply(event_id=delivery.pk)
            recorded.set()
        finally:
            connections.close_all()

    # The inbox worker applies another delivery of the call: it holds the call.
    with transaction.atomic():
        held = call_upsert(call_sid=sid)
        thread = threading.Thread(target=capture_worker)
        thread.start()
        assert recorded.wait(10), "the capture worker waited for the inbox worker's hold on the call"
        # Then it reads this delivery too: recorded already, so nothing again and no wait.
        assert capture.capture_from_event(event=delivery, call=held) == []
    thread.join(10)

    assert CaptureEvent.objects.filter(call=call).count() == 1
    assert twilio_api.statuses[recording.recording_sid] == "paused"
