"""Property tests: whatever reaches a webhook, the answer is never a 5xx,
a refusal is a clear 4xx that leaves nothing behind, and whatever is
accepted the worker applies.

Every request here is correctly signed (Twilio's signature over the form
Django parses, Vapi's HMAC over the raw body), so the fuzzed content gets
past authentication and meets the parsers, serializers and services. A
separate property sends unsigned noise. After each refusal, no row of any
model has changed except its evidence: one more refusal counted under its
route, reason and window, and, for a window's first, the
``webhook.rejected`` audit event (route and reason only).
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.http import QueryDict
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from calls.models import InboundEvent
from calls.services.inbox import inbox_process
from compliance.models import AuditEvent, RefusalCount
from tests.calls import vapi_messages as vapi
from tests.conftest import twilio_signature
from tests.factories import call_sid, recording_sid, twilio_call_params

pytestmark = pytest.mark.django_db

fuzz = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

TWILIO_PATHS = ["/webhooks/twilio/voice/", "/webhooks/twilio/gather/", "/webhooks/twilio/status/"]
TWILIO_FIELDS = [
    "CallSid", "AccountSid", "From", "To", "Caller", "Called", "FromState", "FromCountry", "ToState", "ToCountry",
    "CallStatus", "Direction", "Digits", "SpeechResult", "Confidence", "SequenceNumber", "Timestamp",
    "CallDuration", "ParentCallSid", "SipResponseCode", "CallerName", "ForwardedFrom",
]  # fmt: skip
RECORDING_FIELDS = [
    "RecordingSid", "RecordingStatus", "RecordingDuration", "RecordingChannels", "RecordingUrl", "RecordingStartTime",
]  # fmt: skip
VAPI_TYPES = [
    "assistant-request", "status-update", "transcript", "tool-calls", "end-of-call-report", "hang",
    "speech-update", "conversation-update", "transfer-destination-request", "user-interrupted", "model-output",
]  # fmt: skip

# Text as people and machines send it: any code point (NUL and lone
# surrogates excluded where the transport can't carry them), now and then huge.
text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1e400", "NaN", "+14155550100", "completed", "ringing", "1", "#", "null"]),
    st.builds(lambda char, size: char * size, st.characters(codec="utf-8"), st.integers(70_000, 200_000)),
    st.builds(lambda char, size: char * size, st.characters(codec="utf-8"), st.integers(65, 25_000)),
)
plausible = st.one_of(
    st.builds(call_sid),
    st.builds(recording_sid),
    st.just(settings.TWILIO_ACCOUNT_SID),
    st.sampled_from(["in-progress", "completed", "busy", "no-answer", "canceled", "failed", "absent"]),
    st.sampled_from(["Tue, 21 Nov 2026 10:00:00 +0000", "yesterday", "2026-11-21T10:00:00Z"]),
    st.sampled_from(["https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE", "javascript:alert(1)"]),
)
form_value = st.one_of(text, plausible)
form_field = st.one_of(st.sampled_from(TWILIO_FIELDS + RECORDING_FIELDS), st.text(min_size=1, max_size=20))


@st.composite
def twilio_forms(draw: st.DrawFn) -> dict[str, str]:
    """A real call's parameters with some fields replaced, dropped or added."""
    form = twilio_call_params(CallSid=call_sid()) if draw(st.booleans()) else {}
    for name in draw(st.lists(st.sampled_from(sorted(form)), unique=True)) if form else []:
        del form[name]
    form.update(draw(st.dictionaries(form_field, form_value, max_size=8)))
    return form


def model_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for app in ("calls", "compliance")
        for model in apps.get_app_config(app).get_models()
        if model not in (AuditEvent, RefusalCount)
    }


def rejection_counts() -> Counter:
    """Refusals counted, per route, reason and window."""
    rows = RefusalCount.objects.values_list("key", "reason", "window_start", "count")
    return Counter({(route, reason, window_start): count for route, reason, window_start, count in rows})


class Refusal:
    """Snapshot before a request; afterwards, check the answer and that a
    refusal changed nothing."""

    def __init__(self) -> None:
        self.counts = model_counts()
        self.rejections = rejection_counts()
        self.last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def check(self, response, *, quiet_statuses: tuple[int, ...] = ()) -> None:
        status = response.status_code
        assert status < 500, (status, response.content[:200])
        if status < 400:
            self._applied()
            return
        if status in quiet_statuses:
            assert response.content == b""
        else:
            assert response.headers["Content-Type"] == "application/json"
            assert json.loads(response.content)["error"]
        assert model_counts() == self.counts, "a refused request changed stored data"
        # Its evidence: one key counted once more, or a new key counted once.
        after = rejection_counts()
        assert not self.rejections - after, "counted refusals went missing"
        grown = after - self.rejections
        assert list(grown.values()) == [1], "a refusal is counted exactly once"
        opened = next(iter(grown)) not in self.rejections
        added = AuditEvent.objects.filter(pk__gt=self.last_audit)
        assert list(added.values_list("action", flat=True)) == (["webhook.rejected"] if opened else [])
        for details in added.values_list("details", flat=True):
            assert set(details) == {"reason"}

    @staticmethod
    def _applied() -> None:
        """Accepted means applied: whatever the request stored, the worker
        applies, however odd the input that got past the edge."""
        for event_id in InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).values_list("pk", flat=True):
            assert inbox_process(event_id=event_id), InboundEvent.objects.get(pk=event_id).last_error


def post_signed_form(client, path: str, body: bytes, query: str = ""):
    """POST raw form bytes, signed over the parameters Django will parse from them."""
    full_path = f"{path}?{query}" if query else path
    params = QueryDict(body).dict()
    return client.post(
        full_path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(settings.PUBLIC_BASE_URL + full_path, params),
    )


gather_query = st.one_of(
    st.fixed_dictionaries({"step": st.sampled_from(["consent", "menu"]), "attempt": st.sampled_from(["1", "3"])}),
    st.dictionaries(st.sampled_from(["step", "attempt", "prompt"]) | form_field, form_value),
)


@fuzz
@given(path=st.sampled_from(TWILIO_PATHS), form=twilio_forms(), query=gather_query)
def test_signed_twilio_forms_never_fail_the_server(client, path, form, query):
    refusal = Refusal()
    response = post_signed_form(client, path, urlencode(form).encode(), urlencode(query))
    refusal.check(response)


@fuzz
@given(changes=st.dictionaries(st.sampled_from(["CallSid", "AccountSid", *RECORDING_FIELDS]), form_value, max_size=3))
def test_signed_recording_callbacks_never_fail_the_server(client, changes):
    form = {
        "CallSid": call_sid(),
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "RecordingSid": recording_sid(),
        "RecordingStatus": "completed",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE",
        "RecordingDuration": "42",
        "RecordingChannels": "1",
        **changes,
    }
    refusal = Refusal()
    response = post_signed_form(client, "/webhooks/twilio/recording/", urlencode(form).encode())
    refusal.check(response)


@fuzz
@given(path=st.sampled_from([*TWILIO_PATHS, "/webhooks/twilio/recording/"]), body=st.binary(max_size=2_000))
def test_signed_undecodable_forms_never_fail_the_server(client, path, body):
    """Bytes that are not UTF-8, stray ``%`` escapes, NULs, missing ``=``."""
    refusal = Refusal()
    response = post_signed_form(client, path, urlencode(twilio_call_params()).encode() + b"&" + body)
    refusal.check(response)


@fuzz
@given(
    path=st.sampled_from([*TWILIO_PATHS, "/webhooks/twilio/recording/", "/webhooks/vapi/"]),
    body=st.binary(max_size=2_000),
    signature=st.text(max_size=80),
)
def test_unsigned_noise_is_refused_without_detail(client, path, body, signature):
    refusal = Refusal()
    response = client.post(
        path,
        data=body,
        content_type="application/json" if "vapi" in path else "application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
        HTTP_X_SIGNATURE=signature,
        HTTP_X_TIMESTAMP=signature,
    )
    assert response.status_code in (400, 401, 403)
    refusal.check(response, quiet_statuses=(401, 403))


json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    text,
    plausible,
)
json_value = st.recursive(
    json_scalar,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@st.composite
def vapi_messages(draw: st.DrawFn) -> dict:
    """A real message of a known type, with fields replaced by anything at all."""
    call = vapi.new_call(customer=draw(st.sampled_from([vapi.CUSTOMER_PHONE, "", "12", "not a number"])))
    builders = [
        lambda: vapi.status_update(call, draw(st.sampled_from(["ringing", "in-progress", "ended", "sideways"]))),
        lambda: vapi.transcript(call, draw(text)),
        lambda: vapi.tool_calls(call, (draw(st.sampled_from(["record_consent", "schedule_callback", "x"])), {})),
        lambda: vapi.end_of_call_report(call, [("user", draw(text)), ("bot", "Thanks.")]),
        lambda: vapi.assistant_request(call),
        lambda: vapi.hang(call),
        lambda: vapi.speech_update(call),
        lambda: vapi.conversation_update(call, draw(text)),
    ]
    envelope = draw(st.sampled_from(builders))()
    message = envelope["message"]
    for key in draw(st.lists(st.sampled_from(sorted(message)), unique=True, max_size=3)):
        message[key] = draw(json_value)
    if draw(st.booleans()):
        message["type"] = draw(st.one_of(st.sampled_from(VAPI_TYPES), json_value))
    if draw(st.booleans()):
        message["call"] = {**call, **draw(st.dictionaries(st.sampled_from(sorted(call)), json_value, max_size=3))}
    return envelope


@fuzz
@given(envelope=vapi_messages())
def test_signed_vapi_messages_never_fail_the_server(client, envelope):
    refusal = Refusal()
    response = vapi.post(client, envelope)
    refusal.check(response)


@fuzz
@given(
    body=st.one_of(
        st.binary(max_size=2_000),
        json_value.map(lambda value: json.dumps(value).encode()),
        st.builds(lambda depth: b'{"message": ' + b"[" * depth + b"]" * depth + b"}", st.integers(1, 100_000)),
        st.builds(lambda cut: json.dumps(vapi.hang(vapi.new_call())).encode()[:cut], st.integers(0, 400)),
    )
)
def test_signed_vapi_bodies_that_are_not_messages_get_a_clear_400(client, body):
    refusal = Refusal()
    response = vapi.post(client, body)
    refusal.check(response)
    assert response.status_code in (200, 400, 413)


def test_an_oversized_body_is_refused_before_it_is_read(client):
    refusal = Refusal()
    body = b"x" * (settings.VAPI_MAX_BODY_BYTES + 1)
    response = vapi.post(client, body)
    assert response.status_code == 413
    refusal.check(response)
