"""Answering Vapi's server-URL messages.

Every message that changes something is stored in the inbox first, with
only the fields this service declares (``calls.serializers.vapi``), and
applied by the worker. Three types need an answer now: ``assistant-request``
(the assistant's configuration), ``tool-calls`` (each tool's one-line
result, within its budget; a result not ready in time, or of an async tool,
is told to the live call later: ``calls.services.vapi_control``) and
``transfer-destination-request`` (where to send the caller). Partial
transcripts are dropped; unknown types are counted and forgotten.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from phonenumbers import geocoder

from calls import ivr
from calls.models import Call, InboundEvent, Provider, UnknownMessageCount
from calls.serializers import vapi as shapes
from calls.services.capture import CAPTURE_TOOLS, capture_publish, may_be_sensitive
from calls.services.handoff import NOT_HANDED_OFF, Handoff, Verdict, handoff_bridged_to, handoff_claim, handoff_consent
from calls.services.inbox import inbox_accept, payload_digest
from calls.services.vapi_tools import TOOLS, ToolContext, tool_reply
from calls.twiml import public_url
from compliance.models import ConsentDecision, ConsentRequirement
from compliance.policy import Jurisdiction, consent_required_for

logger = logging.getLogger(__name__)

CALL_EVENT_TYPES = frozenset({"speech-update", "user-interrupted", "hang", "conversation-update"})
SERVER_MESSAGES = [
    "status-update", "transcript", "tool-calls", "transfer-destination-request", "end-of-call-report",
    "speech-update", "user-interrupted", "hang", "conversation-update",
]  # fmt: skip
_TYPE_NAME = re.compile(r"[a-z0-9._\-\[\]=\"]{1,64}")
_US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX",
    "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA", "West Virginia": "WV",
    "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
}  # fmt: skip


def jurisdiction_of(number: str | None) -> Jurisdiction:
    """Country, and US state, of a phone number; unknown when it can't be told."""
    if not number:
        return Jurisdiction("")
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return Jurisdiction("")
    country = phonenumbers.region_code_for_number(parsed) or ""
    if country != "US":
        return Jurisdiction(country)
    # The geocoder names either the state ("California") or a city and its
    # state's code ("San Francisco, CA").
    place = geocoder.description_for_number(parsed, "en")
    city_and_state = re.fullmatch(r".+, ([A-Z]{2})", place)
    return Jurisdiction("US", city_and_state.group(1) if city_and_state else _US_STATES.get(place, ""))


def call_sid_of(call: dict[str, Any]) -> str:
    """Our call a Vapi conversation belongs to: the Twilio call that carries
    it, the IVR's call it was handed off from, or a call of its own."""
    if shapes.over_sip(call):
        # One handed off from the IVR: the claim of its reference says which call.
        return handoff_bridged_to(vapi_call_id=call["id"]) or shapes.call_key(call)
    return shapes.call_key(call)


def _accept(
    *,
    kind: str,
    call: dict[str, Any],
    dedup_key: str,
    stored: dict[str, Any],
    reply: dict | None = None,
    capture: bool = False,
    call_sid: str = "",
) -> dict:
    """Store the delivery; answer with what the first delivery was answered.
    With ``capture``, the delivery may pause or resume the call's recording
    and takes the fast path there too (calls.services.capture)."""
    event, created = inbox_accept(
        provider=Provider.VAPI,
        kind=kind,
        dedup_key=dedup_key,
        call_sid=call_sid or call_sid_of(call),
        payload=stored,
        response_body=json.dumps(reply or {}),
    )
    if capture and created:
        capture_publish(event_id=event.pk)
    return json.loads(event.response_body or "{}")


def _dedup_key(data: dict[str, Any], stored: dict[str, Any]) -> str:
    """Vapi's call id, the message type and the digest of what is stored:
    a redelivery is the same message, and two different messages (two
    statuses in one millisecond) are two deliveries, whatever their
    timestamps say."""
    return f"{data['call']['id']}:{data['type']}:{payload_digest(stored)}"


def vapi_answer(*, message: dict[str, Any]) -> dict[str, Any]:
    """Store what must be stored and return the JSON body to answer with."""
    kind = str(message.get("type", ""))
    if kind == "transcript" or kind.startswith("transcript["):
        return _transcript(message)
    handler = _ANSWERS.get(kind)
    if handler is None:
        return _count_unknown(kind)
    return handler(message)


def _stored(serializer_class: type, message: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    serializer = serializer_class(data=message)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data, dict(serializer.data)


def _status_update(message: dict[str, Any]) -> dict[str, Any]:
    data, stored = _stored(shapes.StatusUpdateSerializer, message)
    return _accept(
        kind=InboundEvent.Kind.VAPI_STATUS,
        call=data["call"],
        dedup_key=_dedup_key(data, stored),
        stored=stored,
    )


def _transcript(message: dict[str, Any]) -> dict[str, Any]:
    data, stored = _stored(shapes.TranscriptSerializer, message)
    if data["transcriptType"] != "final" or not data["transcript"].strip():
        return {}
    key = _dedup_key(data, stored)
    # Card or identity numbers heard while a recording runs pause it (the safety net).
    return _accept(
        kind=InboundEvent.Kind.VAPI_TRANSCRIPT, call=data["call"], dedup_key=key, stored=stored,
        capture=may_be_sensitive(data["transcript"]),
    )  # fmt: skip


def _event_payload(data: dict[str, Any], *, detail: str = "", role: str = "") -> dict[str, Any]:
    """Type and time only: a conversation update carries every word said so far."""
    return {
        "type": data["type"],
        "timestamp": data["timestamp"].isoformat() if data.get("timestamp") else None,
        "call": {key: data["call"].get(key) for key in shapes.CALL_KEYS},
        "detail": detail[:32],
        "role": role[:32],
    }


def _call_event(message: dict[str, Any]) -> dict[str, Any]:
    data, _ = _stored(shapes.SpeechUpdateSerializer, message)
    detail = (data.get("status") or "") if data["type"] == "speech-update" else ""
    stored = _event_payload(data, detail=detail, role=data.get("role") or "")
    key = _dedup_key(data, stored)
    return _accept(kind=InboundEvent.Kind.VAPI_CALL_EVENT, call=data["call"], dedup_key=key, stored=stored)


def _end_of_call_report(message: dict[str, Any]) -> dict[str, Any]:
    data, stored = _stored(shapes.EndOfCallReportSerializer, message)
    key = _dedup_key(data, stored)
    return _accept(kind=InboundEvent.Kind.VAPI_END_OF_CALL, call=data["call"], dedup_key=key, stored=stored)


def _tool_calls(message: dict[str, Any]) -> dict[str, Any]:
    """Each tool call is its own inbox event, deduplicated on its call, its
    id and its content, so a redelivered call gets the result it got the
    first time."""
    data, stored = _stored(shapes.ToolCallsSerializer, message)
    context = ToolContext(customer_number=_customer_number(data))
    results = []
    for tool_call in data["toolCallList"]:
        name, arguments = tool_call["function"]["name"], tool_call["function"].get("arguments")
        outcome = tool_reply(name, arguments, context)
        answer = {"name": name, "toolCallId": tool_call["id"]}
        answer.update({"error": outcome.error} if outcome.error else {"result": outcome.result})
        payload = {
            "call": stored["call"],
            "customer_number": context.customer_number,
            "toolCall": {"id": tool_call["id"], "name": name, "arguments": arguments},
        }
        results.append(
            _accept(
                kind=InboundEvent.Kind.VAPI_TOOL_CALL,
                call=data["call"],
                # One per tool call of this call: a redelivery gets its reply
                # again; an id reused for other work is other work.
                dedup_key=f"tool:{data['call']['id']}:{tool_call['id']}:{payload_digest(payload)}",
                stored=payload,
                reply=answer,
                capture=name in CAPTURE_TOOLS and outcome.error is None,
            )
        )
    return {"results": results}


def _customer_number(data: dict[str, Any]) -> str:
    for holder in (data.get("customer"), (data.get("call") or {}).get("customer")):
        if holder and holder.get("number"):
            return holder["number"]
    return ""


def _assistant_request(message: dict[str, Any]) -> dict[str, Any]:
    """The assistant for a conversation. One handed off from the IVR
    presents its reference (calls.services.handoff): a valid one joins our
    call, and the consent on its ledger decides what the assistant says; a
    forged, expired or replayed one gets the configuration any unknown
    caller gets (consent asked afresh, nothing recorded)."""
    data, stored = _stored(shapes.CallMessageSerializer, message)
    # Only a conversation that came in over SIP can be one the IVR handed off.
    reference = shapes.handoff_reference_of(message) if shapes.over_sip(data["call"]) else None
    handoff = handoff_claim(reference=reference, vapi_call_id=data["call"]["id"])
    consent = handoff_consent(call_sid=handoff.call_sid) if handoff.joined else None
    if settings.VAPI_ASSISTANT_ID:
        # The configured assistant speaks first the same words as the transient one.
        overrides: dict[str, Any] = {
            "firstMessage": first_message(consent), "firstMessageMode": "assistant-speaks-first",
            "variableValues": {"consent": consent or "unknown"},
        }  # fmt: skip
        if handoff.verdict != Verdict.MISSING:
            overrides["artifactPlan"] = {"recordingEnabled": _vapi_records(handoff, consent)}
        reply = {"assistantId": settings.VAPI_ASSISTANT_ID, "assistantOverrides": overrides}
    else:
        reply = {"assistant": assistant_configuration(data, handoff=handoff, consent=consent)}
    # The verdict is kept with the delivery; the worker audits it.
    stored["handoff"] = {"verdict": handoff.verdict, "call_sid": handoff.call_sid}
    key = _dedup_key(data, stored)
    return _accept(
        kind=InboundEvent.Kind.VAPI_ASSISTANT_REQUEST, call=data["call"], dedup_key=key, stored=stored, reply=reply,
        call_sid=handoff.call_sid if handoff.joined else shapes.call_key(data["call"]),
    )  # fmt: skip


def consent_script() -> str:
    """The consent prompt in force, as the assistant says it (no keypad)."""
    return ivr.CONSENT_PROMPTS[settings.CONSENT_PROMPT_VERSION].replace("press 1 or ", "").replace("press 2 or ", "")


# What the assistant says of recording a call whose consent the ledger already holds.
SETTLED_CONSENT = {
    ConsentDecision.GRANTED: "As you agreed, this call is recorded.",
    ConsentDecision.DECLINED: "As you asked, this call is not recorded.",
}


def first_message(consent: str | None = None) -> str:
    """The assistant's first words: that the caller is speaking with an
    automated assistant (AI_DISCLOSURE; the FCC's 2024 ruling on AI voices
    under the TCPA, the EU AI Act's transparency duty), then the consent
    prompt, or what the caller already decided."""
    return f"{settings.AI_DISCLOSURE} {SETTLED_CONSENT.get(consent) or consent_script()}"


def _consent_instructions(consent: str | None) -> str:
    if consent in SETTLED_CONSENT:
        return (
            f"The caller has already {consent} recording on this call: do not ask them again. If they change their "
            "mind or withdraw, call record_consent with their new decision at once."
        )
    return (
        "Before anything else, ask the caller for permission to record, exactly as follows: "
        f"\"{consent_script()}\" As soon as they answer, call record_consent with 'granted' or 'declined'. If "
        "the answer is unclear, ask once more; if it is still unclear, record 'declined'."
    )


def _vapi_records(handoff: Handoff, consent: str | None) -> bool:
    """Vapi records only a conversation joined to a call whose caller
    agreed, and only when configured to; recording stays on Twilio's call."""
    return handoff.joined and consent == ConsentDecision.GRANTED and settings.VAPI_RECORDING_AFTER_CONSENT


def _consent_policy(data: dict[str, Any], handoff: Handoff) -> tuple[ConsentRequirement, str]:
    """The recording-consent rule for the call and where it comes from: the
    IVR's call's, when joined to one that has it; else from the numbers."""
    if handoff.joined:
        call = Call.objects.filter(call_sid=handoff.call_sid, consent_jurisdiction__gt="").first()
        if call is not None:
            return ConsentRequirement(call.consent_requirement), call.consent_jurisdiction
    caller = jurisdiction_of(_customer_number(data))
    callee = jurisdiction_of((data.get("phoneNumber") or {}).get("number"))
    policy = consent_required_for(caller=caller, callee=callee)
    return policy.requirement, str(policy.jurisdiction)


def assistant_configuration(
    data: dict[str, Any], *, handoff: Handoff = NOT_HANDED_OFF, consent: str | None = None
) -> dict[str, Any]:
    """A transient assistant for this call: consent first, in the words the
    caller's jurisdiction requires (or what the caller already decided, for
    a call handed off from the IVR), with this service's tools and server URL."""
    requirement, jurisdiction = _consent_policy(data, handoff)
    server_url = public_url("vapi-webhook")
    system_prompt = (
        "You are the voice assistant of a customer contact center. "
        f"{_consent_instructions(consent)} Never repeat back card numbers, social security numbers or other "
        "personal details. Before you ask for a card number, security code, expiry date, bank account or social "
        "security number, call begin_sensitive_capture and wait for its result; call end_sensitive_capture as soon "
        "as you have them. If the caller asks for a person, call transfer_to_human. If they want to be called "
        "back, call schedule_callback. When a tool's result is not ready at once, it comes later as a system "
        "message beginning 'Result of' and the tool's name: tell the caller what it says. "
        f"Recording consent rule for this call: {requirement.label} ({jurisdiction})."
    )
    configuration = {
        "name": "Contact center assistant",
        "firstMessage": first_message(consent),
        "firstMessageMode": "assistant-speaks-first",
        "model": {
            "provider": settings.VAPI_MODEL_PROVIDER,
            "model": settings.VAPI_MODEL,
            "messages": [{"role": "system", "content": system_prompt}],
            "tools": [tool.definition(server_url) for tool in TOOLS.values()],
        },
        "server": {"url": server_url},
        "serverMessages": SERVER_MESSAGES,
        # Results that come after their tool's answer are told to the call
        # through its control URL (Vapi's default, relied on: said so).
        "monitorPlan": {"controlEnabled": True},
        # Vapi records nothing itself unless configured to, for a caller who
        # already agreed: recording starts through this service once consent
        # is on the ledger, on Twilio's call.
        "artifactPlan": {"recordingEnabled": _vapi_records(handoff, consent)},
        "metadata": {
            "consentPromptVersion": settings.CONSENT_PROMPT_VERSION,
            "consentRequirement": requirement.value,
            "consentJurisdiction": jurisdiction,
            "pciMode": settings.PCI_MODE,
            **({"handoff": handoff.verdict} if handoff.verdict != Verdict.MISSING else {}),
        },
    }
    if settings.PCI_MODE:
        # Vapi's PCI plan: PCI-compliant providers only, and Vapi keeps no
        # logs, recordings or transcripts of the call.
        configuration["compliancePlan"] = {"pciEnabled": True}
    return configuration


def _transfer_destination(message: dict[str, Any]) -> dict[str, Any]:
    """Escalated calls go to the escalation line; others to the department
    the assistant chose, or the operator."""
    data, _ = _stored(shapes.CallMessageSerializer, message)
    call = Call.objects.filter(call_sid=call_sid_of(data["call"])).only("escalated", "department").first()
    if call is not None and call.escalated:
        number, spoken = settings.ESCALATION_NUMBER or settings.IVR_OPERATOR_NUMBER, "a supervisor"
    elif call is not None and call.department in settings.IVR_DEPARTMENTS:
        number, spoken = settings.IVR_DEPARTMENTS[call.department], call.department
    else:
        number, spoken = settings.IVR_OPERATOR_NUMBER, "an operator"
    reply = {
        "destination": {"type": "number", "number": number, "message": f"Connecting you to {spoken} now."},
    }
    stored = _event_payload(data, detail=spoken)
    key = _dedup_key(data, stored)
    return _accept(kind=InboundEvent.Kind.VAPI_CALL_EVENT, call=data["call"], dedup_key=key, stored=stored, reply=reply)


def _count_unknown(kind: str) -> dict[str, Any]:
    # A type is counted under its own name only if it looks like one: text
    # that doesn't is the sender's, and is neither kept nor logged.
    if not kind:
        name = "(empty)"
    elif _TYPE_NAME.fullmatch(kind):
        name = kind
    else:
        name = "(malformed)"
    now = timezone.now()
    with transaction.atomic():
        counter, created = UnknownMessageCount.objects.get_or_create(
            provider=Provider.VAPI, type=name, defaults={"count": 1, "first_seen_at": now, "last_seen_at": now}
        )
        if not created:
            UnknownMessageCount.objects.filter(pk=counter.pk).update(count=F("count") + 1, last_seen_at=now)
    logger.info("vapi.unknown_message", extra={"type": name})
    return {}


_ANSWERS = {
    "assistant-request": _assistant_request,
    "status-update": _status_update,
    "tool-calls": _tool_calls,
    "transfer-destination-request": _transfer_destination,
    "end-of-call-report": _end_of_call_report,
    **{kind: _call_event for kind in CALL_EVENT_TYPES},
}
