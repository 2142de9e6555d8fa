"""Play one complete inbound call against a running server, as Twilio would.

Every request is signed with TWILIO_AUTH_TOKEN by the official library, over
PUBLIC_BASE_URL plus the path, exactly as Twilio signs. The consent and menu
steps follow the action URLs in the TwiML the server answers with.
"""

from __future__ import annotations

import secrets
import time
import xml.etree.ElementTree as ElementTree
from email.utils import format_datetime
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from twilio.request_validator import RequestValidator

from calls.models import Call, Recording

# Spoken, with a phone number in it, so the stored transcript shows redaction.
MENU_ANSWER = "Support please, you can call me back on four one five, five five five, oh one three two"


class Command(BaseCommand):
    help = "Play a signed inbound call (voice, consent, menu, status, recording) against a running server."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--base-url", default=settings.PUBLIC_BASE_URL, help="Where the server listens.")
        parser.add_argument(
            "--decline", action="store_true", help="Decline recording (press 2) instead of granting it (press 1)."
        )
        parser.add_argument("--from-state", default="CA", help="Caller's US state (sets the consent rule).")
        parser.add_argument("--wait", type=float, default=20.0, help="Seconds to wait for the worker (0: don't).")

    def handle(self, *args: object, **options: object) -> None:
        self.base_url = str(options["base_url"]).rstrip("/")
        self.validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
        self.session = requests.Session()
        call_sid = "CA" + secrets.token_hex(16)
        call = {
            "CallSid": call_sid,
            "AccountSid": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32,
            "From": "+14155550100",
            "To": "+18005550199",
            "FromState": options["from_state"],
            "FromCountry": "US",
            "ToState": "NY",
            "ToCountry": "US",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        self.stdout.write(f"Simulating call {call_sid} against {self.base_url}")

        reply = self.post("1. incoming call", "/webhooks/twilio/voice/", {**call, "CallStatus": "ringing"})
        consent_digit = "2" if options["decline"] else "1"
        reply = self.post(
            f"2. consent: caller presses {consent_digit}",
            self.gather_action(reply),
            {**call, "CallStatus": "in-progress", "Digits": consent_digit},
        )
        reply = self.post(
            f'3. menu: caller says "{MENU_ANSWER}"',
            self.gather_action(reply),
            {**call, "CallStatus": "in-progress", "SpeechResult": MENU_ANSWER, "Confidence": "0.92"},
        )
        now = timezone.now()
        recording_sid = "RE" + secrets.token_hex(16)
        self.post(
            "4. status: in-progress",
            "/webhooks/twilio/status/",
            {**call, "CallStatus": "in-progress", "SequenceNumber": "1", "Timestamp": format_datetime(now)},
        )
        self.post(
            "5. status: completed",
            "/webhooks/twilio/status/",
            {
                **call,
                "CallStatus": "completed",
                "SequenceNumber": "2",
                "CallDuration": "42",
                "Timestamp": format_datetime(now),
            },
        )
        self.post(
            "6. recording: completed",
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

    def post(self, step: str, url: str, params: dict[str, str]) -> str:
        path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        signature = self.validator.compute_signature(settings.PUBLIC_BASE_URL + path, params)
        try:
            response = self.session.post(
                self.base_url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
            )
        except requests.RequestException as error:
            raise CommandError(f"{step}: cannot reach {self.base_url} ({type(error).__name__})") from None
        self.stdout.write(f"{step}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise CommandError(f"{step} was refused: {response.text[:200]}")
        return response.text

    def gather_action(self, twiml: str) -> str:
        # The document comes from the server under test, not from a stranger.
        gather = ElementTree.fromstring(twiml).find(".//Gather")  # noqa: S314
        if gather is None:
            raise CommandError("The server's answer has no <Gather>.")
        return gather.attrib["action"]

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
                        f"recording {recording.status}{deletion}."
                    )
                )
                self.stdout.write(f"Transcript ({segment.status}): {segment.text}")
                self.stdout.write(f"See it in the admin: {self.base_url}/admin/calls/call/{call.pk}/change/")
                return
            time.sleep(0.5)
        self.stdout.write(
            self.style.WARNING("The worker has not applied every step yet (is it running on this database?).")
        )
