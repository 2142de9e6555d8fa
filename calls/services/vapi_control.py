"""Telling a live Vapi call what a tool's work came to, through Vapi's Live
Call Control, once the answer to the tool call has already gone out.

- ``control_url_keep`` runs as each Vapi message is applied: the call's
  control URL (``call.monitor.controlUrl``) is kept, encrypted, if this
  service may send to it (``calls.integrations.vapi.control_url_refusal``:
  https, a host of VAPI_CONTROL_HOSTS, this call's path). A refused URL is
  never kept, and its first refusal on a call is audited.
- ``control_close`` runs when the conversation or the call ends: the URL is
  dropped and nothing is told to the call any more.
- ``control_message_queue`` runs in the transaction that applied a tool
  call whose answer went out before its work (an async tool, or one that
  missed its budget): one outbox row per call and tool call id, its send
  enqueued on commit.
- ``control_message_send`` claims the row and POSTs the result as a system
  message that makes the assistant respond, only while the call is live.
  5xx, 429, timeouts and connection errors are retried with backoff up to
  VAPI_CONTROL_MAX_ATTEMPTS; a 404 or 410 means the call is over; any other
  failure is final. Every outcome is audited with the tool's name, never
  what was said nor the URL.
- ``control_sweep`` puts back what dead workers held, enqueues what a lost
  enqueue left, and drops URLs no call can still use.

A claim is trusted for the send's deadline (``vapi.control_deadline_seconds``)
and a margin, not the task's time limit: the send cannot outlive its
deadline, and a worker that still comes back after its claim was swept (a
stall on the database) records nothing, as every update of a claimed row
is fenced by its claim.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from calls.integrations import vapi
from calls.models import Call, Provider, VapiControlMessage
from calls.services.outbox import (
    CLAIM_LOST,
    SWEEP_BATCH,
    Outbox,
    outbox_claim,
    outbox_enqueue,
    outbox_retry,
    outbox_sweep,
    outbox_update,
)
from compliance.audit import Actor, audit_record

logger = logging.getLogger(__name__)

# No call lasts longer: a control URL kept past it controls nothing.
CONTROL_URL_MAX_AGE = timedelta(days=1)
# What a send does besides its request (reading the row and the call,
# settling it) takes less: past it, the claim's send is over.
CLAIM_MARGIN = timedelta(minutes=1)


def control_stale_claim_age() -> timedelta:
    """How old a send's claim is before the sweep may put its row back:
    the request's deadline and the margin, whatever worker pool runs it."""
    return timedelta(seconds=vapi.control_deadline_seconds()) + CLAIM_MARGIN


OUTBOX = Outbox(
    VapiControlMessage,
    pending=VapiControlMessage.Status.PENDING,
    working=VapiControlMessage.Status.SENDING,
    # A live call can't wait minutes for a result: retried within seconds.
    backoff_base_seconds=2,
    backoff_max_seconds=30,
    stale_after=control_stale_claim_age,
)
ACTOR = Actor(name=Provider.VAPI)


def _enqueue(message_id: int, *, countdown: float = 0) -> None:
    from calls.tasks import vapi_control_send

    outbox_enqueue(vapi_control_send, message_id, countdown=countdown)


def call_conversation_over(call: Call) -> bool:
    """Whether nothing can be told to ``call`` any more: it, or the Vapi
    conversation on it (which can end before a call handed off from the IVR
    does), has ended."""
    return call.status in Call.TERMINAL_STATUSES or call.vapi_ended_at is not None


def control_url_keep(*, call: Call, url: str | None) -> None:
    """Keep the control URL a Vapi message names for ``call``, if this
    service may send to it. Runs in the applying transaction, under the
    call's row lock (``call_upsert``). A refused URL is never kept; the
    first refusal on a call is audited and logged with its reason, never
    the URL. Nothing is kept once the conversation is over. Safe to repeat."""
    if not url or call_conversation_over(call):
        return
    refusal = vapi.control_url_refusal(url, vapi_call_id=call.vapi_call_id)
    if not refusal:
        if call.vapi_control_url != url:
            call.vapi_control_url = url
            call.save(update_fields=["vapi_control_url", "updated_at"])
        return
    if call.vapi_control_refused_at is not None:
        return  # said once per call: every message of the call carries it again
    call.vapi_control_refused_at = timezone.now()
    call.save(update_fields=["vapi_control_refused_at", "updated_at"])
    audit_record(
        "vapi.control_url_refused", actor=ACTOR, object_type="call", object_id=call.pk, object_repr=call.call_sid,
        details={"reason": refusal, "vapi_call_id": call.vapi_call_id or ""},
    )  # fmt: skip
    logger.warning("vapi.control_url_refused", extra={"call_id": call.pk, "reason": refusal})


def control_close(*, call: Call, at: datetime) -> None:
    """The Vapi conversation on ``call`` ended at ``at``: its control URL is
    dropped, and no result is told to it from now on (a pending one is
    skipped). Under the call's row lock; safe to repeat."""
    changed = []
    if call.vapi_ended_at is None:
        call.vapi_ended_at = at
        changed.append("vapi_ended_at")
    if call.vapi_control_url is not None:
        call.vapi_control_url = None
        changed.append("vapi_control_url")
    if changed:
        call.save(update_fields=[*changed, "updated_at"])


def control_message_queue(*, call: Call, tool_call_id: str, tool: str, line: str) -> VapiControlMessage:
    """Queue ``line``, the tool's one-line result, to be told to the live
    call, in the caller's transaction; its send is enqueued on commit. Once
    per call and tool call id: a second call for the same tool call changes
    nothing and enqueues nothing. ``tool`` is one of this service's names."""
    content = f"Result of {tool}: {line}"
    try:
        with transaction.atomic():
            message, created = VapiControlMessage.objects.get_or_create(
                call=call, tool_call_id=tool_call_id, defaults={"tool": tool, "content": content}
            )
    except IntegrityError:  # a concurrent transaction created it first
        message, created = VapiControlMessage.objects.get(call=call, tool_call_id=tool_call_id), False
    if created:
        _enqueue(message.pk)
        logger.info("vapi.tool_result_queued", extra={"call_id": call.pk, "control_message_id": message.pk})
    return message


def control_message_send(*, message_id: int) -> str:
    """Tell the live call one queued result and return the row's status.

    Safe to run twice, concurrently or not: only the worker whose
    conditional update claims the pending row sends it, and a row goes back
    to pending only after a transient failure. A read timeout is one too,
    although Vapi may have taken the message: its control URL takes no
    idempotency key, and a result told twice beats one never told. A worker
    whose claim was swept meanwhile records nothing (``"claim lost"``).
    """
    message = outbox_claim(OUTBOX, row_id=message_id)
    if message is None:
        return "not due"
    claim = message.claimed_at
    call = Call.objects.filter(pk=message.call_id).first()
    if call is None:
        return "gone"  # purged since it was claimed
    message.call = call
    if message.attempts > settings.VAPI_CONTROL_MAX_ATTEMPTS:
        # Put back by the sweep after its worker died holding it.
        return _settle(message, claim, VapiControlMessage.Status.FAILED, "attempts spent")
    if call_conversation_over(call):
        return _settle(message, claim, VapiControlMessage.Status.SKIPPED, "call ended")
    if not call.vapi_control_url:
        reason = "control URL refused" if call.vapi_control_refused_at else "no control URL"
        return _settle(message, claim, VapiControlMessage.Status.REFUSED, reason)
    try:
        vapi.control_add_message(
            control_url=call.vapi_control_url, vapi_call_id=call.vapi_call_id, content=message.content
        )
    except vapi.VapiControlRefusedError as error:
        # Kept under an allow-list that has since changed: checked again on every send.
        return _settle(message, claim, VapiControlMessage.Status.REFUSED, str(error))
    except vapi.VapiNotFoundError as error:
        return _settle(message, claim, VapiControlMessage.Status.SKIPPED, "call ended", status=error.status)
    except vapi.VapiError as error:
        if error.permanent or message.attempts >= settings.VAPI_CONTROL_MAX_ATTEMPTS:
            return _settle(message, claim, VapiControlMessage.Status.FAILED, str(error), status=error.status)
        delay = outbox_retry(
            OUTBOX, row_id=message.pk, claim=claim, attempts=message.attempts, error=str(error),
            status=error.status, enqueue=_enqueue,
        )  # fmt: skip
        if delay is None:
            return _claim_lost(message)
        logger.warning(
            "vapi.tool_result_retry_scheduled",
            extra={"control_message_id": message.pk, "attempts": message.attempts, "status": error.status},
        )
        return VapiControlMessage.Status.PENDING
    return _settle(message, claim, VapiControlMessage.Status.SENT, "")


def _settle(
    message: VapiControlMessage, claim: datetime, outcome: str, reason: str, *, status: int | None = None
) -> str:
    """End the row ``claim`` holds with ``outcome``, forget what it was to
    say, and audit it: the tool's name, the outcome and its reason
    (statuses and codes only, never the content or the URL). A claim that
    no longer holds the row records nothing."""
    call = message.call
    with transaction.atomic():
        changes = {
            "status": outcome, "settled_at": timezone.now(), "content": "", "last_error": reason[:200],
            "last_status": status,
        }  # fmt: skip
        settled = outbox_update(OUTBOX, row_id=message.pk, claim=claim, changes=changes)
        if settled:
            audit_record(
                f"vapi.tool_result_{outcome}", actor=ACTOR, object_type="call", object_id=call.pk,
                object_repr=call.call_sid,
                details={
                    "tool": message.tool, "tool_call_id": message.tool_call_id, "reason": reason[:200],
                    "attempts": message.attempts, "status": status, "vapi_call_id": call.vapi_call_id or "",
                },
            )  # fmt: skip
    if not settled:
        return _claim_lost(message)
    quiet = outcome in (VapiControlMessage.Status.SENT, VapiControlMessage.Status.SKIPPED)
    extra = {"call_id": call.pk, "control_message_id": message.pk, "tool": message.tool, "attempts": message.attempts}
    (logger.info if quiet else logger.error)(f"vapi.tool_result_{outcome}", extra=extra)
    return outcome


def _claim_lost(message: VapiControlMessage) -> str:
    # The sweep took the row back while this worker was still on it: the
    # worker holding it now (or the next) records its outcome.
    logger.warning("vapi.tool_result_claim_lost", extra={"control_message_id": message.pk, "tool": message.tool})
    return CLAIM_LOST


def control_sweep() -> tuple[int, int, int]:
    """Put back rows held by workers that died (the sender gives them up
    once their attempts are spent), enqueue waiting rows whose enqueue was
    lost, and drop the control URLs of calls begun longer ago than any call
    lasts. Returns ``(reclaimed, enqueued, dropped)``. Safe to run
    concurrently."""
    reclaimed, enqueued = outbox_sweep(OUTBOX, enqueue=_enqueue)
    stale = Call.objects.filter(vapi_control_url__isnull=False, created_at__lt=timezone.now() - CONTROL_URL_MAX_AGE)
    dropped = Call.objects.filter(pk__in=list(stale.values_list("pk", flat=True)[:SWEEP_BATCH])).update(
        vapi_control_url=None
    )
    if reclaimed or enqueued or dropped:
        logger.info("vapi.control_swept", extra={"reclaimed": reclaimed, "enqueued": enqueued, "dropped": dropped})
    return reclaimed, enqueued, dropped
