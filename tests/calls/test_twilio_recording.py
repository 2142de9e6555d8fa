from __future__ import annotations

import uuid
from unittest import mock

import pytest
from django.utils import timezone

from calls.integrations import twilio
from calls.models import Call, InboundEvent, Recording
from calls.services import recordings
from calls.services.inbox import inbox_process
from compliance.models import ConsentDecision, ConsentMethod
from compliance.services import consent_record
from tests.factories import CallFactory, recording_sid

pytestmark = pytest.mark.django_db

RECORDING = "/webhooks/twilio/recording/"


def grant(call: Call, decision: ConsentDecision = ConsentDecision.GRANTED) -> None:
    consent_record(
        call=call, decision=decision, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=f"test:{call.call_sid}:{decision}", occurred_at=timezone.now(),
    )  # fmt: skip


def recording_params(call: Call, sid: str, status: str = "completed") -> dict[str, str]:
    return {
        "AccountSid": "AC" + "0" * 32,
        "CallSid": call.call_sid,
        "RecordingSid": sid,
        "RecordingStatus": status,
        "RecordingDuration": "31",
        "RecordingChannels": "2",
        "RecordingSource": "StartCallRecordingAPI",
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{sid}",
    }


def deliver(twilio_post, params, django_capture_on_commit_callbacks):
    response = twilio_post(RECORDING, params)
    assert response.status_code == 204
    with django_capture_on_commit_callbacks() as callbacks:
        for event_id in InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).values_list("pk", flat=True):
            assert inbox_process(event_id=event_id)
    return callbacks


def test_recording_callback_for_a_consented_call_is_kept(twilio_post, django_capture_on_commit_callbacks):
    call = CallFactory()
    grant(call)
    sid = recording_sid()

    callbacks = deliver(twilio_post, recording_params(call, sid), django_capture_on_commit_callbacks)

    recording = Recording.objects.get(recording_sid=sid)
    assert (recording.status, recording.duration_seconds, recording.channels) == ("completed", 31, 2)
    assert recording.deletion_requested_at is None
    assert callbacks == []


def test_recording_without_granted_consent_is_deleted_at_twilio(twilio_post, django_capture_on_commit_callbacks):
    call = CallFactory()
    grant(call, ConsentDecision.DECLINED)
    sid = recording_sid()

    callbacks = deliver(twilio_post, recording_params(call, sid), django_capture_on_commit_callbacks)

    recording = Recording.objects.get(recording_sid=sid)
    assert recording.deletion_reason == recordings.NO_CONSENT
    assert len(callbacks) == 1, "the deletion is enqueued on commit"
    with mock.patch("calls.services.recordings.twilio.recording_delete", autospec=True) as delete:
        outcome = recordings.recording_delete_at_provider(recording_id=recording.pk)
    delete.assert_called_once_with(recording_sid=sid)
    recording.refresh_from_db()
    assert outcome is recordings.DeletionOutcome.DELETED
    assert recording.status == Recording.Status.DELETED and recording.deleted_at is not None


def test_in_progress_recording_without_consent_is_stopped_then_deleted(twilio_post, django_capture_on_commit_callbacks):
    call = CallFactory()
    sid = recording_sid()
    deliver(twilio_post, recording_params(call, sid, "in-progress"), django_capture_on_commit_callbacks)
    recording = Recording.objects.get(recording_sid=sid)

    with (
        mock.patch("calls.services.recordings.twilio.recording_stop", autospec=True) as stop,
        mock.patch("calls.services.recordings.twilio.recording_delete", autospec=True) as delete,
    ):
        first = recordings.recording_delete_at_provider(recording_id=recording.pk)
        second = recordings.recording_delete_at_provider(recording_id=recording.pk)

    assert first is recordings.DeletionOutcome.AWAITING_STOP
    assert second is recordings.DeletionOutcome.DELETED
    stop.assert_called_once_with(call_sid=call.call_sid, recording_sid=sid)
    delete.assert_called_once_with(recording_sid=sid)


@pytest.mark.parametrize("status", ["in-progress", "completed"])
def test_a_recording_nobody_asked_to_delete_is_left_alone(status):
    recording = Recording.objects.create(call=CallFactory(), recording_sid=recording_sid(), status=status)

    with (
        mock.patch("calls.services.recordings.twilio.recording_stop", autospec=True) as stop,
        mock.patch("calls.services.recordings.twilio.recording_delete", autospec=True) as delete,
    ):
        outcome = recordings.recording_delete_at_provider(recording_id=recording.pk)

    assert outcome is recordings.DeletionOutcome.NOT_REQUESTED
    assert not stop.called and not delete.called
    recording.refresh_from_db()
    assert (recording.deleted_at, recording.stop_requested_at, recording.status) == (None, None, status)


def test_twilio_404_on_delete_counts_as_confirmation():
    call = CallFactory()
    recording = Recording.objects.create(
        call=call, recording_sid=recording_sid(), status="completed", deletion_requested_at=timezone.now()
    )

    with mock.patch(
        "calls.services.recordings.twilio.recording_delete",
        autospec=True,
        side_effect=twilio.TwilioNotFoundError("gone", status=404),
    ):
        recordings.recording_delete_at_provider(recording_id=recording.pk)

    recording.refresh_from_db()
    assert recording.deleted_at is not None


def test_transient_twilio_failure_leaves_the_recording_marked_for_deletion():
    call = CallFactory()
    recording = Recording.objects.create(
        call=call, recording_sid=recording_sid(), status="completed", deletion_requested_at=timezone.now()
    )

    with (
        mock.patch(
            "calls.services.recordings.twilio.recording_delete",
            autospec=True,
            side_effect=twilio.TwilioTransientError("503", status=503),
        ),
        pytest.raises(twilio.TwilioTransientError),
    ):
        recordings.recording_delete_at_provider(recording_id=recording.pk)

    recording.refresh_from_db()
    assert recording.deleted_at is None and recording.deletion_requested_at is not None


def test_duplicate_and_out_of_order_recording_callbacks(twilio_post, django_capture_on_commit_callbacks):
    call = CallFactory()
    grant(call)
    sid = recording_sid()
    deliver(twilio_post, recording_params(call, sid, "completed"), django_capture_on_commit_callbacks)
    twilio_post(RECORDING, recording_params(call, sid, "completed"))
    deliver(twilio_post, recording_params(call, sid, "in-progress"), django_capture_on_commit_callbacks)

    recording = Recording.objects.get()
    assert recording.status == Recording.Status.COMPLETED
    assert InboundEvent.objects.count() == 2


def test_recording_starts_at_twilio_only_with_granted_consent(settings):
    call = CallFactory(recording_state=Call.RecordingState.REQUESTED)
    grant(call)

    with mock.patch(
        "calls.services.recordings.twilio.recording_start", autospec=True, return_value=recording_sid()
    ) as start:
        recordings.call_start_recording(call_id=call.pk)
        recordings.call_start_recording(call_id=call.pk)

    start.assert_called_once_with(
        call_sid=call.call_sid, status_callback_url="https://webhooks.example.test/webhooks/twilio/recording/"
    )
    call.refresh_from_db()
    assert call.recording_state == Call.RecordingState.STARTED
    assert call.recordings.get().status == Recording.Status.IN_PROGRESS


def test_recording_is_not_started_when_consent_is_missing():
    call = CallFactory(recording_state=Call.RecordingState.REQUESTED)

    with mock.patch("calls.services.recordings.twilio.recording_start", autospec=True) as start:
        recordings.call_start_recording(call_id=call.pk)

    start.assert_not_called()
    call.refresh_from_db()
    assert call.recording_state == Call.RecordingState.NOT_REQUESTED


def test_permanent_twilio_error_marks_the_recording_start_failed():
    call = CallFactory(recording_state=Call.RecordingState.REQUESTED)
    grant(call)

    with mock.patch(
        "calls.services.recordings.twilio.recording_start",
        autospec=True,
        side_effect=twilio.TwilioPermanentError("HTTP 400", status=400, code=21220),
    ):
        recordings.call_start_recording(call_id=call.pk)

    call.refresh_from_db()
    assert call.recording_state == Call.RecordingState.FAILED
    assert "400" in call.recording_error


@pytest.mark.parametrize(
    "field, value",
    [("RecordingSid", "RE123"), ("RecordingStatus", "lost"), ("RecordingChannels", "3"), ("RecordingUrl", "not a url")],
)
def test_malformed_recording_callback_is_rejected_without_storing(twilio_post, field, value):
    params = recording_params(CallFactory(), recording_sid())
    params[field] = value

    response = twilio_post(RECORDING, params)

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize("provider", ["twilio", "vapi"])
@pytest.mark.parametrize("status", ["in-progress", "completed"])
def test_without_provider_credentials_a_recording_start_or_deletion_fails_cleanly_on_the_record(
    settings, provider, status
):
    """No credentials configured: no exception escapes to the task, the
    call or the recording says why, and the audit trail has it once."""
    from compliance.models import AuditEvent

    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = settings.VAPI_API_KEY = ""
    call = CallFactory(recording_state=Call.RecordingState.REQUESTED)
    grant(call)
    recordings.call_start_recording(call_id=call.pk)
    call.refresh_from_db()
    assert call.recording_state == Call.RecordingState.FAILED and "TWILIO_ACCOUNT_SID" in call.recording_error
    assert AuditEvent.objects.filter(action="recording.start_failed", object_id=str(call.pk)).count() == 1

    sid = recording_sid() if provider == "twilio" else f"vapi:{uuid.uuid4()}:mono"
    recording = Recording.objects.create(
        call=call, recording_sid=sid, provider=provider, status=status if provider == "twilio" else "completed",
        deletion_requested_at=timezone.now(),
    )  # fmt: skip
    for _ in range(2):  # the sweep tries again
        outcome = recordings.recording_delete_at_provider(recording_id=recording.pk)

    assert outcome is recordings.DeletionOutcome.FAILED
    recording.refresh_from_db()
    assert recording.deleted_at is None and recording.deletion_error
    assert AuditEvent.objects.filter(action="recording.deletion_failed", object_id=str(recording.pk)).count() == 1


def test_simulate_call_says_why_a_recording_did_not_start_or_is_not_deleted():
    from io import StringIO

    from calls.management.commands.simulate_call import Command

    call = CallFactory(recording_state=Call.RecordingState.FAILED, recording_error="TWILIO_ACCOUNT_SID is required")
    Recording.objects.create(
        call=call, recording_sid=recording_sid(), status="completed", deletion_error="VapiPermanentError: no key"
    )
    output = StringIO()
    Command(stdout=output).report_recording_failures(call)

    assert "The recording did not start: TWILIO_ACCOUNT_SID is required" in output.getvalue()
    assert "is not deleted: VapiPermanentError: no key" in output.getvalue()
