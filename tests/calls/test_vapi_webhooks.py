from __future__ import annotations

import json
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from calls.integrations import twilio
from calls.models import (
    Call,
    CallEvent,
    InboundEvent,
    Recording,
    ScheduledCallback,
    TranscriptSegment,
    UnknownMessageCount,
    VapiControlMessage,
)
from calls.services import callbacks, inbox, transcripts, vapi_tools
from compliance.models import ConsentDecision, ConsentEvent, ConsentMethod
from compliance.services import consent_record
from tests.calls import vapi_messages as vapi
from tests.factories import call_sid

pytestmark = pytest.mark.django_db


def process() -> None:
    """What the workers do: apply every pending event (its words redacted as it is)."""
    for event_id in (
        InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).order_by("id").values_list("pk", flat=True)
    ):
        assert inbox.inbox_process(event_id=event_id), InboundEvent.objects.get(pk=event_id).last_error


# --- Authentication ------------------------------------------------------------------------


def test_signed_request_is_accepted(client):
    response = vapi.post(client, vapi.status_update(vapi.new_call(), "ringing"))

    assert response.status_code == 200
    assert InboundEvent.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_SIGNATURE": "0" * 64, "HTTP_X_TIMESTAMP": str(int(time.time()))},
        {"HTTP_X_TIMESTAMP": str(int(time.time()))},
        {"HTTP_X_SIGNATURE": "abc", "HTTP_X_TIMESTAMP": "yesterday"},
    ],
)
def test_wrong_or_missing_credentials_get_401_and_store_nothing(client, headers):
    body = json.dumps(vapi.status_update(vapi.new_call(), "ringing")).encode()

    response = client.post(
        "/webhooks/vapi/", data=body, content_type="application/json", HTTP_AUTHORIZATION="x", **headers
    )

    assert response.status_code == 401
    assert response.content == b""
    assert not InboundEvent.objects.exists()


def test_signature_by_another_secret_is_rejected(client):
    body = json.dumps(vapi.status_update(vapi.new_call(), "ringing")).encode()

    response = vapi.post(client, body, **vapi.signed_headers(body, secret="someone-elses-secret"))

    assert response.status_code == 401


def test_replayed_timestamp_is_rejected(client):
    body = json.dumps(vapi.status_update(vapi.new_call(), "ringing")).encode()

    response = vapi.post(client, body, **vapi.signed_headers(body, timestamp=time.time() - 301))

    assert response.status_code == 401
    assert not InboundEvent.objects.exists()


def test_timestamp_in_milliseconds_is_accepted(client, settings):
    body = json.dumps(vapi.status_update(vapi.new_call(), "ringing")).encode()
    stamp = str(int(time.time() * 1000))
    import hashlib
    import hmac

    signature = hmac.new(
        settings.VAPI_WEBHOOK_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()

    assert vapi.post(client, body, HTTP_X_SIGNATURE=signature, HTTP_X_TIMESTAMP=stamp).status_code == 200


def test_tampered_body_is_rejected(client):
    body = json.dumps(vapi.status_update(vapi.new_call(), "ringing")).encode()
    headers = vapi.signed_headers(body)

    response = vapi.post(client, body.replace(b"ringing", b"ended"), **headers)

    assert response.status_code == 401


@pytest.mark.parametrize(
    "scheme, header, good", [("bearer", "HTTP_AUTHORIZATION", "Bearer {}"), ("secret", "HTTP_X_VAPI_SECRET", "{}")]
)
def test_bearer_and_legacy_secret_schemes(client, settings, scheme, header, good):
    settings.VAPI_AUTH = scheme
    body = vapi.status_update(vapi.new_call(), "ringing")

    accepted = vapi.post(client, body, **{header: good.format(settings.VAPI_WEBHOOK_SECRET)})
    refused = vapi.post(client, body, **{header: good.format("wrong")})

    assert (accepted.status_code, refused.status_code) == (200, 401)


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"nomessage": {}}',
        b'{"message": {"call": {}}}',
        b'{"message": "text"}',
        b"\xff\xfe\x00{",
        b'{"message": {"type": 7}}',
    ],
)
def test_malformed_body_gets_400_and_stores_nothing(client, body):
    response = vapi.post(client, body)

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


def test_message_of_a_known_type_with_bad_fields_gets_400(client):
    body = vapi.status_update(vapi.new_call(), "exploded")

    response = vapi.post(client, body)

    assert response.status_code == 400
    assert response.json()["fields"] == {"status": ["invalid_choice"]}


def test_two_megabyte_transcript_utterance_gets_400_and_stores_nothing(client):
    response = vapi.post(client, vapi.transcript(vapi.new_call(), "word " * 420_000))

    assert response.status_code == 400
    assert response.json()["fields"] == {"transcript": ["max_length"]}
    assert not InboundEvent.objects.exists()


def test_two_megabyte_end_of_call_report_is_accepted_and_stored(client):
    long_turns = [("user", "I have a question about my bill " * 60), ("bot", "Sure, let me look " * 60)] * 500
    body = vapi.end_of_call_report(vapi.new_call(), long_turns)
    assert len(json.dumps(body)) > 2_000_000

    response = vapi.post(client, body)

    assert response.status_code == 200
    assert InboundEvent.objects.get().kind == InboundEvent.Kind.VAPI_END_OF_CALL


def test_a_report_holding_more_words_than_one_utterance_is_redacted_apart_segment_by_segment(
    client, settings, django_capture_on_commit_callbacks
):
    settings.VAPI_MAX_UTTERANCE_CHARS = 40  # each turn fits; together they don't
    turns = [("bot", "And your date of birth?"), ("user", "March 3rd, 1961."), ("bot", "Thank you, Dana.")]
    vapi.post(client, vapi.end_of_call_report(vapi.new_call(), turns))
    event = InboundEvent.objects.get()

    with mock.patch("calls.tasks.transcript_redact.delay", autospec=True) as delay:
        with django_capture_on_commit_callbacks(execute=True):
            assert inbox.inbox_process(event_id=event.pk)

    segments = TranscriptSegment.objects.filter(source="vapi.end-of-call-report").order_by("position")
    assert {segment.status for segment in segments} == {TranscriptSegment.Status.PENDING}
    assert sorted(call.args[0] for call in delay.call_args_list) == sorted(segments.values_list("pk", flat=True))
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.DONE and event.payload is not None, "held for the redactions"

    for segment_id in segments.values_list("pk", flat=True):
        transcripts.transcript_redact(segment_id=segment_id)

    said = list(segments.values_list("text", flat=True))
    assert said == ["And your date of birth?", "[DATE_OF_BIRTH].", "Thank you, [PERSON]."], "each with its turns before"
    event.refresh_from_db()
    assert event.payload is None


def test_body_over_the_limit_gets_413(client, settings):
    settings.VAPI_MAX_BODY_BYTES = 10_000

    response = vapi.post(client, vapi.transcript(vapi.new_call(), "x" * 20_000))

    assert response.status_code == 413
    assert not InboundEvent.objects.exists()


# --- Message types ---------------------------------------------------------------------------


def test_status_updates_drive_the_call_state_machine(client):
    call = vapi.new_call()
    for status in ("queued", "ringing", "in-progress"):
        vapi.post(client, vapi.status_update(call, status))
    vapi.post(client, vapi.status_update(call, "ended", endedReason="customer-ended-call"))
    process()

    row = Call.objects.get(vapi_call_id=call["id"])
    assert row.call_sid == f"vapi:{call['id']}"
    assert row.status == Call.Status.COMPLETED
    assert row.end_reason == "customer-ended-call"
    assert row.from_number == vapi.CUSTOMER_PHONE


def test_final_transcript_becomes_a_redacted_segment(client):
    call = vapi.new_call()
    vapi.post(client, vapi.transcript(call, "my card is 4111 1111 1111 1111", role="user"))
    process()

    segment = TranscriptSegment.objects.get()
    assert (segment.text, segment.speaker, segment.source) == ("my card is [CREDIT_CARD]", "caller", "vapi.transcript")
    assert InboundEvent.objects.get().payload is None


@pytest.mark.parametrize("redacted_first", [True, False], ids=["question redacted first", "question still raw"])
def test_a_bare_live_answer_is_redacted_by_the_live_turns_spoken_just_before_it(client, redacted_first):
    call, start = vapi.new_call(), int(time.time() * 1000)
    question = ("assistant", "What was the name of your first pet, Mr. Okafor?", start + 1_000)
    # Delivered after the question but spoken before it: the turns before are chosen by when they were said.
    opening = ("user", "Hi, I'm calling about my bill.", start)
    answer = ("user", "Biscuit.", start + 2_000)
    batches = [[question], [opening, answer]] if redacted_first else [[question, opening, answer]]
    for batch in batches:
        for role, text, said_at in batch:
            vapi.post(client, vapi.transcript(call, text, role=role, timestamp=said_at))
        process()

    said = list(TranscriptSegment.objects.order_by("spoken_at").values_list("text", flat=True))
    assert said == [opening[1], "What was the name of your first pet, Mr. [PERSON]?", "[PIN]."]


def test_a_live_answer_said_at_the_same_moment_reads_the_turn_delivered_before_it(client):
    call, said_at = vapi.new_call(), int(time.time() * 1000)
    for role, text in (("assistant", "What was the name of your first pet?"), ("user", "Biscuit.")):
        vapi.post(client, vapi.transcript(call, text, role=role, timestamp=said_at))
    process()

    said = list(TranscriptSegment.objects.order_by("source_event_id").values_list("text", flat=True))
    assert said == ["What was the name of your first pet?", "[PIN]."]


def test_a_report_replaces_live_words_a_consent_decision_names(client):
    """What was said, named by the consent ledger as the decision's words,
    is replaced by the report all the same; the ledger's link to it is
    cleared, its decision kept."""
    call = vapi.new_call()
    vapi.post(client, vapi.transcript(call, "Yes, you can record this.", role="user"))
    process()
    said = TranscriptSegment.objects.get()
    consent_record(
        call=said.call, decision=ConsentDecision.GRANTED, method=ConsentMethod.SPEECH, prompt_version="v1",
        utterance=said, source="test:live-words",
    )  # fmt: skip

    vapi.post(client, vapi.end_of_call_report(call, [("user", "Yes, you can record this.")], summary="Consent."))
    process()

    assert not TranscriptSegment.objects.filter(pk=said.pk).exists()
    assert list(ConsentEvent.objects.values_list("decision", "utterance_id")) == [("granted", None)]
    assert InboundEvent.objects.filter(status=InboundEvent.Status.DONE).count() == 2


def test_the_one_relation_to_a_segment_is_the_one_a_report_s_delete_clears():
    """``transcript_delete`` deletes segments in SQL of its own, clearing the
    consent ledger's link as the ORM's collector would: a new relation to a
    segment must be handled there too."""
    from django.db import models

    relations = [
        (relation.related_model, relation.field.name, relation.on_delete)
        for relation in TranscriptSegment._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete
    ]
    assert relations == [(ConsentEvent, "utterance", models.SET_NULL)]


def test_a_bare_live_answer_alone_is_left_as_said(client):
    vapi.post(client, vapi.transcript(vapi.new_call(), "Biscuit.", role="user"))
    process()

    assert TranscriptSegment.objects.get().text == "Biscuit."


def test_partial_transcript_is_not_stored(client):
    response = vapi.post(client, vapi.transcript(vapi.new_call(), "my card is 4111", final=False))

    assert response.status_code == 200
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize("builder", [vapi.speech_update, vapi.user_interrupted, vapi.hang])
def test_lightweight_events_keep_type_and_time_only(client, builder):
    call = vapi.new_call()
    vapi.post(client, builder(call))
    process()

    event = CallEvent.objects.get()
    assert event.type == builder(call)["message"]["type"]
    assert event.occurred_at is not None


def test_conversation_update_keeps_no_words(client):
    call = vapi.new_call()
    with mock.patch("calls.services.inbox.transaction.on_commit"):
        vapi.post(client, vapi.conversation_update(call, "my SSN is 123-45-6789"))

    stored = json.dumps(InboundEvent.objects.get().payload)
    assert "123-45" not in stored and "SSN" not in stored
    process()
    assert CallEvent.objects.get().type == "conversation-update"


def test_unknown_type_is_counted_and_not_kept(client):
    for _ in range(2):
        response = vapi.post(client, {"message": {"type": "model-output", "output": "my SSN is 123-45-6789"}})
        assert response.status_code == 200

    assert UnknownMessageCount.objects.get(type="model-output").count == 2
    assert not InboundEvent.objects.exists()


def test_assistant_request_answers_with_a_consent_first_configuration(client, settings):
    call = vapi.new_call(customer="+14155550123")  # a California number: all-party consent

    response = vapi.post(client, vapi.assistant_request(call))

    assistant = response.json()["assistant"]
    assert assistant["server"]["url"] == f"{settings.PUBLIC_BASE_URL}/webhooks/vapi/"
    assert "permission to record" in assistant["model"]["messages"][0]["content"]
    assert "All parties must consent (US-CA)" in assistant["model"]["messages"][0]["content"]
    assert assistant["metadata"] == {
        "consentPromptVersion": "2026-11-v1",
        "consentRequirement": "all_party",
        "consentJurisdiction": "US-CA",
        "pciMode": False,
    }
    assert {tool["function"]["name"] for tool in assistant["model"]["tools"]} == {
        "record_consent",
        "transfer_to_human",
        "schedule_callback",
        "begin_sensitive_capture",
        "end_sensitive_capture",
    }
    assert assistant["artifactPlan"] == {"recordingEnabled": False}


def test_assistant_request_names_the_configured_assistant(client, settings):
    settings.VAPI_ASSISTANT_ID = "asst_123"

    reply = vapi.post(client, vapi.assistant_request(vapi.new_call())).json()

    assert reply["assistantId"] == "asst_123"
    assert reply["assistantOverrides"]["firstMessage"].startswith(settings.AI_DISCLOSURE)


@pytest.mark.parametrize("assistant_id", ["", "asst_123"])
def test_the_assistant_first_says_it_is_one_and_the_call_keeps_a_record_of_it(client, settings, assistant_id):
    settings.VAPI_ASSISTANT_ID = assistant_id
    settings.AI_DISCLOSURE = "This is Acme's automated assistant, not a person."

    reply = vapi.post(client, vapi.assistant_request(vapi.new_call(twilio_sid=call_sid()))).json()
    process()

    said = (reply.get("assistant") or reply.get("assistantOverrides"))["firstMessage"]
    assert said.startswith("This is Acme's automated assistant, not a person. ")
    assert "permission" in said and said.index("automated") < said.index("permission")
    (event,) = CallEvent.objects.filter(type="ai-disclosure")
    assert event.detail == settings.AI_DISCLOSURE[:64]


# --- Tools ----------------------------------------------------------------------------------


def tool_result(response):
    assert response.status_code == 200
    (result,) = response.json()["results"]
    return result


def test_record_consent_tool_answers_and_the_worker_records_it(client, django_capture_on_commit_callbacks):
    sid = call_sid()
    call = vapi.new_call(twilio_sid=sid)
    body = vapi.tool_calls(call, ("record_consent", {"decision": "granted"}))

    result = tool_result(vapi.post(client, body))
    with mock.patch("calls.tasks.recording_start.delay", autospec=True) as start:
        with django_capture_on_commit_callbacks(execute=True):
            process()

    assert result["toolCallId"] == body["message"]["toolCallList"][0]["id"]
    assert result["name"] == "record_consent" and "agreed" in result["result"]
    consent = ConsentEvent.objects.get()
    assert (consent.decision, consent.method, consent.call_sid) == (
        ConsentDecision.GRANTED,
        ConsentMethod.ASSISTANT,
        sid,
    )
    start.assert_called_once()


@pytest.mark.parametrize(
    "name, arguments, message",
    [
        ("record_consent", {"decision": "maybe"}, "decision must be"),
        ("record_consent", "{broken json", "not valid JSON"),
        ("record_consent", [1, 2], "must be an object"),
        ("transfer_to_human", {"department": "legal"}, "department must be one of"),
        ("launch_rocket", {}, "Unknown tool"),
    ],
)
def test_bad_tool_calls_get_an_error_result_not_an_exception(client, name, arguments, message):
    result = tool_result(vapi.post(client, vapi.tool_calls(vapi.new_call(), (name, arguments))))

    assert message in result["error"]
    assert "\n" not in result["error"]
    process()
    assert not ConsentEvent.objects.exists() and not ScheduledCallback.objects.exists()


def test_a_slow_tool_answers_within_its_budget_and_completes_asynchronously(client, settings):
    settings.VAPI_TOOL_BUDGET_SECONDS = 0.05
    original = vapi_tools.TOOLS["record_consent"]

    def slow_reply(values):
        time.sleep(0.5)
        return original.reply(values)

    slow = vapi_tools.Tool(original.name, original.description, original.parameters, original.read, slow_reply)
    # A first tool call warms the process (imports, the URL resolver, the first query), so that
    # what is timed is the budget, not a cold start.
    tool_result(vapi.post(client, vapi.tool_calls(vapi.new_call(), ("launch_rocket", {}))))
    with mock.patch.dict(vapi_tools.TOOLS, {"record_consent": slow}):
        started = time.monotonic()
        result = tool_result(
            vapi.post(client, vapi.tool_calls(vapi.new_call(), ("record_consent", {"decision": "declined"})))
        )
        answered_in = time.monotonic() - started

    assert result["result"] == vapi_tools.PROCESSING
    assert answered_in < 0.45
    process()
    assert ConsentEvent.objects.get().decision == ConsentDecision.DECLINED


def test_redelivered_tool_call_gets_the_same_result_and_acts_once(client):
    body = vapi.tool_calls(vapi.new_call(), ("record_consent", {"decision": "granted"}))

    first = vapi.post(client, body).json()
    second = vapi.post(client, body).json()
    process()

    assert first == second
    assert ConsentEvent.objects.count() == 1


def test_schedule_callback_places_a_call_through_twilio_when_due(client):
    call = vapi.new_call()
    when = (timezone.now() + timedelta(hours=2)).isoformat()
    result = tool_result(vapi.post(client, vapi.tool_calls(call, ("schedule_callback", {"when": when}))))
    process()

    callback = ScheduledCallback.objects.get()
    # Async: answered at once; what the work came to is told to the live call (test_vapi_control.py).
    assert result["result"] == vapi_tools.ACCEPTED
    assert "Callback scheduled" in VapiControlMessage.objects.get().content
    assert callback.phone == vapi.CUSTOMER_PHONE and callback.status == ScheduledCallback.Status.PENDING
    with mock.patch("calls.services.callbacks.twilio.call_create", autospec=True, return_value=call_sid()) as create:
        assert callbacks.callbacks_place_due() == 0, "not due yet"
        ScheduledCallback.objects.update(due_at=timezone.now())
        assert callbacks.callbacks_place_due() == 1
        assert callbacks.callbacks_place_due() == 0, "placed once"
    create.assert_called_once_with(
        to=vapi.CUSTOMER_PHONE,
        from_="+15005550006",
        url="https://webhooks.example.test/webhooks/twilio/voice/",
        status_callback_url="https://webhooks.example.test/webhooks/twilio/status/",
    )
    assert ScheduledCallback.objects.get().status == ScheduledCallback.Status.PLACED


def test_callback_retries_transient_twilio_errors(client):
    ScheduledCallback.objects.create(source="x", phone="+14155550123", phone_hash="h", due_at=timezone.now())

    with mock.patch(
        "calls.services.callbacks.twilio.call_create",
        autospec=True,
        side_effect=twilio.TwilioTransientError("503", status=503),
    ):
        callbacks.callbacks_place_due()

    callback = ScheduledCallback.objects.get()
    assert (callback.status, callback.attempts) == (ScheduledCallback.Status.PENDING, 1)


# --- Transfers and escalation --------------------------------------------------------------


def test_transfer_goes_to_the_department_the_assistant_chose(client, settings):
    call = vapi.new_call()
    vapi.post(client, vapi.tool_calls(call, ("transfer_to_human", {"department": "billing", "reason": "refund"})))
    process()

    destination = vapi.post(client, vapi.transfer_destination_request(call)).json()["destination"]

    assert destination == {
        "type": "number",
        "number": settings.IVR_DEPARTMENTS["billing"],
        "message": "Connecting you to billing now.",
    }


@pytest.mark.parametrize(
    "said", ["I want to speak to your supervisor", "this is an EMERGENCY", "can I talk to a real person please"]
)
def test_urgent_words_escalate_the_call_to_a_human(client, settings, said):
    settings.ESCALATION_NUMBER = "+15005550999"
    call = vapi.new_call()
    vapi.post(client, vapi.tool_calls(call, ("transfer_to_human", {"department": "sales"})))
    vapi.post(client, vapi.transcript(call, said, role="user"))
    process()

    row = Call.objects.get()
    destination = vapi.post(client, vapi.transfer_destination_request(call)).json()["destination"]
    assert row.escalated and row.escalation_reason
    assert said.lower() not in row.escalation_reason
    assert destination["number"] == "+15005550999"


def test_the_assistant_saying_urgent_words_escalates_nothing(client):
    call = vapi.new_call()
    vapi.post(client, vapi.transcript(call, "I can cancel that for you, or get a manager", role="assistant"))
    process()

    assert not Call.objects.get().escalated


# --- End-of-call reports ----------------------------------------------------------------------

TURNS = [
    ("bot", "Hi, may I record this call?"),
    ("user", "Yes. My name is Dana Whitfield and my phone is 415-555-0132."),
    ("bot", "Thanks Dana, how can I help?"),
    ("user", "My card 4111 1111 1111 1111 was charged twice."),
]


def test_end_of_call_report_becomes_redacted_segments_summary_cost_and_recordings(client):
    call = vapi.new_call()
    vapi.post(
        client,
        vapi.end_of_call_report(
            call,
            TURNS,
            summary="Dana Whitfield (415-555-0132) disputed a charge.",
            consent_granted_at="2026-11-21T10:00:05Z",
        ),
    )
    process()

    row = Call.objects.get()
    segments = list(row.transcript_segments.order_by("source", "position").values_list("source", "speaker", "text"))
    assert segments == [
        ("vapi.end-of-call-report", "assistant", "Hi, may I record this call?"),
        ("vapi.end-of-call-report", "caller", "Yes. My name is [PERSON] and my phone is [PHONE]."),
        ("vapi.end-of-call-report", "assistant", "Thanks [PERSON], how can I help?"),
        ("vapi.end-of-call-report", "caller", "My card [CREDIT_CARD] was charged twice."),
        ("vapi.summary", "summary", "[PERSON] ([PHONE]) disputed a charge."),
    ]
    assert (row.status, row.end_reason, str(row.cost)) == (Call.Status.COMPLETED, "customer-ended-call", "0.1234")
    assert sorted(Recording.objects.values_list("recording_sid", flat=True)) == [
        f"vapi:{call['id']}:mono",
        f"vapi:{call['id']}:stereo",
    ]
    consent = ConsentEvent.objects.get()
    assert (consent.decision, consent.method) == (ConsentDecision.GRANTED, ConsentMethod.PROVIDER_REPORT)
    assert not Recording.objects.filter(deletion_requested_at__isnull=False).exists()


@pytest.mark.parametrize(
    "turns, redacted",
    [
        (
            [
                ("bot", "And the three digit security code on the back?"),
                ("user", "4 1 2."),
                ("bot", "And what's your date of birth?"),
                ("user", "Uh, march third, eighty five."),
            ],
            [None, "[CVV].", None, "Uh, [DATE_OF_BIRTH]."],
        ),
        # A value finished a turn later reads the question before both.
        (
            [
                ("bot", "And what's your date of birth?"),
                ("user", "It's May…"),
                ("user", "…the 5th, 1997."),
                ("bot", "Thank you. Anything else today?"),
            ],
            [None, "It's [DATE_OF_BIRTH]…", "[DATE_OF_BIRTH].", None],
        ),
    ],
    ids=["bare answers", "finished a turn later"],
)
def test_a_bare_answer_is_redacted_by_the_questions_in_the_turns_before(client, turns, redacted):
    vapi.post(client, vapi.end_of_call_report(vapi.new_call(), turns))
    process()

    segments = TranscriptSegment.objects.filter(source="vapi.end-of-call-report").order_by("position")
    expected = [said if after is None else after for (_, said), after in zip(turns, redacted, strict=True)]
    assert list(segments.values_list("text", flat=True)) == expected


def test_a_report_s_messages_are_read_in_one_pass_and_a_value_said_again_later_is_redacted(client):
    from compliance.redaction import redact_turns

    turns = [
        ("bot", "What's your PIN?"), ("user", "Um, it's 8 0 3 1."),
        ("bot", "Thanks. And are you calling about the bill?"), ("user", "yeah the one from march"),
        ("bot", "Okay, I see it."), ("user", "Great."), ("bot", "And just to confirm, 8031, that matches."),
    ]  # fmt: skip
    vapi.post(client, vapi.end_of_call_report(vapi.new_call(), turns, summary="The caller asked about a bill."))

    with mock.patch("calls.services.transcripts.redact_turns", autospec=True, side_effect=redact_turns) as read:
        process()

    # The messages in one pass, the summary apart: two reads of the engine for eight segments.
    assert [len(call.args[0]) for call in read.call_args_list] == [len(turns), 1]
    segments = TranscriptSegment.objects.filter(source="vapi.end-of-call-report").order_by("position")
    stored = list(segments.values_list("text", flat=True))
    assert stored[1] == "Um, it's [PIN]."
    # Three turns later than the three a turn read alone holds: the same value, redacted.
    assert stored[6] == "And just to confirm, [PIN], that matches."


def test_a_report_turn_the_engine_fails_on_is_masked_alone(client):
    from compliance.redaction import redact_turns

    def fails_on_the_card(turns, **options):
        if any("4111" in turn for turn in turns):
            raise MemoryError
        return redact_turns(turns, **options)

    vapi.post(client, vapi.end_of_call_report(vapi.new_call(), TURNS))
    with mock.patch("calls.services.transcripts.redact_turns", autospec=True, side_effect=fails_on_the_card):
        process()

    segments = TranscriptSegment.objects.filter(source="vapi.end-of-call-report").order_by("position")
    assert list(segments.values_list("status", "text", "failure_reason")) == [
        (TranscriptSegment.Status.REDACTED, "Hi, may I record this call?", ""),
        (TranscriptSegment.Status.REDACTED, "Yes. My name is [PERSON] and my phone is [PHONE].", ""),
        (TranscriptSegment.Status.REDACTED, "Thanks [PERSON], how can I help?", ""),
        (TranscriptSegment.Status.MASKED, TranscriptSegment.FULLY_MASKED, "redaction failed: MemoryError"),
    ]
    assert not InboundEvent.objects.filter(payload__isnull=False).exists()


def test_recording_without_consent_from_either_side_is_deleted_at_vapi(client):
    call = vapi.new_call()
    vapi.post(client, vapi.end_of_call_report(call, TURNS))
    process()

    assert Recording.objects.filter(deletion_requested_at__isnull=False).count() == 2
    from calls.services import recordings

    with mock.patch("calls.services.recordings.vapi.call_delete", autospec=True) as delete:
        for recording in Recording.objects.all():
            recordings.recording_delete_at_provider(recording_id=recording.pk)
    delete.assert_called_with(call_id=call["id"])
    assert not Recording.objects.filter(deleted_at__isnull=True).exists()


def test_the_same_report_delivered_twice_is_stored_once(client):
    body = vapi.end_of_call_report(vapi.new_call(), TURNS)

    first, second = vapi.post(client, body), vapi.post(client, body)
    process()

    assert first.status_code == second.status_code == 200
    assert InboundEvent.objects.count() == 1
    assert TranscriptSegment.objects.count() == 4


def test_a_redelivered_report_replaces_the_segments_never_duplicates_them(client):
    call = vapi.new_call()
    vapi.post(client, vapi.transcript(call, "hello, live words", role="user"))
    vapi.post(client, vapi.end_of_call_report(call, TURNS, summary="first"))
    process()
    vapi.post(client, vapi.end_of_call_report(call, TURNS, summary="second"))
    process()

    assert InboundEvent.objects.filter(kind=InboundEvent.Kind.VAPI_END_OF_CALL).count() == 2
    assert TranscriptSegment.objects.filter(source="vapi.end-of-call-report").count() == 4
    assert list(TranscriptSegment.objects.filter(source="vapi.summary").values_list("text", flat=True)) == ["second"]
    assert not TranscriptSegment.objects.filter(source="vapi.transcript").exists()
    assert not InboundEvent.objects.filter(payload__isnull=False).exists(), "the replaced live words were scrubbed"


def test_a_live_transcript_delivered_after_the_report_is_not_stored_twice(client):
    call = vapi.new_call()
    vapi.post(client, vapi.end_of_call_report(call, TURNS))
    process()
    late = vapi.post(client, vapi.transcript(call, TURNS[1][1], role="user"))
    process()

    assert late.status_code == 200
    assert TranscriptSegment.objects.count() == 4
    assert not TranscriptSegment.objects.filter(source="vapi.transcript").exists()
    assert not InboundEvent.objects.filter(payload__isnull=False).exists(), "the late words were scrubbed"


# --- One call, two providers ---------------------------------------------------------------------


@pytest.mark.parametrize("twilio_first", [True, False])
def test_twilio_status_and_vapi_status_for_the_same_call_in_either_order(client, twilio_post, twilio_first):
    from tests.factories import twilio_call_params

    sid = call_sid()
    call = vapi.new_call(twilio_sid=sid)

    def send_twilio():
        params = twilio_call_params(sid, CallStatus="in-progress", SequenceNumber="1", From=vapi.CUSTOMER_PHONE)
        twilio_post("/webhooks/twilio/status/", params)

    def send_vapi():
        vapi.post(client, vapi.status_update(call, "ended", endedReason="assistant-ended-call"))

    for send in (send_twilio, send_vapi) if twilio_first else (send_vapi, send_twilio):
        send()
        process()

    row = Call.objects.get()
    assert (row.call_sid, row.vapi_call_id) == (sid, call["id"])
    assert row.status == Call.Status.COMPLETED
    assert row.end_reason == "assistant-ended-call"
    assert row.from_number == vapi.CUSTOMER_PHONE
    assert row.status_events.count() == 2
