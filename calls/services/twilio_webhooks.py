"""Answering Twilio webhooks: decide the reply, store the delivery in the
inbox, and return what the provider must hear.

The reply depends only on the request, never on state a worker has not
written yet, so it is decided here in the request. It is stored with the
delivery: a redelivery gets the first reply again, word for word.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from calls import ivr, twiml
from calls.models import InboundEvent, Provider
from calls.services.capture import capture_publish, may_be_sensitive
from calls.services.handoff import handoff_sip_uri
from calls.services.inbox import inbox_accept, payload_digest


def _accept(
    *, kind: str, dedup_key: str, data: dict[str, Any], form: dict, query: dict, reply: str, capture: bool = False
) -> str:
    """Store the delivery; answer as the first delivery was answered. With
    ``capture``, the delivery may pause or resume the call's recording and
    takes the fast path there too (calls.services.capture)."""
    event, created = inbox_accept(
        provider=Provider.TWILIO,
        kind=kind,
        dedup_key=dedup_key,
        call_sid=data["CallSid"],
        payload={"form": form, "query": query},
        response_body=reply,
    )
    if capture and created:
        capture_publish(event_id=event.pk)
    return event.response_body


def twilio_voice_answer(*, data: dict[str, Any], form: dict[str, str]) -> str:
    """An inbound call: store it and ask for consent to record."""
    reply = twiml.consent_prompt(attempt=1, prompt_version=settings.CONSENT_PROMPT_VERSION)
    return _accept(
        kind=InboundEvent.Kind.TWILIO_VOICE,
        dedup_key=f"voice:{data['CallSid']}",
        data=data,
        form=form,
        query={},
        reply=reply,
    )


def twilio_gather_answer(*, data: dict[str, Any], query: dict[str, Any], form: dict[str, str], raw_query: dict) -> str:
    """A consent or menu answer: store it and say what happens next.

    The worker records the consent decision or department from the stored
    delivery, reading the answer with the same ``ivr`` functions.
    """
    answer = {"digits": data["Digits"], "speech": data["SpeechResult"], "confidence": data["Confidence"]}
    attempt = query["attempt"]
    department = None
    if query["step"] == "consent":
        consent = ivr.interpret_consent(**answer)
        if consent is None and attempt < settings.IVR_MAX_ATTEMPTS:
            reply = twiml.consent_prompt(attempt=attempt + 1, prompt_version=query["prompt"])
        else:
            # Consent is settled (or could not be): on to the menu, or to the assistant.
            handing_off = ivr.handoff_after_consent(called=data["To"])
            assistant = handoff_sip_uri(call_sid=data["CallSid"]) if handing_off else ""
            reply = twiml.after_consent(decision=consent.decision if consent else None, assistant=assistant)
    else:
        department = ivr.interpret_menu(**answer)
        if department is None and attempt < settings.IVR_MAX_ATTEMPTS:
            reply = twiml.menu_prompt(attempt=attempt + 1)
        elif department == ivr.PAYMENT:
            reply = twiml.payment()
        elif department == ivr.ASSISTANT:
            reply = twiml.handoff(assistant=handoff_sip_uri(call_sid=data["CallSid"]))
        else:
            reply = twiml.connect(department=department or ivr.OPERATOR)
    dedup_key = f"gather:{data['CallSid']}:{query['step']}:{attempt}"
    # After consent a recording may be running: what the caller says, or a
    # payment starting, may have to pause it.
    capture = query["step"] == "menu" and (may_be_sensitive(data["SpeechResult"]) or department == ivr.PAYMENT)
    return _accept(
        kind=InboundEvent.Kind.TWILIO_GATHER, dedup_key=dedup_key, data=data, form=form, query=raw_query, reply=reply,
        capture=capture,
    )  # fmt: skip


def twilio_status_accept(*, data: dict[str, Any], form: dict[str, str], raw_query: dict) -> None:
    sequence = "-" if data["SequenceNumber"] is None else data["SequenceNumber"]
    dedup_key = f"status:{data['CallSid']}:{data['CallStatus']}:{sequence}"
    _accept(kind=InboundEvent.Kind.TWILIO_STATUS, dedup_key=dedup_key, data=data, form=form, query=raw_query, reply="")


def twilio_pay_answer(*, data: dict[str, Any]) -> str:
    """A keypad payment's outcome: stored without card data (the validated
    fields only, the card as its last four digits), answered with what the
    caller hears next. Its exit from sensitive capture takes the fast path."""
    reply = twiml.payment_outcome(result=data["Result"])
    stored = {name: "" if value is None else str(value) for name, value in data.items()}
    return _accept(
        kind=InboundEvent.Kind.TWILIO_PAY, dedup_key=f"pay:{data['CallSid']}", data=data, form=stored, query={},
        reply=reply, capture=True,
    )  # fmt: skip


def twilio_handoff_answer(*, data: dict[str, Any], form: dict[str, str]) -> str:
    """The assistant's leg is over, or never connected: store how it ended
    and say what follows (calls.twiml.handoff_outcome)."""
    reply = twiml.handoff_outcome(status=data["DialCallStatus"])
    dedup_key = f"handoff:{data['CallSid']}:{data['DialCallSid'] or '-'}:{data['DialCallStatus']}"
    return _accept(
        kind=InboundEvent.Kind.TWILIO_HANDOFF, dedup_key=dedup_key, data=data, form=form, query={}, reply=reply
    )


def twilio_refer_answer(*, data: dict[str, Any], form: dict[str, str]) -> str:
    """The assistant asks to transfer the caller: dial the department, the
    escalation line or the operator that the target names, among this
    service's own numbers (calls.ivr.transfer_target)."""
    target = ivr.transfer_target(data["ReferTransferTarget"])
    dedup_key = f"refer:{data['CallSid']}:{payload_digest(form)}"
    return _accept(
        kind=InboundEvent.Kind.TWILIO_REFER, dedup_key=dedup_key, data=data, form=form, query={},
        reply=twiml.transfer(target=target),
    )  # fmt: skip


def twilio_recording_accept(*, data: dict[str, Any], form: dict[str, str]) -> None:
    dedup_key = f"recording:{data['RecordingSid']}:{data['RecordingStatus']}"
    _accept(kind=InboundEvent.Kind.TWILIO_RECORDING, dedup_key=dedup_key, data=data, form=form, query={}, reply="")
