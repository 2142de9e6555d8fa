"""Writes to calls: creation from any webhook, and the status state machine."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.utils import timezone

from calls.models import Call, CallEvent, CallStatusEvent, InboundEvent, Provider
from calls.services import crm
from compliance.crypto import identifier_hash
from compliance.database import insert_if_absent, insert_row, rows_where, update_fields
from compliance.policy import Jurisdiction, consent_required_for

logger = logging.getLogger(__name__)

# Progress of a call; a status is applied only if it moves the call forward.
# Every terminal status shares the top rank, so the first one reported wins
# and a completed call never goes back to ringing.
STATUS_RANK = {
    Call.Status.QUEUED: 0,
    Call.Status.INITIATED: 1,
    Call.Status.RINGING: 2,
    Call.Status.IN_PROGRESS: 3,
    **{status: 4 for status in Call.TERMINAL_STATUSES},
}


def call_get_or_create(*, call_sid: str, provider: str = Provider.TWILIO) -> Call:
    call, _ = Call.objects.get_or_create(call_sid=call_sid, defaults={"provider": provider})
    return call


def call_upsert(
    *,
    call_sid: str,
    provider: str = Provider.TWILIO,
    direction: str = "",
    from_number: str = "",
    to_number: str = "",
    caller_name: str = "",
    caller: Jurisdiction | None = None,
    callee: Jurisdiction | None = None,
    parent_call_sid: str = "",
    vapi_call_id: str = "",
    by_vapi_call_id: bool = False,
) -> Call:
    """Create the call or fill in what it lacks, and return it locked.

    Any webhook, from either provider, can be the first one processed
    (deliveries arrive out of order), so each fills the blanks it can:
    numbers (encrypted, with lookup hashes), names, direction, the
    jurisdictions and the consent they require. Filled values are never
    overwritten. Safe to repeat.

    ``by_vapi_call_id``: the call is the row that already carries
    ``vapi_call_id`` if there is one, whatever key it was created under (a
    Vapi call's first applied message may have had no CallSid), and the row
    keyed ``call_sid`` otherwise; found and locked in one statement.
    """
    if by_vapi_call_id and vapi_call_id:
        carries_it = "CASE WHEN vapi_call_id = %s THEN 0 ELSE 1 END"
        call = _locked(
            "vapi_call_id = %s OR call_sid = %s ORDER BY " + carries_it, [vapi_call_id, call_sid, vapi_call_id]
        )
    else:
        call = _locked("call_sid = %s", [call_sid])
    facts = {
        "direction": direction, "vapi_call_id": vapi_call_id, "caller_name": caller_name, "from_number": from_number,
        "to_number": to_number, "caller": caller, "callee": callee, "parent_call_sid": parent_call_sid,
    }  # fmt: skip
    if call is None:
        # A new call is inserted with what this delivery knows, in one
        # statement; if another transaction inserted it first, this one
        # waited for it and fills in the row it stored.
        call = Call(call_sid=call_sid, provider=provider)
        _fill(call, **facts)
        if insert_if_absent(call, conflict="call_sid"):
            return call
        call = _locked("call_sid = %s", [call_sid])
    changed = _fill(call, **facts)
    if changed:
        update_fields(call, [*changed, "updated_at"])
    return call


def _locked(where: str, params: list[object]) -> Call | None:
    # FOR NO KEY UPDATE: it orders the call's appliers as FOR UPDATE would,
    # but lets another transaction insert a row that refers to the call (its
    # foreign-key check takes KEY SHARE), such as the capture worker's entry
    # for the same delivery, which this transaction may then wait for. Written
    # by hand: every delivery locks its call, and compiling the ORM's query
    # for the call's forty columns costs several times running it.
    found = rows_where(Call, where + " LIMIT 1", params, lock="FOR NO KEY UPDATE")
    return found[0] if found else None


def _fill(
    call: Call,
    *,
    direction: str,
    vapi_call_id: str,
    caller_name: str,
    from_number: str,
    to_number: str,
    caller: Jurisdiction | None,
    callee: Jurisdiction | None,
    parent_call_sid: str,
) -> list[str]:
    """Fill in what ``call`` lacks; returns the fields changed."""
    changed: list[str] = []

    def fill(field: str, value: object) -> None:
        if value and not getattr(call, field):
            setattr(call, field, value)
            changed.append(field)

    fill("direction", direction)
    fill("vapi_call_id", vapi_call_id)
    # Once the caller's data is erased, a late delivery must not bring it back.
    if call.erased_at is None:
        fill("caller_name", caller_name)
        if from_number:
            fill("from_hash", identifier_hash(from_number))
            fill("from_number", from_number)
        if to_number:
            fill("to_hash", identifier_hash(to_number))
            fill("to_number", to_number)
    if not call.consent_jurisdiction and caller and callee and (caller.country or callee.country):
        policy = consent_required_for(caller=caller, callee=callee)
        call.consent_requirement = policy.requirement
        call.consent_jurisdiction = str(policy.jurisdiction)
        changed += ["consent_requirement", "consent_jurisdiction"]
        if call.erased_at is None:
            call.caller_jurisdiction = str(caller)
            call.callee_jurisdiction = str(callee)
            changed += ["caller_jurisdiction", "callee_jurisdiction"]
    if parent_call_sid and call.parent_id is None:
        call.parent = call_get_or_create(call_sid=parent_call_sid)
        changed.append("parent")
    return changed


def call_upsert_from_twilio(*, data: dict[str, Any], parent_call_sid: str = "") -> Call:
    """``call_upsert`` from the parameters of a Twilio voice webhook."""
    return call_upsert(
        call_sid=data["CallSid"],
        direction=data.get("Direction", ""),
        from_number=data.get("From", ""),
        to_number=data.get("To", ""),
        caller_name=data.get("CallerName", ""),
        caller=Jurisdiction(data.get("FromCountry", ""), data.get("FromState", "")),
        callee=Jurisdiction(data.get("ToCountry", ""), data.get("ToState", "")),
        parent_call_sid=parent_call_sid,
    )


def call_flag_escalation(*, call_id: int, reason: str) -> bool:
    """Mark a call for a human (the first reason is kept). Safe to repeat."""
    flagged = Call.objects.filter(pk=call_id, escalated=False).update(
        escalated=True, escalation_reason=reason[:64], updated_at=timezone.now()
    )
    if flagged:
        logger.warning("call.escalated", extra={"call_id": call_id, "reason": reason[:64]})
    return bool(flagged)


def call_apply_status(
    *,
    call: Call,
    status: str,
    occurred_at: datetime,
    sequence_number: int | None = None,
    duration_seconds: int | None = None,
    end_reason: str = "",
    inbound_event: InboundEvent | None = None,
) -> bool:
    """Record a reported status and move the call forward if it is news.

    Duplicates and late arrivals are recorded on the timeline but change
    nothing. A terminal status may still supply a duration the call lacks.
    Returns whether the call's status changed. The caller holds the call's
    row lock (``call_upsert_from_twilio`` takes it).
    """
    current_rank = STATUS_RANK.get(call.status, -1)
    applied = STATUS_RANK[status] > current_rank
    insert_row(
        CallStatusEvent(
            call=call,
            status=status,
            sequence_number=sequence_number,
            occurred_at=occurred_at,
            applied=applied,
            inbound_event=inbound_event,
        )
    )

    changed: list[str] = []
    if applied:
        call.status = status
        changed.append("status")
        if status in (Call.Status.INITIATED, Call.Status.RINGING, Call.Status.IN_PROGRESS) and not call.started_at:
            call.started_at = occurred_at
            changed.append("started_at")
        if status == Call.Status.IN_PROGRESS:
            call.answered_at = occurred_at
            changed.append("answered_at")
        if status in Call.TERMINAL_STATUSES:
            call.ended_at = occurred_at
            call.end_reason = end_reason or status
            changed += ["ended_at", "end_reason"]
    if sequence_number is not None and (call.status_sequence is None or sequence_number > call.status_sequence):
        call.status_sequence = sequence_number
        changed.append("status_sequence")
    if status in Call.TERMINAL_STATUSES and duration_seconds is not None and call.duration_seconds is None:
        call.duration_seconds = duration_seconds
        changed.append("duration_seconds")
    if status in Call.TERMINAL_STATUSES and call.vapi_control_url is not None:
        # Nothing is told to a call that ended: the capability goes with it.
        call.vapi_control_url = None
        changed.append("vapi_control_url")
    if changed:
        update_fields(call, [*changed, "updated_at"])
    if applied and status in Call.TERMINAL_STATUSES:
        crm.crm_call_ready(call=call)
    logger.info(
        "call.status",
        extra={"call_id": call.pk, "status": status, "applied": applied, "sequence_number": sequence_number},
    )
    return applied


def call_event_record(*, event: InboundEvent, call: Call, kind: str, detail: str = "", at: datetime) -> None:
    """A moment of a call on its timeline (never words said), once per
    delivery: safe to repeat."""
    detail_length = CallEvent._meta.get_field("detail").max_length
    moment = CallEvent(inbound_event=event, call=call, type=kind, detail=detail[:detail_length], occurred_at=at)
    insert_if_absent(moment, conflict="inbound_event")
