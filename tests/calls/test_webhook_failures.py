from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from unittest import mock

import pytest
from django.db import OperationalError

from calls.models import InboundEvent
from calls.services import twilio_webhooks
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db


def test_internal_error_on_a_call_plays_an_apology_and_routes_to_the_operator(twilio_post, settings):
    with mock.patch("calls.services.twilio_webhooks.inbox_accept", autospec=True, side_effect=RuntimeError("boom")):
        response = twilio_post("/webhooks/twilio/voice/", twilio_call_params())

    assert response.status_code == 200
    document = ElementTree.fromstring(response.content)
    assert "sorry" in document.find("Say").text.lower()
    assert document.find("Dial/Number").text == settings.IVR_OPERATOR_NUMBER
    assert b"application error" not in response.content


def test_database_error_while_answering_a_gather_still_connects_the_caller(twilio_post):
    with mock.patch(
        "calls.services.twilio_webhooks.twiml.after_consent", autospec=True, side_effect=OperationalError("db")
    ):
        response = twilio_post(
            "/webhooks/twilio/gather/",
            twilio_call_params(Digits="1"),
            query={"step": "consent", "attempt": 3, "prompt": "2026-11-v1"},
        )

    assert response.status_code == 200
    assert b"Dial" in response.content
    assert not InboundEvent.objects.exists()


def test_failed_inbox_write_stores_nothing_and_still_connects_the_caller(twilio_post):
    with mock.patch("calls.services.inbox.insert_if_absent", side_effect=OperationalError("connection lost")):
        response = twilio_post("/webhooks/twilio/voice/", twilio_call_params())

    assert response.status_code == 200
    assert b"Dial" in response.content
    assert not InboundEvent.objects.exists()


def test_failure_after_the_inbox_write_keeps_the_delivery_and_its_retry_gets_the_first_answer(twilio_post):
    """The inbox row is committed by its own statement: a failure after it
    (here, in the view) loses nothing, and Twilio's retry is answered from it."""
    params = twilio_call_params()
    accept = twilio_webhooks.inbox_accept

    def accept_then_fail(**kwargs):
        accept(**kwargs)
        raise OperationalError("connection lost")

    with mock.patch("calls.services.twilio_webhooks.inbox_accept", side_effect=accept_then_fail):
        failed = twilio_post("/webhooks/twilio/voice/", params)
    retried = twilio_post("/webhooks/twilio/voice/", params)

    assert b"Dial" in failed.content
    assert ElementTree.fromstring(retried.content).find("Gather") is not None
    event = InboundEvent.objects.get()
    assert (event.call_sid, event.deliveries) == (params["CallSid"], 2)


def test_internal_error_on_a_status_callback_is_a_bare_503(twilio_post):
    with mock.patch("calls.services.twilio_webhooks.inbox_accept", autospec=True, side_effect=RuntimeError):
        response = twilio_post("/webhooks/twilio/status/", twilio_call_params(CallStatus="completed"))

    assert response.status_code == 503
    assert response.content == b""


def test_internal_error_on_the_vapi_endpoint_is_a_bare_503_and_stores_nothing(client):
    from tests.calls import vapi_messages as vapi

    with mock.patch("calls.services.vapi_webhooks.inbox_accept", autospec=True, side_effect=RuntimeError("boom")):
        response = vapi.post(client, vapi.status_update(vapi.new_call(), "ringing"))

    assert response.status_code == 503
    assert response.content == b""
    assert not InboundEvent.objects.exists()
