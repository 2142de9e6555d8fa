"""Applying stored Vapi deliveries to the domain. Called by the inbox worker
inside one transaction per event; each reads the event's decrypted payload
through the serializer that accepted it."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from calls.models import Call, InboundEvent, Provider, Recording
from calls.serializers import parse
from calls.serializers import vapi as shapes
from calls.services.callbacks import callback_schedule
from calls.services.calls import call_apply_status, call_event_record, call_upsert
from calls.services.capture import CAPTURE_TOOLS, capture_enqueue_reconcile, capture_from_event
from calls.services.crm import crm_call_ready
from calls.services.handoff import Verdict, handoff_bridged_to
from calls.services.recordings import (
    ERASURE,
    NO_CONSENT,
    call_request_recording,
    recording_open,
    recording_request_deletion,
)
from calls.services.transcripts import (
    LIVE_SOURCE,
    Utterance,
    inbox_scrub_if_settled,
    transcript_delete,
    transcript_store,
)
from calls.services.vapi_control import control_close, control_message_queue, control_url_keep
from calls.services.vapi_tools import (
    PROCESSING,
    BadArguments,
    ToolContext,
    tool_error_line,
    tool_is_async,
    tool_label,
    tool_read,
    tool_result_line,
)
from calls.services.vapi_webhooks import jurisdiction_of
from compliance.audit import Actor, audit_record
from compliance.database import first_row, update_fields
from compliance.models import ConsentDecision, ConsentMethod
from compliance.services import consent_record

logger = logging.getLogger(__name__)

# Vapi's call statuses on the shared state machine; the others change nothing.
STATUS_MAP = {
    "scheduled": Call.Status.QUEUED,
    "queued": Call.Status.QUEUED,
    "ringing": Call.Status.RINGING,
    "in-progress": Call.Status.IN_PROGRESS,
    "ended": Call.Status.COMPLETED,
}
SPEAKERS = {"user": "caller", "assistant": "assistant", "bot": "assistant"}
REPORT_SOURCES = (LIVE_SOURCE, "vapi.end-of-call-report", "vapi.summary")
_REPORT_APPLIED = "SELECT 1 FROM calls_inboundevent WHERE kind = %s AND call_sid = %s AND status = %s LIMIT 1"
MAX_CALL_SECONDS = 24 * 3600


def _call(data: dict[str, Any]) -> Call:
    """The call a message is about, locked, with the control URL the
    message names for it kept if it may be used."""
    row = _upsert(data)
    control_url_keep(call=row, url=(data["call"].get("monitor") or {}).get("controlUrl"))
    return row


def _upsert(data: dict[str, Any]) -> Call:
    call = data["call"]
    handed_off_from = _handed_off_from(data)
    if handed_off_from:
        # The IVR's call: its numbers and jurisdictions are Twilio's to give.
        return call_upsert(call_sid=handed_off_from, vapi_call_id=call["id"])
    customer = (call.get("customer") or {}) or (data.get("customer") or {})
    our_number = (data.get("phoneNumber") or {}).get("number") or ""
    # A Vapi call is one row, whichever key its first applied message gave
    # it: Twilio's CallSid, or Vapi's id when that message carried no SID.
    return call_upsert(
        call_sid=shapes.call_key(call),
        by_vapi_call_id=True,
        provider=Provider.VAPI,
        from_number=customer.get("number") or "",
        to_number=our_number,
        caller_name=customer.get("name") or "",
        caller=jurisdiction_of(customer.get("number")),
        callee=jurisdiction_of(our_number),
        vapi_call_id=call["id"],
    )


def _moment(event: InboundEvent, data: dict[str, Any]) -> datetime:
    return data.get("timestamp") or event.received_at


def apply_assistant_request(event: InboundEvent) -> None:
    """The call, and the disclosure its assistant was told to open with, on
    its timeline; a hand-off reference it presented, in the audit trail."""
    call = _call(parse(shapes.CallMessageSerializer, event.payload))
    reply = json.loads(event.response_body or "{}")
    said = (reply.get("assistant") or reply.get("assistantOverrides") or {}).get("firstMessage") or ""
    if said.startswith(settings.AI_DISCLOSURE):
        call_event_record(
            event=event, call=call, kind="ai-disclosure", detail=settings.AI_DISCLOSURE[:64], at=event.received_at
        )
    handoff = event.payload.get("handoff") or {}
    verdict = handoff.get("verdict", Verdict.MISSING)
    if verdict != Verdict.MISSING:
        # A reference that did not join its call is an attempt to be told about.
        audit_record(
            "handoff.joined" if verdict == Verdict.VALID else "handoff.rejected",
            actor=Actor(name=Provider.VAPI), object_type="call", object_id=call.pk, object_repr=call.call_sid,
            details={
                "verdict": verdict, "vapi_call_id": event.payload["call"]["id"],
                "reference_names": handoff.get("call_sid") or "", "consent": call.consent_decision or "",
            },
        )  # fmt: skip
        if verdict != Verdict.VALID:
            logger.warning("handoff.rejected", extra={"call_id": call.pk, "verdict": verdict})


def _handed_off_from(data: dict[str, Any]) -> str:
    """The IVR's call a conversation was handed off from, or ''."""
    call = data["call"]
    return handoff_bridged_to(vapi_call_id=call["id"]) if shapes.over_sip(call) else ""


def apply_status(event: InboundEvent) -> None:
    data = parse(shapes.StatusUpdateSerializer, event.payload)
    call = _call(data)
    if data["status"] == "ended":
        control_close(call=call, at=_moment(event, data))
    status = STATUS_MAP.get(data["status"])
    handed_off = bool(_handed_off_from(data))
    if status is None or handed_off:
        # A conversation handed off from the IVR is a stretch of a Twilio
        # call, whose own statuses come from Twilio: its statuses are moments.
        kind = "assistant" if handed_off else "status-update"
        call_event_record(event=event, call=call, kind=kind, detail=data["status"], at=_moment(event, data))
        return
    call_apply_status(
        call=call,
        status=status,
        occurred_at=_moment(event, data),
        end_reason=data.get("endedReason") or "",
        inbound_event=event,
    )


def apply_transcript(event: InboundEvent) -> None:
    """A live utterance, unless the call's end-of-call report (the whole
    transcript, which replaces the live one) was applied first: a live
    transcript delivered late would otherwise be stored twice. The call's
    row lock, taken by ``_call``, orders this against the report."""
    data = parse(shapes.TranscriptSerializer, event.payload)
    call = _call(data)
    report = [InboundEvent.Kind.VAPI_END_OF_CALL, call.call_sid, InboundEvent.Status.DONE]
    if first_row(_REPORT_APPLIED, report) is not None:
        logger.info("vapi.transcript_superseded", extra={"inbound_event_id": event.pk, "call_id": call.pk})
        return
    said = Utterance(LIVE_SOURCE, "transcript", SPEAKERS[data["role"]], _moment(event, data))
    transcript_store(call=call, event=event, utterances=[said])
    if capture_from_event(event=event, call=call):
        capture_enqueue_reconcile(call=call)


def apply_call_event(event: InboundEvent) -> None:
    payload = event.payload
    data = parse(
        shapes.MessageSerializer,
        {"type": payload["type"], "timestamp": payload.get("timestamp"), "call": payload["call"]},
    )
    call = _call(data)
    call_event_record(
        event=event, call=call, kind=payload["type"], detail=payload.get("detail", ""), at=_moment(event, data)
    )


def apply_tool_call(event: InboundEvent) -> None:
    """Do a tool call's work. When its answer went out before the work (an
    async tool, or a reply past its budget), what the work came to, or why
    it could not be done, is queued to be told to the live call."""
    payload = event.payload
    call = _call({"call": payload["call"]})
    tool_call = payload["toolCall"]
    name = tool_call["name"]
    answered = json.loads(event.response_body or "{}")
    told_later = tool_is_async(name) or answered.get("result") == PROCESSING
    try:
        values = tool_read(name, tool_call.get("arguments"), ToolContext(payload.get("customer_number", "")))
    except BadArguments as refused:
        logger.info("vapi.tool_call_refused", extra={"call_id": call.pk, "tool": tool_label(name)})
        if told_later:
            line = tool_error_line(refused)
            control_message_queue(call=call, tool_call_id=tool_call["id"], tool=tool_label(name), line=line)
        return
    _apply_tool(event, call, name, values)
    if told_later:
        line = tool_result_line(name, values)
        control_message_queue(call=call, tool_call_id=tool_call["id"], tool=name, line=line)


def _apply_tool(event: InboundEvent, call: Call, name: str, values: dict[str, Any]) -> None:
    # The delivery, not the tool call's id: a model may reuse an id across
    # calls, and each tool call is one inbox event.
    source = f"vapi-tool:{event.pk}"
    if name == "record_consent":
        consent_record(
            call=call,
            decision=ConsentDecision(values["decision"]),
            method=ConsentMethod.ASSISTANT,
            prompt_version=settings.CONSENT_PROMPT_VERSION,
            source=source,
            occurred_at=event.received_at,
        )
        if values["decision"] == ConsentDecision.GRANTED and call.call_sid.startswith("CA"):
            call_request_recording(call=call)
        elif values["decision"] == ConsentDecision.DECLINED and not call.has_granted_consent:
            # Withdrawn (or refused): what is being recorded stops and goes now.
            for recording in call.recordings.filter(deleted_at__isnull=True, deletion_requested_at__isnull=True):
                recording_request_deletion(recording=recording, reason=NO_CONSENT)
    elif name == "transfer_to_human":
        if call.department != values["department"]:
            call.department = values["department"]
            update_fields(call, ["department", "updated_at"])
        call_event_record(
            event=event, call=call, kind="transfer_to_human", detail=values["department"], at=event.received_at
        )
    elif name == "schedule_callback":
        callback_schedule(
            call=call,
            source=source,
            phone=values["phone"],
            due_at=datetime.fromisoformat(values["due_at"]),
            requested_at=event.received_at,
        )
    elif name in CAPTURE_TOOLS and capture_from_event(event=event, call=call):
        capture_enqueue_reconcile(call=call)


def apply_end_of_call_report(event: InboundEvent) -> None:
    """The call's end, its whole transcript and summary (replacing whatever
    an earlier report or the live transcripts stored), its recordings, and
    consent reconciled with what Vapi says it obtained."""
    data = parse(shapes.EndOfCallReportSerializer, event.payload)
    call = _call(data)
    control_close(call=call, at=data.get("endedAt") or _moment(event, data))
    # In before anything below makes the call due for the CRM, which waits for it.
    call.vapi_report_at = timezone.now()
    if data.get("cost") is not None:
        call.cost = Decimal(str(data["cost"])).quantize(Decimal("0.0001"))
    update_fields(call, ["vapi_report_at", "cost", "updated_at"])
    if bool(_handed_off_from(data)):
        # The caller may still be on the line, put through to a person.
        reason = data.get("endedReason") or ""
        call_event_record(
            event=event,
            call=call,
            kind="assistant ended",
            detail=reason,
            at=data.get("endedAt") or _moment(event, data),
        )
    else:
        call_apply_status(
            call=call,
            status=Call.Status.COMPLETED,
            occurred_at=data.get("endedAt") or _moment(event, data),
            end_reason=data.get("endedReason") or "",
            inbound_event=event,
        )

    replaced = transcript_delete(call=call, sources=REPORT_SOURCES)
    # Words held only for the segments just replaced are needed no more.
    inbox_scrub_if_settled(event_ids=replaced - {event.pk})
    artifact = data.get("artifact") or {}
    spoken_at = data.get("startedAt") or _moment(event, data)
    messages = artifact.get("messages") or []
    said = [
        Utterance(
            "vapi.end-of-call-report", f"artifact.messages.{position}.message", SPEAKERS[message["role"]],
            _said_at(spoken_at, message.get("secondsFromStart")), position,
        )
        for position, message in enumerate(messages)
        if SPEAKERS.get(message["role"]) and (message.get("message") or "").strip()
    ]  # fmt: skip
    if not messages and (artifact.get("transcript") or "").strip():
        said.append(Utterance("vapi.end-of-call-report", "artifact.transcript", "conversation", spoken_at))
    if ((data.get("analysis") or {}).get("summary") or "").strip():
        said.append(Utterance("vapi.summary", "analysis.summary", "summary", data.get("endedAt") or spoken_at))
    transcript_store(call=call, event=event, utterances=said)

    recordings = [
        recording_open(
            recording_sid=f"vapi:{data['call']['id']}:{kind}",
            call=call,
            provider=Provider.VAPI,
            status=Recording.Status.COMPLETED,
            media_url=url,
        )  # fmt: skip
        for kind, url in (("mono", artifact.get("recordingUrl")), ("stereo", artifact.get("stereoRecordingUrl")))
        if url
    ]
    _reconcile_consent(call=call, data=data, recordings=recordings)
    # The report is what the call's CRM write waited for, whether or not it said anything.
    crm_call_ready(call=call)


def _said_at(started: datetime, seconds_from_start: float | None) -> datetime:
    """When a report's message was said: the call's start plus Vapi's offset,
    when the offset is one a call can have (a day at most)."""
    if seconds_from_start is None or not 0 <= seconds_from_start <= MAX_CALL_SECONDS:
        return started
    return started + timedelta(seconds=seconds_from_start)


def _reconcile_consent(*, call: Call, data: dict[str, Any], recordings: list[Recording]) -> None:
    """Vapi's own consent plan may have obtained consent the ledger lacks;
    it is added, as reported. A recording with consent from neither, or of
    a caller whose data was erased, is deleted at Vapi."""
    granted_at = ((data.get("compliance") or {}).get("recordingConsent") or {}).get("grantedAt")
    if granted_at and not call.has_granted_consent:
        consent_type = ((data.get("compliance") or {}).get("recordingConsent") or {}).get("type") or "unspecified"
        consent_record(
            call=call,
            decision=ConsentDecision.GRANTED,
            method=ConsentMethod.PROVIDER_REPORT,
            prompt_version=f"vapi:{consent_type}"[:64],
            source=f"vapi-report:{data['call']['id']}",
            reported_at=granted_at,  # Vapi's claim: kept, held to the call's lifetime, never ordering the ledger
        )
    if call.erased_at is not None:
        reason = ERASURE  # consent or not, as on Twilio's path
    else:
        reason = None if call.has_granted_consent else NO_CONSENT
    if reason:
        for recording in recordings:
            if recording.deleted_at is None:
                recording_request_deletion(recording=recording, reason=reason)
