"""The real stack end to end (the ``stack`` fixture, tests/calls/conftest.py),
driven by ``simulate_call`` with signed requests."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from calls.models import Call, InboundEvent, Recording
from compliance.models import ConsentDecision
from tests.loopback import wait_for

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL (.ci/run does)"),
    pytest.mark.django_db(transaction=True),
]


def simulate(base_url: str, *extra: str) -> str:
    output = StringIO()
    call_command("simulate_call", "--base-url", base_url, "--wait", "60", *extra, stdout=output)
    return output.getvalue()


def test_consented_call_is_processed_by_a_real_worker_and_recorded_at_twilio(stack):
    output = simulate(stack["base_url"])

    assert "Processed: call completed, 42s, consent granted (all_party, US-CA), department support" in output
    assert "Transcript (redacted): Support please, you can call me back on [PHONE]" in output
    call = Call.objects.get()
    # The report above waits for the call's end, not for every callback: a
    # status sent before the end may still be applied after it.
    wait_for(
        lambda: not InboundEvent.objects.exclude(status=InboundEvent.Status.DONE).exists(), 30, "every delivery applied"
    )
    # Two web processes and two worker processes may apply the callbacks in
    # any order; each is recorded once, and the last status always wins.
    assert sorted(call.status_events.values_list("status", flat=True)) == ["completed", "in-progress", "ringing"]
    assert call.status_events.get(status="completed").applied
    wait_for(lambda: Call.objects.get().recording_state == Call.RecordingState.STARTED, 30, "the recording to start")
    start_requests = [
        request
        for request in stack["twilio_api"].requests
        if request.path.endswith(f"/Calls/{call.call_sid}/Recordings.json")
    ]
    assert len(start_requests) == 1
    assert start_requests[0].form["RecordingStatusCallback"] == [
        f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/recording/"
    ]
    assert not InboundEvent.objects.exclude(status=InboundEvent.Status.DONE).exists()
    assert not InboundEvent.objects.filter(payload__isnull=False).exists(), "every raw payload was scrubbed"
    # The worker logs what it applied, and no line of Celery's own for each task it ran.
    worker_log = (ROOT / "test-artifacts" / "e2e-worker.log").read_text()
    assert "inbox.processed" in worker_log
    assert " received" not in worker_log and " succeeded in " not in worker_log


def test_declined_call_is_never_recorded_and_a_stray_recording_is_deleted_at_twilio(stack):
    output = simulate(stack["base_url"], "--decline", "--from-state", "TX")

    assert "consent declined (one_party, US-TX)" in output
    call = Call.objects.get()
    assert call.consent_decision == ConsentDecision.DECLINED
    assert call.recording_state == Call.RecordingState.NOT_REQUESTED
    wait_for(lambda: Recording.objects.filter(deleted_at__isnull=False).exists(), 30, "the stray recording's deletion")
    recording = Recording.objects.get(deleted_at__isnull=False)
    assert recording.recording_sid in stack["twilio_api"].deleted
    assert not [
        request
        for request in stack["twilio_api"].requests
        if request.path.endswith("/Recordings.json") and request.method == "POST"
    ]
