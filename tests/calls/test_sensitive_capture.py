"""Sensitive capture: recordings paused while card or identity numbers are
given, through a keypad payment, the assistant's tools or the safety net,
against the loopback Twilio stand-in over real HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import count
from unittest import mock

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from calls.models import Call, CaptureEvent, InboundEvent, Payment, Recording, RecordingPause
from calls.services import capture, inbox
from calls.services.recordings import call_request_recording, call_start_recording
from compliance.models import AuditEvent, ConsentDecision, ConsentMethod
from compliance.recording_review import recording_review
from compliance.redaction.recognizers import types_in
from compliance.services import consent_record
from tests.calls import vapi_messages as vapi
from tests.factories import CallFactory, call_sid, twilio_call_params
from tests.twilio_api import FakeTwilioApi

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"
_sources = count()
types_in(CARD)  # as the capture worker does when it starts (contactcenter/celery.py)


def recording_call(twilio_api: FakeTwilioApi, **fields: object) -> tuple[Call, Recording]:
    """A consented call whose recording is running at the stand-in."""
    call = CallFactory(recording_state=Call.RecordingState.STARTED, **fields)
    consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=f"test:{call.call_sid}", occurred_at=timezone.now(),
    )  # fmt: skip
    recording = Recording.objects.create(
        recording_sid="RE" + call.call_sid[2:],
        call=call,
        status=Recording.Status.IN_PROGRESS,
        started_at=timezone.now(),
    )
    twilio_api.statuses[recording.recording_sid] = "in-progress"
    return call, recording


def event(call: Call, reason: str, action: str, *, at=None) -> None:
    capture.capture_record(
        call=call, reason=reason, action=action, occurred_at=at or timezone.now(), source=f"test:{next(_sources)}"
    )


def process() -> None:
    for event_id in InboundEvent.objects.filter(status="pending").order_by("id").values_list("pk", flat=True):
        assert inbox.inbox_process(event_id=event_id), InboundEvent.objects.get(pk=event_id).last_error


# --- The state machine ------------------------------------------------------------------------


def test_entering_capture_pauses_a_running_recording_and_leaving_resumes_it(twilio_api, settings):
    call, recording = recording_call(twilio_api)

    event(call, CaptureEvent.Reason.ASSISTANT, CaptureEvent.Action.ENTER)
    capture.capture_reconcile(call_id=call.pk)

    pause = RecordingPause.objects.get(recording=recording)
    assert twilio_api.statuses[recording.recording_sid] == "paused"
    (request,) = [request for request in twilio_api.requests if request.method == "POST"]
    assert request.form["PauseBehavior"] == [settings.CAPTURE_PAUSE_BEHAVIOR]
    assert (pause.reasons, pause.ending) == ("assistant", "")
    assert AuditEvent.objects.filter(action="recording.paused", object_id=str(recording.pk)).exists()

    event(call, CaptureEvent.Reason.ASSISTANT, CaptureEvent.Action.LEAVE)
    capture.capture_reconcile(call_id=call.pk)

    pause.refresh_from_db()
    assert twilio_api.updates(recording.recording_sid) == ["paused", "in-progress"]
    assert pause.ending == RecordingPause.Ending.RESUMED and pause.resumed_at >= pause.paused_at
    assert Recording.objects.get(pk=recording.pk).status == Recording.Status.IN_PROGRESS
    assert AuditEvent.objects.filter(action="recording.resumed", object_id=str(recording.pk)).exists()


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(["payment", "assistant"]), st.sampled_from(["enter", "leave"]), st.integers(0, 50)),
        min_size=1,
        max_size=6,
        unique_by=lambda event: event[2],  # a moment is one event: two at once have no order
    ),
    st.randoms(use_true_random=False),
    st.integers(0, 3),
)
def test_repeated_and_reordered_deliveries_end_where_the_events_in_time_order_say(twilio_api, events, random, repeats):
    """Whatever order the entries and exits arrive in, and however often,
    the recording ends paused exactly when some reason's last event in time
    is an entry; it is never asked to resume unless paused, nor to pause twice."""
    call, recording = recording_call(twilio_api)
    start = timezone.now() - timedelta(minutes=5)
    deliveries = [(reason, action, start + timedelta(seconds=second), index) for index, (reason, action, second) in
                  enumerate(events)]  # fmt: skip
    deliveries += random.choices(deliveries, k=repeats)
    random.shuffle(deliveries)

    for reason, action, at, index in deliveries:
        capture.capture_record(call=call, reason=reason, action=action, occurred_at=at, source=f"{call.pk}:{index}")
        capture.capture_reconcile(call_id=call.pk)

    last = {}
    for reason, action, _, _ in sorted(deliveries, key=lambda item: item[2]):
        last[reason] = action
    expected = "paused" if "enter" in last.values() else "in-progress"
    assert twilio_api.statuses[recording.recording_sid] == expected
    asked = twilio_api.updates(recording.recording_sid)
    assert all(first != second for first, second in zip(asked, asked[1:], strict=False)), asked
    assert not asked or asked[0] == "paused"
    assert RecordingPause.objects.filter(recording=recording, ending="").count() == (expected == "paused")


def test_a_recording_that_is_no_longer_running_is_not_resumed(twilio_api):
    call, recording = recording_call(twilio_api)
    event(call, CaptureEvent.Reason.PAYMENT, CaptureEvent.Action.ENTER)
    capture.capture_reconcile(call_id=call.pk)
    twilio_api.finish(recording.recording_sid)  # the caller hung up mid-payment

    event(call, CaptureEvent.Reason.PAYMENT, CaptureEvent.Action.LEAVE)
    capture.capture_reconcile(call_id=call.pk)

    pause = RecordingPause.objects.get(recording=recording)
    assert pause.ending == RecordingPause.Ending.RECORDING_ENDED and pause.resumed_at is None
    assert twilio_api.statuses[recording.recording_sid] == "completed"
    # A recording already known to be over is not even asked.
    Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.COMPLETED)
    requests_before = len(twilio_api.requests)
    event(call, CaptureEvent.Reason.PAYMENT, CaptureEvent.Action.ENTER)
    capture.capture_reconcile(call_id=call.pk)
    assert len(twilio_api.requests) == requests_before


def test_a_detection_lapses_after_the_quiet_period(twilio_api, settings):
    settings.CAPTURE_QUIET_SECONDS = 30
    call, recording = recording_call(twilio_api)
    event(call, CaptureEvent.Reason.DETECTED, CaptureEvent.Action.ENTER, at=timezone.now() - timedelta(seconds=10))

    assert capture.capture_reconcile(call_id=call.pk) is not None
    assert twilio_api.statuses[recording.recording_sid] == "paused"

    # Said ten seconds before it was acted on: the pause holds for the whole quiet period from the pause.
    assert capture.capture_reasons_open(call, now=timezone.now() + timedelta(seconds=25)) == ["detected"]
    assert capture.capture_reasons_open(call, now=timezone.now() + timedelta(seconds=31)) == []
    CaptureEvent.objects.filter(call=call).update(lapses_at=timezone.now() - timedelta(seconds=1))
    assert capture.capture_reconcile(call_id=call.pk) is None
    assert twilio_api.statuses[recording.recording_sid] == "in-progress"


def test_a_recording_starts_only_once_the_capture_is_closed(twilio_api, django_capture_on_commit_callbacks):
    call = CallFactory()
    consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=f"test:{call.call_sid}", occurred_at=timezone.now(),
    )  # fmt: skip
    event(call, CaptureEvent.Reason.ASSISTANT, CaptureEvent.Action.ENTER)
    call_request_recording(call=call)

    call_start_recording(call_id=call.pk)

    assert Call.objects.get(pk=call.pk).recording_state == Call.RecordingState.REQUESTED
    assert not [request for request in twilio_api.requests if request.path.endswith("/Recordings.json")]
    event(call, CaptureEvent.Reason.ASSISTANT, CaptureEvent.Action.LEAVE)
    with django_capture_on_commit_callbacks() as callbacks:
        capture.capture_reconcile(call_id=call.pk)
    assert len(callbacks) == 1, "the start is enqueued again"
    call_start_recording(call_id=call.pk)
    assert Call.objects.get(pk=call.pk).recording_state == Call.RecordingState.STARTED


# --- The safety net ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said, found",
    [
        (f"Sure, it's {CARD}.", "CREDIT_CARD"),
        ("my social is five two three four one seven seven oh two", "SSN"),
        ("The security code on the back is 4 1 2.", "CVV"),
    ],
)
def test_card_or_identity_numbers_in_a_live_transcript_pause_the_running_recording(client, twilio_api, said, found):
    sid = call_sid()
    call, recording = recording_call(twilio_api, call_sid=sid, provider="vapi")
    message = vapi.transcript(vapi.new_call(twilio_sid=sid), said)

    assert vapi.post(client, message).status_code == 200
    capture.capture_apply(event_id=InboundEvent.objects.get(kind=InboundEvent.Kind.VAPI_TRANSCRIPT).pk)

    assert twilio_api.statuses[recording.recording_sid] == "paused"
    detected = CaptureEvent.objects.get(call=call, reason=CaptureEvent.Reason.DETECTED)
    assert found in detected.detail.split(",")
    audited = AuditEvent.objects.get(action="capture.enter")
    assert audited.details == {"reason": "detected", "detail": detected.detail}
    # The inbox worker records the same detection once, not twice.
    process()
    assert CaptureEvent.objects.filter(call=call).count() == 1


@pytest.mark.parametrize("question_applied", [False, True], ids=["question still held", "question applied"])
def test_a_bare_expiry_after_its_question_pauses_the_running_recording(client, twilio_api, question_applied):
    sid = call_sid()
    call, recording = recording_call(twilio_api, call_sid=sid, provider="vapi")
    vapi_call = vapi.new_call(twilio_sid=sid)
    question = vapi.transcript(vapi_call, "And the expiration date on the card?", role="assistant")
    vapi.post(client, question)
    if question_applied:  # its words now only in its redacted segment
        process()
        assert InboundEvent.objects.get().payload is None

    answer = "Twelve twenty-seven."  # nothing alone: the question types it
    assert not types_in(answer) & capture.SENSITIVE_TYPES
    vapi.post(client, vapi.transcript(vapi_call, answer))
    capture.capture_apply(event_id=InboundEvent.objects.latest("id").pk)

    assert twilio_api.statuses[recording.recording_sid] == "paused"
    assert "CARD_EXPIRY" in CaptureEvent.objects.get(call=call, reason=CaptureEvent.Reason.DETECTED).detail.split(",")


def test_ordinary_talk_pauses_nothing(client, twilio_api):
    sid = call_sid()
    call, recording = recording_call(twilio_api, call_sid=sid, provider="vapi")
    message = vapi.transcript(vapi.new_call(twilio_sid=sid), "I'd like to pay my bill, it was $49.99 in May.")

    vapi.post(client, message)
    capture.capture_apply(event_id=InboundEvent.objects.get().pk)

    assert not CaptureEvent.objects.exists()
    assert twilio_api.statuses[recording.recording_sid] == "in-progress"


# --- The assistant's tools ----------------------------------------------------------------------


def test_the_assistant_pauses_and_resumes_with_its_tools(client, twilio_api):
    sid = call_sid()
    call, recording = recording_call(twilio_api, call_sid=sid, provider="vapi")
    vapi_call = vapi.new_call(twilio_sid=sid)

    response = vapi.post(client, vapi.tool_calls(vapi_call, ("begin_sensitive_capture", {"kind": "card"})))
    (result,) = response.json()["results"]
    assert result["result"].startswith("Recording paused.")
    capture.capture_apply(event_id=InboundEvent.objects.latest("id").pk)
    assert twilio_api.statuses[recording.recording_sid] == "paused"

    vapi.post(client, vapi.tool_calls(vapi_call, ("end_sensitive_capture", {})))
    capture.capture_apply(event_id=InboundEvent.objects.latest("id").pk)
    assert twilio_api.statuses[recording.recording_sid] == "in-progress"
    process()
    assert list(CaptureEvent.objects.filter(call=call).values_list("action", flat=True)) == ["enter", "leave"]


def test_a_capture_tool_with_bad_arguments_changes_nothing(client, twilio_api):
    sid = call_sid()
    call, recording = recording_call(twilio_api, call_sid=sid, provider="vapi")

    response = vapi.post(
        client, vapi.tool_calls(vapi.new_call(twilio_sid=sid), ("begin_sensitive_capture", {"kind": 7}))
    )

    assert "error" in response.json()["results"][0]
    process()
    assert not CaptureEvent.objects.exists()


@pytest.mark.parametrize("pci", [True, False])
def test_pci_mode_puts_vapis_compliance_plan_on_the_assistant(client, settings, pci):
    settings.PCI_MODE = pci
    settings.VAPI_ASSISTANT_ID = ""

    assistant = vapi.post(client, vapi.assistant_request(vapi.new_call())).json()["assistant"]

    assert assistant["metadata"]["pciMode"] is pci
    assert ("compliancePlan" in assistant) is pci
    if pci:
        assert assistant["compliancePlan"] == {"pciEnabled": True}
    tools = {tool["function"]["name"] for tool in assistant["model"]["tools"]}
    assert {"begin_sensitive_capture", "end_sensitive_capture"} <= tools
    assert "begin_sensitive_capture" in assistant["model"]["messages"][0]["content"]


# --- Keypad payments through <Pay> -----------------------------------------------------------------

MENU = "/webhooks/twilio/gather/"
PAY = "/webhooks/twilio/pay/"
RESULTS = [
    "success", "too-many-failed-attempts", "payment-connector-error", "caller-interrupted-with-star",
    "caller-hung-up", "validation-error", "internal-error",
]  # fmt: skip


def choose_payment(twilio_post, sid: str):
    params = twilio_call_params(sid, Digits="4", SpeechResult="", Confidence="")
    return twilio_post(MENU, params, query={"step": "menu", "attempt": 1})


def pay_result(sid: str, result: str) -> dict[str, str]:
    """What Twilio posts to the <Pay> action, card fields included."""
    params = {
        "AccountSid": "AC" + "0" * 32, "CallSid": sid, "Result": result,
        "PaymentCardNumber": "xxxx-xxxx-xxxx-1111", "PaymentCardType": "visa", "ExpirationDate": "1229",
        "SecurityCode": "***", "PaymentCardPostalCode": "94103", "PaymentMethod": "credit-card",
    }  # fmt: skip
    if result == "success":
        params.update(PaymentConfirmationCode="ch_3Nq8Z2", PaymentToken="tok_1Nq8Z2ABC")
    else:
        params.update(PayErrorCode="0", ConnectorError="")
    return params


def test_the_payment_choice_answers_with_pay_and_pauses_the_recording_first(twilio_post, twilio_api, settings):
    settings.PAY_ENABLED = True
    settings.PAY_CONNECTOR = "Stripe_Connector"
    sid = call_sid()
    call, recording = recording_call(twilio_api, call_sid=sid)

    response = choose_payment(twilio_post, sid)

    body = response.content.decode()
    assert response.status_code == 200 and "<Pay " in body
    assert (
        'paymentConnector="Stripe_Connector"' in body
        and 'action="https://webhooks.example.test/webhooks/twilio/pay/"' in body
    )
    assert body.index("<Say") < body.index("<Pay ")
    capture.capture_apply(event_id=InboundEvent.objects.get(kind=InboundEvent.Kind.TWILIO_GATHER).pk)
    assert twilio_api.statuses[recording.recording_sid] == "paused"


@pytest.mark.parametrize("result", RESULTS)
def test_every_pay_result_gets_its_answer_and_resumes_the_recording(twilio_post, twilio_api, settings, result):
    settings.PAY_ENABLED = True
    sid = call_sid()
    call, recording = recording_call(twilio_api, call_sid=sid)
    choose_payment(twilio_post, sid)
    capture.capture_apply(event_id=InboundEvent.objects.get().pk)

    response = twilio_post(PAY, pay_result(sid, result))

    body = response.content.decode()
    assert response.status_code == 200
    if result == "success":
        assert "<Hangup" in body and "<Dial" not in body
    elif result == "caller-hung-up":
        assert "<Say" not in body and "<Dial" not in body
    else:
        assert settings.IVR_DEPARTMENTS["billing"] in body
    capture.capture_apply(event_id=InboundEvent.objects.get(kind=InboundEvent.Kind.TWILIO_PAY).pk)
    assert twilio_api.statuses[recording.recording_sid] == "in-progress"
    process()
    payment = Payment.objects.get(call=call)
    assert (payment.result, payment.succeeded, payment.card_last4) == (result, result == "success", "1111")


def test_no_card_data_from_pay_is_stored_anywhere(twilio_post, twilio_api, settings):
    settings.PAY_ENABLED = True
    sid = call_sid()
    recording_call(twilio_api, call_sid=sid)
    choose_payment(twilio_post, sid)
    twilio_post(PAY, pay_result(sid, "success"))

    stored = json.dumps(InboundEvent.objects.get(kind=InboundEvent.Kind.TWILIO_PAY).payload)
    for card_data in ("1229", "94103", "***", "xxxx"):
        assert card_data not in stored
    process()
    payment = Payment.objects.get()
    assert payment.token_reference == "tok_1Nq8Z2ABC" and payment.confirmation_code == "ch_3Nq8Z2"
    audited = AuditEvent.objects.get(action="payment.result")
    assert audited.details == {"result": "success", "card_type": "visa", "error": ""}


@pytest.mark.parametrize(
    "change",
    [{"Result": "Success!"}, {"PaymentCardType": "v" * 33}, {"PaymentCardNumber": "x" * 40}],
)
def test_a_malformed_pay_result_is_refused_and_stores_nothing(twilio_post, change):
    response = twilio_post(PAY, {**pay_result(call_sid(), "success"), **change})

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


def test_an_unsigned_pay_result_is_refused(twilio_post):
    response = twilio_post(PAY, pay_result(call_sid(), "success"), signature="bad")

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_without_pay_enabled_a_payment_request_goes_to_billing(twilio_post, settings):
    settings.PAY_ENABLED = False
    params = twilio_call_params(call_sid(), Digits="", SpeechResult="I want to make a payment", Confidence="0.9")

    body = twilio_post(MENU, params, query={"step": "menu", "attempt": 1}).content.decode()

    assert "<Pay" not in body and settings.IVR_DEPARTMENTS["billing"] in body


def test_a_recording_paused_around_a_keypad_payment_is_certified_clean(twilio_post, twilio_api, settings):
    settings.PAY_ENABLED = True
    sid = call_sid()
    call, recording = recording_call(twilio_api, call_sid=sid)
    choose_payment(twilio_post, sid)
    capture.capture_apply(event_id=InboundEvent.objects.get().pk)
    twilio_post(PAY, pay_result(sid, "success"))
    capture.capture_apply(event_id=InboundEvent.objects.get(kind=InboundEvent.Kind.TWILIO_PAY).pk)
    process()
    Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.COMPLETED)
    Call.objects.filter(pk=call.pk).update(ended_at=timezone.now())

    assert recording_review(recording_id=recording.pk) == Recording.Review.CLEAN


def test_a_card_number_said_at_the_menu_pauses_the_running_recording(twilio_post, twilio_api):
    sid = call_sid()
    call, recording = recording_call(twilio_api, call_sid=sid)
    params = twilio_call_params(sid, Digits="", SpeechResult=f"Billing, my card is {CARD}", Confidence="0.9")

    twilio_post(MENU, params, query={"step": "menu", "attempt": 1})
    capture.capture_apply(event_id=InboundEvent.objects.get().pk)

    assert twilio_api.statuses[recording.recording_sid] == "paused"
    assert CaptureEvent.objects.get(call=call).detail == "CREDIT_CARD"


def test_an_utterance_the_request_lets_past_the_capture_queue_holds_nothing_the_safety_net_looks_for():
    """The request's cheap filter (a number or a month said at all) never drops what the
    rules would find: read over every labelled utterance of every corpus."""
    from pathlib import Path

    from compliance.redaction.evaluation import load_corpus

    # Not the sealed set: its lines are never shown, and a failure here would show them.
    corpora = sorted(
        path for path in (Path(__file__).parents[1] / "compliance" / "corpus").glob("*.jsonl") if path.stem != "sealed"
    )
    texts = [example.text for corpus in corpora for example in load_corpus(corpus)]
    assert len(texts) > 5000
    missed = [text for text in texts if not capture.may_be_sensitive(text) and types_in(text) & capture.SENSITIVE_TYPES]
    assert missed == []


def test_the_inbox_worker_reads_again_only_what_the_fast_path_may_have_read(client, twilio_api):
    """Its scan is the backstop for a lost fast-path message, so it reads what
    the request would have sent to the fast path (a number or a month said),
    with the turn before; words without either (the test above) are not read
    again, nor the turn before them."""
    sid = call_sid()
    call, _ = recording_call(twilio_api, call_sid=sid, provider="vapi")
    vapi_call = vapi.new_call(twilio_sid=sid)
    said = ["And what's the card number?", "Hold on, let me get my wallet.", f"Okay, it's {CARD}."]
    for words in said:
        vapi.post(client, vapi.transcript(vapi_call, words))

    with (
        mock.patch.object(capture, "_turn_before", wraps=capture._turn_before) as turn_before,
        mock.patch("compliance.redaction.recognizers.types_in", wraps=types_in) as read,
    ):
        process()

    assert [scan.args[0] for scan in read.call_args_list] == [said[2]]
    assert turn_before.call_count == 1
    assert CaptureEvent.objects.get(call=call).detail == "CREDIT_CARD"


def test_the_sweep_reconciles_only_calls_out_of_step(twilio_api, settings):
    settings.INBOX_SWEEP_GRACE_SECONDS = 30
    earlier = timezone.now() - timedelta(minutes=1)
    calls = {}
    for name in ("unpaused in capture", "paused in capture", "paused out of capture", "too recent"):
        call, recording = recording_call(twilio_api)
        calls[name] = call
        event(call, CaptureEvent.Reason.ASSISTANT, CaptureEvent.Action.ENTER, at=earlier)
        if name != "unpaused in capture":
            capture.capture_reconcile(call_id=call.pk)
    event(calls["paused out of capture"], CaptureEvent.Reason.ASSISTANT, CaptureEvent.Action.LEAVE, at=earlier)
    CaptureEvent.objects.exclude(call=calls["too recent"]).update(recorded_at=earlier)
    CaptureEvent.objects.filter(call=calls["too recent"]).update(recorded_at=timezone.now())

    with mock.patch("calls.tasks.capture_reconcile.delay", autospec=True) as enqueue:
        assert capture.capture_sweep() == 2

    swept = {args[0] for args, _ in enqueue.call_args_list}
    assert swept == {calls["unpaused in capture"].pk, calls["paused out of capture"].pk}
