"""Proof that no recording holds what it must not.

Once a call has ended (and RECORDING_REVIEW_GRACE_SECONDS have passed for
late transcripts) and its transcript is redacted, each of its recordings is
reviewed: the time it ran, from its start to its end less its pauses, is
compared with every stretch in which card or identity data was given, that
is, each utterance redaction found such data in and each keypad payment.

A recording that ran through none is certified clean. One that ran through
any is flagged with the types given (never a value) and, by
RECORDING_SENSITIVE_POLICY, deleted at the provider (confirmed, with a
destruction certificate) or quarantined until a compliance officer deletes
or keeps it, with a reason. Security codes are always deleted. Every
review and decision is in the audit trail; nothing is silently kept.

Times are compared generously: an utterance is taken to last as long as
its words take to say, either side of the moment it was reported, and a
pause counts from the provider's confirmation to the request to resume.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from calls.models import Call, CaptureEvent, InboundEvent, Provider, Recording, TranscriptSegment
from calls.services.capture import SENSITIVE_TYPES, UNREADABLE
from calls.services.recordings import SENSITIVE_DATA, recording_request_deletion

from .audit import Actor, audit_record

logger = logging.getLogger(__name__)

DELETE = "delete"
QUARANTINE = "quarantine"
# Types that may never be kept after authorisation, whatever the policy says.
ALWAYS_DELETED = frozenset({"CVV"})
# What keypad tones during a payment give away.
KEYPAD_TYPES = frozenset({"CREDIT_CARD", "CVV", "CARD_EXPIRY"})
# Speech runs at about two and a half words a second; a short utterance still takes a few.
WORDS_PER_SECOND = 2.5
SHORTEST_UTTERANCE = timedelta(seconds=3)
FINISHED = (
    Recording.Status.COMPLETED, Recording.Status.ABSENT, Recording.Status.STOPPED, Recording.Status.FAILED
)  # fmt: skip
BATCH = 200

Interval = tuple[datetime, datetime]


def recordings_due(*, now: datetime | None = None) -> QuerySet[Recording]:
    """Recordings not yet reviewed, finished, on calls that ended long enough
    ago, with no delivery of theirs still to apply and nothing of their
    transcript awaiting redaction."""
    now = now or timezone.now()
    pending = TranscriptSegment.objects.filter(call=OuterRef("call"), status=TranscriptSegment.Status.PENDING)
    unapplied = InboundEvent.objects.filter(
        call_sid=OuterRef("call__call_sid"),
        status__in=(InboundEvent.Status.PENDING, InboundEvent.Status.PROCESSING),
    )
    return (
        Recording.objects.filter(
            review=Recording.Review.PENDING,
            status__in=FINISHED,
            deleted_at__isnull=True,
            call__ended_at__lt=now - timedelta(seconds=settings.RECORDING_REVIEW_GRACE_SECONDS),
        )
        .exclude(Exists(pending))
        .exclude(Exists(unapplied))
        .order_by("pk")
    )


def recording_review_due() -> int:
    """Review what is due, in a bounded batch; returns how many were reviewed."""
    reviewed = 0
    for recording_id in recordings_due().values_list("pk", flat=True)[:BATCH]:
        recording_review(recording_id=recording_id)
        reviewed += 1
    if reviewed:
        logger.info("recording.reviews", extra={"count": reviewed})
    return reviewed


def recording_review(*, recording_id: int) -> str:
    """Review one recording and act on the verdict. Safe to repeat: a
    recording is reviewed once. Returns its review."""
    with transaction.atomic():
        recording = Recording.objects.select_for_update().select_related("call").get(pk=recording_id)
        if recording.review or recording.deleted_at is not None:
            return recording.review
        call = recording.call
        running = list(running_intervals(recording))
        given: set[str] = set()
        for (start, end), types in sensitive_stretches(call):
            if any(start < stop and begin < end for begin, stop in running):
                given |= types
        recording.review_types = sorted(given)
        recording.reviewed_at = timezone.now()
        if not given:
            recording.review = Recording.Review.CLEAN
        elif policy_for(given) == DELETE:
            recording.review = Recording.Review.DELETING
        else:
            recording.review = Recording.Review.QUARANTINED
        recording.save(update_fields=["review", "review_types", "reviewed_at", "updated_at"])
        if recording.review == Recording.Review.DELETING:
            recording_request_deletion(recording=recording, reason=SENSITIVE_DATA)
        audit_record(
            "recording.reviewed", object_type="recording", object_id=recording.pk, object_repr=call.call_sid,
            details={"review": recording.review, "types": recording.review_types},
        )  # fmt: skip
    log = logger.warning if given else logger.info
    log("recording.reviewed", extra={"recording_id": recording.pk, "review": recording.review})
    return recording.review


def policy_for(types: set[str]) -> str:
    """Delete when any type given says so (security codes always do)."""
    policy = settings.RECORDING_SENSITIVE_POLICY
    if types & ALWAYS_DELETED or any(policy.get(kind, QUARANTINE) == DELETE for kind in types):
        return DELETE
    return QUARANTINE


def running_intervals(recording: Recording) -> Iterator[Interval]:
    """When the recording was capturing audio: its start to its end, less its pauses."""
    call = recording.call
    start = recording.started_at or recording.created_at
    if recording.provider == Provider.VAPI:
        start = call.answered_at or call.started_at or call.created_at
    if recording.duration_seconds is not None and recording.provider == Provider.TWILIO:
        end = start + timedelta(seconds=recording.duration_seconds)
    else:
        end = call.ended_at or timezone.now()
    for pause in recording.pauses.order_by("paused_at"):
        if pause.paused_at > start:
            yield start, min(pause.paused_at, end)
        resumed = pause.resume_requested_at if pause.ending == pause.Ending.RESUMED else None
        if resumed is None:
            return
        start = max(start, resumed)
    if start < end:
        yield start, end


def sensitive_stretches(call: Call) -> Iterator[tuple[Interval, set[str]]]:
    """When card or identity data was given on the call, and of what types:
    each redacted utterance with such data, and each keypad payment."""
    for segment in call.transcript_segments.exclude(status=TranscriptSegment.Status.PENDING):
        # Words redaction could not read may have held anything: fail closed.
        masked = segment.status == TranscriptSegment.Status.MASKED
        types = {UNREADABLE} if masked else set(segment.entity_counts) & SENSITIVE_TYPES
        if types:
            lasting = max(SHORTEST_UTTERANCE, timedelta(seconds=len(segment.text.split()) / WORDS_PER_SECOND))
            yield (segment.spoken_at - lasting, segment.spoken_at + lasting), types
    entered = None
    payments = call.capture_events.filter(reason=CaptureEvent.Reason.PAYMENT).order_by("occurred_at", "id")
    for event in payments:
        if event.action == CaptureEvent.Action.ENTER and entered is None:
            entered = event.occurred_at
        elif event.action == CaptureEvent.Action.LEAVE and entered is not None:
            yield (
                (entered + timedelta(seconds=settings.CAPTURE_PAY_PROMPT_SECONDS), event.occurred_at),
                set(KEYPAD_TYPES),
            )
            entered = None
    if entered is not None:
        yield (
            (entered + timedelta(seconds=settings.CAPTURE_PAY_PROMPT_SECONDS), call.ended_at or timezone.now()),
            set(KEYPAD_TYPES),
        )


class DecisionRefused(ValueError):
    """The decision can't be taken: the message says why."""


def recording_review_decide(*, recording: Recording, delete: bool, actor: Actor, note: str) -> None:
    """A compliance officer's decision on a quarantined recording: delete it
    at the provider, or keep it for the reason given. Audited (the reason
    stays on the recording: typed by staff, it is not copied into the chain)."""
    note = " ".join(note.split())[:500]
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=recording.pk)
        if recording.review != Recording.Review.QUARANTINED:
            raise DecisionRefused("Only a quarantined recording awaits a decision.")
        if not delete and not note:
            raise DecisionRefused("Keeping a recording that holds card or identity data needs a reason.")
        if not delete and set(recording.review_types) & ALWAYS_DELETED:
            raise DecisionRefused("A recording holding a security code can't be kept (PCI DSS 3.3.1).")
        recording.review = Recording.Review.DELETING if delete else Recording.Review.KEPT
        recording.review_decided_by = actor.name[:150]
        recording.review_note = note
        recording.save(update_fields=["review", "review_decided_by", "review_note", "updated_at"])
        if delete:
            recording_request_deletion(recording=recording, reason=SENSITIVE_DATA)
        audit_record(
            "recording.review_decided", actor=actor, object_type="recording", object_id=recording.pk,
            object_repr=recording.call.call_sid, details={"decision": recording.review, "reason_given": bool(note)},
        )  # fmt: skip
