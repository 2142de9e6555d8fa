"""The hand-off from the IVR to the Vapi assistant: the TwiML that dials
Vapi's SIP number, the reference that crosses with the caller, the
assistant-request that presents it back, and one call's story whatever
order its deliveries are applied in. Real signed requests to the real
views, PostgreSQL; the whole stack is in test_handoff_end_to_end.py."""

from __future__ import annotations

import random
import time
import uuid
import xml.etree.ElementTree as ElementTree
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from vapi.types import ServerMessageAssistantRequest, ServerMessageResponseAssistantRequest

from calls.models import Call, CallEvent, HandoffClaim, InboundEvent, Recording, ScheduledCallback, TranscriptSegment
from calls.services.handoff import Verdict, handoff_claim, handoff_consent, handoff_reference
from calls.services.inbox import inbox_process
from compliance.models import AuditEvent, ConsentDecision, ConsentEvent, ConsentMethod
from tests.calls import vapi_messages as vapi
from tests.factories import call_sid, twilio_call_params

pytestmark = pytest.mark.django_db

SIP_URI = "sip:contactcenter@sip.vapi.ai"
ROUTED_NUMBER = "+18005550177"
PROMPT = "2026-11-v1"
DISCLOSURE = "You are speaking with an automated assistant."


@pytest.fixture(autouse=True)
def handoff_settings(settings):
    settings.VAPI_SIP_URI = SIP_URI
    settings.HANDOFF_ROUTE = "menu"
    settings.HANDOFF_NUMBERS = [ROUTED_NUMBER]
    settings.AI_DISCLOSURE = DISCLOSURE
    return settings


@pytest.fixture(autouse=True)
def no_broker():
    """The worker's enqueues (recording start, redaction) are observed, not sent."""
    with mock.patch("calls.tasks.recording_start.delay", autospec=True) as start:
        yield start


def process_pending() -> None:
    for event_id in (
        InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).order_by("pk").values_list("pk", flat=True)
    ):
        assert inbox_process(event_id=event_id)


def sip_of(twiml: bytes) -> ElementTree.Element | None:
    return ElementTree.fromstring(twiml).find("./Dial/Sip")


def reference_in(twiml: bytes) -> str:
    sip = sip_of(twiml)
    assert sip is not None, twiml
    return parse_qs(urlsplit(sip.text).query)["x-handoff"][0]


def consent_answer(twilio_post, params: dict[str, str], digits: str, attempt: int = 1) -> bytes:
    query = {"step": "consent", "attempt": attempt, "prompt": PROMPT}
    response = twilio_post(
        "/webhooks/twilio/gather/", {**params, "CallStatus": "in-progress", "Digits": digits}, query=query
    )
    assert response.status_code == 200
    return response.content


def menu_answer(twilio_post, params: dict[str, str], digits: str) -> bytes:
    query = {"step": "menu", "attempt": 1}
    response = twilio_post(
        "/webhooks/twilio/gather/", {**params, "CallStatus": "in-progress", "Digits": digits}, query=query
    )
    assert response.status_code == 200
    return response.content


def assistant_request(client, call: dict[str, Any]) -> dict[str, Any]:
    body = vapi.assistant_request(call)
    ServerMessageAssistantRequest.model_validate(body["message"])
    response = vapi.post(client, body)
    assert response.status_code == 200, response.content
    answer = response.json()
    ServerMessageResponseAssistantRequest.model_validate(answer)
    return answer


def ivr_call(twilio_post, *, to: str = ROUTED_NUMBER, digits: str = "1") -> tuple[dict[str, str], bytes]:
    """A call to a number routed to the assistant, consent answered with ``digits``."""
    params = twilio_call_params(To=to, Called=to)
    assert twilio_post("/webhooks/twilio/voice/", params).status_code == 200
    return params, consent_answer(twilio_post, params, digits)


# --- The TwiML that hands off ---------------------------------------------------------


def test_consent_on_a_routed_number_is_answered_with_a_dial_to_vapis_sip_number(twilio_post):
    params, twiml = ivr_call(twilio_post)

    document = ElementTree.fromstring(twiml)
    dial, sip = document.find("Dial"), sip_of(twiml)
    assert document.find("Say").text == "Thank you. This call will be recorded."
    assert document.find("Gather") is None
    assert dial.attrib["action"].endswith("/webhooks/twilio/handoff/")
    assert dial.attrib["referUrl"].endswith("/webhooks/twilio/refer/")
    assert dial.attrib["answerOnBridge"] == "true"
    assert sip.text.startswith(SIP_URI + "?x-handoff=")
    assert sip.attrib["statusCallback"].endswith("/webhooks/twilio/status/")
    assert len(sip.text) <= 255
    assert handoff_claim(reference=reference_in(twiml), vapi_call_id=str(uuid.uuid4())).call_sid == params["CallSid"]


def test_other_numbers_get_the_menu_which_offers_the_assistant(twilio_post, settings):
    params, twiml = ivr_call(twilio_post, to="+18005550199")
    assert sip_of(twiml) is None
    assert "virtual assistant, press 5" in ElementTree.fromstring(twiml).find("Gather/Say").text

    assert reference_in(menu_answer(twilio_post, params, "5"))

    settings.VAPI_SIP_URI = ""
    params, twiml = ivr_call(twilio_post, to=ROUTED_NUMBER)
    assert sip_of(twiml) is None
    assert "assistant" not in ElementTree.fromstring(twiml).find("Gather/Say").text
    assert sip_of(menu_answer(twilio_post, params, "5")) is None


def test_the_default_route_hands_off_every_settled_consent_even_an_unclear_one(twilio_post, settings):
    settings.HANDOFF_ROUTE = "default"
    params = twilio_call_params(To="+18005550199")
    twilio_post("/webhooks/twilio/voice/", params)
    for attempt in (1, 2):
        assert sip_of(consent_answer(twilio_post, params, "9", attempt)) is None
    twiml = consent_answer(twilio_post, params, "9", 3)

    assert b"could not confirm your permission" in twiml
    assert reference_in(twiml)


def test_a_redelivered_consent_answer_gets_the_same_reference(twilio_post):
    params, twiml = ivr_call(twilio_post)
    assert consent_answer(twilio_post, params, "1") == twiml


def test_sip_credentials_go_on_the_sip_noun_when_configured(twilio_post, settings):
    settings.VAPI_SIP_USERNAME, settings.VAPI_SIP_PASSWORD = "contactcenter", "s" * 24
    _, twiml = ivr_call(twilio_post)
    assert (sip_of(twiml).attrib["username"], sip_of(twiml).attrib["password"]) == ("contactcenter", "s" * 24)


# --- The reference ----------------------------------------------------------------------


def test_a_reference_names_its_call_and_can_be_claimed_by_one_conversation_only():
    sid, first, second = call_sid(), str(uuid.uuid4()), str(uuid.uuid4())
    reference = handoff_reference(call_sid=sid)

    assert handoff_claim(reference=reference, vapi_call_id=first).verdict == Verdict.VALID
    assert handoff_claim(reference=reference, vapi_call_id=first).verdict == Verdict.VALID
    assert handoff_claim(reference=reference, vapi_call_id=second).verdict == Verdict.REPLAYED
    # One conversation is joined to one call, whatever else it presents.
    assert (
        handoff_claim(reference=handoff_reference(call_sid=call_sid()), vapi_call_id=first).verdict == Verdict.REPLAYED
    )
    assert HandoffClaim.objects.get().call_sid == sid


def respellings(reference: str) -> list[str]:
    """The same token as a lenient base64 decoder reads it: padded, with
    characters outside the alphabet, or in the standard alphabet."""
    middle = len(reference) // 2
    return [
        reference + ".", reference + "=", "!" + reference, reference[:middle] + "\n" + reference[middle:],
        reference.replace("-", "+").replace("_", "/"), " " + reference, reference + "==",
    ]  # fmt: skip


@given(data=st.data())
@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_change_to_a_reference_joins_a_call_other_than_its_own(data):
    sid = "CA" + "7" * 32
    reference = handoff_reference(call_sid=sid)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. !\n"
    position = data.draw(st.integers(0, len(reference) - 1))
    altered = reference[:position] + data.draw(st.sampled_from(alphabet)) + reference[position + 1 :]
    inserted = reference[:position] + data.draw(st.sampled_from(alphabet)) + reference[position:]
    altered = data.draw(
        st.sampled_from([altered, inserted, altered[:position], reference[1:], *respellings(reference)])
    )

    with transaction.atomic():
        handoff = handoff_claim(reference=altered, vapi_call_id=str(uuid.uuid4()))
        transaction.set_rollback(True)
    assert handoff.verdict == Verdict.FORGED or (altered == reference and handoff.call_sid == sid)


def test_a_claimed_call_cannot_be_claimed_again_by_another_conversation_however_its_reference_is_spelled():
    sid = call_sid()
    reference = handoff_reference(call_sid=sid)
    assert handoff_claim(reference=reference, vapi_call_id=str(uuid.uuid4())).joined

    for presented in [*respellings(reference), handoff_reference(call_sid=sid)]:
        assert not handoff_claim(reference=presented, vapi_call_id=str(uuid.uuid4())).joined, presented
    assert HandoffClaim.objects.count() == 1


def test_a_reference_expires_and_one_made_with_another_key_is_forged(settings):
    sid = call_sid()
    issued = time.time() - settings.HANDOFF_TTL_SECONDS - 1
    with mock.patch("cryptography.fernet.time.time", return_value=issued):
        old = handoff_reference(call_sid=sid)
    expired = handoff_claim(reference=old, vapi_call_id=str(uuid.uuid4()))
    assert (expired.verdict, expired.call_sid) == (Verdict.EXPIRED, sid)

    first_key = settings.SECRET_KEY
    fresh = handoff_reference(call_sid=sid)
    settings.SECRET_KEY = "another-" + "k" * 50
    assert handoff_claim(reference=fresh, vapi_call_id=str(uuid.uuid4())).verdict == Verdict.FORGED
    # A key being rotated out still honours the references it issued.
    settings.SECRET_KEY_FALLBACKS = [first_key]
    assert handoff_claim(reference=fresh, vapi_call_id=str(uuid.uuid4())).verdict == Verdict.VALID


# --- The assistant-request ---------------------------------------------------------------


@pytest.mark.parametrize(
    "digits, said, consent",
    [
        ("1", "As you agreed, this call is recorded.", ConsentDecision.GRANTED),
        ("2", "As you asked, this call is not recorded.", ConsentDecision.DECLINED),
    ],
)
def test_the_assistant_is_told_the_consent_on_the_ledger_and_does_not_ask_again(
    twilio_post, client, digits, said, consent
):
    params, twiml = ivr_call(twilio_post, digits=digits)
    # The worker has not applied the consent answer yet: the answer catches up with the inbox.
    assert ConsentEvent.objects.count() == 0
    call = vapi.sip_call(reference_in(twiml))

    assistant = assistant_request(client, call)["assistant"]

    assert assistant["firstMessage"] == f"{DISCLOSURE} {said}"
    prompt = assistant["model"]["messages"][0]["content"]
    assert f"already {consent} recording" in prompt and "press" not in prompt
    assert assistant["metadata"]["handoff"] == Verdict.VALID
    assert assistant["artifactPlan"] == {"recordingEnabled": False}
    assert ConsentEvent.objects.get().decision == consent  # applied once, by the catch-up
    event = InboundEvent.objects.get(kind=InboundEvent.Kind.VAPI_ASSISTANT_REQUEST)
    assert event.call_sid == params["CallSid"]

    process_pending()
    parent = Call.objects.get(call_sid=params["CallSid"])
    assert parent.vapi_call_id == call["id"]
    assert Call.objects.count() == 1
    assert AuditEvent.objects.filter(action="handoff.joined", object_repr=params["CallSid"]).exists()
    assert {"handoff", "ai-disclosure"} <= set(parent.events.values_list("type", flat=True))


def test_vapi_records_a_joined_call_only_when_configured_and_the_caller_agreed(twilio_post, client, settings):
    settings.VAPI_RECORDING_AFTER_CONSENT = True
    _, granted = ivr_call(twilio_post, digits="1")
    _, declined = ivr_call(twilio_post, digits="2")

    assert assistant_request(client, vapi.sip_call(reference_in(granted)))["assistant"]["artifactPlan"] == {
        "recordingEnabled": True
    }
    assert assistant_request(client, vapi.sip_call(reference_in(declined)))["assistant"]["artifactPlan"] == {
        "recordingEnabled": False
    }


@pytest.mark.parametrize("where", ["variables", "headers"])
def test_the_reference_is_read_where_vapi_puts_it(twilio_post, client, where):
    params, twiml = ivr_call(twilio_post)
    assistant = assistant_request(client, vapi.sip_call(reference_in(twiml), where=where))["assistant"]
    assert assistant["metadata"]["handoff"] == Verdict.VALID


def test_an_unsettled_consent_is_asked_by_the_assistant_and_recorded_on_the_ivr_call(
    twilio_post, client, settings, no_broker, django_capture_on_commit_callbacks
):
    settings.HANDOFF_ROUTE = "default"
    params = twilio_call_params()
    twilio_post("/webhooks/twilio/voice/", params)
    for attempt in (1, 2, 3):
        twiml = consent_answer(twilio_post, params, "9", attempt)
    call = vapi.sip_call(reference_in(twiml))

    assistant = assistant_request(client, call)["assistant"]
    assert assistant["firstMessage"].startswith(DISCLOSURE + " Thank you for calling. With your permission")
    assert "call record_consent" in assistant["model"]["messages"][0]["content"]

    vapi.post(client, vapi.tool_calls(call, ("record_consent", {"decision": "granted"})))
    with django_capture_on_commit_callbacks(execute=True):
        process_pending()
    parent = Call.objects.get(call_sid=params["CallSid"])
    consent = ConsentEvent.objects.get()
    assert (consent.call_sid, consent.decision, consent.method) == (
        params["CallSid"], ConsentDecision.GRANTED, ConsentMethod.ASSISTANT,
    )  # fmt: skip
    assert parent.recording_state == Call.RecordingState.REQUESTED
    no_broker.assert_called_once_with(parent.pk)


@pytest.mark.parametrize("tamper", ["forged", "expired", "replayed", "garbage"])
def test_a_reference_that_does_not_hold_gets_the_safe_assistant_and_an_audit_event(
    twilio_post, client, settings, no_broker, tamper
):
    params, twiml = ivr_call(twilio_post, digits="1")
    process_pending()
    reference = reference_in(twiml)
    if tamper == "forged":
        reference = reference[:20] + ("A" if reference[20] != "A" else "B") + reference[21:]
    elif tamper == "expired":
        settings.HANDOFF_TTL_SECONDS = 1
        with mock.patch("cryptography.fernet.time.time", return_value=time.time() - 120):
            reference = handoff_reference(call_sid=params["CallSid"])
    elif tamper == "replayed":
        assistant_request(client, vapi.sip_call(reference))
    else:
        reference = "x" * 300
    intruder = vapi.sip_call(reference)

    assistant = assistant_request(client, intruder)["assistant"]

    verdict = Verdict.FORGED if tamper == "garbage" else tamper
    assert assistant["metadata"]["handoff"] == verdict
    assert assistant["firstMessage"].startswith(DISCLOSURE + " Thank you for calling. With your permission")
    assert assistant["artifactPlan"] == {"recordingEnabled": False}
    # The intruder's conversation is a call of its own; consent it gives starts nothing.
    vapi.post(client, vapi.tool_calls(intruder, ("record_consent", {"decision": "granted"})))
    vapi.post(client, vapi.status_update(intruder, "ended", endedReason="customer-ended-call"))
    no_broker.reset_mock()
    process_pending()
    own = Call.objects.get(vapi_call_id=intruder["id"])
    assert own.call_sid == f"vapi:{intruder['id']}"
    parent = Call.objects.get(call_sid=params["CallSid"])
    assert parent.vapi_call_id != intruder["id"]
    assert not parent.events.filter(type="assistant").exists() and parent.status != Call.Status.COMPLETED
    assert list(parent.consent_events.values_list("method", flat=True)) == [ConsentMethod.DTMF]
    no_broker.assert_not_called()
    rejected = AuditEvent.objects.get(action="handoff.rejected")
    assert rejected.details["verdict"] == verdict
    assert rejected.details["vapi_call_id"] == intruder["id"]


def test_a_redelivered_assistant_request_gets_its_first_answer_after_the_reference_expired(
    twilio_post, client, settings
):
    _, twiml = ivr_call(twilio_post)
    body = vapi.assistant_request(vapi.sip_call(reference_in(twiml)))
    first = vapi.post(client, body).json()
    settings.HANDOFF_TTL_SECONDS = 1
    time.sleep(2.1)
    assert vapi.post(client, body).json() == first
    assert InboundEvent.objects.filter(kind=InboundEvent.Kind.VAPI_ASSISTANT_REQUEST).count() == 1


def test_the_configured_assistant_gets_the_consent_as_a_variable_and_recording_off(twilio_post, client, settings):
    settings.VAPI_ASSISTANT_ID = "4d7f5a3e-8a61-4c1b-9a30-6f3c1e2b7a11"
    _, twiml = ivr_call(twilio_post, digits="2")
    overrides = assistant_request(client, vapi.sip_call(reference_in(twiml)))["assistantOverrides"]
    assert overrides["variableValues"] == {"consent": ConsentDecision.DECLINED}
    assert overrides["firstMessage"] == f"{DISCLOSURE} As you asked, this call is not recorded."
    assert overrides["artifactPlan"] == {"recordingEnabled": False}


def test_a_sip_call_id_where_a_twilio_sid_would_be_is_no_twilio_call(client):
    call = vapi.sip_call(None)
    assert assistant_request(client, call)["assistant"]["metadata"].get("handoff") is None
    assert InboundEvent.objects.get().call_sid == f"vapi:{call['id']}"


# --- One call, one story ----------------------------------------------------------------


def bridged_deliveries(twilio_post, client) -> tuple[dict[str, str], str, dict[str, Any]]:
    """Every delivery of a call handed to the assistant, accepted in the
    order the providers send them; none applied."""
    params, twiml = ivr_call(twilio_post, digits="1")
    InboundEvent.objects.update(status=InboundEvent.Status.PENDING)  # nothing applied yet
    leg = call_sid()
    call = vapi.sip_call(reference_in(twiml))
    leg_params = {
        **params, "CallSid": leg, "ParentCallSid": params["CallSid"], "Direction": "outbound-dial",
        "To": sip_of(twiml).text, "Called": sip_of(twiml).text,
    }  # fmt: skip
    for sequence, status in enumerate(("initiated", "ringing", "in-progress")):
        twilio_post("/webhooks/twilio/status/", {**leg_params, "CallStatus": status, "SequenceNumber": str(sequence)})
    with mock.patch("calls.services.inbox.inbox_process", autospec=True):
        # Consent stays with the worker here: the catch-up is tested above.
        assistant_request(client, call)
    for message in (
        vapi.status_update(call, "in-progress"),
        vapi.transcript(call, "I'd like to change my delivery address", role="user"),
        vapi.tool_calls(call, ("transfer_to_human", {"department": "support"})),
        vapi.transfer_destination_request(call),
        vapi.status_update(call, "ended", endedReason="assistant-forwarded-call"),
        vapi.end_of_call_report(call, [("bot", "How can I help?"), ("user", "A person, please")]),
    ):
        assert vapi.post(client, message).status_code == 200
    refer = {**params, "ReferTransferTarget": "<sip:+15005550002@sip.vapi.ai>"}
    assert b"+15005550002" in twilio_post("/webhooks/twilio/refer/", refer).content
    handoff = {**params, "DialCallStatus": "completed", "DialCallSid": leg}
    assert b"<Hangup" in twilio_post("/webhooks/twilio/handoff/", handoff).content
    twilio_post("/webhooks/twilio/status/", {**leg_params, "CallStatus": "completed", "SequenceNumber": "3"})
    twilio_post("/webhooks/twilio/status/", {**params, "CallStatus": "completed", "CallDuration": "95"})
    return params, leg, call


def story(parent_sid: str) -> dict[str, Any]:
    parent = Call.objects.get(call_sid=parent_sid)
    return {
        "calls": sorted(Call.objects.values_list("call_sid", "parent__call_sid")),
        "status": (parent.status, parent.duration_seconds, parent.vapi_call_id, parent.department),
        "consent": list(parent.consent_events.values_list("decision", "method")),
        "events": sorted(CallEvent.objects.values_list("call__call_sid", "type", "detail")),
        "segments": sorted(TranscriptSegment.objects.filter(call=parent).values_list("source", "position")),
    }


def test_a_bridged_call_is_one_story_whatever_order_its_deliveries_are_applied_in(twilio_post, client):
    params, leg, call = bridged_deliveries(twilio_post, client)
    pending = list(InboundEvent.objects.order_by("pk").values_list("pk", flat=True))

    stories = []
    for seed in range(6):
        order = pending[:]
        random.Random(seed).shuffle(order)
        with transaction.atomic():
            for event_id in order:
                assert inbox_process(event_id=event_id)
            stories.append(story(params["CallSid"]))
            transaction.set_rollback(True)

    assert all(each == stories[0] for each in stories)
    told = stories[0]
    assert told["calls"] == sorted([(params["CallSid"], None), (leg, params["CallSid"])])
    # Twilio's statuses make the call's; Vapi's "ended" is the assistant's moment in it.
    assert told["status"] == (Call.Status.COMPLETED, 95, call["id"], "support")
    assert told["consent"] == [(ConsentDecision.GRANTED, ConsentMethod.DTMF)]
    kinds = {(sid, kind) for sid, kind, _ in told["events"]}
    assert {
        (params["CallSid"], "handoff"), (params["CallSid"], "ai-disclosure"), (params["CallSid"], "assistant"),
        (params["CallSid"], "transfer_to_human"), (params["CallSid"], "assistant ended"),
        (params["CallSid"], "handoff ended"),
    } <= kinds  # fmt: skip
    assert any(kind == "transfer" and detail == "support" for _, kind, detail in told["events"])
    assert told["segments"]


def test_the_sip_legs_address_is_kept_without_the_reference(twilio_post):
    params, twiml = ivr_call(twilio_post)
    leg = {**params, "CallSid": call_sid(), "ParentCallSid": params["CallSid"], "To": sip_of(twiml).text}
    assert twilio_post("/webhooks/twilio/status/", {**leg, "CallStatus": "ringing"}).status_code == 204
    process_pending()
    stored = Call.objects.get(call_sid=leg["CallSid"])
    assert stored.to_number == SIP_URI
    assert stored.parent.call_sid == params["CallSid"]


# --- The leg that fails, and transfers ---------------------------------------------------


@pytest.mark.parametrize(
    "status, code, detail",
    [("busy", "486", "busy (SIP 486)"), ("no-answer", "", "no-answer"), ("failed", "503", "failed (SIP 503)")],
)
def test_a_leg_that_never_connected_sends_the_caller_to_the_operator(twilio_post, settings, status, code, detail):
    params, _ = ivr_call(twilio_post)
    action = {**params, "DialCallStatus": status, "DialCallSid": call_sid(), "DialSipResponseCode": code}

    twiml = twilio_post("/webhooks/twilio/handoff/", action).content

    assert ElementTree.fromstring(twiml).find("Dial/Number").text == settings.IVR_OPERATOR_NUMBER
    process_pending()
    parent = Call.objects.get(call_sid=params["CallSid"])
    assert parent.events.get(type="handoff failed").detail == detail
    assert parent.department == "operator"


def test_a_caller_who_hung_up_while_the_leg_rang_is_sent_nowhere(twilio_post):
    params, _ = ivr_call(twilio_post)
    action = {**params, "CallStatus": "completed", "DialCallStatus": "canceled", "DialCallSid": call_sid()}

    twiml = twilio_post("/webhooks/twilio/handoff/", action).content

    assert ElementTree.fromstring(twiml).find("Dial") is None
    process_pending()
    parent = Call.objects.get(call_sid=params["CallSid"])
    assert parent.events.get(type="handoff abandoned").detail == "canceled"
    assert parent.department == ""


@pytest.mark.parametrize(
    "target, number",
    [
        ("<sip:+15005550002@sip.vapi.ai>", "+15005550002"),
        ("tel:+15005550003", "+15005550003"),
        ("sip:+19005551234@evil.example", "+15005550000"),
        ("sip:+15005550002@sip.vapi.ai?X-Evil=1", "+15005550002"),
        ("not a number", "+15005550000"),
    ],
)
def test_a_transfer_the_assistant_asks_for_dials_only_numbers_this_service_keeps(twilio_post, target, number):
    params, _ = ivr_call(twilio_post)
    twiml = twilio_post("/webhooks/twilio/refer/", {**params, "ReferTransferTarget": target}).content
    assert ElementTree.fromstring(twiml).find("Dial/Number").text == number


def test_handoff_and_refer_webhooks_refuse_bad_input_and_store_nothing(twilio_post):
    params = twilio_call_params()
    before = InboundEvent.objects.count()
    assert twilio_post("/webhooks/twilio/handoff/", {**params, "DialCallStatus": "exploded"}).status_code == 400
    assert twilio_post("/webhooks/twilio/refer/", params).status_code == 400
    assert (
        twilio_post("/webhooks/twilio/refer/", {**params, "ReferTransferTarget": "x"}, signature="bad").status_code
        == 403
    )
    assert InboundEvent.objects.count() == before


# --- The callbacks the assistant schedules -----------------------------------------------


def test_a_scheduled_callback_keeps_who_asked_when_and_for_which_number(twilio_post, client):
    params, twiml = ivr_call(twilio_post)
    call = vapi.sip_call(reference_in(twiml))
    assistant_request(client, call)
    due = vapi.iso_ago(hours=-2)
    vapi.post(client, vapi.tool_calls(call, ("schedule_callback", {"phone": "+14155550100", "when": due})))
    vapi.post(client, vapi.tool_calls(call, ("schedule_callback", {"phone": "+14155550111", "when": due})))
    process_pending()

    callbacks = {callback.phone: callback for callback in ScheduledCallback.objects.all()}
    assert set(callbacks) == {"+14155550100", "+14155550111"}
    parent = Call.objects.get(call_sid=params["CallSid"])
    for phone, callback in callbacks.items():
        assert callback.call == parent
        assert callback.requester_hash == parent.from_hash
        assert callback.number_is_requesters is (phone == "+14155550100")
        assert callback.requested_at is not None
        audit = AuditEvent.objects.get(action="callback.requested", object_id=str(callback.pk))
        assert audit.details["number_is_requesters"] is callback.number_is_requesters
        assert "+1415" not in str(audit.details)


def test_a_call_twilio_carries_is_joined_on_the_transports_call_sid(twilio_post, client):
    params = twilio_call_params()
    twilio_post("/webhooks/twilio/voice/", params)
    call = vapi.new_call()
    call["transport"] = {"provider": "twilio", "callSid": params["CallSid"], "accountSid": params["AccountSid"]}

    assert vapi.post(client, vapi.status_update(call, "in-progress")).status_code == 200
    process_pending()

    assert Call.objects.get().vapi_call_id == call["id"]
    assert Call.objects.get().call_sid == params["CallSid"]


def test_a_sip_call_id_chosen_by_the_dialler_is_never_taken_for_a_twilio_call_sid(twilio_post, client):
    params, _ = ivr_call(twilio_post)
    call = vapi.sip_call(None)
    del call["phoneCallProvider"], call["transport"]
    call["phoneCallProviderId"] = params["CallSid"]

    assistant_request(client, call)
    vapi.post(client, vapi.tool_calls(call, ("record_consent", {"decision": "granted"})))

    assert set(InboundEvent.objects.filter(provider="vapi").values_list("call_sid", flat=True)) == {
        f"vapi:{call['id']}"
    }


def test_only_a_conversation_over_sip_can_claim_a_hand_off(twilio_post, client):
    params, twiml = ivr_call(twilio_post)
    web = vapi.new_call()
    web["assistantOverrides"] = {"variableValues": {"handoff": reference_in(twiml)}}

    assert "handoff" not in assistant_request(client, web)["assistant"]["metadata"]
    assert assistant_request(client, vapi.sip_call(reference_in(twiml)))["assistant"]["metadata"]["handoff"] == "valid"


def test_answers_are_kept_encrypted_and_the_admin_shows_them_without_their_secrets(twilio_post, settings, admin_client):
    settings.VAPI_SIP_USERNAME, settings.VAPI_SIP_PASSWORD = "contactcenter", "sip-password-" + "p" * 16
    _, twiml = ivr_call(twilio_post)
    reference = reference_in(twiml)
    event = InboundEvent.objects.get(kind=InboundEvent.Kind.TWILIO_GATHER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM calls_inboundevent WHERE id = %s", [event.pk])
        stored = cursor.fetchone()[0]

    assert event.response_body == twiml.decode()
    assert settings.VAPI_SIP_PASSWORD not in stored and reference not in stored and "<Sip" not in stored
    page = admin_client.get(f"/admin/calls/inboundevent/{event.pk}/change/").content.decode()
    assert "x-handoff=•••" in page
    assert settings.VAPI_SIP_PASSWORD not in page and reference not in page


def test_an_ivr_answer_applied_after_the_caller_told_the_assistant_otherwise_does_not_stand(
    twilio_post, client, no_broker, django_capture_on_commit_callbacks
):
    params, twiml = ivr_call(twilio_post, digits="1")
    call = vapi.sip_call(reference_in(twiml))
    with mock.patch("calls.services.inbox.inbox_process", autospec=True):
        # The worker holding the IVR's answer is slow: the assistant asks again.
        assistant = assistant_request(client, call)["assistant"]
    assert "call record_consent" in assistant["model"]["messages"][0]["content"]
    vapi.post(client, vapi.tool_calls(call, ("record_consent", {"decision": "declined"})))
    tool_call = InboundEvent.objects.get(kind=InboundEvent.Kind.VAPI_TOOL_CALL)
    assert inbox_process(event_id=tool_call.pk)

    with django_capture_on_commit_callbacks(execute=True):
        process_pending()

    parent = Call.objects.get(call_sid=params["CallSid"])
    assert list(parent.consent_events.values_list("decision", "method")) == [
        (ConsentDecision.DECLINED, ConsentMethod.ASSISTANT)
    ]
    assert parent.recording_state == Call.RecordingState.NOT_REQUESTED
    no_broker.assert_not_called()
    superseded = AuditEvent.objects.get(action="consent.answer_superseded")
    assert (superseded.details["answered"], superseded.details["standing"]) == ("granted", "declined")


def test_a_caller_who_withdraws_consent_with_the_assistant_has_the_recording_stopped_and_deleted(
    twilio_post, client, django_capture_on_commit_callbacks
):
    params, twiml = ivr_call(twilio_post, digits="1")
    process_pending()
    parent = Call.objects.get(call_sid=params["CallSid"])
    recording = Recording.objects.create(
        call=parent, recording_sid="RE" + "5" * 32, status=Recording.Status.IN_PROGRESS
    )
    call = vapi.sip_call(reference_in(twiml))
    prompt = assistant_request(client, call)["assistant"]["model"]["messages"][0]["content"]
    assert "withdraw, call record_consent" in prompt

    with mock.patch("calls.tasks.recording_delete.delay", autospec=True) as delete:
        vapi.post(client, vapi.tool_calls(call, ("record_consent", {"decision": "declined"})))
        with django_capture_on_commit_callbacks(execute=True):
            process_pending()

    recording.refresh_from_db()
    assert recording.deletion_requested_at is not None
    delete.assert_called_once_with(recording.pk)
    assert parent.consent_decision == ConsentDecision.DECLINED


def test_a_consent_the_worker_applies_while_the_answer_is_decided_is_read(twilio_post):
    """The worker commits the IVR's answer between the catch-up's reads: the
    answer must still see it on the ledger, never tell the assistant to ask."""
    params, _ = ivr_call(twilio_post, digits="1")
    real_filter, state = InboundEvent.objects.filter, {"worker": "waiting"}

    def worker_finishes_now(*args: Any, **kwargs: Any) -> Any:
        if state["worker"] == "waiting":
            state["worker"] = "applying"
            for event_id in real_filter(status=InboundEvent.Status.PENDING).order_by("pk").values_list("pk", flat=True):
                assert inbox_process(event_id=event_id)
            state["worker"] = "done"
        return real_filter(*args, **kwargs)

    with mock.patch.object(InboundEvent.objects, "filter", side_effect=worker_finishes_now):
        decision = handoff_consent(call_sid=params["CallSid"])

    assert state["worker"] == "done"
    assert decision == ConsentDecision.GRANTED
