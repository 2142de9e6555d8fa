"""Applying stored Twilio deliveries to the domain. Called by the inbox
worker inside one transaction per event; each function reads the event's
decrypted payload through the same serializer the webhook view used."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.http import QueryDict

from calls import ivr, twiml
from calls.models import InboundEvent, Payment
from calls.serializers import parse
from calls.serializers.twilio import (
    TwilioCallSerializer,
    TwilioGatherQuerySerializer,
    TwilioGatherSerializer,
    TwilioHandoffSerializer,
    TwilioPaySerializer,
    TwilioRecordingSerializer,
    TwilioReferSerializer,
    TwilioStatusSerializer,
)
from calls.services.calls import call_apply_status, call_event_record, call_get_or_create, call_upsert_from_twilio
from calls.services.capture import capture_enqueue_reconcile, capture_from_event
from calls.services.recordings import call_request_recording, recording_apply_status
from calls.services.transcripts import Utterance, transcript_store
from compliance.audit import audit_record
from compliance.database import update_fields
from compliance.models import ConsentDecision
from compliance.services import consent_record


def apply_voice(event: InboundEvent) -> None:
    data = parse(TwilioCallSerializer, _form(event, "form"))
    call = call_upsert_from_twilio(data=data)
    if data.get("CallStatus"):
        call_apply_status(call=call, status=data["CallStatus"], occurred_at=event.received_at, inbound_event=event)


def apply_gather(event: InboundEvent) -> None:
    data = parse(TwilioGatherSerializer, _form(event, "form"))
    query = parse(TwilioGatherQuerySerializer, _form(event, "query"))
    call = call_upsert_from_twilio(data=data)
    answer = {"digits": data["Digits"], "speech": data["SpeechResult"], "confidence": data["Confidence"]}
    if "<Sip" in event.response_body:
        # The caller was put through to the assistant: what they heard is the evidence.
        route = "after consent" if query["step"] == "consent" else "menu choice"
        call_event_record(
            event=event, call=call, kind="handoff", detail=f"to the assistant ({route})", at=event.received_at
        )

    utterance = None
    if data["SpeechResult"]:
        said = Utterance("twilio.gather", "form.SpeechResult", "caller", event.received_at)
        (utterance,) = transcript_store(call=call, event=event, utterances=[said])

    if query["step"] == "consent":
        consent = ivr.interpret_consent(**answer)
        if consent is None:
            return
        _, created = consent_record(
            call=call,
            decision=consent.decision,
            method=consent.method,
            prompt_version=query["prompt"],
            utterance=utterance if consent.method == "speech" else None,
            confidence=data["Confidence"],
            source=f"twilio:{event.dedup_key}",
            occurred_at=event.received_at,
            # The worker may apply this late, after the assistant asked again.
            unless_decided_since=True,
        )
        if created and consent.decision == ConsentDecision.GRANTED:
            call_request_recording(call=call)
        return

    department = ivr.interpret_menu(**answer)
    if department is None and query["attempt"] >= settings.IVR_MAX_ATTEMPTS:
        department = ivr.OPERATOR
    if department and department not in (ivr.PAYMENT, ivr.ASSISTANT) and call.department != department:
        call.department = department
        update_fields(call, ["department", "updated_at"])
    if capture_from_event(event=event, call=call):
        capture_enqueue_reconcile(call=call)


def apply_pay(event: InboundEvent) -> None:
    """A keypad payment's outcome, without card data, and the end of its capture."""
    data = parse(TwilioPaySerializer, _form(event, "form"))
    call = call_get_or_create(call_sid=data["CallSid"])
    payment, created = Payment.objects.get_or_create(
        source=f"twilio:{event.dedup_key}",
        defaults={
            "call": call,
            "result": data["Result"],
            "succeeded": data["Result"] == "success",
            "confirmation_code": data["PaymentConfirmationCode"],
            "card_type": data["PaymentCardType"],
            "card_last4": data["PaymentCardNumber"],
            "token_reference": data["PaymentToken"] or data["ProfileId"],
            "error": data["PayErrorCode"] or data["ConnectorError"],
            "amount": Decimal(settings.PAY_CHARGE_AMOUNT) if settings.PAY_CHARGE_AMOUNT else None,
            "currency": settings.PAY_CURRENCY[:3].upper(),
        },
    )
    if capture_from_event(event=event, call=call):
        capture_enqueue_reconcile(call=call)
    if created:
        audit_record(
            "payment.result", object_type="payment", object_id=payment.pk, object_repr=call.call_sid,
            details={"result": payment.result, "card_type": payment.card_type, "error": payment.error},
        )  # fmt: skip


def apply_handoff(event: InboundEvent) -> None:
    """How the assistant's leg ended; a leg that never connected sent the
    caller to the operator, and the call says why. A caller who hung up
    while it rang was sent nowhere."""
    data = parse(TwilioHandoffSerializer, _form(event, "form"))
    call = call_upsert_from_twilio(data=data)
    status, code = data["DialCallStatus"], data["DialSipResponseCode"]
    if status in twiml.HANDOFF_CONNECTED:
        kind = "handoff ended"
    elif status == twiml.HANDOFF_ABANDONED:
        kind = "handoff abandoned"  # the caller hung up while the leg rang
    else:
        kind = "handoff failed"
    detail = status + (f" (SIP {code})" if code and code >= 300 else "")
    call_event_record(event=event, call=call, kind=kind, detail=detail, at=event.received_at)
    if kind == "handoff failed" and call.department != ivr.OPERATOR:
        call.department = ivr.OPERATOR
        update_fields(call, ["department", "updated_at"])


def apply_refer(event: InboundEvent) -> None:
    """A transfer the assistant asked for, to the department it was put through to."""
    data = parse(TwilioReferSerializer, _form(event, "form"))
    call = call_upsert_from_twilio(data=data)
    target = ivr.transfer_target(data["ReferTransferTarget"])
    call_event_record(event=event, call=call, kind="transfer", detail=target, at=event.received_at)
    if target in settings.IVR_DEPARTMENTS and call.department != target:
        call.department = target
        update_fields(call, ["department", "updated_at"])


def apply_status(event: InboundEvent) -> None:
    data = parse(TwilioStatusSerializer, _form(event, "form"))
    call = call_upsert_from_twilio(data=data, parent_call_sid=data["ParentCallSid"])
    call_apply_status(
        call=call,
        status=data["CallStatus"],
        occurred_at=data["Timestamp"] or event.received_at,
        sequence_number=data["SequenceNumber"],
        duration_seconds=data["CallDuration"],
        end_reason=_end_reason(data),
        inbound_event=event,
    )


def apply_recording(event: InboundEvent) -> None:
    data = parse(TwilioRecordingSerializer, _form(event, "form"))
    call = call_get_or_create(call_sid=data["CallSid"])
    recording_apply_status(
        call=call,
        recording_sid=data["RecordingSid"],
        status=data["RecordingStatus"],
        duration_seconds=data["RecordingDuration"],
        channels=data["RecordingChannels"],
        source=data["RecordingSource"],
        media_url=data["RecordingUrl"],
        started_at=data["RecordingStartTime"],
    )


def _form(event: InboundEvent, part: str) -> QueryDict:
    """The stored form or query string as the view read it: as a form, in
    which DRF takes an empty value of an optional field for no value."""
    values = QueryDict(mutable=True)
    values.update(event.payload[part])
    return values


def _end_reason(data: dict) -> str:
    """The terminal status, with the SIP code when the far end refused."""
    code = data["SipResponseCode"]
    return f"{data['CallStatus']} (SIP {code})" if code and code >= 300 else ""
