"""How many statements applying one delivery costs, for the kinds whose
budget is set: a status callback at most 6, a consent gather or a tool call
at most 8 (the claim, the hold and the done mark with its audit event
included). ``bench/apply.py`` prints every kind's count."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.models import InboundEvent
from calls.services.inbox import inbox_process
from tests.calls import vapi_messages as vapi
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db

STATUS_BUDGET = 6
GATHER_OR_TOOL_BUDGET = 8
# A test runs inside a transaction, so the applier's own transaction is a savepoint here.
NOT_DATA = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def apply_pending() -> list[list[str]]:
    """Apply every pending delivery in arrival order; each one's data statements."""
    applied = []
    for event_id in InboundEvent.objects.filter(status="pending").order_by("id").values_list("pk", flat=True):
        with CaptureQueriesContext(connection) as queries, mock.patch("calls.tasks.recording_start.delay"):
            assert inbox_process(event_id=event_id)
        applied.append([query["sql"] for query in queries if not query["sql"].startswith(NOT_DATA)])
    return applied


def test_a_twilio_status_callback_and_a_consent_gather_keep_to_their_budgets(twilio_post):
    params = twilio_call_params(CallStatus="ringing")
    twilio_post("/webhooks/twilio/voice/", params)
    apply_pending()

    twilio_post("/webhooks/twilio/status/", {**params, "CallStatus": "in-progress"})
    twilio_post(
        "/webhooks/twilio/gather/",
        {**params, "CallStatus": "in-progress", "Digits": "1"},
        query={"step": "consent", "attempt": 1, "prompt": "2026-11-v1"},
    )
    status, gather = apply_pending()

    assert len(status) <= STATUS_BUDGET, status
    assert len(gather) <= GATHER_OR_TOOL_BUDGET, gather


def test_a_vapi_status_update_and_a_tool_call_keep_to_their_budgets(client):
    call = vapi.new_call(twilio_sid=twilio_call_params()["CallSid"])
    vapi.post(client, vapi.status_update(call, "ringing"))
    apply_pending()

    vapi.post(client, vapi.status_update(call, "in-progress"))
    vapi.post(client, vapi.tool_calls(call, ("record_consent", {"decision": "granted"})))
    status, tool = apply_pending()

    assert len(status) <= STATUS_BUDGET, status
    assert len(tool) <= GATHER_OR_TOOL_BUDGET, tool
