"""The test fixtures match Vapi's published schema (the vapi-server-sdk
pydantic types), and so do this service's answers."""

from __future__ import annotations

import pytest
from vapi.types import (
    OpenAiModelToolsItem_Function,
    ServerMessageAssistantRequest,
    ServerMessageConversationUpdate,
    ServerMessageEndOfCallReport,
    ServerMessageHang,
    ServerMessageResponseAssistantRequest,
    ServerMessageResponseToolCalls,
    ServerMessageResponseTransferDestinationRequest,
    ServerMessageSpeechUpdate,
    ServerMessageStatusUpdate,
    ServerMessageToolCalls,
    ServerMessageTranscript,
    ServerMessageTransferDestinationRequest,
    ServerMessageUserInterrupted,
)

from tests.calls import vapi_messages as vapi

CALL = vapi.new_call(twilio_sid="CA" + "1" * 32)
FIXTURES = [
    (vapi.assistant_request(CALL), ServerMessageAssistantRequest),
    (vapi.status_update(CALL, "in-progress"), ServerMessageStatusUpdate),
    (vapi.status_update(CALL, "ended", endedReason="customer-ended-call"), ServerMessageStatusUpdate),
    (vapi.transcript(CALL, "hello there"), ServerMessageTranscript),
    (vapi.tool_calls(CALL, ("record_consent", {"decision": "granted"})), ServerMessageToolCalls),
    (vapi.transfer_destination_request(CALL), ServerMessageTransferDestinationRequest),
    (vapi.speech_update(CALL), ServerMessageSpeechUpdate),
    (vapi.user_interrupted(CALL), ServerMessageUserInterrupted),
    (vapi.hang(CALL), ServerMessageHang),
    (vapi.conversation_update(CALL, "hi"), ServerMessageConversationUpdate),
    (vapi.end_of_call_report(CALL, [("user", "hi"), ("bot", "hello")], summary="short"), ServerMessageEndOfCallReport),
]


@pytest.mark.parametrize("body, schema", FIXTURES, ids=[schema.__name__ for _, schema in FIXTURES])
def test_fixture_matches_the_published_schema(body, schema):
    parsed = schema.model_validate(body["message"])

    assert parsed.type == body["message"]["type"]
    # The call's live control URL, where Vapi puts it in every message.
    assert parsed.call.monitor.control_url == f"{vapi.VAPI_CONTROL_ORIGIN}/{CALL['id']}/control"


@pytest.mark.parametrize("schema", [ServerMessageEndOfCallReport, ServerMessageTranscript, ServerMessageStatusUpdate])
def test_the_schema_check_can_fail(schema):
    with pytest.raises(Exception):  # noqa: B017  (pydantic's ValidationError)
        schema.model_validate({"type": "not-a-type"})


@pytest.mark.django_db
def test_answers_match_the_published_response_schema(client):
    assistant = vapi.post(client, vapi.assistant_request(vapi.new_call())).json()
    tools = vapi.post(client, vapi.tool_calls(vapi.new_call(), ("record_consent", {"decision": "granted"}))).json()
    transfer = vapi.post(client, vapi.transfer_destination_request(vapi.new_call())).json()

    configuration = ServerMessageResponseAssistantRequest.model_validate(assistant).assistant
    assert configuration is not None
    # A tool declared async where Vapi reads it, and live control on, as the configuration relies on them.
    declared = {tool.function.name: tool for tool in configuration.model.tools}
    assert isinstance(declared["schedule_callback"], OpenAiModelToolsItem_Function)
    assert {name for name, tool in declared.items() if tool.async_} == {"schedule_callback"}
    assert configuration.monitor_plan.control_enabled is True
    assert ServerMessageResponseToolCalls.model_validate(tools).results[0].result
    assert ServerMessageResponseTransferDestinationRequest.model_validate(transfer).destination is not None
