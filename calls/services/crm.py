"""CRM writes through a transactional outbox (``CrmDelivery``).

- ``crm_call_ready`` runs inside the transaction that may have finished a
  call's story: a terminal status, or its last transcript segment settled.
  If both hold, it creates the call's outbox row (or re-arms a delivered one
  as a new version) in that same transaction. It is due at once, or
  CRM_SETTLE_SECONDS later where that is set, so that what follows a call's
  end by moments goes in the same write rather than a second one. A call
  with a Vapi conversation waits for its end-of-call report (the whole
  transcript): its row waits (``awaiting_report``) with no message sent
  until the report is in, or for CRM_REPORT_WAIT_SECONDS, after which the
  sweep sends it. A change after a version went out (while it is sent, or
  after an attempt that failed) gives the row a new version, so the CRM
  always gets the last word, under a key it has not seen.
- ``crm_erasure_requested`` does the same for an erasure, and cancels the
  subject's call deliveries not yet sent.
- ``crm_deliver`` claims a row, builds the body from the current redacted
  data and sends it through the adapter. 5xx, 429, timeouts and connection
  errors are retried with exponential backoff and jitter up to
  CRM_MAX_ATTEMPTS; any other 4xx goes straight to the dead letters.
- ``crm_sweep`` re-enqueues what a lost enqueue or a killed worker left.

The claim, backoff and sweep are the outboxes' (``calls.services.outbox``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calls.integrations import crm
from calls.models import Call, CrmDelivery, TranscriptSegment
from calls.services.outbox import (
    CLAIM_LOST,
    Outbox,
    outbox_claim,
    outbox_enqueue,
    outbox_retry,
    outbox_sweep,
    outbox_update,
)
from compliance.audit import Actor, audit_record
from compliance.database import first_row, rows_inserted, rows_where

logger = logging.getLogger(__name__)

OUTBOX = Outbox(
    CrmDelivery,
    pending=CrmDelivery.Status.PENDING,
    working=CrmDelivery.Status.DELIVERING,
    backoff_base_seconds=10,
    backoff_max_seconds=3600,
)


def _enqueue(delivery_id: int, *, countdown: float = 0) -> None:
    from calls.tasks import crm_deliver

    outbox_enqueue(crm_deliver, delivery_id, countdown=countdown)


def crm_call_ready(*, call: Call) -> CrmDelivery | None:
    """Create the call's outbox row if it has ended and no segment of its
    transcript awaits redaction, in the caller's transaction; delivery is
    enqueued on commit. A row already delivered is re-armed as a new
    version (a later report may have changed the transcript). Does nothing
    without a CRM, for transfer legs, and for erased calls. Safe to repeat.
    Returns the row queued now, new or re-armed, or None."""
    if not settings.CRM_ADAPTER:
        return None
    # Read under the call's row lock: the status and the last segment can
    # settle in two transactions at once, and one of them must see both.
    # So the lock comes first, and what is read after it is read fresh.
    standing = first_row(_CALL_STANDING, [call.pk], lock="FOR UPDATE")
    if standing is None or standing[0] is not None or standing[1] is not None:
        return None  # gone, a transfer leg, or erased
    if standing[2] not in Call.TERMINAL_STATUSES:
        return None
    if first_row(_SEGMENT_PENDING, [call.pk, TranscriptSegment.Status.PENDING]) is not None:
        return None
    # New, or a delivered row re-armed as a new version; a row not yet
    # tried will send the transcript as it is then. A row that a version
    # already went out under (being sent, waiting for its retry, or dead)
    # gets a new version and keeps its status: the CRM may hold the older
    # body under the older key, and a CRM that keeps the first body it got
    # for a key would never take the new one under it. Being sent, its
    # send's end re-arms it (``_finish``); waiting, its retry sends the new
    # version; dead, an operator's retry does.
    # A call with a Vapi conversation waits for its end-of-call report (its
    # whole transcript), which follows the last status by seconds: its row
    # waits with no message sent, and is sent as soon as a later call here
    # finds the report in; the sweep sends it if the report never comes.
    awaiting = standing[4] is not None and standing[5] is None and settings.CRM_REPORT_WAIT_SECONDS > 0
    wait = max(settings.CRM_SETTLE_SECONDS, settings.CRM_REPORT_WAIT_SECONDS if awaiting else 0)
    now = timezone.now()
    due = now + timedelta(seconds=wait)
    pending, delivered = CrmDelivery.Status.PENDING, CrmDelivery.Status.DELIVERED
    row = CrmDelivery(
        kind=CrmDelivery.Kind.CALL, key=standing[3], call_id=call.pk, available_at=due, awaiting_report=awaiting
    )
    armed = rows_inserted(
        row, _REARMED,
        [pending, delivered, pending, delivered, delivered, pending, due, delivered, pending, now, *_TRIED, pending,
         pending],
    )  # fmt: skip
    # Due (new, re-armed from delivered, or no longer waiting) when pending and never tried.
    if not armed or armed[0].status != pending or armed[0].attempts:
        return None
    delivery = armed[0]
    if delivery.awaiting_report:
        logger.info("crm.awaiting_report", extra={"call_id": call.pk, "crm_delivery_id": delivery.pk})
        return None
    _enqueue(delivery.pk, countdown=settings.CRM_SETTLE_SECONDS)
    logger.info("crm.queued", extra={"call_id": call.pk, "crm_delivery_id": delivery.pk, "new": delivery.version == 1})
    return delivery


_CALL_STANDING = (
    "SELECT parent_id, erased_at, status, call_sid, vapi_call_id, vapi_report_at FROM calls_call WHERE id = %s"
)
_SEGMENT_PENDING = "SELECT 1 FROM calls_transcriptsegment WHERE call_id = %s AND status = %s LIMIT 1"
# Waits for a concurrent insert of the same key to commit or roll back, as
# the unique constraint does; no IntegrityError, so no savepoint.
# A row waiting for the report (``awaiting_report``, with no message sent)
# takes the new one's wait; never tried, it keeps its version (no key of it
# has gone out), and it is sent once the new one no longer waits.
_WAITING = "(calls_crmdelivery.status = %s AND calls_crmdelivery.awaiting_report)"
_REARMED = (
    "ON CONFLICT (kind, key) DO UPDATE SET "
    f"version = CASE WHEN {_WAITING} AND calls_crmdelivery.attempts = 0 THEN calls_crmdelivery.version "
    "ELSE calls_crmdelivery.version + 1 END, "
    "status = CASE WHEN calls_crmdelivery.status = %s THEN %s ELSE calls_crmdelivery.status END, "
    "attempts = CASE WHEN calls_crmdelivery.status = %s THEN 0 ELSE calls_crmdelivery.attempts END, "
    f"available_at = CASE WHEN calls_crmdelivery.status = %s OR ({_WAITING} AND calls_crmdelivery.attempts = 0) "
    "THEN %s ELSE calls_crmdelivery.available_at END, "
    f"awaiting_report = CASE WHEN calls_crmdelivery.status = %s OR {_WAITING} THEN excluded.awaiting_report "
    "ELSE calls_crmdelivery.awaiting_report END, "
    "updated_at = %s WHERE calls_crmdelivery.status IN (%s, %s, %s) "
    "OR (calls_crmdelivery.status = %s AND calls_crmdelivery.attempts > 0) "
    f"OR ({_WAITING} AND calls_crmdelivery.attempts = 0 AND NOT excluded.awaiting_report)"
)
_TRIED = (CrmDelivery.Status.DELIVERED, CrmDelivery.Status.DELIVERING, CrmDelivery.Status.DEAD)


def crm_erasure_requested(*, subject: str, erasure_id: str, call_ids: list[int]) -> CrmDelivery | None:
    """Queue the erasure for the CRM, in the erasure's transaction, and
    cancel call deliveries of the subject not yet made."""
    if not settings.CRM_ADAPTER:
        return None
    CrmDelivery.objects.filter(
        kind=CrmDelivery.Kind.CALL,
        call_id__in=call_ids,
        status__in=[CrmDelivery.Status.PENDING, CrmDelivery.Status.DEAD],
    ).update(status=CrmDelivery.Status.CANCELLED, last_error="subject erased")
    delivery = CrmDelivery.objects.create(kind=CrmDelivery.Kind.ERASURE, key=erasure_id, subject_hash=subject)
    _enqueue(delivery.pk)
    return delivery


def crm_call_record(*, call: Call) -> crm.CallRecord:
    """What may leave about ``call``: redacted words, the keyed hash, no number."""

    def moment(value: object) -> str | None:
        return value.isoformat() if value else None

    segments = rows_where(
        TranscriptSegment, "call_id = %s AND status <> %s ORDER BY spoken_at, position, id",
        [call.pk, TranscriptSegment.Status.PENDING],
    )  # fmt: skip
    recorded = first_row(_RECORDED, [call.pk]) is not None
    return crm.CallRecord(
        call_sid=call.call_sid,
        subject_id=call.customer_hash,
        direction=call.direction,
        status=call.status,
        started_at=moment(call.started_at),
        ended_at=moment(call.ended_at),
        duration_seconds=call.duration_seconds,
        department=call.department,
        escalated=call.escalated,
        consent=call.consent_decision,
        recorded=recorded,
        transcript=[
            crm.TranscriptLine(spoken_at=moment(segment.spoken_at), speaker=segment.speaker, text=segment.text)
            for segment in segments
        ],
    )


_RECORDED = "SELECT 1 FROM calls_recording WHERE call_id = %s LIMIT 1"


def crm_deliver(*, delivery_id: int) -> str:
    """Deliver one outbox row and return its status. Safe to run twice: only
    a pending, due row is claimed, and the CRM sees the same idempotency key
    for every attempt of a version. A worker whose claim was swept meanwhile
    records nothing (``"claim lost"``)."""
    delivery = outbox_claim(OUTBOX, row_id=delivery_id)
    if delivery is None:
        return "not due"
    claim = delivery.claimed_at
    calls = rows_where(Call, "id = %s", [delivery.call_id])  # none for an erasure's row
    call = calls[0] if calls else None
    adapter = crm.crm_adapter()
    body_sha256 = ""
    try:
        if adapter is None:
            raise crm.CrmPermanentError("no CRM adapter is configured")
        if delivery.kind == CrmDelivery.Kind.ERASURE:
            adapter.erase_subject(delivery.subject_hash, idempotency_key=delivery.idempotency_key)
        elif call is None or call.erased_at:
            return _finish(delivery, claim, CrmDelivery.Status.CANCELLED, error="the call was purged or erased")
        else:
            record = crm_call_record(call=call)
            body_sha256 = hashlib.sha256(json.dumps(record.as_json(), sort_keys=True).encode()).hexdigest()
            if body_sha256 != delivery.delivered_sha256:
                adapter.sync_call(record, idempotency_key=delivery.idempotency_key)
    except crm.CrmError as error:
        exhausted = error.permanent or delivery.attempts >= settings.CRM_MAX_ATTEMPTS
        if exhausted:
            return _finish(delivery, claim, CrmDelivery.Status.DEAD, error=str(error), status=error.status)
        delay = outbox_retry(
            OUTBOX, row_id=delivery.pk, claim=claim, attempts=delivery.attempts, error=str(error),
            status=error.status, enqueue=_enqueue,
        )  # fmt: skip
        if delay is None:
            return _claim_lost(delivery)
        logger.warning(
            "crm.retry_scheduled",
            extra={"crm_delivery_id": delivery.pk, "attempts": delivery.attempts, "status": error.status},
        )
        return CrmDelivery.Status.PENDING
    return _finish(delivery, claim, CrmDelivery.Status.DELIVERED, body_sha256=body_sha256, adapter=adapter.name)


def _finish(
    delivery: CrmDelivery,
    claim: datetime,
    outcome: str,
    *,
    error: str = "",
    status: int | None = None,
    body_sha256: str = "",
    adapter: str = "",
) -> str:
    changes: dict[str, object] = {"status": outcome, "last_error": error[:200], "last_status": status}
    delivered, rearmed = outcome == CrmDelivery.Status.DELIVERED, 0
    if delivered:
        changes.update(delivered_at=timezone.now(), adapter=adapter, subject_hash="")
        if body_sha256:
            changes["delivered_sha256"] = body_sha256
    with transaction.atomic():
        version = delivery.version if delivered else None
        finished = outbox_update(OUTBOX, row_id=delivery.pk, claim=claim, changes=changes, version=version)
        if delivered and not finished:
            # Changed while it was sent (``crm_call_ready`` gave it a new version): that one is sent next.
            due = timezone.now() + timedelta(seconds=settings.CRM_SETTLE_SECONDS)
            again = changes | {"status": CrmDelivery.Status.PENDING, "attempts": 0, "available_at": due}
            finished = rearmed = outbox_update(OUTBOX, row_id=delivery.pk, claim=claim, changes=again)
            if rearmed:
                _enqueue(delivery.pk, countdown=settings.CRM_SETTLE_SECONDS)
        if finished and (delivery.kind == CrmDelivery.Kind.ERASURE or outcome == CrmDelivery.Status.DEAD):
            details = {"kind": delivery.kind, "attempts": delivery.attempts, "status": status}
            audit_record(
                f"crm.{outcome}", actor=Actor(name="crm"), object_type="crm_delivery", object_id=delivery.pk,
                object_repr=delivery.key, details=details,
            )  # fmt: skip
    if not finished:
        return _claim_lost(delivery)
    (logger.error if outcome == CrmDelivery.Status.DEAD else logger.info)(
        f"crm.{outcome}", extra={"crm_delivery_id": delivery.pk, "kind": delivery.kind, "attempts": delivery.attempts}
    )
    if rearmed:
        logger.info("crm.queued", extra={"call_id": delivery.call_id, "crm_delivery_id": delivery.pk, "new": False})
    return outcome


def _claim_lost(delivery: CrmDelivery) -> str:
    # The sweep took the row back while this worker was still on it (or it
    # was cancelled, or re-armed): whoever holds it now records its outcome.
    logger.warning("crm.claim_lost", extra={"crm_delivery_id": delivery.pk, "kind": delivery.kind})
    return CLAIM_LOST


def crm_retry(*, delivery_ids: list[int], actor: Actor) -> int:
    """Put dead-lettered deliveries back in the queue, from the start of
    their backoff. Returns how many."""
    with transaction.atomic():
        due = list(
            CrmDelivery.objects.filter(pk__in=delivery_ids, status=CrmDelivery.Status.DEAD).values_list("pk", flat=True)
        )
        CrmDelivery.objects.filter(pk__in=due).update(
            status=CrmDelivery.Status.PENDING, attempts=0, available_at=timezone.now(), last_error=""
        )
        for pk in due:
            _enqueue(pk)
        if due:
            audit_record("crm.retried", actor=actor, object_type="crm_delivery", details={"ids": due})
    return len(due)


def crm_sweep() -> tuple[int, int]:
    """Reclaim deliveries held by dead workers (dead-lettered once their
    attempts are spent) and enqueue due ones whose enqueue was lost.
    Returns ``(reclaimed, enqueued)``. Safe to run concurrently."""
    spent = (settings.CRM_MAX_ATTEMPTS, CrmDelivery.Status.DEAD, "the worker delivering it stopped, attempts spent")
    reclaimed, enqueued = outbox_sweep(OUTBOX, enqueue=_enqueue, spent=spent)
    if reclaimed or enqueued:
        logger.info("crm.swept", extra={"reclaimed": reclaimed, "enqueued": enqueued})
    return reclaimed, enqueued
