from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import override_settings
from twilio.request_validator import RequestValidator

from calls.models import InboundEvent
from tests.conftest import twilio_signature
from tests.factories import twilio_call_params

VOICE = "/webhooks/twilio/voice/"

# Twilio's published vectors (twilio-python's tests/unit/test_request_validator.py).
VECTOR_TOKEN = "12345"
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}


def test_published_vector_signature():
    assert RequestValidator(VECTOR_TOKEN).compute_signature(VECTOR_URL, VECTOR_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_published_vector_with_repeated_parameters_in_a_query_dict():
    params = QueryDict("Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234", encoding="utf-8")
    assert RequestValidator(VECTOR_TOKEN).compute_signature(VECTOR_URL, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.django_db
@override_settings(TWILIO_AUTH_TOKEN=VECTOR_TOKEN, PUBLIC_BASE_URL="https://mycompany.com")
def test_published_vector_request_is_accepted_by_the_webhook(client):
    """The vector's URL path is not one of ours, so sign ours the same way and
    check the view agrees with the library on the published parameters."""
    params = {**twilio_call_params(), **{"Digits": "1234"}}
    signature = RequestValidator(VECTOR_TOKEN).compute_signature("https://mycompany.com" + VOICE, params)

    response = client.post(VOICE, params, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 200


@pytest.mark.django_db
def test_bad_signature_is_rejected_without_storing(twilio_post):
    response = twilio_post(VOICE, twilio_call_params(), signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=")

    assert response.status_code == 403
    assert response.content == b""
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_missing_signature_is_rejected_without_storing(client):
    response = client.post(VOICE, twilio_call_params())

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_tampered_parameter_invalidates_the_signature(client, settings):
    params = twilio_call_params()
    signature = twilio_signature(settings.PUBLIC_BASE_URL + VOICE, params)

    response = client.post(VOICE, {**params, "From": "+19995550100"}, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["*"])
def test_signature_over_the_host_header_is_not_trusted(client):
    """A request signed for the Host it was sent to, rather than for
    PUBLIC_BASE_URL, is someone else's request."""
    params = twilio_call_params()
    signature = twilio_signature("http://attacker.example" + VOICE, params)

    response = client.post(
        VOICE,
        params,
        HTTP_X_TWILIO_SIGNATURE=signature,
        HTTP_HOST="attacker.example",
        HTTP_X_FORWARDED_HOST="attacker.example",
    )

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_signature_covers_the_query_string(client, settings):
    params = twilio_call_params(Digits="1")
    path = "/webhooks/twilio/gather/?step=consent&attempt=1&prompt=2026-11-v1"
    signature = twilio_signature(settings.PUBLIC_BASE_URL + path, params)

    response = client.post(path.replace("attempt=1", "attempt=2"), params, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()
