"""The durable webhook inbox.

Accept: a delivery is written, as the request's one committed statement,
as one ``InboundEvent`` with its raw payload encrypted; only the row id
reaches the broker, after commit and in batches (``inbox_publisher``). A
redelivery (same provider and dedup key) creates nothing and is answered as
the first one was.

Process: a worker claims the row with a conditional update (committed, so
that every attempt counts, even one that kills the worker), then applies it
to the domain models in one transaction that holds the row's lock, marks it
done and scrubs the payload. A failure puts it back, with backoff, until
INBOX_MAX_ATTEMPTS.

Sweep: a periodic job re-enqueues what a lost enqueue or a killed worker
left behind, and destroys raw payloads that outlived their deadline. A
claim whose row nobody holds is a dead worker's: the sweep takes it back
at once, without waiting for the task's time limit.

Durability: the accepting insert commits as PostgreSQL commits by default,
once its WAL is on disk; the inbox is the record of what was accepted. An
event's first claim and the applying transaction commit without waiting
for the disk (``synchronous_commit`` off, for those transactions only):
PostgreSQL writes their WAL within three ``wal_writer_delay`` (0.6 s by
default). A crash of the database server in that time loses the last
applications whole (the domain writes with their done mark and audit
event) and leaves their events pending or claimed by no one; the sweep
applies them again, to the same effect, since what an application writes
follows from its delivery.

What must be on disk before anything acts on it waits for the disk, and
with it all the WAL written before it: a transaction that records a
consent decision (``compliance.services.consent_record``: recordings start
on it, at Twilio or at Vapi); an outbox's claim, before a CRM write (whose
idempotency key is the row's id) or a message to a live call; the sealer's
links; the read of the ledgers that a checkpoint anchors, which also comes
after an export has read its rows and before it is handed out
(``compliance.checkpoints.ledger_state``). Other actions outside may act on
an application that a crash then loses, such as a recording paused or
resumed; the application comes back from the inbox with the same facts,
and they stand. A task that names a row by its id checks the row before it
acts, since a crash can give an id that a lost transaction had used to
another row: a recording's deletion acts only on one asked to be deleted.

What this saves is a flush per transaction, two per delivery: the
database's CPU and the worker's, and the worker's wait on the disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from calls.models import InboundEvent, TranscriptSegment
from calls.serializers.fields import provider_clock, received_now
from calls.services import transcripts
from calls.services.inbox_publisher import BATCH_SIZE, publisher
from compliance.audit import Actor, audit_record, audit_record_returning
from compliance.database import commit_waits, first_row, insert_if_absent, rows_updated

logger = logging.getLogger(__name__)

# How long past the task's hard time limit an outbox's claim is trusted
# (``outbox.stale_claim_age``): their rows are not locked while they are sent.
CLAIM_MARGIN = timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 3600


def payload_digest(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def inbox_accept(
    *,
    provider: str,
    kind: str,
    dedup_key: str,
    call_sid: str,
    payload: dict[str, Any],
    response_body: str = "",
) -> tuple[InboundEvent, bool]:
    """Store a delivery durably and schedule its processing after commit.

    Outside a transaction this is one statement, committed (and flushed to
    disk) before it returns: the whole of a webhook request's transaction.
    Safe to repeat: a delivery whose ``(provider, dedup_key)`` is already in
    the inbox changes nothing but the delivery count, and the stored event
    is returned with ``created=False`` so the caller can answer with the
    original ``response_body``.
    """
    event = InboundEvent(
        provider=provider,
        kind=kind,
        received_at=received_now(),
        dedup_key=dedup_key,
        call_sid=call_sid,
        payload=payload,
        payload_sha256=payload_digest(payload),
        response_body=response_body,
    )
    # A duplicate is expected, so it is no IntegrityError, and a concurrent
    # first delivery is waited for (PostgreSQL makes the insert wait for it
    # to commit or roll back).
    if not insert_if_absent(event, conflict=("provider", "dedup_key")):
        duplicates = InboundEvent.objects.filter(provider=provider, dedup_key=dedup_key)
        duplicates.update(deliveries=F("deliveries") + 1)
        existing = duplicates.defer("payload").get()
        logger.info("inbox.duplicate", extra={"inbound_event_id": existing.pk, "kind": kind})
        return existing, False

    # robust: a failure to hand the id over must not turn an accepted,
    # committed delivery into an error response; the sweep enqueues it later.
    transaction.on_commit(lambda: publisher.submit(event.pk), robust=True)
    # DEBUG: the access log already has a line for every accepted request.
    logger.debug("inbox.accepted", extra={"inbound_event_id": event.pk, "kind": kind})
    return event, True


def _handlers() -> dict[str, Callable[[InboundEvent], None]]:
    from calls.services import twilio_events, vapi_events

    return {
        InboundEvent.Kind.TWILIO_VOICE: twilio_events.apply_voice,
        InboundEvent.Kind.TWILIO_GATHER: twilio_events.apply_gather,
        InboundEvent.Kind.TWILIO_STATUS: twilio_events.apply_status,
        InboundEvent.Kind.TWILIO_RECORDING: twilio_events.apply_recording,
        InboundEvent.Kind.TWILIO_PAY: twilio_events.apply_pay,
        InboundEvent.Kind.TWILIO_HANDOFF: twilio_events.apply_handoff,
        InboundEvent.Kind.TWILIO_REFER: twilio_events.apply_refer,
        InboundEvent.Kind.VAPI_ASSISTANT_REQUEST: vapi_events.apply_assistant_request,
        InboundEvent.Kind.VAPI_STATUS: vapi_events.apply_status,
        InboundEvent.Kind.VAPI_TRANSCRIPT: vapi_events.apply_transcript,
        InboundEvent.Kind.VAPI_TOOL_CALL: vapi_events.apply_tool_call,
        InboundEvent.Kind.VAPI_CALL_EVENT: vapi_events.apply_call_event,
        InboundEvent.Kind.VAPI_END_OF_CALL: vapi_events.apply_end_of_call_report,
    }


def inbox_process(*, event_id: int) -> bool:
    """Claim one pending event and apply it. Returns whether it was applied.

    Safe to run twice, concurrently or not: only the worker whose
    conditional update moves the row from pending to processing goes on.
    The domain changes, the ``done`` mark and the payload scrub commit
    together, so an event is applied exactly once or not at all.
    """
    event = _claim(event_id)
    if event is None:
        logger.info("inbox.not_claimed", extra={"inbound_event_id": event_id})
        return False
    return inbox_apply(event=event)


def inbox_apply(*, event: InboundEvent) -> bool:
    """Apply an event as loaded by its claim. Returns whether it was applied.

    Only the claim's holder applies it: if the event was given back and
    claimed again since (the worker stalled past the sweep's grace before
    it held the row), nothing is applied or recorded and False is returned.
    """
    try:
        # Reported times are judged against the delivery's receipt, as the
        # view judged them, however late the worker applies it.
        with transaction.atomic(), provider_clock(event.received_at):
            if not _hold(event):
                raise ClaimLost
            _handlers()[event.kind](event)
            _mark_done(event)
    except ClaimLost:
        logger.info("inbox.claim_lost", extra={"inbound_event_id": event.pk})
        return False
    except Exception as error:  # noqa: BLE001
        # Any failure, transient or a bug, goes back to the inbox with its
        # class name only: exception messages can quote the data (database
        # errors echo values), so neither the message nor a traceback is
        # kept or logged. The sweep retries it with backoff.
        _record_failure(event, error)
        return False
    logger.info("inbox.processed", extra={"inbound_event_id": event.pk, "kind": event.kind, "attempts": event.attempts})
    return True


# Both in one statement each (RETURNING: PostgreSQL, and SQLite from 3.35):
# a claim that also loads the row it claimed, and a done mark that also
# scrubs the payload, unless the event still holds words awaiting redaction
# (then it goes when the last of them is redacted,
# ``transcripts.inbox_scrub_if_settled``), and reads back how many times the
# provider has sent it by then, for the audit.
_CLAIM = "status = %s, claimed_at = %s, attempts = attempts + 1"
# Each also says, for nothing more, whether its transaction's commit waits
# for the disk (see the module's docstring). An event's first claim does
# not; one put back since (by a failure, or by the sweep, which moves it on:
# after a crash of the database too, the claim it lost included) does, so
# that an event which takes the database server down with it is counted
# towards INBOX_MAX_ATTEMPTS like one that kills a worker.
_PUT_BACK = "attempts > 0 OR available_at > received_at + interval '1 second'"
_CLAIMABLE = "id = %s AND status = %s AND {commit} IS NOT NULL"
_HOLD = "SELECT {commit} FROM calls_inboundevent WHERE id = %s AND status = %s AND attempts = %s"
# Fenced by the claim (its status and attempt) as well as held by the row's
# lock: a done mark never lands on an event claimed again since.
_DONE = (
    "UPDATE calls_inboundevent SET status = %s, processed_at = %s, last_error = '', "
    "payload = CASE WHEN payload_scrubbed_at IS NULL AND EXISTS (SELECT 1 FROM calls_transcriptsegment "
    "WHERE source_event_id = calls_inboundevent.id AND status = %s) THEN payload ELSE NULL END, "
    "payload_scrubbed_at = CASE WHEN payload_scrubbed_at IS NULL AND EXISTS (SELECT 1 FROM calls_transcriptsegment "
    "WHERE source_event_id = calls_inboundevent.id AND status = %s) THEN NULL ELSE COALESCE(payload_scrubbed_at, %s) "
    "END WHERE id = %s AND status = %s AND attempts = %s RETURNING deliveries"
)


class ClaimLost(Exception):
    """The event was given back to the inbox while this worker held its claim."""


def _claim(event_id: int) -> InboundEvent | None:
    """Claim a pending event (the conditional update only one worker wins)
    and load it, in one statement."""
    pending, processing = InboundEvent.Status.PENDING, InboundEvent.Status.PROCESSING
    # Loaded as a queryset loads it (the encrypted payload decrypted), with no query compiled.
    claimable = _CLAIMABLE.format(commit=commit_waits(_PUT_BACK))
    claimed = rows_updated(InboundEvent, _CLAIM, claimable, [processing, timezone.now(), event_id, pending])
    return claimed[0] if claimed else None


def _hold(event: InboundEvent) -> bool:
    """Lock the claimed row until the applying transaction ends, if the claim
    is still this worker's. While it is locked the sweep leaves it alone
    (its FOR UPDATE SKIP LOCKED skips it); once this worker's connection is
    gone, killed worker included, PostgreSQL releases it and the sweep takes
    it back. The weakest lock that does this: KEY SHARE lets other writers
    update the row meanwhile (a redelivery's count, a later report scrubbing
    the words it replaces), as they could before it was held, so holding it
    adds no wait and no lock order."""
    hold = _HOLD.format(commit=commit_waits(False))
    held = first_row(hold, [event.pk, InboundEvent.Status.PROCESSING, event.attempts], lock="FOR KEY SHARE")
    return held is not None


def _mark_done(event: InboundEvent) -> None:
    """Mark a claimed event done, scrub its payload if no words of it await
    redaction, and audit it as accepted with the deliveries counted by then:
    one statement on PostgreSQL."""
    pending_words = TranscriptSegment.Status.PENDING
    now = timezone.now()
    claim = [event.pk, InboundEvent.Status.PROCESSING, event.attempts]
    deliveries = audit_record_returning(
        _DONE, [InboundEvent.Status.DONE, now, pending_words, pending_words, now, *claim],
        "webhook.accepted", returned="deliveries", actor=Actor(name=event.provider), object_type="inbound_event",
        object_id=event.pk, object_repr=event.call_sid,
        details={"kind": event.kind, "payload_sha256": event.payload_sha256},
    )  # fmt: skip
    if deliveries is None:
        raise ClaimLost


def _audit(event: InboundEvent, action: str, **details: object) -> None:
    audit_record(
        action,
        actor=Actor(name=event.provider),
        object_type="inbound_event",
        object_id=event.pk,
        object_repr=event.call_sid,
        details={"kind": event.kind, **details},
    )


def _record_failure(event: InboundEvent, error: Exception) -> None:
    exhausted = event.attempts >= settings.INBOX_MAX_ATTEMPTS
    delay = min(BACKOFF_BASE_SECONDS * 2 ** (event.attempts - 1), BACKOFF_MAX_SECONDS)
    delay = random.uniform(delay / 2, delay)
    InboundEvent.objects.filter(pk=event.pk, status=InboundEvent.Status.PROCESSING, attempts=event.attempts).update(
        status=InboundEvent.Status.FAILED if exhausted else InboundEvent.Status.PENDING,
        available_at=timezone.now() + timedelta(seconds=delay),
        last_error=f"{type(error).__module__}.{type(error).__qualname__}"[:500],
    )
    if exhausted:
        _audit(event, "webhook.failed", attempts=event.attempts, error=type(error).__name__)
    log = logger.error if exhausted else logger.warning
    log(
        "inbox.failed" if exhausted else "inbox.retry_scheduled",
        extra={
            "inbound_event_id": event.pk,
            "kind": event.kind,
            "attempts": event.attempts,
            "error": type(error).__name__,
        },
    )


@dataclass(frozen=True)
class SweepResult:
    reclaimed: int
    enqueued: int
    scrubbed: int


def inbox_sweep(*, batch_size: int | None = None) -> SweepResult:
    """Recover what the normal path dropped, in one bounded batch.

    - events claimed by a worker that died are put back to pending: a
      claim older than the grace whose row no transaction holds (a live
      worker holds it while it applies the event);
    - pending events whose enqueue was lost, or whose backoff has passed,
      are enqueued again (their ``available_at`` moves forward, so an
      overlapping sweep does not send them twice);
    - raw payloads are destroyed once they are older than the scrub deadline
      (INBOX_RAW_PAYLOAD_MAX_AGE_SECONDS), whatever became of their event;
      transcript segments still awaiting redaction are stored fully masked.

    Safe to run concurrently: rows are taken with SKIP LOCKED.
    """
    from calls.tasks import process_inbound_events

    batch_size = batch_size or settings.INBOX_SWEEP_BATCH
    now = timezone.now()
    grace = timedelta(seconds=settings.INBOX_SWEEP_GRACE_SECONDS)
    stale_claim = now - grace

    with transaction.atomic():
        stale = list(
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(status=InboundEvent.Status.PROCESSING, claimed_at__lt=stale_claim)
            .values_list("pk", flat=True)[:batch_size]
        )
        reclaimed = InboundEvent.objects.filter(pk__in=stale).update(
            status=InboundEvent.Status.PENDING, available_at=now
        )

        due = list(
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(status=InboundEvent.Status.PENDING, available_at__lte=now - grace)
            .order_by("available_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        InboundEvent.objects.filter(pk__in=due).update(available_at=now + grace)
        batches = [due[start : start + BATCH_SIZE] for start in range(0, len(due), BATCH_SIZE)]
        transaction.on_commit(lambda: [process_inbound_events.delay(batch) for batch in batches])

        scrubbed = len(
            inbox_scrub_expired(
                cutoff=now - timedelta(seconds=settings.INBOX_RAW_PAYLOAD_MAX_AGE_SECONDS), batch_size=batch_size
            )
        )

    result = SweepResult(reclaimed=reclaimed, enqueued=len(due), scrubbed=scrubbed)
    logger.info("inbox.swept", extra={"reclaimed": reclaimed, "enqueued": len(due), "scrubbed": scrubbed})
    return result


def inbox_scrub_expired(*, cutoff: datetime, batch_size: int) -> list[tuple[int, datetime]]:
    """Destroy raw payloads received before ``cutoff``, whatever became of
    their events; transcript segments still awaiting redaction are stored
    fully masked. Returns the ids and receipt times scrubbed, oldest first.
    Safe to run concurrently (SKIP LOCKED) and to repeat."""
    now = timezone.now()
    with transaction.atomic():
        expired = list(
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(payload_scrubbed_at__isnull=True, received_at__lt=cutoff)
            .order_by("id")
            .values_list("pk", "received_at")[:batch_size]
        )
        ids = [pk for pk, _ in expired]
        if ids:
            transcripts.transcript_mask_pending(event_ids=ids, reason="not redacted before the scrub deadline")
            InboundEvent.objects.filter(pk__in=ids).exclude(status=InboundEvent.Status.DONE).update(
                status=InboundEvent.Status.FAILED, last_error="raw payload expired before it could be applied"
            )
            InboundEvent.objects.filter(pk__in=ids).update(payload=None, payload_scrubbed_at=now)
    return expired
