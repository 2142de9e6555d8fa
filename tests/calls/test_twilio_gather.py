from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from unittest import mock

import pytest

from calls.models import Call, InboundEvent
from calls.services.inbox import inbox_process
from compliance.models import ConsentDecision, ConsentEvent, ConsentMethod
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db

GATHER = "/webhooks/twilio/gather/"
PROMPT = "2026-11-v1"


def consent_query(attempt: int = 1) -> dict[str, object]:
    return {"step": "consent", "attempt": attempt, "prompt": PROMPT}


def process_all() -> None:
    for event_id in (
        InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).order_by("id").values_list("pk", flat=True)
    ):
        assert inbox_process(event_id=event_id)


def answer(twilio_post, *, query, **fields):
    params = twilio_call_params(CallStatus="in-progress", **fields)
    return params, twilio_post(GATHER, params, query=query)


def test_keypad_1_grants_consent_and_requests_recording(twilio_post, django_capture_on_commit_callbacks):
    params, response = answer(twilio_post, query=consent_query(), Digits="1")

    assert response.status_code == 200
    document = ElementTree.fromstring(response.content)
    assert document.find("Say").text == "Thank you. This call will be recorded."
    assert "step=menu" in document.find("Gather").attrib["action"]

    with mock.patch("calls.tasks.recording_start.delay", autospec=True) as start:
        with django_capture_on_commit_callbacks(execute=True):
            process_all()

    consent = ConsentEvent.objects.get()
    assert (consent.decision, consent.method) == (ConsentDecision.GRANTED, ConsentMethod.DTMF)
    assert consent.prompt_version == PROMPT
    assert consent.jurisdiction == "US-CA"
    assert consent.call_sid == params["CallSid"]
    call = Call.objects.get(call_sid=params["CallSid"])
    assert call.recording_state == Call.RecordingState.REQUESTED
    start.assert_called_once_with(call.pk)


def test_keypad_2_declines_and_no_recording_is_ever_requested(twilio_post, django_capture_on_commit_callbacks):
    params, response = answer(twilio_post, query=consent_query(), Digits="2")

    assert b"will not be recorded" in response.content
    with mock.patch("calls.tasks.recording_start.delay", autospec=True) as start:
        with django_capture_on_commit_callbacks(execute=True):
            process_all()

    assert ConsentEvent.objects.get().decision == ConsentDecision.DECLINED
    assert Call.objects.get().recording_state == Call.RecordingState.NOT_REQUESTED
    start.assert_not_called()


def test_confident_spoken_yes_grants_consent_and_keeps_the_words_redacted(twilio_post):
    answer(twilio_post, query=consent_query(), SpeechResult="Yes, that's fine, my PIN is 4417", Confidence="0.91")
    process_all()
    consent = ConsentEvent.objects.get()

    assert (consent.decision, consent.method) == (ConsentDecision.GRANTED, ConsentMethod.SPEECH)
    assert consent.utterance.text == "Yes, that's fine, my PIN is [PIN]"
    assert consent.confidence == pytest.approx(0.91)


def test_spoken_yes_below_the_confidence_threshold_is_asked_again(twilio_post):
    _, response = answer(twilio_post, query=consent_query(), SpeechResult="yes", Confidence="0.74")

    gather = ElementTree.fromstring(response.content).find("Gather")
    assert "attempt=2" in gather.attrib["action"]
    assert gather.find("Say").text.startswith("Sorry, I didn't catch that.")
    process_all()
    assert not ConsentEvent.objects.exists()


def test_ambiguous_speech_is_not_taken_as_consent(twilio_post):
    _, response = answer(twilio_post, query=consent_query(), SpeechResult="yes no", Confidence="0.99")

    assert b"attempt=2" in response.content
    process_all()
    assert not ConsentEvent.objects.exists()


def test_no_answer_after_the_last_attempt_continues_without_recording(twilio_post):
    _, response = answer(twilio_post, query=consent_query(attempt=3))

    assert b"could not confirm your permission" in response.content
    assert b"step=menu" in response.content
    process_all()
    assert not ConsentEvent.objects.exists()
    assert Call.objects.get().recording_state == Call.RecordingState.NOT_REQUESTED


def test_duplicate_consent_gather_gets_the_same_twiml_and_one_consent_event(twilio_post):
    params = twilio_call_params(CallStatus="in-progress", Digits="1")
    first = twilio_post(GATHER, params, query=consent_query())
    second = twilio_post(GATHER, params, query=consent_query())
    process_all()

    assert second.status_code == 200
    assert second.content == first.content
    assert InboundEvent.objects.get().deliveries == 2
    assert ConsentEvent.objects.count() == 1


@pytest.mark.parametrize(
    "fields, department",
    [
        ({"Digits": "1"}, "sales"),
        ({"Digits": "3"}, "billing"),
        ({"SpeechResult": "support please", "Confidence": "0.70"}, "support"),
    ],
)
def test_menu_choice_dials_the_department_with_a_status_callback(twilio_post, settings, fields, department):
    _, response = answer(twilio_post, query={"step": "menu", "attempt": 1}, **fields)

    number = ElementTree.fromstring(response.content).find("Dial/Number")
    assert number.text == settings.IVR_DEPARTMENTS[department]
    assert number.attrib["statusCallback"] == "https://webhooks.example.test/webhooks/twilio/status/"
    process_all()
    assert Call.objects.get().department == department


def test_low_confidence_menu_speech_is_asked_again(twilio_post):
    _, response = answer(twilio_post, query={"step": "menu", "attempt": 1}, SpeechResult="sales", Confidence="0.64")

    assert b"step=menu&amp;attempt=2" in response.content
    assert b"<Dial" not in response.content


def test_three_failed_menu_attempts_go_to_the_operator(twilio_post, settings):
    _, response = answer(twilio_post, query={"step": "menu", "attempt": 3}, Digits="9")

    assert ElementTree.fromstring(response.content).find("Dial/Number").text == settings.IVR_OPERATOR_NUMBER
    process_all()
    assert Call.objects.get().department == "operator"


def test_duplicate_menu_gather_dials_once(twilio_post):
    params = twilio_call_params(CallStatus="in-progress", Digits="2")
    first = twilio_post(GATHER, params, query={"step": "menu", "attempt": 1})
    second = twilio_post(GATHER, params, query={"step": "menu", "attempt": 1})

    assert first.content == second.content
    assert InboundEvent.objects.count() == 1


@pytest.mark.parametrize(
    "query",
    [
        {"step": "transfer", "attempt": 1},
        {"step": "menu", "attempt": 0},
        {"step": "menu", "attempt": 4},
        {"step": "menu"},
        {"step": "consent", "attempt": 1, "prompt": "made-up"},
    ],
)
def test_malformed_gather_query_is_rejected_without_storing(twilio_post, query):
    _, response = answer(twilio_post, query=query, Digits="1")

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize(
    "fields", [{"Digits": "12ab"}, {"Confidence": "high"}, {"Confidence": "1.5"}, {"SpeechResult": "x" * 2000}]
)
def test_malformed_gather_answer_is_rejected_without_storing(twilio_post, fields):
    _, response = answer(twilio_post, query=consent_query(), **fields)

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()
