"""Provider data is untrusted: what an outside review sent, each a delivery
that used to be acknowledged and then fail in the worker, a 5xx, or a
request made with our credentials to a place the payload chose. Each is now
a clear 4xx that stores nothing, or applied in full.

The classes these belong to are closed by tests/calls/test_input_bounds.py
(every bound from its column) and tests/calls/test_accepted_is_applied.py
(whatever is acknowledged is applied); these pin the review's own inputs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import typing
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from vapi.types import Call as VapiCall
from vapi.types import (
    RecordingConsent,
    ServerMessageEndOfCallReport,
    ServerMessageSpeechUpdate,
    ServerMessageStatusUpdate,
    ServerMessageTranscript,
)

from calls.integrations import vapi as vapi_client
from calls.models import Call, InboundEvent, Provider, Recording, ScheduledCallback, UnknownMessageCount
from calls.services import recordings
from calls.services.inbox import inbox_process
from compliance.models import ConsentEvent
from tests.calls import vapi_messages as vapi
from tests.factories import CallFactory, twilio_call_params
from tests.vapi_api import FakeVapiApi

pytestmark = pytest.mark.django_db


def apply_pending() -> int:
    """Apply every pending delivery, as the worker does; each must apply."""
    pending = InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).order_by("id")
    ids = list(pending.values_list("pk", flat=True))
    for event_id in ids:
        assert inbox_process(event_id=event_id), InboundEvent.objects.get(pk=event_id).last_error
    return len(ids)


def refused(response) -> bool:
    return response.status_code == 400 and not InboundEvent.objects.exists()


# --- Times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp",
    ["Fri, 31 Dec 9999 23:59:59 -2359", "Mon, 01 Jan 0001 00:00:00 +2359", "Tue, 21 Nov 2006 09:50:01 +0000"],
)
def test_a_twilio_timestamp_outside_the_window_is_refused(twilio_post, timestamp):
    params = twilio_call_params(CallStatus="completed", Timestamp=timestamp)

    assert refused(twilio_post("/webhooks/twilio/status/", params))


@pytest.mark.parametrize("timestamp", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", 253402300799000])
def test_a_vapi_timestamp_outside_the_window_is_refused(client, timestamp):
    body = vapi.status_update(vapi.new_call(), "ringing", timestamp=timestamp)

    assert refused(vapi.post(client, body))


def test_a_delivery_applied_late_is_judged_by_when_it_arrived(twilio_post):
    """The worker reads the stored delivery against its receipt, so one
    accepted at the window's edge is still applied days later."""
    moment = timezone.now() - timedelta(days=settings.PROVIDER_TIME_MAX_AGE_DAYS - 1)
    params = twilio_call_params(CallStatus="completed", Timestamp=moment.strftime("%a, %d %b %Y %H:%M:%S +0000"))
    assert twilio_post("/webhooks/twilio/status/", params).status_code == 204
    InboundEvent.objects.update(received_at=timezone.now() - timedelta(days=3))

    assert apply_pending() == 1
    assert Call.objects.get().status == Call.Status.COMPLETED


# --- Lengths and numbers -------------------------------------------------------------------


def test_a_jurisdiction_longer_than_its_column_is_refused(twilio_post):
    params = twilio_call_params(FromCountry="ABCDEFGH", FromState="S" * 64)

    assert refused(twilio_post("/webhooks/twilio/voice/", params))


@pytest.mark.parametrize("cost", ["NaN", "Infinity", "-inf", 1_000_000])
def test_a_cost_that_is_not_a_storable_number_is_refused(client, cost):
    body = vapi.end_of_call_report(vapi.new_call(), [("user", "hi")])
    body["message"]["cost"] = cost

    assert refused(vapi.post(client, body))


def test_the_largest_cost_the_column_holds_is_applied(client):
    call = vapi.new_call()
    body = vapi.end_of_call_report(call, [("user", "hi")])
    body["message"]["cost"] = 999_999.9999

    assert vapi.post(client, body).status_code == 200
    assert apply_pending() == 1
    assert str(Call.objects.get(vapi_call_id=call["id"]).cost) == "999999.9999"


def test_a_consent_answer_with_a_confidence_that_is_not_a_number_is_refused(twilio_post):
    params = twilio_call_params(SpeechResult="Yes.", Confidence="NaN")
    query = {"step": "consent", "attempt": 1, "prompt": settings.CONSENT_PROMPT_VERSION}

    assert refused(twilio_post("/webhooks/twilio/gather/", params, query=query))
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize("stamp", ["nan", "NaN", "inf", "-inf", "1e400", "١٧٣٢١٨٣٢٠٠"])
def test_a_vapi_signature_timestamp_that_is_not_a_time_is_refused(client, stamp):
    """Correctly signed over the bogus timestamp: only its reading can refuse it."""
    raw = json.dumps(vapi.status_update(vapi.new_call(), "ringing")).encode()
    signature = hmac.new(settings.VAPI_WEBHOOK_SECRET.encode(), stamp.encode() + b"." + raw, hashlib.sha256)

    response = vapi.post(client, raw, HTTP_X_TIMESTAMP=stamp, HTTP_X_SIGNATURE=signature.hexdigest())

    assert response.status_code == 401
    assert not InboundEvent.objects.exists()


# --- Text and ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("call_id", ["0" * 64, "../assistant/5a1bde0e-7e1b-4bf0-9d2b-000000000001", "call-1"])
def test_a_vapi_call_id_that_is_not_vapis_is_refused(client, call_id):
    call = {**vapi.new_call(), "id": call_id}

    assert refused(vapi.post(client, vapi.end_of_call_report(call, [("user", "hi")])))


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "nul\u0000"])
def test_text_that_cannot_be_stored_is_refused_wherever_it_is(client, text):
    call = vapi.new_call()
    tool_call = vapi.tool_calls(call, ("record_consent", {}))
    # The arguments as an object, so the text is the document's own.
    tool_call["message"]["toolCallList"][0]["function"]["arguments"] = {"decision": "granted", "note": text}
    bodies = [
        tool_call,
        vapi.transcript(call, f"hello {text}"),
        vapi.status_update(call, "ringing", unknownField={text: 1}),
    ]
    for body in bodies:
        raw = json.dumps(body).encode()  # \\u escapes: the JSON itself is well formed

        assert vapi.post(client, raw).status_code == 400
    assert not InboundEvent.objects.exists()


# --- Every published value, through the worker ------------------------------------------------


def _literals(annotation: object) -> set[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    return {value for argument in typing.get_args(annotation) for value in _literals(argument)}


def published(schema: type, field: str) -> list[str]:
    values = sorted(_literals(schema.model_fields[field].annotation))
    assert values, f"{schema.__name__}.{field} has no published values"
    return values


ENDED_REASONS = published(ServerMessageEndOfCallReport, "ended_reason")


def test_every_ended_reason_vapi_publishes_is_applied(client):
    """Vapi's SDK lists the reasons a call ends (604 in 3.0.0, up to 121
    characters): each ends a call through an end-of-call report, and the
    longest through a status update too."""
    assert set(published(ServerMessageStatusUpdate, "ended_reason")) == set(ENDED_REASONS)
    for reason in ENDED_REASONS:
        report = vapi.end_of_call_report(vapi.new_call(), [], recording=False, ended_reason=reason)
        assert vapi.post(client, report).status_code == 200
    longest = sorted(ENDED_REASONS, key=len)[-10:]
    for reason in longest:
        assert vapi.post(client, vapi.status_update(vapi.new_call(), "ended", endedReason=reason)).status_code == 200

    assert apply_pending() == len(ENDED_REASONS) + len(longest)
    assert sorted(Call.objects.values_list("end_reason", flat=True)) == sorted(ENDED_REASONS + longest)


def test_every_other_published_value_the_shapes_read_is_applied(client):
    consent_types = published(RecordingConsent, "type")
    bodies = [vapi.status_update(vapi.new_call(), status) for status in published(ServerMessageStatusUpdate, "status")]
    bodies += [
        vapi.status_update({**vapi.new_call(), "type": call_type}, "ringing")
        for call_type in published(VapiCall, "type")
    ]
    bodies += [
        vapi.speech_update(vapi.new_call(), status=status, role=role)
        for status in published(ServerMessageSpeechUpdate, "status")
        for role in published(ServerMessageSpeechUpdate, "role")
    ]
    bodies += [
        vapi.transcript(vapi.new_call(), "hello", role=role) for role in published(ServerMessageTranscript, "role")
    ]
    for consent_type in consent_types:
        report = vapi.end_of_call_report(vapi.new_call(), [("user", "yes")], consent_granted_at=vapi.iso_ago(minutes=3))
        report["message"]["compliance"]["recordingConsent"]["type"] = consent_type
        bodies.append(report)

    for body in bodies:
        assert vapi.post(client, body).status_code == 200

    assert apply_pending() == len(bodies)
    assert set(ConsentEvent.objects.values_list("prompt_version", flat=True)) == {
        f"vapi:{consent_type}" for consent_type in consent_types
    }


# --- Provider ids reach provider URLs only as themselves -------------------------------------------


@pytest.fixture
def vapi_api(settings):
    api = FakeVapiApi().start()
    settings.VAPI_API_BASE_URL = api.url
    yield api
    api.stop()


def _vapi_recording(call_id: str) -> Recording:
    call = CallFactory(call_sid=f"vapi:{call_id}", provider=Provider.VAPI, vapi_call_id=call_id)
    return Recording.objects.create(
        recording_sid=f"vapi:{call_id}:mono", call=call, provider=Provider.VAPI,
        status=Recording.Status.COMPLETED, deletion_reason="no_consent", deletion_requested_at=timezone.now(),
    )  # fmt: skip


def test_a_vapi_id_that_would_name_another_resource_never_reaches_a_url(vapi_api):
    recording = _vapi_recording("../assistant/5a1bde0e-7e1b-4bf0-9d2b-000000000001")

    outcome = recordings.recording_delete_at_provider(recording_id=recording.pk)

    assert outcome is recordings.DeletionOutcome.FAILED
    assert vapi_api.paths == []
    recording.refresh_from_db()
    assert recording.deleted_at is None
    assert recording.deletion_error.startswith(vapi_client.VapiPermanentError.__name__)


def test_a_vapi_deletion_is_recorded_only_when_vapi_confirms_that_call(vapi_api):
    call_id = vapi.new_call()["id"]
    recording = _vapi_recording(call_id)
    vapi_api.scripted.append((200, vapi.new_call()["id"]))

    assert recordings.recording_delete_at_provider(recording_id=recording.pk) is recordings.DeletionOutcome.FAILED
    recording.refresh_from_db()
    assert recording.deleted_at is None
    assert recording.deletion_error.startswith(vapi_client.VapiPermanentError.__name__)

    recordings.recording_delete_at_provider(recording_id=recording.pk)

    recording.refresh_from_db()
    assert recording.deleted_at is not None
    assert vapi_api.paths == [f"/call/{call_id}"] * 2
    assert vapi_api.authorizations == [f"Bearer {settings.VAPI_API_KEY}"] * 2


def test_twilio_ids_that_would_name_another_resource_never_reach_a_url():
    from calls.integrations import twilio

    for call in (
        lambda: twilio.recording_delete(recording_sid="RE" + "0" * 32 + "/../../Calls/CA" + "0" * 32),
        lambda: twilio.recording_stop(call_sid="CA" + "0" * 32, recording_sid="../Recordings"),
        lambda: twilio.recording_start(call_sid="CA" + "0" * 31 + "/", status_callback_url="https://x.test/"),
    ):
        with pytest.raises(twilio.TwilioPermanentError, match="not a Twilio"):
            call()


def test_a_second_vapi_call_on_one_callsid_deletes_its_own_recordings_only(client, vapi_api):
    """Two Vapi calls can share one Call row (both carry the same CallSid);
    a recording is deleted as the call its own key names."""
    sid = "CA" + "7" * 32
    first, second = vapi.new_call(twilio_sid=sid), vapi.new_call(twilio_sid=sid)
    vapi.post(client, vapi.status_update(first, "in-progress"))
    vapi.post(client, vapi.end_of_call_report(second, [("user", "hi")]))
    apply_pending()

    for recording in Recording.objects.all():
        recordings.recording_delete_at_provider(recording_id=recording.pk)

    assert Recording.objects.filter(deleted_at__isnull=False).count() == 2
    assert vapi_api.paths == [f"/call/{second['id']}"] + [f"/call/{second['id']}"]


# --- One receipt time, read once ------------------------------------------------------------


@pytest.fixture
def slow_request(monkeypatch):
    """A web process that stalls between reading a delivery and storing it."""
    from calls.services import inbox

    digest = inbox.payload_digest
    monkeypatch.setattr(inbox, "payload_digest", lambda payload: (time.sleep(0.05), digest(payload))[1])


def test_a_time_at_the_windows_edge_is_judged_alike_by_a_slow_request_and_the_worker(client, slow_request):
    edge = time.time() - settings.PROVIDER_TIME_MAX_AGE_DAYS * 86400 + 0.03
    body = vapi.status_update(vapi.new_call(), "ringing", timestamp=int(edge * 1000))

    response = vapi.post(client, body)

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert apply_pending() == 1


def test_a_callback_due_just_after_the_request_is_scheduled_however_slow_the_request(client, slow_request):
    when = (timezone.now() + timedelta(milliseconds=30)).isoformat()

    response = vapi.post(client, vapi.tool_calls(vapi.new_call(), ("schedule_callback", {"when": when})))

    assert "result" in response.json()["results"][0]
    assert apply_pending() == 1
    assert ScheduledCallback.objects.count() == 1


# --- A delivery is what it holds ------------------------------------------------------------------


def test_two_different_messages_in_one_millisecond_are_two_deliveries(client):
    call, moment = vapi.new_call(), vapi.iso_ago(minutes=1)
    vapi.post(client, vapi.status_update(call, "in-progress", timestamp=moment))
    vapi.post(client, vapi.status_update(call, "ended", timestamp=moment, endedReason="customer-ended-call"))

    assert apply_pending() == 2
    assert Call.objects.get().status == Call.Status.COMPLETED


def test_tool_calls_sharing_an_id_are_each_applied(client):
    call = vapi.new_call()
    body = vapi.tool_calls(
        call, ("record_consent", {"decision": "granted"}), ("transfer_to_human", {"department": "sales"})
    )
    body["message"]["toolCallList"][1]["id"] = body["message"]["toolCallList"][0]["id"]
    other = vapi.tool_calls(vapi.new_call(), ("record_consent", {"decision": "declined"}))
    other["message"]["toolCallList"][0]["id"] = body["message"]["toolCallList"][0]["id"]

    results = vapi.post(client, body).json()["results"] + vapi.post(client, other).json()["results"]

    assert [result.get("name") for result in results] == ["record_consent", "transfer_to_human", "record_consent"]
    assert apply_pending() == 3
    assert Call.objects.get(vapi_call_id=call["id"]).department == "sales"
    assert sorted(ConsentEvent.objects.values_list("decision", flat=True)) == ["declined", "granted"]


# --- Refused before it is read ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/webhooks/twilio/voice/", "/webhooks/twilio/status/", "/webhooks/twilio/recording/"])
@pytest.mark.parametrize(
    "content_type, raw",
    [
        ("application/x-www-form-urlencoded; charset=iso-8859-1", b"CallSid=x"),
        ("application/x-www-form-urlencoded; charset=no-such-charset", b"CallSid=x"),
        ("multipart/form-data; boundary=", b"--x\r\n"),
        ("multipart/form-data", b"CallSid=x"),
    ],
)
def test_a_body_django_cannot_read_is_a_400_before_anything_else(client, path, content_type, raw):
    response = client.generic("POST", path, raw, content_type=content_type, HTTP_X_TWILIO_SIGNATURE="bogus")

    assert response.status_code in (400, 403)
    assert not InboundEvent.objects.exists()


# --- Provider text stays out of the logs ------------------------------------------------------------


def test_names_a_provider_made_up_are_neither_kept_nor_logged(client, caplog):
    call = vapi.new_call()
    vapi.post(client, {"message": {**vapi.hang(call)["message"], "type": "note dana.w@example.com"}})
    vapi.post(client, vapi.tool_calls(call, ("Dana Whitfield", {})))
    apply_pending()

    assert "Dana" not in caplog.text and "dana" not in caplog.text
    assert list(UnknownMessageCount.objects.values_list("type", flat=True)) == ["(malformed)"]
