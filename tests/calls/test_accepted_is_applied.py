"""Accepted means applied: for any delivery a webhook acknowledges, the
worker applies it, and its effects exist.

The deliveries are generated from the input serializers' own fields: every
declared field, at any value its bounds allow (lengths up to the maximum,
ranges to both ends, times to both edges of the window in any UTC offset,
every choice), present or left out. They are signed as the providers sign
them and posted to the real views; each one answered 2xx is then applied
by ``inbox_process`` on PostgreSQL, which must return True. A bound wider
than its column, a value the worker reads differently from the view, or a
time judged against a different clock shows up here as an acknowledged
delivery that fails in the worker.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db.models import Q
from django.http import QueryDict
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework import serializers

from calls.ivr import CONSENT_PROMPTS
from calls.models import Call, CallEvent, CallStatusEvent, InboundEvent, Payment, TranscriptSegment
from calls.serializers import twilio as twilio_shapes
from calls.serializers import vapi as vapi_shapes
from calls.serializers.fields import (
    EpochOrISO8601TimeField,
    ISO8601TimeField,
    PatternField,
    ReportedTimeField,
    RFC2822TimeField,
    time_window,
)
from calls.services.inbox import inbox_process
from tests.calls import vapi_messages as vapi
from tests.conftest import twilio_signature

pytestmark = pytest.mark.django_db

EXAMPLES = 40
# Any character that can be stored: no NUL, no lone surrogate.
storable = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


def text_values(max_length: int | None, *, form: bool) -> st.SearchStrategy[str]:
    size = max_length if max_length is not None else 2_000
    # A form field's value loses its surrounding blanks (DRF trims them).
    letters = st.characters(exclude_categories=("Cs", "Zs", "Cc"), exclude_characters="\x00") if form else storable
    return st.one_of(
        st.text(storable, max_size=min(size, 80)),
        st.builds(lambda char, count: char * count, letters, st.just(size)),
        st.text(letters, min_size=size, max_size=size) if size <= 200 else st.nothing(),
    )


def url_values(max_length: int) -> st.SearchStrategy[str]:
    base = "https://storage.example.test/"
    return st.one_of(
        st.just(base + "r.wav"),
        st.builds(lambda count: base + "a" * count, st.integers(1, max_length - len(base))),
    )


offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@st.composite
def reported_times(draw: st.DrawFn, field: ReportedTimeField) -> Any:
    earliest, latest = time_window()
    # Seconds into the window, half a minute inside each edge: the request
    # is judged a moment later. Drawn as a number so that the draw does not
    # depend on the clock.
    span = int((latest - earliest).total_seconds())
    seconds = draw(st.one_of(st.sampled_from([30, span - 30]), st.integers(30, span - 30)))
    moment = (earliest + timedelta(seconds=seconds, microseconds=draw(st.integers(0, 999_999)))).astimezone(
        draw(offsets)
    )
    if isinstance(field, RFC2822TimeField):
        return format_datetime(moment.replace(microsecond=0))
    if isinstance(field, EpochOrISO8601TimeField) and draw(st.booleans()):
        return int(moment.timestamp() * 1000)
    if isinstance(field, ISO8601TimeField):
        return moment.isoformat()
    raise AssertionError(f"no strategy for {type(field).__name__}")


def pattern_of(field: serializers.Field) -> str:
    return next(validator.regex.pattern for validator in field.validators if hasattr(validator, "regex"))


def value_for(field: serializers.Field, *, form: bool) -> st.SearchStrategy[Any]:
    """Any value ``field`` accepts, by its own bounds."""
    if isinstance(field, serializers.ChoiceField):
        return st.sampled_from(sorted(field.choices))
    if isinstance(field, PatternField):
        return st.from_regex(re.compile(pattern_of(field)), fullmatch=True).filter(
            lambda value: not form or value == value.strip()
        )
    if isinstance(field, ReportedTimeField):
        return reported_times(field)
    if isinstance(field, serializers.BooleanField):
        return st.booleans()
    if isinstance(field, serializers.IntegerField):
        return st.integers(field.min_value, field.max_value)
    if isinstance(field, serializers.FloatField):
        return st.floats(field.min_value, field.max_value, allow_nan=False, allow_infinity=False)
    if isinstance(field, serializers.URLField):
        return url_values(field.max_length)
    if isinstance(field, serializers.CharField):
        return text_values(field.max_length, form=form)
    if isinstance(field, serializers.JSONField):
        return st.recursive(
            st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(storable, max_size=20),
            lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(storable, max_size=8), children),
            max_leaves=8,
        )
    raise AssertionError(f"no strategy for {type(field).__name__}")


@st.composite
def shaped(draw: st.DrawFn, shape: type[serializers.Serializer], *, form: bool = False) -> dict[str, Any]:
    """A body for ``shape``: each declared field given a value within its
    bounds, or left out when it is optional."""
    body: dict[str, Any] = {}
    for name, field in shape._declared_fields.items():
        if not field.required:
            absence = draw(st.integers(0, 5))
            if absence == 0:
                continue
            if absence == 1 and form:
                body[name] = ""  # a form's way of giving no value
                continue
        if isinstance(field, serializers.ListField) and isinstance(field.child, serializers.BaseSerializer):
            body[name] = draw(st.lists(shaped(type(field.child)), max_size=3))
        elif isinstance(field, serializers.BaseSerializer):
            body[name] = draw(shaped(type(field)))
        else:
            value = draw(value_for(field, form=form))
            if form:
                value = repr(value) if isinstance(value, float) else str(value)
            body[name] = value
    return body


# --- Twilio ---------------------------------------------------------------------------------


def post_twilio(client, path: str, form: dict[str, str], query: dict[str, str] | None = None):
    full_path = f"{path}?{urlencode(query)}" if query else path
    body = urlencode(form)
    return client.post(
        full_path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(settings.PUBLIC_BASE_URL + full_path, QueryDict(body).dict()),
    )


@st.composite
def gather_queries(draw: st.DrawFn) -> dict[str, str]:
    step = draw(st.sampled_from(["consent", "menu"]))
    query = {"step": step, "attempt": str(draw(st.integers(1, settings.IVR_MAX_ATTEMPTS)))}
    if step == "consent":
        query["prompt"] = draw(st.sampled_from(sorted(CONSENT_PROMPTS)))
    return query


TWILIO = {
    "voice": ("/webhooks/twilio/voice/", twilio_shapes.TwilioCallSerializer, st.none()),
    "gather": ("/webhooks/twilio/gather/", twilio_shapes.TwilioGatherSerializer, gather_queries()),
    "status": ("/webhooks/twilio/status/", twilio_shapes.TwilioStatusSerializer, st.none()),
    "recording": ("/webhooks/twilio/recording/", twilio_shapes.TwilioRecordingSerializer, st.none()),
    "pay": ("/webhooks/twilio/pay/", twilio_shapes.TwilioPaySerializer, st.none()),
    "handoff": ("/webhooks/twilio/handoff/", twilio_shapes.TwilioHandoffSerializer, st.none()),
    "refer": ("/webhooks/twilio/refer/", twilio_shapes.TwilioReferSerializer, st.none()),
}


# --- Vapi -------------------------------------------------------------------------------------

VAPI = {
    "status-update": vapi_shapes.StatusUpdateSerializer,
    "transcript": vapi_shapes.TranscriptSerializer,
    "tool-calls": vapi_shapes.ToolCallsSerializer,
    "end-of-call-report": vapi_shapes.EndOfCallReportSerializer,
    "assistant-request": vapi_shapes.CallMessageSerializer,
    "speech-update": vapi_shapes.SpeechUpdateSerializer,
    "hang": vapi_shapes.CallMessageSerializer,
    "transfer-destination-request": vapi_shapes.CallMessageSerializer,
}


@st.composite
def tool_call_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One to three tool calls: the real tools with arguments they take, or
    anything the shape allows."""
    now = time_window()[1] - timedelta(seconds=settings.PROVIDER_TIME_MAX_AHEAD_SECONDS)
    real = st.sampled_from(
        [
            ("record_consent", {"decision": "granted"}),
            ("record_consent", {"decision": "declined"}),
            ("transfer_to_human", {"department": "billing", "reason": "a refund"}),
            ("schedule_callback", {"when": (now + timedelta(hours=2)).isoformat(), "phone": "+14155550123"}),
        ]
    ).map(lambda tool: {"id": "call_x", "function": {"name": tool[0], "arguments": json.dumps(tool[1])}})
    calls = draw(st.lists(real | shaped(vapi_shapes.ToolCallSerializer), min_size=1, max_size=3))
    for call in calls:
        call["id"] = draw(value_for(vapi_shapes.ToolCallSerializer._declared_fields["id"], form=False))
    return calls


# --- Effects ----------------------------------------------------------------------------------


def effects_of(event: InboundEvent, *, vapi_call_id: str | None = None) -> list[str]:
    """What is missing of the effects ``event`` must have left. A Vapi
    call keeps the key its first message gave it (``vapi_call_id`` finds it)."""
    missing = []
    if event.status != InboundEvent.Status.DONE:
        missing.append(f"status {event.status}")
    if not Call.objects.filter(Q(call_sid=event.call_sid) | Q(vapi_call_id=vapi_call_id)).exists():
        missing.append("the call")
    kind = event.kind
    if kind in (InboundEvent.Kind.TWILIO_STATUS, InboundEvent.Kind.VAPI_END_OF_CALL):
        if not CallStatusEvent.objects.filter(inbound_event=event).exists():
            missing.append("the status on the timeline")
    elif kind == InboundEvent.Kind.VAPI_STATUS:
        recorded = CallStatusEvent.objects.filter(inbound_event=event).exists()
        if not (recorded or CallEvent.objects.filter(inbound_event=event).exists()):
            missing.append("the status on the timeline")
    elif kind in (InboundEvent.Kind.VAPI_CALL_EVENT, InboundEvent.Kind.TWILIO_HANDOFF, InboundEvent.Kind.TWILIO_REFER):
        if not CallEvent.objects.filter(inbound_event=event).exists():
            missing.append("the call event")
    elif kind == InboundEvent.Kind.TWILIO_PAY:
        if not Payment.objects.filter(source=f"twilio:{event.dedup_key}").exists():
            missing.append("the payment")
    elif kind == InboundEvent.Kind.VAPI_TRANSCRIPT:
        if not TranscriptSegment.objects.filter(source_event=event).exists():
            missing.append("the transcript segment")
    return missing


class Tally:
    def __init__(self) -> None:
        self.sent = 0
        self.accepted = 0

    def deliver(self, response, *, vapi_call_id: str | None = None) -> None:
        """Apply what ``response`` acknowledged; fail if any of it is not applied."""
        self.sent += 1
        assert response.status_code < 500, response.content[:300]
        if response.status_code >= 300:
            return
        self.accepted += 1
        for event_id in InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).values_list("pk", flat=True):
            applied = inbox_process(event_id=event_id)
            event = InboundEvent.objects.get(pk=event_id)
            assert applied, f"acknowledged {event.kind} not applied: {event.last_error}"
            assert effects_of(event, vapi_call_id=vapi_call_id) == [], event.kind


run = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("kind", sorted(TWILIO))
def test_every_acknowledged_twilio_delivery_is_applied(client, kind):
    path, shape, queries = TWILIO[kind]
    tally = Tally()

    @run
    @given(form=shaped(shape, form=True), query=queries)
    def deliver(form, query):
        tally.deliver(post_twilio(client, path, form, query))

    deliver()

    # The generator is useless if the views refuse what it makes.
    assert tally.accepted >= tally.sent * 0.8, (tally.accepted, tally.sent)


@pytest.mark.parametrize("kind", sorted(VAPI))
def test_every_acknowledged_vapi_delivery_is_applied(client, kind):
    tally = Tally()

    @run
    @given(message=shaped(VAPI[kind]), call=shaped(vapi_shapes.CallSerializer), tools=tool_call_lists())
    def deliver(message, call, tools):
        message = {**message, "type": kind, "call": call}
        if kind == "tool-calls":
            message["toolCallList"] = tools
        tally.deliver(vapi.post(client, {"message": message}), vapi_call_id=call["id"])

    deliver()

    assert tally.accepted >= tally.sent * 0.5, (tally.accepted, tally.sent)


def test_the_effects_check_can_fail():
    event = InboundEvent.objects.create(
        provider="vapi", kind=InboundEvent.Kind.VAPI_TRANSCRIPT, dedup_key="x", call_sid="vapi:none",
        payload_sha256="0" * 64, status=InboundEvent.Status.DONE,
    )  # fmt: skip

    assert effects_of(event) == ["the call", "the transcript segment"]
