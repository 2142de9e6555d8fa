"""``simulate_call --ai`` on the real stack (the ``stack`` fixture,
tests/calls/conftest.py): the IVR hands the caller to the Vapi assistant
over SIP, and the command plays Twilio's and Vapi's signed deliveries of
that call to gunicorn, applied by a real worker on PostgreSQL. Every Vapi
message the command sends is checked against the vapi-server-sdk types."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from io import StringIO
from unittest import mock

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from vapi.types import (
    BotMessage,
    ServerMessageAssistantRequest,
    ServerMessageEndOfCallReport,
    ServerMessageResponseAssistantRequest,
    ServerMessageResponseToolCalls,
    ServerMessageStatusUpdate,
    ServerMessageToolCalls,
    ServerMessageTranscript,
    UserMessage,
)
from vapi.types.call_transport import CallTransport_VapiSip

from calls.models import Call, CallEvent, HandoffClaim, InboundEvent, ScheduledCallback, VapiControlMessage
from calls.selectors import call_timeline
from calls.services.vapi_webhooks import SETTLED_CONSENT, consent_script
from compliance.models import AuditEvent, ConsentDecision
from tests.loopback import wait_for

REDIS_URL = os.environ.get("REDIS_URL", "")
VAPI_SIP_URI = "sip:contactcenter@sip.vapi.ai"
# Among the stack's HANDOFF_NUMBERS: its callers go to the assistant right after consent.
HANDOFF_NUMBER = "+18005550177"
SCHEMAS = {
    "assistant-request": ServerMessageAssistantRequest,
    "status-update": ServerMessageStatusUpdate,
    "transcript": ServerMessageTranscript,
    "tool-calls": ServerMessageToolCalls,
    "end-of-call-report": ServerMessageEndOfCallReport,
}
ANSWER_SCHEMAS = {
    "assistant-request": ServerMessageResponseAssistantRequest,
    "tool-calls": ServerMessageResponseToolCalls,
}

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL (.ci/run does)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def handoff_configured(settings) -> None:  # noqa: ANN001
    settings.VAPI_SIP_URI = VAPI_SIP_URI


@pytest.fixture
def vapi_sent() -> Iterator[list[tuple[dict, dict]]]:
    """Every Vapi message the command sends, with the server's answer."""
    sent: list[tuple[dict, dict]] = []
    real_post = requests.Session.post

    def record(session: requests.Session, url: str, **request: object) -> requests.Response:
        response = real_post(session, url, **request)
        if url.endswith("/webhooks/vapi/"):
            sent.append((json.loads(request["data"])["message"], response.json() if response.content else {}))
        return response

    with mock.patch.object(requests.Session, "post", autospec=True, side_effect=record):
        yield sent


def simulate(base_url: str, *extra: str) -> tuple[str, str]:
    """The command's output and the caller's CallSid."""
    output = StringIO()
    call_command("simulate_call", "--base-url", base_url, "--ai", "--wait", "60", *extra, stdout=output)
    text = output.getvalue()
    sys.stdout.write(text)  # shown with a failure
    return text, re.search(r"Simulating call (CA[0-9a-f]{32})", text).group(1)


def assert_published_shapes(sent: list[tuple[dict, dict]]) -> None:
    for message, answer in sent:
        parsed = SCHEMAS[message["type"]].model_validate(message)
        assert isinstance(parsed.call.transport, CallTransport_VapiSip), message["type"]
        assert parsed.call.assistant_overrides.variable_values["handoff"]
        if message["type"] in ANSWER_SCHEMAS:
            ANSWER_SCHEMAS[message["type"]].model_validate(answer)
        if message["type"] == "end-of-call-report":
            # The SDK's union of turn types takes the first that fits: each turn is checked as its own role's.
            turns = message["artifact"]["messages"]
            assert [turn.role for turn in parsed.artifact.messages] == [turn["role"] for turn in turns]
            for turn in turns:
                (BotMessage if turn["role"] == "bot" else UserMessage).model_validate(turn)


def summaries(call: Call) -> list[str]:
    return [f"{entry.kind}: {entry.summary}" for entry in call_timeline(call=call)]


def assert_all_applied() -> None:
    assert list(InboundEvent.objects.exclude(status=InboundEvent.Status.DONE).values_list("kind", "last_error")) == []


def test_caller_who_agreed_at_the_ivr_is_joined_to_the_assistant_end_to_end(stack, handoff_configured, vapi_sent):
    output, sid = simulate(stack["base_url"])

    vapi_call_id = vapi_sent[0][0]["call"]["id"]
    assert "menu: caller presses 5 for the assistant: HTTP 200" in output
    assert f"the assistant says: {settings.AI_DISCLOSURE} {SETTLED_CONSENT[ConsentDecision.GRANTED]}" in output
    assert "hand-off: valid" in output
    assert f"Processed: call completed, consent granted, vapi_call_id {vapi_call_id}, department (none)" in output
    assert [message["type"] for message, _ in vapi_sent] == [
        "assistant-request", "status-update", "transcript", "transcript", "status-update", "end-of-call-report",
    ]  # fmt: skip
    assert_published_shapes(vapi_sent)
    assert_all_applied()

    parent = Call.objects.get(call_sid=sid)
    leg = Call.objects.get(parent=parent)
    assert Call.objects.count() == 2, "no call of its own for the assistant's conversation"
    assert parent.vapi_call_id == vapi_call_id
    assert parent.status == Call.Status.COMPLETED
    assert sorted(parent.status_events.values_list("status", flat=True)) == ["completed", "ringing"], "Twilio's only"
    assert parent.consent_decision == ConsentDecision.GRANTED
    assert (leg.direction, leg.to_number, leg.status) == ("outbound-dial", VAPI_SIP_URI, Call.Status.COMPLETED)
    assert HandoffClaim.objects.get().vapi_call_id == vapi_call_id
    assert AuditEvent.objects.filter(action="handoff.joined", object_repr=sid).count() == 1
    timeline = summaries(parent)
    for expected in (
        "event: handoff to the assistant (menu choice)",
        "event: assistant in-progress",
        "event: assistant ended",
        "event: assistant ended assistant-ended-call",
        "event: handoff ended completed",
        *(f"leg: {leg.call_sid} {status}" for status in ("initiated", "ringing", "in-progress", "completed")),
        "status: completed",
    ):
        assert expected in timeline
        assert expected in output
    assert "transcript · caller: Hi, I have a question about my last bill." in timeline
    wait_for(lambda: Call.objects.get(pk=parent.pk).recording_state == "started", 30, "the recording to start")
    started = [request.path for request in stack["twilio_api"].requests if request.path.endswith("/Recordings.json")]
    assert len(started) == 1 and f"/Calls/{sid}/" in started[0], "recorded on the caller's call, not the leg"


def test_assistant_settles_unclear_consent_and_a_forged_reference_stays_apart(stack, handoff_configured, vapi_sent):
    output, unclear_sid = simulate(stack["base_url"], "--unclear")

    assert "consent: caller answers nothing usable (attempt 3): HTTP 200" in output
    assert f"the assistant says: {settings.AI_DISCLOSURE} {consent_script()}" in output
    assert "record_consent: Consent recorded: the caller agreed to recording." in output
    assert_published_shapes(vapi_sent)
    parent = Call.objects.get(call_sid=unclear_sid)
    assert parent.vapi_call_id == vapi_sent[0][0]["call"]["id"]
    assert list(parent.consent_events.values_list("decision", flat=True)) == [ConsentDecision.GRANTED]
    assert Call.objects.get(parent=parent).status == Call.Status.COMPLETED
    wait_for(lambda: Call.objects.get(pk=parent.pk).recording_state == "started", 30, "the recording to start")
    assert "consent: granted" in " ".join(summaries(parent))

    vapi_sent.clear()
    output, forged_sid = simulate(stack["base_url"], "--forge")

    vapi_call_id = vapi_sent[0][0]["call"]["id"]
    assert "hand-off: forged" in output
    assert f"the assistant says: {settings.AI_DISCLOSURE} {consent_script()}" in output
    assert "vapi_call_id (not joined)" in output
    assert f"The assistant's conversation is a call of its own, vapi:{vapi_call_id}: status completed" in output
    assert_published_shapes(vapi_sent)
    assert_all_applied()
    parent = Call.objects.get(call_sid=forged_sid)
    apart = Call.objects.get(call_sid=f"vapi:{vapi_call_id}")
    assert parent.vapi_call_id is None
    assert parent.consent_decision == ConsentDecision.GRANTED
    assert Call.objects.get(parent=parent).to_number == VAPI_SIP_URI
    assert not CallEvent.objects.filter(call=parent, type__startswith="assistant").exists()
    assert apart.vapi_call_id == vapi_call_id and apart.parent is None
    assert not HandoffClaim.objects.filter(vapi_call_id=vapi_call_id).exists()
    rejected = AuditEvent.objects.get(action="handoff.rejected", details__vapi_call_id=vapi_call_id)
    assert rejected.details["verdict"] == "forged"

    # Consent given to an assistant holding a forged reference settles nothing of the caller's call.
    vapi_sent.clear()
    output, forged_sid = simulate(stack["base_url"], "--forge", "--unclear")

    vapi_call_id = vapi_sent[0][0]["call"]["id"]
    assert "hand-off: forged" in output
    assert "record_consent: Consent recorded: the caller agreed to recording." in output
    assert_all_applied()
    parent = Call.objects.get(call_sid=forged_sid)
    apart = Call.objects.get(call_sid=f"vapi:{vapi_call_id}")
    assert (parent.consent_decision, parent.recording_state) == (None, Call.RecordingState.NOT_REQUESTED)
    assert (apart.consent_decision, apart.recording_state) == (
        ConsentDecision.GRANTED,
        Call.RecordingState.NOT_REQUESTED,
    )
    assert not [request for request in stack["twilio_api"].requests if forged_sid in request.path]


def test_a_callback_asked_of_the_assistant_is_told_to_the_live_call_once_its_work_is_done(
    stack, handoff_configured, vapi_sent
):
    output, sid = simulate(stack["base_url"], "--callback")

    assert "schedule_callback, answered at once: Request accepted; its result will follow." in output
    told = re.findall(r"through call control \(add-message\), the assistant is told: (.*)", output)
    assert len(told) == 1 and told[0].startswith("Result of schedule_callback: Callback scheduled for "), output
    assert [message["type"] for message, _ in vapi_sent].count("tool-calls") == 1
    assert_published_shapes(vapi_sent)
    assert_all_applied()
    parent = Call.objects.get(call_sid=sid)
    message = VapiControlMessage.objects.get(call=parent)
    assert (message.tool, message.status, message.attempts, message.content) == ("schedule_callback", "sent", 1, "")
    assert ScheduledCallback.objects.get(call=parent).status == ScheduledCallback.Status.PENDING
    assert AuditEvent.objects.filter(action="vapi.tool_result_sent", object_repr=sid).count() == 1
    assert "tool result: schedule_callback: told to the call" in summaries(parent)
    assert "tool result: schedule_callback: told to the call" in output
    # The conversation is over: the control URL went with it.
    assert parent.vapi_control_url is None and parent.vapi_ended_at is not None


def test_leg_that_never_connects_sends_the_caller_to_the_operator(stack, handoff_configured, vapi_sent):
    output, sid = simulate(stack["base_url"], "--to", HANDOFF_NUMBER, "--decline", "--fail-leg", "busy")

    assert "menu:" not in output, "a called number among HANDOFF_NUMBERS goes straight to the assistant"
    assert f"the caller is put through to the operator ({settings.IVR_OPERATOR_NUMBER})" in output
    assert "Processed: call completed, consent declined, vapi_call_id (not joined), department operator" in output
    assert vapi_sent == []
    assert_all_applied()
    parent = Call.objects.get(call_sid=sid)
    leg = Call.objects.get(parent=parent)
    assert Call.objects.count() == 2
    assert parent.department == "operator"
    assert parent.recording_state == Call.RecordingState.NOT_REQUESTED
    assert leg.status == Call.Status.BUSY
    timeline = summaries(parent)
    assert "event: handoff to the assistant (after consent)" in timeline
    assert "event: handoff failed busy (SIP 486)" in timeline
    assert "event: handoff failed busy (SIP 486)" in output
    assert not [request for request in stack["twilio_api"].requests if request.path.endswith("/Recordings.json")]
