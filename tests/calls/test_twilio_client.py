"""The Twilio REST client over real HTTP, against a loopback stand-in."""

from __future__ import annotations

import base64

import pytest

from calls.integrations import twilio
from tests.factories import call_sid, recording_sid


def test_recording_start_posts_the_callback_and_returns_the_sid(twilio_api, settings):
    sid = call_sid()

    recording = twilio.recording_start(
        call_sid=sid, status_callback_url="https://webhooks.example.test/webhooks/twilio/recording/"
    )

    assert recording.startswith("RE")
    (request,) = twilio_api.requests
    assert request.path == f"/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Calls/{sid}/Recordings.json"
    assert request.form["RecordingStatusCallback"] == ["https://webhooks.example.test/webhooks/twilio/recording/"]
    assert request.form["RecordingStatusCallbackEvent"] == ["in-progress", "completed", "absent"]
    assert request.form["RecordingChannels"] == ["dual"]
    expected = base64.b64encode(f"{settings.TWILIO_ACCOUNT_SID}:{settings.TWILIO_AUTH_TOKEN}".encode()).decode()
    assert request.authorization == f"Basic {expected}"


def test_recording_delete_then_404_on_the_second_try(twilio_api):
    sid = recording_sid()
    twilio.recording_delete(recording_sid=sid)

    with pytest.raises(twilio.TwilioNotFoundError):
        twilio.recording_delete(recording_sid=sid)


def test_a_recording_delete_twilio_does_not_confirm_is_not_a_deletion(twilio_api):
    twilio_api.scripted.append((200, 0.0))

    with pytest.raises(twilio.TwilioPermanentError, match="not confirmed"):
        twilio.recording_delete(recording_sid=recording_sid())


@pytest.mark.parametrize(
    "status, error",
    [(503, twilio.TwilioTransientError), (429, twilio.TwilioTransientError), (400, twilio.TwilioPermanentError)],
)
def test_http_errors_are_split_into_transient_and_permanent(twilio_api, status, error):
    twilio_api.scripted.append((status, 0.0))

    with pytest.raises(error) as raised:
        twilio.recording_start(call_sid=call_sid(), status_callback_url="https://webhooks.example.test/r/")

    assert raised.value.status == status
    assert raised.value.permanent is (status == 400)


def test_timeout_is_transient(twilio_api, settings):
    settings.TWILIO_HTTP_TIMEOUT_SECONDS = 0.5
    twilio_api.scripted.append((0, 1.5))

    with pytest.raises(twilio.TwilioTransientError):
        twilio.recording_delete(recording_sid=recording_sid())


def test_unreachable_api_is_transient(settings):
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"

    with pytest.raises(twilio.TwilioTransientError):
        twilio.recording_delete(recording_sid=recording_sid())


def test_missing_credentials_are_a_permanent_error(settings):
    settings.TWILIO_ACCOUNT_SID = ""

    with pytest.raises(twilio.TwilioNotConfiguredError):
        twilio.recording_delete(recording_sid=recording_sid())
