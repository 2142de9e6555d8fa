"""The hand-off from the IVR to the Vapi assistant, end to end on the real
stack (the ``stack`` fixture, tests/calls/conftest.py): signed Twilio and
Vapi deliveries to gunicorn, a real worker, beat, Redis, PostgreSQL, and
Twilio's REST API as the loopback stand-in.

Twilio's side of a call is played as Twilio plays it: the inbound call, the
consent and menu answers, the <Dial> to Vapi's SIP number (a child leg with
its own status callbacks), the <Dial> action. Vapi's side is a conversation
on that SIP number presenting the reference it was dialled with. Each test
ends by reading, once the worker has applied everything, the story the
database tells of the call."""

from __future__ import annotations

import os
import random
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.conf import settings
from django.utils import timezone
from vapi.types import (
    ServerMessageAssistantRequest,
    ServerMessageEndOfCallReport,
    ServerMessageResponseAssistantRequest,
    ServerMessageResponseToolCalls,
    ServerMessageStatusUpdate,
    ServerMessageToolCalls,
    ServerMessageTranscript,
)

from calls import twiml
from calls.models import Call, HandoffClaim, InboundEvent, Recording, TranscriptSegment
from calls.selectors import call_timeline
from calls.services.vapi_webhooks import first_message
from compliance.models import AuditEvent, ConsentDecision, ConsentEvent, ConsentMethod
from tests.calls import vapi_messages as vapi
from tests.calls.test_capture_end_to_end import (
    REDIS_URL,
    gather_action,
    now_ms,
    recording_of,
    twilio_post,
    vapi_post,
)
from tests.factories import call_sid
from tests.loopback import wait_for

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL (.ci/run does)"),
    pytest.mark.django_db(transaction=True),
]

# As the stack is configured (tests/calls/conftest.py).
SIP_URI = "sip:contactcenter@sip.vapi.ai"
ROUTED_NUMBER = "+18005550177"  # in HANDOFF_NUMBERS: to the assistant as soon as consent is settled
MENU_NUMBER = "+18005550199"  # the menu first; 5 for the assistant
CALLER = "+14155550100"
SIP_NUMBER = {"provider": "vapi", "name": "Contact center assistant", "sipUri": SIP_URI}
AGREED = "As you agreed, this call is recorded."
NOT_RECORDED = "As you asked, this call is not recorded."
SCHEMAS = {
    "assistant-request": ServerMessageAssistantRequest,
    "status-update": ServerMessageStatusUpdate,
    "transcript": ServerMessageTranscript,
    "tool-calls": ServerMessageToolCalls,
    "end-of-call-report": ServerMessageEndOfCallReport,
}
TURNS = [
    ("bot", "You are speaking with an automated assistant. As you agreed, this call is recorded."),
    ("user", "I would like to know where my order is."),
    ("bot", "It left our warehouse this morning."),
]
SUMMARY = "Order status given."
PARENT_SECONDS = 95
CONSENTED = ["Thank you. This call will be recorded.", "Connecting you to our virtual assistant."]
CONNECTING = "Connecting you to our virtual assistant."


@pytest.fixture(autouse=True)
def handoff_settings(settings):  # noqa: ANN001
    """This process agrees with the stack, so the TwiML expected here is the TwiML the stack answers with."""
    settings.VAPI_SIP_URI = SIP_URI
    settings.HANDOFF_NUMBERS = [ROUTED_NUMBER]
    settings.PAY_ENABLED = True


# --- Deliveries ------------------------------------------------------------------------


@dataclass(frozen=True)
class TwilioDelivery:
    path: str
    params: dict[str, str]


@dataclass(frozen=True)
class VapiDelivery:
    body: dict[str, Any]


Delivery = TwilioDelivery | VapiDelivery


def deliver(base_url: str, delivery: Delivery) -> Any:
    """Send one delivery, signed; Twilio's answer as TwiML text, Vapi's as JSON."""
    if isinstance(delivery, TwilioDelivery):
        return twilio_post(base_url, delivery.path, delivery.params)
    return vapi_post(base_url, delivery.body).json()


def rfc2822_now() -> str:
    return format_datetime(timezone.now(), usegmt=True)


@dataclass
class IvrCall:
    """One caller through the IVR (the parent call) and the SIP leg its <Dial> opens to the assistant."""

    base_url: str
    to: str = ROUTED_NUMBER
    sid: str = field(default_factory=call_sid)
    leg_sid: str = field(default_factory=call_sid)
    reference: str = ""

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.sid, "AccountSid": settings.TWILIO_ACCOUNT_SID, "From": CALLER, "To": self.to,
            "FromState": "CA", "FromCountry": "US", "ToState": "NY", "ToCountry": "US", "Direction": "inbound",
            **extra,
        }  # fmt: skip

    def incoming(self) -> TwilioDelivery:
        return TwilioDelivery("/webhooks/twilio/voice/", self.params(CallStatus="ringing"))

    def answer(self, prompt: str, *, digits: str = "", speech: str = "", confidence: str = "") -> TwilioDelivery:
        """The caller's answer to the <Gather> of ``prompt``."""
        form = self.params(CallStatus="in-progress", Digits=digits)
        if speech:
            form.update(SpeechResult=speech, Confidence=confidence)
        return TwilioDelivery(gather_action(prompt), form)

    def status(self, status: str, sequence: int, **extra: str) -> TwilioDelivery:
        """A status callback of the parent call."""
        form = self.params(
            CallStatus=status, SequenceNumber=str(sequence), Timestamp=rfc2822_now(),
            CallbackSource="call-progress-events", **extra,
        )  # fmt: skip
        return TwilioDelivery("/webhooks/twilio/status/", form)

    def leg_status(
        self, status: str, sequence: int, *, leg: tuple[str, str] | None = None, **extra: str
    ) -> TwilioDelivery:
        """A status callback of a leg the parent dialled: by default the SIP
        leg to the assistant, addressed to the SIP URI the <Dial> named;
        ``leg`` is another one's (CallSid, To)."""
        leg_sid, to = leg or (self.leg_sid, f"{SIP_URI}?x-handoff={self.reference}")
        form = {
            "CallSid": leg_sid, "ParentCallSid": self.sid, "AccountSid": settings.TWILIO_ACCOUNT_SID,
            "From": CALLER, "To": to, "Direction": "outbound-dial", "CallStatus": status,
            "SequenceNumber": str(sequence), "Timestamp": rfc2822_now(), "CallbackSource": "call-progress-events",
            **extra,
        }  # fmt: skip
        return TwilioDelivery("/webhooks/twilio/status/", form)

    def dial_action(self, dial_status: str, *, call_status: str = "in-progress", **extra: str) -> TwilioDelivery:
        """The <Dial>'s action: how the leg to the assistant ended."""
        form = self.params(CallStatus=call_status, DialCallStatus=dial_status, DialCallSid=self.leg_sid, **extra)
        return TwilioDelivery("/webhooks/twilio/handoff/", form)

    def recording_completed(self, recording: Recording) -> TwilioDelivery:
        """Twilio's recording callback once the call is over."""
        form = {
            "AccountSid": settings.TWILIO_ACCOUNT_SID, "CallSid": self.sid, "RecordingSid": recording.recording_sid,
            "RecordingStatus": "completed", "RecordingChannels": "2", "RecordingSource": "StartCallRecordingAPI",
            "RecordingDuration": str(PARENT_SECONDS - 10),
            "RecordingStartTime": format_datetime(recording.started_at, usegmt=True),
        }  # fmt: skip
        return TwilioDelivery("/webhooks/twilio/recording/", form)

    def handed_off(self, answer: str, *, said: list[str]) -> None:
        """Check the TwiML that puts the caller through to the assistant and
        keep the reference its <Sip> carries. ``said``: the <Say>s before it."""
        response = ElementTree.fromstring(answer)  # noqa: S314  (our own server's answer)
        assert [child.tag for child in response] == ["Say"] * len(said) + ["Dial"], answer
        assert [say.text for say in response.findall("Say")] == said
        dial = response.find("Dial")
        assert dial.attrib["action"] == settings.PUBLIC_BASE_URL + "/webhooks/twilio/handoff/"
        assert dial.attrib["answerOnBridge"] == "true"
        assert dial.attrib["referUrl"] == settings.PUBLIC_BASE_URL + "/webhooks/twilio/refer/"
        sip = dial.find("Sip")
        assert sip.attrib["statusCallback"] == settings.PUBLIC_BASE_URL + "/webhooks/twilio/status/"
        address, _, headers = sip.text.partition("?")
        assert address == SIP_URI
        (self.reference,) = parse_qs(headers, strict_parsing=True)["x-handoff"]


@dataclass
class Conversation:
    """The assistant's conversation on Vapi's SIP number, as Vapi describes
    it: no Twilio CallSid anywhere, the INVITE's x-handoff header both as a
    SIP header and as the variable ``handoff``."""

    reference: str
    call: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.call = vapi.sip_call(self.reference, customer=CALLER)

    @property
    def id(self) -> str:
        return self.call["id"]

    def _on_sip_number(self, body: dict[str, Any]) -> VapiDelivery:
        """The message as Vapi's SIP number sends it, checked against Vapi's published schema."""
        body["message"]["phoneNumber"] = SIP_NUMBER
        parsed = SCHEMAS[body["message"]["type"]].model_validate(body["message"])
        assert (parsed.call.phone_call_provider, parsed.call.transport.provider) == ("vapi", "vapi.sip")
        assert parsed.call.assistant_overrides.variable_values["handoff"] == self.reference
        assert parsed.phone_number.sip_uri == SIP_URI
        return VapiDelivery(body)

    def assistant_request(self) -> VapiDelivery:
        return self._on_sip_number(vapi.assistant_request(self.call))

    def status(self, status: str, **fields: Any) -> VapiDelivery:
        call = {**self.call, "status": status}
        return self._on_sip_number(vapi.status_update(call, status, timestamp=now_ms(), **fields))

    def said(self, text: str, *, role: str = "user") -> VapiDelivery:
        call = {**self.call, "status": "in-progress"}
        return self._on_sip_number(vapi.transcript(call, text, role=role, timestamp=now_ms()))

    def tool(self, name: str, arguments: dict[str, Any]) -> VapiDelivery:
        call = {**self.call, "status": "in-progress"}
        return self._on_sip_number(vapi.tool_calls(call, (name, arguments)))

    def report(self, turns: list[tuple[str, str]], *, summary: str = SUMMARY, **fields: Any) -> VapiDelivery:
        """The end-of-call report: no recording of Vapi's own (the assistant is configured without one)."""
        call = {**self.call, "status": "ended"}
        return self._on_sip_number(vapi.end_of_call_report(call, turns, summary=summary, recording=False, **fields))


def assistant_in(answer: dict[str, Any]) -> dict[str, Any]:
    """The transient assistant of an assistant-request's answer, checked against Vapi's response schema."""
    assert ServerMessageResponseAssistantRequest.model_validate(answer).assistant is not None
    return answer["assistant"]


def tool_result(answer: dict[str, Any]) -> str:
    (result,) = ServerMessageResponseToolCalls.model_validate(answer).results
    assert result.error is None, answer
    return result.result


# --- Reading the outcome -----------------------------------------------------------------


def settle(*call_sids: str, timeout: float = 30) -> None:
    """Wait until the worker has applied every delivery of these calls,
    redacted their words and started any recording asked for. A delivery
    that failed even once fails the test: nothing here should."""

    def settled() -> bool:
        failed = list(
            InboundEvent.objects.filter(call_sid__in=call_sids)
            .exclude(last_error="")
            .values_list("kind", "status", "attempts", "last_error")
        )
        assert not failed, f"deliveries failed in the worker: {failed}"
        return not (
            InboundEvent.objects.filter(call_sid__in=call_sids).exclude(status=InboundEvent.Status.DONE).exists()
            or TranscriptSegment.objects.filter(
                call__call_sid__in=call_sids, status=TranscriptSegment.Status.PENDING
            ).exists()
            or Call.objects.filter(call_sid__in=call_sids, recording_state=Call.RecordingState.REQUESTED).exists()
        )

    try:
        wait_for(settled, timeout, "the worker to apply every delivery")
    except TimeoutError as error:
        left = list(
            InboundEvent.objects.filter(call_sid__in=call_sids)
            .exclude(status=InboundEvent.Status.DONE)
            .values_list("kind", "status", "attempts")
        )
        raise AssertionError(f"{error}; not applied: {left}") from None


def inbox_timeline(sid: str) -> list[tuple[Any, ...]]:
    """When each delivery of call ``sid`` was received, claimed and applied:
    what a failure that depends on the worker's pace needs to be read."""
    rows = InboundEvent.objects.filter(call_sid=sid).order_by("received_at")
    return list(rows.values_list("kind", "received_at", "claimed_at", "processed_at", "attempts"))


def recording_starts(api, sid: str) -> list:  # noqa: ANN001
    """The requests that asked the stand-in to start recording call ``sid``."""
    return [r for r in api.requests if r.method == "POST" and r.path.endswith(f"/Calls/{sid}/Recordings.json")]


def running_at_twilio(api, sid: str) -> list[str]:  # noqa: ANN001
    """Twilio's status, at the stand-in, of each recording of call ``sid`` that the service knows of."""
    recordings = Recording.objects.filter(call__call_sid=sid).values_list("recording_sid", flat=True)
    return [api.statuses.get(recording_sid, "") for recording_sid in recordings]


def story(sid: str) -> dict[str, Any]:
    """What the database tells of a call and its leg, free of ids and clock times."""
    call = Call.objects.get(call_sid=sid)
    return {
        "status": call.status,
        "duration": call.duration_seconds,
        "end_reason": call.end_reason,
        "department": call.department,
        "joined to a conversation": call.vapi_call_id is not None,
        "recording state": call.recording_state,
        "statuses": sorted(call.status_events.values_list("status", flat=True)),
        "events": sorted(call.events.values_list("type", "detail")),
        "consent": list(
            ConsentEvent.objects.filter(call_sid=sid).values_list(
                "decision", "method", "requirement", "jurisdiction", "prompt_version"
            )
        ),
        "segments": list(
            call.transcript_segments.order_by("source", "position").values_list(
                "source", "speaker", "position", "status", "text"
            )
        ),
        "recordings": sorted(call.recordings.values_list("provider", "status")),
        "legs": [
            (
                leg.status,
                leg.direction,
                leg.to_number,
                leg.duration_seconds,
                sorted(leg.status_events.values_list("status", flat=True)),
            )
            for leg in call.legs.all()
        ],
        "audit": sorted(
            AuditEvent.objects.filter(object_repr=sid, action__startswith="handoff.").values_list("action", flat=True)
        ),
        "claims": HandoffClaim.objects.filter(call_sid=sid).count(),
    }


# --- Consent granted, and the same call delivered twice and out of order ---------------


def conversation_deliveries(call: IvrCall, conversation: Conversation) -> tuple[list[Delivery], list[Delivery]]:
    """Everything Twilio and Vapi send once the caller is put through, each
    side in the order it happens: (Twilio's, Vapi's). Vapi's starts with the
    assistant-request."""
    twilio_side = [
        call.leg_status("initiated", 0),
        call.leg_status("ringing", 1),
        call.leg_status("in-progress", 2),
        call.leg_status("completed", 3, CallDuration=str(PARENT_SECONDS - 20), SipResponseCode="200"),
        call.dial_action("completed", DialCallDuration=str(PARENT_SECONDS - 20)),
        call.status("completed", 2, CallDuration=str(PARENT_SECONDS)),
    ]
    vapi_side = [
        conversation.assistant_request(),
        conversation.status("in-progress"),
        conversation.said(TURNS[0][1], role="assistant"),
        conversation.said(TURNS[1][1]),
        conversation.status("ended", endedReason="customer-ended-call"),
        conversation.report(TURNS, ended_reason="customer-ended-call"),
    ]
    return twilio_side, vapi_side


def interleave(rng: random.Random, first: list[Delivery], second: list[Delivery]) -> list[Delivery]:
    """The two lists merged at random, each keeping its own order."""
    first, second, merged = list(first), list(second), []
    while first or second:
        source = first if rng.random() < len(first) / (len(first) + len(second)) else second
        merged.append(source.pop(0))
    return merged


def test_consent_given_at_the_ivr_carries_into_the_assistant_and_one_story_survives_duplicates_and_reordering(stack):
    base, api = stack["base_url"], stack["twilio_api"]

    # Every delivery twice, Twilio's and Vapi's interleaved at random; Vapi
    # sends nothing of a conversation before its assistant-request is answered.
    seed = int(os.environ.get("HANDOFF_ORDER_SEED") or random.randrange(2**32))
    print(f"delivery order seed (HANDOFF_ORDER_SEED replays it): {seed}")  # noqa: T201  (shown when the test fails)
    rng = random.Random(seed)
    shuffled = IvrCall(base)
    incoming = shuffled.incoming()
    prompts = {deliver(base, incoming), deliver(base, incoming)}
    assert len(prompts) == 1
    consent_answer = shuffled.answer(prompts.pop(), digits="1")
    handoffs = {deliver(base, consent_answer), deliver(base, consent_answer)}
    assert len(handoffs) == 1, "a redelivered answer is answered word for word as the first"
    shuffled.handed_off(handoffs.pop(), said=CONSENTED)
    shuffled_conversation = Conversation(shuffled.reference)
    twilio_side, vapi_side = conversation_deliveries(shuffled, shuffled_conversation)
    twilio_side = [shuffled.status("in-progress", 1), *twilio_side]
    twilio_side = rng.sample(twilio_side * 2, len(twilio_side) * 2)
    assistant_request, *rest = vapi_side
    vapi_side = [assistant_request, *rng.sample([assistant_request, *rest * 2], 2 * len(rest) + 1)]
    answers = []
    for delivery in interleave(rng, twilio_side, vapi_side):
        answer = deliver(base, delivery)
        if delivery is assistant_request:
            answers.append(answer)
    assert answers[0] == answers[1]
    first_words = assistant_in(answers[0])["firstMessage"]
    assert first_words == f"{settings.AI_DISCLOSURE} {AGREED}", inbox_timeline(shuffled.sid)
    settle(shuffled.sid, shuffled.leg_sid)
    recording = Recording.objects.get(call__call_sid=shuffled.sid)
    api.finish(recording.recording_sid)
    deliver(base, shuffled.recording_completed(recording))
    deliver(base, shuffled.recording_completed(recording))
    settle(shuffled.sid, shuffled.leg_sid)

    # The same call in order, once each.
    call = IvrCall(base)
    prompt = deliver(base, call.incoming())
    deliver(base, call.status("in-progress", 1))
    call.handed_off(deliver(base, call.answer(prompt, digits="1")), said=CONSENTED)
    conversation = Conversation(call.reference)
    twilio_side, vapi_side = conversation_deliveries(call, conversation)
    leg_initiated, leg_ringing, leg_answered, leg_completed, dial_action, parent_completed = twilio_side
    assistant_request, *conversation_messages = vapi_side
    # Twilio plays the two sentences before it dials: Vapi asks for the assistant no sooner.
    time.sleep(3)
    deliver(base, leg_initiated)
    deliver(base, leg_ringing)
    assistant = assistant_in(deliver(base, assistant_request))
    answered_at = time.time()
    # The assistant speaks as soon as it has its answer: the recording runs by then.
    assert [start.at < answered_at for start in recording_starts(api, call.sid)] == [True], inbox_timeline(call.sid)
    assert assistant["firstMessage"] == f"{settings.AI_DISCLOSURE} {AGREED}", inbox_timeline(call.sid)
    assert "permission" not in assistant["firstMessage"]
    assert assistant["metadata"]["handoff"] == "valid"
    assert assistant["artifactPlan"] == {"recordingEnabled": False}
    deliver(base, leg_answered)
    for message in conversation_messages:
        deliver(base, message)
    settle(call.sid, call.leg_sid)
    parent = Call.objects.get(call_sid=call.sid)
    # Vapi's conversation ended; the caller's call is Twilio's to end.
    assert (parent.status, parent.duration_seconds, parent.ended_at) == (Call.Status.IN_PROGRESS, None, None)
    deliver(base, leg_completed)
    assert deliver(base, dial_action) == twiml.handoff_outcome(status="completed")
    deliver(base, parent_completed)
    recording = Recording.objects.get(call__call_sid=call.sid)
    api.finish(recording.recording_sid)
    deliver(base, call.recording_completed(recording))
    settle(call.sid, call.leg_sid)

    # One story, told once.
    told = story(call.sid)
    assert told == {
        "status": Call.Status.COMPLETED,
        "duration": PARENT_SECONDS,
        "end_reason": Call.Status.COMPLETED,
        "department": "",
        "joined to a conversation": True,
        "recording state": Call.RecordingState.STARTED,
        "statuses": ["completed", "in-progress", "ringing"],
        "events": sorted(
            [
                ("handoff", "to the assistant (after consent)"),
                ("ai-disclosure", settings.AI_DISCLOSURE[:64]),
                ("assistant", "in-progress"),
                ("assistant", "ended"),
                ("assistant ended", "customer-ended-call"),
                ("handoff ended", "completed"),
            ]
        ),
        "consent": [
            (ConsentDecision.GRANTED, ConsentMethod.DTMF, "all_party", "US-CA", settings.CONSENT_PROMPT_VERSION)
        ],
        "segments": [
            ("vapi.end-of-call-report", "assistant", 1, TranscriptSegment.Status.REDACTED, TURNS[0][1]),
            ("vapi.end-of-call-report", "caller", 2, TranscriptSegment.Status.REDACTED, TURNS[1][1]),
            ("vapi.end-of-call-report", "assistant", 3, TranscriptSegment.Status.REDACTED, TURNS[2][1]),
            ("vapi.summary", "summary", 0, TranscriptSegment.Status.REDACTED, SUMMARY),
        ],
        "recordings": [("twilio", Recording.Status.COMPLETED)],
        "legs": [
            (
                Call.Status.COMPLETED,
                "outbound-dial",
                SIP_URI,
                PARENT_SECONDS - 20,
                ["completed", "in-progress", "initiated", "ringing"],
            ),
        ],
        "audit": ["handoff.joined"],
        "claims": 1,
    }
    parent = Call.objects.get(call_sid=call.sid)
    assert parent.vapi_call_id == conversation.id
    assert Call.objects.get(call_sid=call.leg_sid).parent == parent
    # Twilio's statuses only: Vapi's "ended" and its report changed nothing of the call.
    assert set(parent.status_events.values_list("inbound_event__kind", flat=True)) == {
        InboundEvent.Kind.TWILIO_VOICE, InboundEvent.Kind.TWILIO_STATUS,
    }  # fmt: skip
    assert parent.ended_at == parent.status_events.get(status="completed").occurred_at
    # The reviewer's timeline of the call tells the leg's part too.
    assert sorted(entry.summary for entry in call_timeline(call=parent) if entry.kind == "leg") == sorted(
        f"{call.leg_sid} {status}" for status in ("initiated", "ringing", "in-progress", "completed")
    )
    assert story(shuffled.sid) == told
    assert Call.objects.get(call_sid=shuffled.sid).vapi_call_id == shuffled_conversation.id
    deliveries = InboundEvent.objects.filter(call_sid__in=(shuffled.sid, shuffled.leg_sid))
    assert set(deliveries.values_list("deliveries", flat=True)) == {2}, "each stored once, counted twice"
    # Nothing became a conversation of its own; one recording started per call.
    assert not Call.objects.filter(call_sid__startswith="vapi:").exists()
    assert (len(recording_starts(api, call.sid)), len(recording_starts(api, shuffled.sid))) == (1, 1)


# --- Consent declined, or settled by the assistant --------------------------------------


def end_of_conversation(call: IvrCall, conversation: Conversation, turns: list[tuple[str, str]]) -> list[Delivery]:
    """The assistant's conversation ends, then the leg, then the caller's call."""
    return [
        conversation.status("ended", endedReason="customer-ended-call"),
        conversation.report(turns, ended_reason="customer-ended-call"),
        call.leg_status("completed", 3, CallDuration="40", SipResponseCode="200"),
        call.dial_action("completed", DialCallDuration="40"),
        call.status("completed", 2, CallDuration="60"),
    ]


def test_consent_declined_or_left_unsettled_at_the_ivr_is_what_the_assistant_works_from(stack):
    base, api = stack["base_url"], stack["twilio_api"]

    # Declined at the IVR, then the assistant chosen from the menu.
    declined = IvrCall(base, to=MENU_NUMBER)
    prompt = deliver(base, declined.incoming())
    deliver(base, declined.status("in-progress", 1))
    menu = deliver(base, declined.answer(prompt, digits="2"))
    assert menu == twiml.after_consent(decision=ConsentDecision.DECLINED)
    assert "press 5 or say assistant" in menu
    declined.handed_off(deliver(base, declined.answer(menu, digits="5")), said=[CONNECTING])
    conversation = Conversation(declined.reference)
    deliver(base, declined.leg_status("initiated", 0))
    deliver(base, declined.leg_status("ringing", 1))
    assistant = assistant_in(deliver(base, conversation.assistant_request()))
    assert assistant["firstMessage"] == f"{settings.AI_DISCLOSURE} {NOT_RECORDED}"
    assert (assistant["metadata"]["handoff"], assistant["artifactPlan"]) == ("valid", {"recordingEnabled": False})
    turns = [("bot", assistant["firstMessage"]), ("user", "Where is my order?"), ("bot", "It ships today.")]
    deliver(base, declined.leg_status("in-progress", 2))
    deliver(base, conversation.status("in-progress"))
    deliver(base, conversation.said(turns[1][1]))
    for delivery in end_of_conversation(declined, conversation, turns):
        deliver(base, delivery)
    settle(declined.sid, declined.leg_sid)

    told = story(declined.sid)
    assert told["status"] == Call.Status.COMPLETED and told["duration"] == 60
    assert told["consent"] == [
        (ConsentDecision.DECLINED, ConsentMethod.DTMF, "all_party", "US-CA", settings.CONSENT_PROMPT_VERSION)
    ]
    assert (told["recording state"], told["recordings"]) == (Call.RecordingState.NOT_REQUESTED, [])
    assert told["department"] == "", "the assistant is not a department"
    assert ("handoff", "to the assistant (menu choice)") in told["events"]
    assert ("assistant ended", "customer-ended-call") in told["events"]
    assert Call.objects.get(call_sid=declined.sid).vapi_call_id == conversation.id
    assert not recording_starts(api, declined.sid)

    # Three unusable answers at the IVR; the caller tells the assistant yes.
    unsettled = IvrCall(base)
    prompt = deliver(base, unsettled.incoming())
    deliver(base, unsettled.status("in-progress", 1))
    prompt = deliver(base, unsettled.answer(prompt, digits="9"))
    assert prompt == twiml.consent_prompt(attempt=2, prompt_version=settings.CONSENT_PROMPT_VERSION)
    prompt = deliver(base, unsettled.answer(prompt, speech="maybe later", confidence="0.92"))
    assert prompt == twiml.consent_prompt(attempt=3, prompt_version=settings.CONSENT_PROMPT_VERSION)
    unsettled.handed_off(
        deliver(base, unsettled.answer(prompt)),
        said=["We could not confirm your permission, so this call will not be recorded.", CONNECTING],
    )
    conversation = Conversation(unsettled.reference)
    deliver(base, unsettled.leg_status("initiated", 0))
    deliver(base, unsettled.leg_status("ringing", 1))
    assistant = assistant_in(deliver(base, conversation.assistant_request()))
    # Consent is asked afresh, by the assistant.
    assert assistant["firstMessage"] == first_message(None)
    assert "With your permission, this call will be recorded" in assistant["firstMessage"]
    assert (assistant["metadata"]["handoff"], assistant["artifactPlan"]) == ("valid", {"recordingEnabled": False})
    deliver(base, unsettled.leg_status("in-progress", 2))
    deliver(base, conversation.status("in-progress"))
    deliver(base, conversation.said("Yes, you can record."))
    settle(unsettled.sid, unsettled.leg_sid)
    assert not ConsentEvent.objects.filter(call_sid=unsettled.sid).exists()
    assert not recording_starts(api, unsettled.sid)

    assert tool_result(deliver(base, conversation.tool("record_consent", {"decision": "granted"})))
    wait_for(lambda: recording_starts(api, unsettled.sid), 15, "the recording of the call handed off")
    settle(unsettled.sid, unsettled.leg_sid)
    assert running_at_twilio(api, unsettled.sid) == ["in-progress"]
    turns = [("bot", assistant["firstMessage"]), ("user", "Yes, you can record.")]
    for delivery in end_of_conversation(unsettled, conversation, turns):
        deliver(base, delivery)
    recording = Recording.objects.get(call__call_sid=unsettled.sid)
    api.finish(recording.recording_sid)
    deliver(base, unsettled.recording_completed(recording))
    settle(unsettled.sid, unsettled.leg_sid)

    told = story(unsettled.sid)
    assert told["status"] == Call.Status.COMPLETED and told["duration"] == 60
    assert told["consent"] == [
        (ConsentDecision.GRANTED, ConsentMethod.ASSISTANT, "all_party", "US-CA", settings.CONSENT_PROMPT_VERSION)
    ]
    assert ConsentEvent.objects.get(call_sid=unsettled.sid).call == Call.objects.get(call_sid=unsettled.sid)
    assert (told["recording state"], told["recordings"]) == (
        Call.RecordingState.STARTED, [("twilio", Recording.Status.COMPLETED)],
    )  # fmt: skip
    assert ("handoff", "to the assistant (after consent)") in told["events"]
    assert len(recording_starts(api, unsettled.sid)) == 1
    assert not Call.objects.filter(call_sid__startswith="vapi:").exists()


# --- A reference that is not the conversation's to present -------------------------------


def altered(reference: str) -> str:
    """``reference`` with one character changed, still base64url."""
    middle = len(reference) // 2
    return reference[:middle] + ("B" if reference[middle] == "A" else "A") + reference[middle + 1 :]


def test_a_forged_or_replayed_reference_gets_a_conversation_of_its_own_and_touches_nothing_of_the_call(stack):
    base, api = stack["base_url"], stack["twilio_api"]
    call = IvrCall(base)
    prompt = deliver(base, call.incoming())
    deliver(base, call.status("in-progress", 1))
    call.handed_off(
        deliver(base, call.answer(prompt, digits="2")),
        said=["Understood. This call will not be recorded.", CONNECTING],
    )
    legitimate = Conversation(call.reference)
    deliver(base, call.leg_status("initiated", 0))
    deliver(base, call.leg_status("ringing", 1))
    assistant = assistant_in(deliver(base, legitimate.assistant_request()))
    assert assistant["firstMessage"] == f"{settings.AI_DISCLOSURE} {NOT_RECORDED}"
    deliver(base, call.leg_status("in-progress", 2))
    deliver(base, legitimate.status("in-progress"))
    deliver(base, legitimate.said("Where is my order?"))
    settle(call.sid, call.leg_sid)
    before = story(call.sid)

    forged, replayed = Conversation(altered(call.reference)), Conversation(call.reference)
    for conversation, verdict in ((forged, "forged"), (replayed, "replayed")):
        assistant = assistant_in(deliver(base, conversation.assistant_request()))
        assert assistant["metadata"]["handoff"] == verdict
        assert assistant["artifactPlan"] == {"recordingEnabled": False}
        assert assistant["firstMessage"] == first_message(None), "consent is asked afresh"
        deliver(base, conversation.status("in-progress"))
        deliver(base, conversation.said("Yes, record this call."))
        assert tool_result(deliver(base, conversation.tool("record_consent", {"decision": "granted"})))
        deliver(base, conversation.status("ended", endedReason="customer-ended-call"))
        deliver(base, conversation.report([("user", "Yes, record this call.")], summary=""))
    own_calls = {
        verdict: f"vapi:{conversation.id}" for conversation, verdict in ((forged, "forged"), (replayed, "replayed"))
    }
    settle(call.sid, call.leg_sid, *own_calls.values())

    # The call handed off is as it was: its conversation, its consent, its events.
    assert story(call.sid) == before
    parent = Call.objects.get(call_sid=call.sid)
    assert parent.vapi_call_id == legitimate.id
    assert list(HandoffClaim.objects.values_list("call_sid", "vapi_call_id")) == [(call.sid, legitimate.id)]
    assert before["consent"] == [
        (ConsentDecision.DECLINED, ConsentMethod.DTMF, "all_party", "US-CA", settings.CONSENT_PROMPT_VERSION)
    ]
    # Each conversation is a call of its own, its consent its own, and audited as rejected.
    for conversation, verdict, names in ((forged, "forged", ""), (replayed, "replayed", call.sid)):
        own = Call.objects.get(call_sid=own_calls[verdict])
        assert (own.vapi_call_id, own.parent_id) == (conversation.id, None)
        assert list(own.consent_events.values_list("decision", "method")) == [
            (ConsentDecision.GRANTED, ConsentMethod.ASSISTANT)
        ]
        rejected = AuditEvent.objects.get(action="handoff.rejected", object_repr=own.call_sid)
        assert (rejected.details["verdict"], rejected.details["reference_names"]) == (verdict, names)
        assert own.recording_state == Call.RecordingState.NOT_REQUESTED
        assert not own.events.filter(type__startswith="handoff").exists()
    assert not AuditEvent.objects.filter(action="handoff.rejected", object_repr=call.sid).exists()
    # Nothing was recorded anywhere.
    assert not Recording.objects.exists()
    assert not [request for request in api.requests if "/Recordings" in request.path]

    for delivery in end_of_conversation(call, legitimate, [("user", "Where is my order?")]):
        deliver(base, delivery)
    settle(call.sid, call.leg_sid)
    told = story(call.sid)
    assert (told["status"], told["consent"], told["recordings"]) == (Call.Status.COMPLETED, before["consent"], [])
    assert told["audit"] == ["handoff.joined"]


# --- A hand-off that fails, or that the caller abandons -----------------------------------


def test_a_handoff_that_fails_or_that_the_caller_abandons_leaves_a_consistent_call(stack):
    base, api = stack["base_url"], stack["twilio_api"]

    # Vapi's SIP number is busy: the caller goes to the operator.
    busy = IvrCall(base, to=MENU_NUMBER)
    prompt = deliver(base, busy.incoming())
    deliver(base, busy.status("in-progress", 1))
    menu = deliver(base, busy.answer(prompt, digits="1"))
    assert menu == twiml.after_consent(decision=ConsentDecision.GRANTED)
    busy.handed_off(deliver(base, busy.answer(menu, digits="5")), said=[CONNECTING])
    deliver(base, busy.leg_status("initiated", 0))
    deliver(base, busy.leg_status("ringing", 1))
    deliver(base, busy.leg_status("busy", 2, SipResponseCode="486"))
    apology = deliver(base, busy.dial_action("busy", DialSipResponseCode="486"))
    assert apology == twiml.handoff_outcome(status="busy")
    dial = ElementTree.fromstring(apology).find("Dial")  # noqa: S314  (our own server's answer)
    assert [number.text for number in dial.findall("Number")] == [settings.IVR_OPERATOR_NUMBER]
    operator = (call_sid(), settings.IVR_OPERATOR_NUMBER)
    deliver(base, busy.leg_status("in-progress", 0, leg=operator))
    deliver(base, busy.leg_status("completed", 1, leg=operator, CallDuration="30"))
    deliver(base, busy.status("completed", 2, CallDuration="50"))
    recording = recording_of(busy.sid)
    api.finish(recording.recording_sid)
    deliver(base, busy.recording_completed(recording))
    settle(busy.sid, busy.leg_sid, operator[0])

    told = story(busy.sid)
    assert (told["status"], told["duration"], told["department"]) == (Call.Status.COMPLETED, 50, "operator")
    assert ("handoff failed", "busy (SIP 486)") in told["events"]
    assert ("handoff", "to the assistant (menu choice)") in told["events"]
    assert not told["joined to a conversation"] and told["audit"] == [] and told["claims"] == 0
    assert told["consent"] == [
        (ConsentDecision.GRANTED, ConsentMethod.DTMF, "all_party", "US-CA", settings.CONSENT_PROMPT_VERSION)
    ]
    assert sorted(leg[:3] for leg in told["legs"]) == sorted([
        (Call.Status.BUSY, "outbound-dial", SIP_URI),
        (Call.Status.COMPLETED, "outbound-dial", settings.IVR_OPERATOR_NUMBER),
    ])  # fmt: skip
    assert Call.objects.get(call_sid=busy.leg_sid).end_reason == "busy (SIP 486)"
    assert running_at_twilio(api, busy.sid) == ["completed"]

    # The caller hangs up while the assistant's leg rings: before Vapi says
    # anything, and with Vapi asking for the assistant as the caller goes.
    for dial_status, vapi_asks in (("canceled", False), ("no-answer", True)):
        gone = IvrCall(base)
        prompt = deliver(base, gone.incoming())
        deliver(base, gone.status("in-progress", 1))
        gone.handed_off(deliver(base, gone.answer(prompt, digits="1")), said=CONSENTED)
        recording = recording_of(gone.sid)  # started while Twilio plays the two sentences
        deliver(base, gone.leg_status("initiated", 0))
        deliver(base, gone.leg_status("ringing", 1))
        conversation = Conversation(gone.reference)
        if vapi_asks:
            assistant = assistant_in(deliver(base, conversation.assistant_request()))
            assert assistant["firstMessage"] == f"{settings.AI_DISCLOSURE} {AGREED}"
        hung_up_at = time.time()
        deliver(base, gone.status("completed", 2, CallDuration="9"))
        api.finish(recording.recording_sid)  # Twilio's recording ends with its call
        deliver(base, gone.leg_status("canceled", 2))
        deliver(base, gone.dial_action(dial_status, call_status="completed"))
        if vapi_asks:
            deliver(base, conversation.status("ended", endedReason="customer-ended-call"))
            deliver(base, conversation.report([], summary="", ended_reason="customer-ended-call"))
        deliver(base, gone.recording_completed(recording))
        settle(gone.sid, gone.leg_sid)

        told = story(gone.sid)
        assert (told["status"], told["duration"], told["end_reason"]) == (Call.Status.COMPLETED, 9, "completed")
        assert [leg[0] for leg in told["legs"]] == [Call.Status.CANCELED]
        assert told["recordings"] == [("twilio", Recording.Status.COMPLETED)]
        assert running_at_twilio(api, gone.sid) == ["completed"]
        assert [start.at < hung_up_at for start in recording_starts(api, gone.sid)] == [True]
        assert [decision for decision, *_ in told["consent"]] == [ConsentDecision.GRANTED]
        # Nobody to put through once the caller has gone: not a failure to send to the operator.
        outcome = "handoff abandoned" if dial_status == "canceled" else "handoff failed"
        assert (outcome, dial_status) in told["events"]
        assert told["joined to a conversation"] is vapi_asks
        if vapi_asks:
            assert ("assistant ended", "customer-ended-call") in told["events"]
            assert told["segments"] == []
    assert not Call.objects.filter(call_sid__startswith="vapi:").exists()
