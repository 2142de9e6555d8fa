"""Play one complete inbound call against a running server, as Twilio would.

Every request is signed with TWILIO_AUTH_TOKEN by the official library, over
PUBLIC_BASE_URL plus the path, exactly as Twilio signs. The consent and menu
steps follow the action URLs in the TwiML the server answers with.

With ``--ai`` the caller is handed to the Vapi assistant over SIP and the
call is played as Twilio and Vapi both send it: the SIP leg's statuses (a
child call of the caller's), the assistant's request presenting the
hand-off reference taken from the <Sip> URI, what is said, the assistant's
statuses and end-of-call report (signed with VAPI_WEBHOOK_SECRET as the
server checks, calls.authentication.VapiAuthentication), then the <Dial>'s
action and the ends of both legs.

With ``--callback`` as well, the caller asks to be called back: the
assistant's ``schedule_callback`` is async, answered at once, and the
command shows its result arriving from the worker through Vapi's call
control, served for the conversation by a stand-in on this machine's
loopback (its control URL; VAPI_CONTROL_HOSTS must name 127.0.0.1, as the
local settings do).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import queue
import secrets
import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from calls import ivr
from calls.models import Call, InboundEvent, Recording, TranscriptSegment
from calls.selectors import call_timeline
from calls.serializers.vapi import HANDOFF_HEADER

# Spoken, with a phone number in it, so the stored transcript shows redaction.
MENU_ANSWER = "Support please, you can call me back on four one five, five five five, oh one three two"
STATUS_PATH = "/webhooks/twilio/status/"
# What the caller says to the assistant's consent question (--unclear), and
# what the caller and the assistant say once they talk: no personal data.
CONSENT_ANSWER = "Yes, you can record this call."
CONVERSATION = (
    ("user", "Hi, I have a question about my last bill."),
    ("assistant", "Of course. I can help you with your bill."),
)
# What the caller says to ask for a call back (--callback).
CALLBACK_ASK = "Actually, could you call me back tomorrow afternoon instead?"
# A leg that never connected (--fail-leg): the SIP response Twilio reports for it.
LEG_FAILURES = {"busy": 486, "no-answer": 487, "failed": 503}
VAPI_ORG_ID = "5a1bde0e-7e1b-4bf0-9d2b-000000000001"
# Where Vapi serves a conversation's live control, when no stand-in does (without --callback).
VAPI_CONTROL_ORIGIN = "https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai"


class Command(BaseCommand):
    help = (
        "Play a signed inbound call (voice, consent, menu, status, recording) against a running server; with --ai, "
        "hand it to the Vapi assistant over SIP and play Vapi's side too."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--base-url", default=settings.PUBLIC_BASE_URL, help="Where the server listens.")
        consent = parser.add_mutually_exclusive_group()
        consent.add_argument(
            "--decline", action="store_true", help="Decline recording (press 2) instead of granting it (press 1)."
        )
        consent.add_argument(
            "--unclear",
            action="store_true",
            help="With --ai: answer the consent prompt with nothing usable until the IVR gives up; "
            "the assistant then records the caller's consent.",
        )
        parser.add_argument("--from-state", default="CA", help="Caller's US state (sets the consent rule).")
        parser.add_argument(
            "--to", default="+18005550199", help="The number called (one of HANDOFF_NUMBERS skips the menu)."
        )
        parser.add_argument("--wait", type=float, default=20.0, help="Seconds to wait for the worker (0: don't).")
        parser.add_argument(
            "--ai", action="store_true", help="Hand the caller to the Vapi assistant over SIP and play its side."
        )
        parser.add_argument(
            "--forge",
            action="store_true",
            help="With --ai: alter one character of the hand-off reference the assistant presents.",
        )
        parser.add_argument(
            "--fail-leg",
            choices=sorted(LEG_FAILURES),
            help="With --ai: the assistant's leg never connects; the caller goes to the operator.",
        )
        parser.add_argument(
            "--callback",
            action="store_true",
            help="With --ai: the caller asks to be called back; show the async tool's result told to the live "
            "call through Vapi's call control (a stand-in on 127.0.0.1, which VAPI_CONTROL_HOSTS must name).",
        )

    def handle(self, *args: object, **options: object) -> None:
        assistant_only = options["unclear"] or options["forge"] or options["fail_leg"] or options["callback"]
        if not options["ai"] and assistant_only:
            raise CommandError(
                "--unclear, --forge, --fail-leg and --callback play the assistant's part: use them with --ai."
            )
        if options["fail_leg"] and (options["forge"] or options["callback"]):
            raise CommandError("--forge and --callback play the assistant's part; with --fail-leg it is never reached.")
        self.base_url = str(options["base_url"]).rstrip("/")
        self.validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
        self.session = requests.Session()
        self.steps = 0
        call_sid = "CA" + secrets.token_hex(16)
        call = {
            "CallSid": call_sid,
            "AccountSid": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32,
            "From": "+14155550100",
            "To": str(options["to"]),
            "FromState": options["from_state"],
            "FromCountry": "US",
            "ToState": "NY",
            "ToCountry": "US",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        self.stdout.write(f"Simulating call {call_sid} against {self.base_url}")
        if options["ai"]:
            self.play_handoff(call, options)
        else:
            self.play_menu(call, options)

    # --- The IVR's own call: consent, the menu, status and recording ------------------------

    def play_menu(self, call: dict[str, str], options: dict[str, Any]) -> None:
        call_sid = call["CallSid"]
        reply = self.post(self.step("incoming call"), "/webhooks/twilio/voice/", {**call, "CallStatus": "ringing"})
        reply = self.answer_consent(call, reply, decline=options["decline"])
        reply = self.post(
            self.step(f'menu: caller says "{MENU_ANSWER}"'),
            self.gather_action(reply),
            {**call, "CallStatus": "in-progress", "SpeechResult": MENU_ANSWER, "Confidence": "0.92"},
        )
        now = timezone.now()
        recording_sid = "RE" + secrets.token_hex(16)
        self.post(
            self.step("status: in-progress"),
            STATUS_PATH,
            {**call, "CallStatus": "in-progress", "SequenceNumber": "1", "Timestamp": format_datetime(now)},
        )
        self.post(
            self.step("status: completed"),
            STATUS_PATH,
            {
                **call,
                "CallStatus": "completed",
                "SequenceNumber": "2",
                "CallDuration": "42",
                "Timestamp": format_datetime(now),
            },
        )
        self.post(
            self.step("recording: completed"),
            "/webhooks/twilio/recording/",
            {
                "CallSid": call_sid,
                "AccountSid": call["AccountSid"],
                "RecordingSid": recording_sid,
                "RecordingStatus": "completed",
                "RecordingDuration": "40",
                "RecordingChannels": "2",
                "RecordingSource": "StartCallRecordingAPI",
                "RecordingStartTime": format_datetime(now),
            },
        )
        if options["wait"]:
            self.report(call_sid, recording_sid, float(options["wait"]))

    def answer_consent(self, call: dict[str, str], reply: str, *, decline: bool, unclear: bool = False) -> str:
        """Answer the consent prompt: a key, or (``unclear``) nothing usable
        for as long as the IVR asks again."""
        if not unclear:
            digit = "2" if decline else "1"
            return self.post(
                self.step(f"consent: caller presses {digit}"),
                self.gather_action(reply),
                {**call, "CallStatus": "in-progress", "Digits": digit},
            )
        attempt = 0
        while asks_consent(reply):
            attempt += 1
            reply = self.post(
                self.step(f"consent: caller answers nothing usable (attempt {attempt})"),
                self.gather_action(reply),
                {**call, "CallStatus": "in-progress", "Digits": "", "SpeechResult": ""},
            )
        return reply

    # --- The hand-off to the assistant (--ai) -------------------------------------------------

    def play_handoff(self, call: dict[str, str], options: dict[str, Any]) -> None:
        reply = self.post(self.step("incoming call"), "/webhooks/twilio/voice/", {**call, "CallStatus": "ringing"})
        reply = self.answer_consent(call, reply, decline=options["decline"], unclear=options["unclear"])
        dial, sip = self.reach_assistant(call, reply)
        sip_uri = (sip.text or "").strip()
        reference = query_of(sip_uri).get(HANDOFF_HEADER, "")
        if not reference:
            raise CommandError(f"The <Sip> URI carries no {HANDOFF_HEADER} reference: {sip_uri}")
        self.stdout.write(f"   put through to {sip_uri.split('?')[0]} (reference of {len(reference)} characters)")

        # The SIP leg is a call of its own, a child of the caller's.
        leg = {
            "CallSid": "CA" + secrets.token_hex(16),
            "ParentCallSid": call["CallSid"],
            "AccountSid": call["AccountSid"],
            "From": call["From"],
            "To": sip_uri,
            "Direction": "outbound-dial",
            "ApiVersion": call["ApiVersion"],
        }
        self.leg_sequence = itertools.count()
        leg_status_url = sip.attrib.get("statusCallback", STATUS_PATH)
        failure = options["fail_leg"]
        for status in ("initiated", "ringing") if failure else ("initiated", "ringing", "in-progress"):
            self.leg_status(leg_status_url, leg, status)

        vapi_call_id = ""
        if not failure:
            if options["forge"]:
                reference = forged(reference)
                self.stdout.write("   the reference the assistant presents has one character altered")
            control = CallControlStandIn() if options["callback"] else None
            try:
                conversation = VapiSipCall.handed_off(
                    sip_uri=sip_uri, reference=reference, caller=call["From"],
                    control_origin=control.origin if control else VAPI_CONTROL_ORIGIN,
                )  # fmt: skip
                vapi_call_id = conversation.id
                self.play_assistant(
                    conversation, unclear=options["unclear"], control=control, wait=float(options["wait"])
                )
            finally:
                if control is not None:
                    control.stop()

        self.end_handoff(call, leg, dial_action=dial.attrib["action"], leg_status_url=leg_status_url, failure=failure)
        if options["wait"]:
            self.report_handoff(call["CallSid"], leg["CallSid"], vapi_call_id, float(options["wait"]))

    def end_handoff(
        self, call: dict[str, str], leg: dict[str, str], *, dial_action: str, leg_status_url: str, failure: str | None
    ) -> None:
        """How the <Dial> to the assistant ended (checking what the caller
        hears next), then the end of the leg and of the caller's call."""
        if failure:
            sip_code = str(LEG_FAILURES[failure])
            outcome = {"DialCallStatus": failure, "DialCallDuration": "0", "DialSipResponseCode": sip_code}
            leg_end = {"CallDuration": "0", "SipResponseCode": sip_code}
        else:
            outcome = {"DialCallStatus": "completed", "DialCallDuration": "30", "DialBridged": "true"}
            leg_end = {"CallDuration": "30"}
        reply = self.post(
            self.step(f"<Dial> action: {outcome['DialCallStatus']}"),
            dial_action,
            {**call, "CallStatus": "in-progress", "DialCallSid": leg["CallSid"], **outcome},
        )
        self.check_handoff_outcome(reply, connected=not failure)
        self.leg_status(leg_status_url, leg, failure or "completed", **leg_end)
        self.post(
            self.step("status: completed"),
            STATUS_PATH,
            {
                **call,
                "CallStatus": "completed",
                "SequenceNumber": "1",
                "CallDuration": "42",
                "Timestamp": format_datetime(timezone.now()),
            },
        )

    def reach_assistant(self, call: dict[str, str], reply: str) -> tuple[ElementTree.Element, ElementTree.Element]:
        """The <Dial> to the assistant and its <Sip>: right after consent, or
        once the caller chooses the assistant in the menu."""
        if twiml_find(reply, ".//Dial/Sip") is None:
            reply = self.post(
                self.step(f"menu: caller presses {ivr.ASSISTANT_DIGIT} for the assistant"),
                self.gather_action(reply),
                {**call, "CallStatus": "in-progress", "Digits": ivr.ASSISTANT_DIGIT},
            )
        dial, sip = twiml_find(reply, ".//Dial"), twiml_find(reply, ".//Dial/Sip")
        if dial is None or sip is None:
            raise CommandError(f"The server did not put the caller through to the assistant: {reply[:300]}")
        return dial, sip

    def leg_status(self, url: str, leg: dict[str, str], status: str, **extra: str) -> None:
        self.post(
            self.step(f"assistant's leg: {status}"),
            url,
            {
                **leg,
                "CallStatus": status,
                "SequenceNumber": str(next(self.leg_sequence)),
                "Timestamp": format_datetime(timezone.now()),
                "CallbackSource": "call-progress-events",
                **extra,
            },
        )

    def play_assistant(
        self, conversation: VapiSipCall, *, unclear: bool, control: CallControlStandIn | None = None, wait: float = 0
    ) -> None:
        """The assistant's side, as Vapi sends it: its configuration asked
        for, its statuses, what is said (with ``control``, a call back asked
        for and its result told through the stand-in), and its end-of-call
        report."""
        answer = self.post_vapi(self.step("assistant-request"), conversation.message("assistant-request"))
        assistant = answer.get("assistant") or answer.get("assistantOverrides") or {}
        first_words = assistant.get("firstMessage") or ""
        self.stdout.write(f"   the assistant says: {first_words}")
        verdict = (assistant.get("metadata") or {}).get("handoff")
        if verdict:
            self.stdout.write(f"   hand-off: {verdict}")
        said = [Turn("bot", first_words)]
        self.post_vapi(self.step("assistant: in-progress"), conversation.message("status-update", status="in-progress"))
        if unclear:
            self.say(conversation, said, "user", CONSENT_ANSWER)
            tool_call = {
                "id": "call_" + secrets.token_hex(12),
                "type": "function",
                # Vapi sends a tool call's arguments as a JSON string.
                "function": {"name": "record_consent", "arguments": json.dumps({"decision": "granted"})},
            }
            answer = self.post_vapi(
                self.step("assistant calls record_consent (granted)"),
                conversation.message("tool-calls", toolCallList=[tool_call], toolWithToolCallList=[]),
            )
            for result in answer.get("results") or []:
                self.stdout.write(f"   record_consent: {result.get('result') or result.get('error')}")
        for role, text in CONVERSATION:
            self.say(conversation, said, role, text)
        if control is not None:
            self.ask_callback(conversation, said, control, wait)
        reason = "assistant-ended-call"
        self.post_vapi(
            self.step("assistant: ended"), conversation.message("status-update", status="ended", endedReason=reason)
        )
        recorded = bool((assistant.get("artifactPlan") or {}).get("recordingEnabled"))
        self.post_vapi(
            self.step("assistant: end-of-call report"),
            conversation.end_of_call_report(said, ended_reason=reason, recorded=recorded),
        )

    def ask_callback(
        self, conversation: VapiSipCall, said: list[Turn], control: CallControlStandIn, wait: float
    ) -> None:
        """The caller asks to be called back; the assistant calls its async
        schedule_callback, answered at once, and goes on talking; the
        worker's result reaches the live call through its control URL."""
        self.say(conversation, said, "user", CALLBACK_ASK)
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0)
        tool_call = {
            "id": "call_" + secrets.token_hex(12),
            "type": "function",
            "function": {"name": "schedule_callback", "arguments": json.dumps({"when": tomorrow.isoformat()})},
        }
        answer = self.post_vapi(
            self.step("assistant calls schedule_callback (async: it does not wait)"),
            conversation.message("tool-calls", toolCallList=[tool_call], toolWithToolCallList=[]),
        )
        for result in answer.get("results") or []:
            self.stdout.write(f"   schedule_callback, answered at once: {result.get('result') or result.get('error')}")
        if not wait:
            return
        told = control.next_message(timeout=min(wait, 30.0))
        if told is None:
            self.stdout.write(
                self.style.WARNING(
                    "   No result reached the call's control URL (is the worker running, and 127.0.0.1 in "
                    "VAPI_CONTROL_HOSTS?)."
                )
            )
            return
        self.stdout.write(f"   through call control ({told.get('type')}), the assistant is told: {told_content(told)}")

    def say(self, conversation: VapiSipCall, said: list[Turn], role: str, text: str) -> None:
        """A final transcript of one turn, kept for the end-of-call report."""
        speaker = "caller" if role == "user" else "assistant"
        self.post_vapi(
            self.step(f'transcript: {speaker} says "{text}"'),
            conversation.message("transcript", role=role, transcriptType="final", transcript=text),
        )
        said.append(Turn("user" if role == "user" else "bot", text))

    def check_handoff_outcome(self, twiml: str, *, connected: bool) -> None:
        """What the caller hears after the assistant's leg, as the hand-off
        promises: a hang-up once a conversation took place, the operator when
        the leg never connected."""
        if connected:
            if twiml_find(twiml, ".//Hangup") is None:
                raise CommandError(f"After a connected hand-off the server did not hang up: {twiml[:300]}")
            self.stdout.write("   the call is over: <Hangup/>")
            return
        number = twiml_find(twiml, ".//Dial/Number")
        dialled = (number.text or "").strip() if number is not None else ""
        if dialled != settings.IVR_OPERATOR_NUMBER:
            raise CommandError(
                f"After a failed hand-off the server did not dial the operator ({settings.IVR_OPERATOR_NUMBER}): "
                f"{twiml[:300]}"
            )
        self.stdout.write(f"   the caller is put through to the operator ({dialled})")

    # --- Requests -----------------------------------------------------------------------------

    def step(self, label: str) -> str:
        self.steps += 1
        return f"{self.steps}. {label}"

    def post(self, step: str, url: str, params: dict[str, str]) -> str:
        path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        signature = self.validator.compute_signature(settings.PUBLIC_BASE_URL + path, params)
        return self.send(step, path, data=params, headers={"X-Twilio-Signature": signature}).text

    def post_vapi(self, step: str, message: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"message": message}).encode()
        headers = {"Content-Type": "application/json", **vapi_credentials(body)}
        response = self.send(step, reverse("vapi-webhook"), data=body, headers=headers)
        return response.json() if response.content else {}

    def send(self, step: str, path: str, **request: Any) -> requests.Response:
        try:
            response = self.session.post(self.base_url + path, timeout=10, **request)
        except requests.RequestException as error:
            raise CommandError(f"{step}: cannot reach {self.base_url} ({type(error).__name__})") from None
        self.stdout.write(f"{step}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise CommandError(f"{step} was refused: {response.text[:200]}")
        return response

    def gather_action(self, twiml: str) -> str:
        gather = twiml_find(twiml, ".//Gather")
        if gather is None:
            raise CommandError("The server's answer has no <Gather>.")
        return gather.attrib["action"]

    # --- What the worker made of it -----------------------------------------------------------

    def report(self, call_sid: str, recording_sid: str, wait: float) -> None:
        """Wait for the worker to apply what was sent, when the server shares
        this process's database (as under ``make run``)."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            call = Call.objects.filter(call_sid=call_sid).first()
            recording = Recording.objects.filter(recording_sid=recording_sid).first()
            segment = call.transcript_segments.exclude(status="pending").first() if call else None
            if call and recording and segment and call.status == Call.Status.COMPLETED and call.consent_decision:
                deletion = " (deletion requested)" if recording.deletion_requested_at else ""
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Processed: call {call.status}, {call.duration_seconds}s, consent {call.consent_decision} "
                        f"({call.consent_requirement}, {call.consent_jurisdiction}), department {call.department}, "
                        f"recording {call.recording_state}; the simulated recording callback: "
                        f"{recording.status}{deletion}."
                    )
                )
                self.report_recording_failures(call)
                self.stdout.write(f"Transcript ({segment.status}): {segment.text}")
                self.stdout.write(f"See it in the admin: {self.base_url}/admin/calls/call/{call.pk}/change/")
                return
            time.sleep(0.5)
        self.warn_unapplied()

    def report_recording_failures(self, call: Call) -> None:
        """Why a recording did not start, or is not deleted yet (no provider
        credentials, for one): said, not hidden behind a simulated callback."""
        if call.recording_state == Call.RecordingState.FAILED:
            self.stdout.write(self.style.ERROR(f"The recording did not start: {call.recording_error}"))
        for recording in call.recordings.exclude(deletion_error=""):
            self.stdout.write(
                self.style.ERROR(f"Recording {recording.recording_sid} is not deleted: {recording.deletion_error}")
            )

    def report_handoff(self, call_sid: str, leg_sid: str, vapi_call_id: str, wait: float) -> None:
        """Once the worker has applied every delivery of the call, its legs and
        the assistant's conversation: the joined call and its timeline."""
        call_sids = [call_sid, leg_sid] + ([f"vapi:{vapi_call_id}"] if vapi_call_id else [])
        deadline = time.monotonic() + wait
        while not self.applied(call_sid, call_sids):
            if time.monotonic() >= deadline:
                self.warn_unapplied(call_sids)
                return
            time.sleep(0.5)
        call = Call.objects.get(call_sid=call_sid)
        self.stdout.write(
            self.style.SUCCESS(
                f"Processed: call {call.status}, consent {call.consent_decision or 'unsettled'}, "
                f"vapi_call_id {call.vapi_call_id or '(not joined)'}, department {call.department or '(none)'}, "
                f"recording {call.recording_state}."
            )
        )
        self.report_recording_failures(call)
        apart = Call.objects.filter(call_sid=f"vapi:{vapi_call_id}").first() if vapi_call_id else None
        if apart is not None:
            self.stdout.write(
                f"The assistant's conversation is a call of its own, {apart.call_sid}: status {apart.status}, "
                f"consent {apart.consent_decision or 'unsettled'}."
            )
        self.stdout.write("Timeline:")
        for entry in call_timeline(call=call):
            moment = timezone.localtime(entry.at).strftime("%H:%M:%S.%f")[:-3]
            self.stdout.write(f"  {moment}  {entry.kind}: {entry.summary}")
        self.stdout.write(f"See it in the admin: {self.base_url}/admin/calls/call/{call.pk}/change/")

    @staticmethod
    def applied(call_sid: str, call_sids: list[str]) -> bool:
        """Every delivery applied, the call ended, what was said redacted, and
        a recording it asked for either started or failed."""
        call = Call.objects.filter(call_sid=call_sid).first()
        return (
            call is not None
            and call.status == Call.Status.COMPLETED
            and call.recording_state != Call.RecordingState.REQUESTED
            and not call.transcript_segments.filter(status=TranscriptSegment.Status.PENDING).exists()
            and not InboundEvent.objects.filter(call_sid__in=call_sids)
            .exclude(status=InboundEvent.Status.DONE)
            .exists()
        )

    def warn_unapplied(self, call_sids: Sequence[str] = ()) -> None:
        self.stdout.write(
            self.style.WARNING("The worker has not applied every step yet (is it running on this database?).")
        )
        # What is still waiting, and the class of the last error (never its message).
        waiting = InboundEvent.objects.filter(call_sid__in=call_sids).exclude(status=InboundEvent.Status.DONE)
        for event in waiting.order_by("pk"):
            error = f", last error {event.last_error}" if event.last_error else ""
            self.stdout.write(f"  {event.kind} {event.status} after {event.attempts} attempts{error}")


# --- Twilio's TwiML, read back ------------------------------------------------------------------


def twiml_find(twiml: str, path: str) -> ElementTree.Element | None:
    # The document comes from the server under test, not from a stranger.
    return ElementTree.fromstring(twiml).find(path)  # noqa: S314


def asks_consent(twiml: str) -> bool:
    gather = twiml_find(twiml, ".//Gather")
    return gather is not None and query_of(gather.attrib["action"]).get("step") == "consent"


def query_of(url: str) -> dict[str, str]:
    """A URL's query parameters (a SIP URI's headers among them), first value of each."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def forged(reference: str) -> str:
    """The reference with one character of its middle replaced: a token
    whose signature no longer verifies."""
    middle = len(reference) // 2
    return reference[:middle] + ("B" if reference[middle] == "A" else "A") + reference[middle + 1 :]


# --- Vapi's messages ----------------------------------------------------------------------------


def vapi_credentials(body: bytes) -> dict[str, str]:
    """Vapi's credential for ``body`` in the scheme the server checks
    (VAPI_AUTH): by default the hex SHA-256 HMAC of "{timestamp}.{body}"
    under VAPI_WEBHOOK_SECRET, with the timestamp in its own header."""
    secret = settings.VAPI_WEBHOOK_SECRET
    if not secret:
        raise CommandError("VAPI_WEBHOOK_SECRET is not set: Vapi's messages cannot be signed.")
    if settings.VAPI_AUTH == "bearer":
        return {"Authorization": f"Bearer {secret}"}
    if settings.VAPI_AUTH == "secret":
        return {"X-Vapi-Secret": secret}
    timestamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {settings.VAPI_SIGNATURE_HEADER: signature, settings.VAPI_TIMESTAMP_HEADER: timestamp}


@dataclass(frozen=True)
class VapiSipCall:
    """A conversation reaching a Vapi SIP number, as Vapi describes it in
    every message of the call."""

    call: dict[str, Any]
    sip_uri: str

    @classmethod
    def handed_off(
        cls, *, sip_uri: str, reference: str, caller: str, control_origin: str = VAPI_CONTROL_ORIGIN
    ) -> VapiSipCall:
        """Vapi gives the INVITE's x- headers to the assistant as variables
        named without the prefix, and keeps the headers with the provider's
        details: the reference is in both places. Every message names the
        conversation's live listening and control URLs (``monitor``)."""
        now = iso(datetime.now(UTC))
        call_id = str(uuid.uuid4())
        call = {
            "id": call_id,
            "orgId": VAPI_ORG_ID,
            "type": "inboundPhoneCall",
            "phoneCallProvider": "vapi",
            "phoneCallTransport": "sip",
            # The SIP dialog's Call-ID: not a Twilio CallSid.
            "transport": {"provider": "vapi.sip", "callSid": secrets.token_hex(16)},
            "customer": {"number": caller},
            "assistantOverrides": {"variableValues": {HANDOFF_HEADER.removeprefix("x-"): reference}},
            "phoneCallProviderDetails": {"sip": {"headers": {HANDOFF_HEADER: reference}}},
            "createdAt": now,
            "updatedAt": now,
            "monitor": {
                "listenUrl": f"wss://{control_origin.split('://', 1)[1]}/{call_id}/listen",
                "controlUrl": f"{control_origin}/{call_id}/control",
            },
        }
        return cls(call=call, sip_uri=sip_uri.split("?")[0])

    @property
    def id(self) -> str:
        return self.call["id"]

    def message(self, kind: str, **fields: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "timestamp": int(time.time() * 1000),
            "call": self.call,
            "phoneNumber": {"provider": "vapi", "sipUri": self.sip_uri},
            "customer": self.call["customer"],
            **fields,
        }

    def end_of_call_report(self, said: list[Turn], *, ended_reason: str, recorded: bool) -> dict[str, Any]:
        """Every turn in artifact.messages (role "user" or "bot", with its
        offset from the conversation's start); Vapi's recordings only when
        the assistant was configured to record."""
        ended_at = datetime.now(UTC)
        ends = [turn.at for turn in said[1:]] + [ended_at]
        messages = [
            {
                "role": turn.role,
                "message": turn.text,
                "time": turn.at.timestamp() * 1000,
                "endTime": end.timestamp() * 1000,
                "secondsFromStart": (turn.at - said[0].at).total_seconds(),
                "duration": (end - turn.at).total_seconds() * 1000,
            }
            for turn, end in zip(said, ends, strict=True)
        ]
        artifact: dict[str, Any] = {
            "messages": messages,
            "messagesOpenAIFormatted": [],
            "transcript": "\n".join(f"{'AI' if turn.role == 'bot' else 'User'}: {turn.text}" for turn in said),
        }
        if recorded:
            artifact["recordingUrl"] = f"https://storage.vapi.ai/{self.id}-mono.wav"
            artifact["stereoRecordingUrl"] = f"https://storage.vapi.ai/{self.id}-stereo.wav"
        return self.message(
            "end-of-call-report",
            endedReason=ended_reason,
            cost=0.0421,
            costs=[],
            artifact=artifact,
            analysis={"summary": "The caller asked about their bill."},
            startedAt=iso(said[0].at),
            endedAt=iso(ended_at),
        )


@dataclass(frozen=True)
class Turn:
    """One thing said in the conversation, by "user" or "bot" (Vapi's roles in a report)."""

    role: str
    text: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- Vapi's call control, on loopback -----------------------------------------------------------


class CallControlStandIn:
    """Vapi's Live Call Control for the simulated conversation, on this
    machine's loopback: the worker POSTs what it tells the live call to
    ``<origin>/<call id>/control``; each message is kept to be shown."""

    def __init__(self) -> None:
        self.told: queue.Queue[dict[str, Any]] = queue.Queue()
        told = self.told

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    told.put(json.loads(self.rfile.read(length)))
                except ValueError:
                    pass
                body = b'{"status":"ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next_message(self, *, timeout: float) -> dict[str, Any] | None:
        try:
            return self.told.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def told_content(message: dict[str, Any]) -> str:
    inner = message.get("message")
    return str(inner.get("content", "")) if isinstance(inner, dict) else ""
