"""Card data and recordings, end to end on the real stack (the ``stack``
fixture, tests/calls/conftest.py): signed Vapi and Twilio deliveries to
gunicorn, a real worker serving the inbox and the capture queue, Redis,
PostgreSQL, and Twilio's REST API as the loopback stand-in."""

from __future__ import annotations

import json
import os
import re
import time
import xml.etree.ElementTree as ElementTree
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import requests
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from twilio.request_validator import RequestValidator

from calls.models import Call, Recording
from compliance.models import DestructionCertificate
from tests.calls import vapi_messages as vapi
from tests.factories import call_sid
from tests.loopback import wait_for

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
CARD = "4111 1111 1111 1111"
CARD_TRACES = tuple(re.compile(re.escape(trace)) for trace in ("4111 1111", "41111111", "4111-1111"))

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL (.ci/run does)"),
    pytest.mark.django_db(transaction=True),
]


def now_ms() -> int:
    return int(time.time() * 1000)


def vapi_post(base_url: str, message: dict) -> requests.Response:
    body = json.dumps(message).encode()
    headers = {"Content-Type": "application/json", **vapi.signed_headers(body)}
    headers = {name.removeprefix("HTTP_").replace("_", "-"): value for name, value in headers.items()}
    response = requests.post(f"{base_url}/webhooks/vapi/", data=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response


def twilio_post(base_url: str, path: str, params: dict[str, str]) -> str:
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(settings.PUBLIC_BASE_URL + path, params)
    response = requests.post(base_url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code in (200, 204), response.text
    return response.text


def recording_of(sid: str) -> Recording:
    wait_for(lambda: Recording.objects.filter(call__call_sid=sid).exists(), 30, "the recording to start")
    return Recording.objects.get(call__call_sid=sid)


def status_of(api, recording: Recording) -> str:  # noqa: ANN001
    return api.statuses.get(recording.recording_sid, "")


def end_call(base_url: str, sid: str, recording: Recording, api) -> None:  # noqa: ANN001
    """Twilio reports the recording complete, as it does once the call hangs up."""
    api.finish(recording.recording_sid)
    started = Recording.objects.get(pk=recording.pk).started_at
    twilio_post(base_url, "/webhooks/twilio/recording/", {
        "AccountSid": settings.TWILIO_ACCOUNT_SID, "CallSid": sid, "RecordingSid": recording.recording_sid,
        "RecordingStatus": "completed", "RecordingChannels": "2", "RecordingSource": "StartCallRecordingAPI",
        "RecordingDuration": str(int((timezone.now() - started).total_seconds()) + 1),
        "RecordingStartTime": format_datetime(started, usegmt=True),
    })  # fmt: skip


def reviewed(recording: Recording) -> Recording:
    wait_for(lambda: Recording.objects.get(pk=recording.pk).review != "", 60, "the recording's review")
    return Recording.objects.get(pk=recording.pk)


def standalone(value: str) -> re.Pattern[str]:
    """``value`` as a token of its own: a four-digit expiry must not match
    inside a task id, a hash or a timestamp that happens to contain it."""
    return re.compile(rf"(?<![0-9A-Za-z.-]){re.escape(value)}(?![0-9A-Za-z-])")


def held_anywhere(patterns: tuple[re.Pattern[str], ...]) -> list[str]:
    """Where any of ``patterns`` is still held: a database row (encrypted
    columns read decrypted), a process's log, or a message in the broker."""
    found = []
    for model in apps.get_models():
        names = [field.attname for field in model._meta.concrete_fields]
        for row in model._base_manager.values_list(*names).iterator():
            text = " ".join(str(value) for value in row)
            found += [f"{model._meta.label} row: {p.pattern}" for p in patterns if p.search(text)]
    for log in (ROOT / "test-artifacts").glob("e2e-*.log"):
        text = log.read_text(errors="replace")
        found += [f"{log.name}: {p.pattern}" for p in patterns if p.search(text)]
    broker = redis.Redis.from_url(REDIS_URL)
    for key in broker.scan_iter():
        text = " ".join(value.decode(errors="replace") for value in _values(broker, key))
        found += [f"broker key {key.decode()}: {p.pattern}" for p in patterns if p.search(text)]
    return found


def wait_until_scrubbed(patterns: tuple[re.Pattern[str], ...], what: str) -> None:
    try:
        wait_for(lambda: not held_anywhere(patterns), 30, what)
    except TimeoutError as error:
        raise AssertionError(f"{error}; still held in {held_anywhere(patterns)}") from None


def consented_vapi_call(base_url: str) -> tuple[str, dict, Recording]:
    """A Vapi call carried by Twilio whose caller agreed to recording, once its recording runs."""
    sid = call_sid()
    call = vapi.new_call(twilio_sid=sid)
    vapi_post(base_url, vapi.status_update(call, "in-progress", timestamp=now_ms()))
    vapi_post(base_url, vapi.tool_calls(call, ("record_consent", {"decision": "granted"})))
    return sid, call, recording_of(sid)


def _values(broker: redis.Redis, key: bytes) -> list[bytes]:
    kind = broker.type(key).decode()
    if kind == "string":
        return [broker.get(key) or b""]
    if kind == "list":
        return broker.lrange(key, 0, -1)
    if kind == "hash":
        return list(broker.hgetall(key).values())
    if kind == "set":
        return list(broker.smembers(key))
    if kind == "zset":
        return broker.zrange(key, 0, -1)
    return []


def test_a_card_read_inside_the_assistants_capture_leaves_the_recording_certified_clean(stack):
    base, api = stack["base_url"], stack["twilio_api"]
    sid, call, recording = consented_vapi_call(base)

    answer = vapi_post(base, vapi.tool_calls(call, ("begin_sensitive_capture", {"kind": "card"}))).json()
    assert answer["results"][0]["result"].startswith("Recording paused.")
    wait_for(lambda: status_of(api, recording) == "paused", 15, "the pause")
    time.sleep(4)  # the assistant asks; the caller answers
    vapi_post(base, vapi.transcript(call, f"Sure, it's {CARD}, expiry 12/27, code 4 1 2.", timestamp=now_ms()))
    time.sleep(4)
    vapi_post(base, vapi.tool_calls(call, ("end_sensitive_capture", {})))
    wait_for(lambda: status_of(api, recording) == "in-progress", 15, "the resume")
    vapi_post(base, vapi.status_update(call, "ended", timestamp=now_ms()))
    end_call(base, sid, recording, api)

    recording = reviewed(recording)
    assert (recording.review, recording.review_types) == (Recording.Review.CLEAN, [])
    assert api.updates(recording.recording_sid) == ["paused", "in-progress"]
    wait_until_scrubbed(CARD_TRACES, "the raw transcript to be scrubbed")


def test_a_card_read_with_no_pause_is_caught_late_flagged_and_deleted_with_a_certificate(stack):
    base, api = stack["base_url"], stack["twilio_api"]
    sid, call, recording = consented_vapi_call(base)

    vapi_post(base, vapi.transcript(call, f"My card is {CARD} and the code is 4 1 2.", timestamp=now_ms()))
    wait_for(lambda: status_of(api, recording) == "paused", 15, "the safety net's pause")
    vapi_post(base, vapi.status_update(call, "ended", timestamp=now_ms()))
    end_call(base, sid, recording, api)

    recording = reviewed(recording)
    assert recording.review == Recording.Review.DELETING and "CVV" in recording.review_types
    wait_for(lambda: recording.recording_sid in api.deleted, 30, "the deletion at Twilio")
    wait_for(lambda: Recording.objects.get(pk=recording.pk).deleted_at is not None, 30, "the deletion confirmed")
    wait_for(lambda: DestructionCertificate.objects.filter(reason="sensitive_data").exists(), 30, "the certificate")
    wait_until_scrubbed(CARD_TRACES, "the raw transcript to be scrubbed")


def gather_action(twiml: str) -> str:
    gather = ElementTree.fromstring(twiml).find(".//Gather")  # noqa: S314  (our own server's answer)
    action = urlsplit(gather.attrib["action"])
    return f"{action.path}?{action.query}"


def test_an_ivr_payment_pauses_the_recording_around_pay_and_keeps_no_card_data(stack):
    base, api = stack["base_url"], stack["twilio_api"]
    sid = call_sid()
    call = {
        "CallSid": sid, "AccountSid": settings.TWILIO_ACCOUNT_SID, "From": "+14155550100", "To": "+18005550199",
        "FromState": "CA", "FromCountry": "US", "ToState": "NY", "ToCountry": "US", "Direction": "inbound",
    }  # fmt: skip
    twiml = twilio_post(base, "/webhooks/twilio/voice/", {**call, "CallStatus": "ringing"})
    twiml = twilio_post(base, gather_action(twiml), {**call, "CallStatus": "in-progress", "Digits": "1"})
    recording = recording_of(sid)
    wait_for(lambda: status_of(api, recording) == "in-progress", 15, "the recording")

    twiml = twilio_post(base, gather_action(twiml), {**call, "CallStatus": "in-progress", "Digits": "4"})
    assert "<Pay " in twiml and "/webhooks/twilio/pay/" in twiml
    wait_for(lambda: status_of(api, recording) == "paused", 15, "the pause around <Pay>")
    time.sleep(4)  # the caller keys the card in
    outcome = twilio_post(base, "/webhooks/twilio/pay/", {
        **call, "Result": "success", "PaymentConfirmationCode": "ch_3Nq8Z2", "PaymentCardType": "visa",
        "PaymentCardNumber": "xxxx-xxxx-xxxx-1111", "ExpirationDate": "0731", "SecurityCode": "***",
        "PaymentCardPostalCode": "60657", "PaymentToken": "tok_1Nq8Z2", "PaymentMethod": "credit-card",
    })  # fmt: skip
    assert "<Hangup" in outcome
    wait_for(lambda: status_of(api, recording) == "in-progress", 15, "the resume after <Pay>")
    twilio_post(base, "/webhooks/twilio/status/", {**call, "CallStatus": "completed", "CallDuration": "40"})
    end_call(base, sid, recording, api)

    recording = reviewed(recording)
    assert recording.review == Recording.Review.CLEAN
    assert Call.objects.get(call_sid=sid).payments.get().card_last4 == "1111"
    wait_until_scrubbed((standalone("0731"), standalone("60657"), *CARD_TRACES), "the raw payloads to be scrubbed")
