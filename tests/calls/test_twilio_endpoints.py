"""What every Twilio endpoint shares: signature, size and method checks."""

from __future__ import annotations

import pytest

from calls.models import InboundEvent
from tests.factories import recording_sid, twilio_call_params

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/webhooks/twilio/voice/": ({}, {}),
    "/webhooks/twilio/gather/": ({"step": "consent", "attempt": 1, "prompt": "2026-11-v1"}, {"Digits": "1"}),
    "/webhooks/twilio/status/": ({}, {"CallStatus": "completed", "SequenceNumber": "3"}),
    "/webhooks/twilio/recording/": ({}, {"RecordingSid": recording_sid(), "RecordingStatus": "completed"}),
}


@pytest.fixture(params=sorted(ENDPOINTS))
def endpoint(request):
    path = request.param
    query, extra = ENDPOINTS[path]
    return path, query, twilio_call_params(**extra)


def test_signed_request_is_accepted_and_stored(twilio_post, endpoint):
    path, query, params = endpoint

    response = twilio_post(path, params, query=query)

    assert response.status_code in (200, 204)
    assert InboundEvent.objects.count() == 1


def test_bad_signature_is_rejected_without_storing(twilio_post, endpoint):
    path, query, params = endpoint

    response = twilio_post(path, params, query=query, signature="bm90IGEgc2lnbmF0dXJl")

    assert response.status_code == 403
    assert response.content == b""
    assert not InboundEvent.objects.exists()


def test_oversize_body_is_rejected_without_storing(twilio_post, endpoint):
    path, query, params = endpoint

    response = twilio_post(path, {**params, "Padding": "x" * 100_000}, query=query)

    assert response.status_code == 413
    assert not InboundEvent.objects.exists()


def test_non_form_body_is_rejected_without_storing(client, endpoint, settings):
    path, query, _ = endpoint

    response = client.post(
        path, data=b"\xff\xfe{not: form", content_type="application/json", HTTP_X_TWILIO_SIGNATURE="x"
    )

    assert 400 <= response.status_code < 500
    assert not InboundEvent.objects.exists()


def test_get_is_not_allowed(client, endpoint):
    path, _, _ = endpoint

    response = client.get(path)

    assert response.status_code in (403, 405)
    assert not InboundEvent.objects.exists()
