"""Recordings: started only after consent, deleted at the provider when a
recording exists without it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import Enum

from django.db import transaction
from django.utils import timezone

from calls.integrations import twilio, vapi
from calls.models import Call, Provider, Recording
from calls.services.capture import RUNNING, capture_enqueue_reconcile, capture_reasons_open, recording_pause_end
from calls.twiml import public_url
from compliance.audit import audit_record
from compliance.certificates import Tally, certify
from compliance.database import insert_if_absent, rows_where, update_fields
from compliance.models import DataClass

logger = logging.getLogger(__name__)

NO_CONSENT = "no_consent"
ERASURE = "erasure"
# It held card or identity data (compliance.recording_review).
SENSITIVE_DATA = "sensitive_data"
# Late enough that the normal path (enqueue on commit) has had its chance.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 200

# Twilio's recording statuses in the order a recording goes through them.
# ``deleted`` is this service's own: the provider confirmed the deletion.
_RANK = {
    Recording.Status.IN_PROGRESS: 0,
    Recording.Status.PAUSED: 0,
    Recording.Status.STOPPED: 1,
    Recording.Status.COMPLETED: 2,
    Recording.Status.ABSENT: 2,
    Recording.Status.FAILED: 2,
    Recording.Status.DELETED: 3,
}


def call_request_recording(*, call: Call) -> bool:
    """Ask a worker to start recording ``call``; the caller has just recorded
    granted consent in the same transaction. Safe to repeat: only the first
    request for a call is enqueued."""
    requested = Call.objects.filter(pk=call.pk, recording_state=Call.RecordingState.NOT_REQUESTED).update(
        recording_state=Call.RecordingState.REQUESTED, updated_at=timezone.now()
    )
    if requested:
        from calls.tasks import recording_start

        transaction.on_commit(lambda: recording_start.delay(call.pk), robust=True)
    return bool(requested)


def call_start_recording(*, call_id: int) -> None:
    """Start the recording at Twilio, if the call still has granted consent.

    Holds the call's row lock during the request, so concurrent runs start
    one recording. Transient provider errors propagate (the task retries
    them) and leave the call requested; permanent ones mark it failed.
    """
    with transaction.atomic():
        locked = rows_where(Call, "id = %s", [call_id], lock="FOR UPDATE")
        if not locked or locked[0].recording_state != Call.RecordingState.REQUESTED:
            return  # purged since, or started or given up already
        call = locked[0]
        if not call.has_granted_consent:
            # Consent is checked again here, where the recording starts,
            # and not only where it was requested.
            call.recording_state = Call.RecordingState.NOT_REQUESTED
            update_fields(call, ["recording_state", "updated_at"])
            logger.warning("recording.start_refused", extra={"call_id": call.pk, "reason": NO_CONSENT})
            return
        if capture_reasons_open(call):
            # Card or identity numbers are being given: it starts once the
            # capture closes (capture_reconcile enqueues the start again).
            logger.info("recording.start_deferred", extra={"call_id": call.pk})
            return
        try:
            recording_sid = twilio.recording_start(
                call_sid=call.call_sid, status_callback_url=public_url("twilio-recording")
            )
        except twilio.TwilioPermanentError as error:
            call.recording_state = Call.RecordingState.FAILED
            call.recording_error = str(error)[:200]
            update_fields(call, ["recording_state", "recording_error", "updated_at"])
            audit_record(
                "recording.start_failed", object_type="call", object_id=call.pk, object_repr=call.call_sid,
                details={"error": type(error).__name__, "status": error.status, "code": error.code},
            )  # fmt: skip
            logger.error(
                "recording.start_failed",
                extra={"call_id": call.pk, "error": type(error).__name__, "status": error.status, "code": error.code},
            )
            return
        call.recording_state = Call.RecordingState.STARTED
        update_fields(call, ["recording_state", "updated_at"])
        recording = recording_open(
            recording_sid=recording_sid, call=call, status=Recording.Status.IN_PROGRESS, started_at=timezone.now()
        )
        audit_record(
            "recording.started", object_type="recording", object_id=recording.pk, object_repr=call.call_sid,
            details={"provider": recording.provider},
        )  # fmt: skip
    logger.info("recording.started", extra={"call_id": call.pk})


def call_recording_failed(*, call_id: int, reason: str) -> None:
    """The start task gave up after its retries."""
    Call.objects.filter(pk=call_id, recording_state=Call.RecordingState.REQUESTED).update(
        recording_state=Call.RecordingState.FAILED, recording_error=reason[:200], updated_at=timezone.now()
    )


def recording_open(*, recording_sid: str, call: Call, **fields: object) -> Recording:
    """The recording with this SID, inserted with ``fields`` if there is
    none (one statement). Safe to repeat."""
    recording = Recording(recording_sid=recording_sid, call=call, **fields)
    if insert_if_absent(recording, conflict="recording_sid"):
        return recording
    return Recording.objects.get(recording_sid=recording_sid)


def recording_apply_status(
    *,
    call: Call,
    recording_sid: str,
    status: str,
    duration_seconds: int | None,
    channels: int | None,
    source: str,
    media_url: str,
    started_at: datetime | None,
) -> Recording:
    """Record a recording status callback, in any order, any number of times.

    A recording on a call without granted consent, or whose caller's data
    was erased, is marked for deletion and a worker deletes it at once.
    """
    locked = Recording.objects.select_for_update()
    recording = locked.filter(recording_sid=recording_sid).first()
    facts = {
        "status": status, "duration_seconds": duration_seconds, "channels": channels, "source": source,
        "media_url": media_url, "started_at": started_at,
    }  # fmt: skip
    if recording is None:
        # Inserted with what this callback knows, in one statement, unless
        # another transaction inserted it first: then its row is filled in.
        recording = Recording(recording_sid=recording_sid, call=call, status=status)
        _fill(recording, **facts)
        if not insert_if_absent(recording, conflict="recording_sid"):
            recording = locked.get(recording_sid=recording_sid)
            if changed := _fill(recording, **facts):
                update_fields(recording, [*changed, "updated_at"])
    elif changed := _fill(recording, **facts):
        update_fields(recording, [*changed, "updated_at"])
    logger.info("recording.status", extra={"call_id": call.pk, "recording_id": recording.pk, "status": status})
    if recording.status not in RUNNING:
        for pause in recording.pauses.filter(ending=""):
            recording_pause_end(pause=pause)
    elif capture_reasons_open(call):
        # A recording this service learns of while the call is in capture.
        capture_enqueue_reconcile(call=call)

    if recording.deleted_at is None and call.erased_at is not None:
        recording_request_deletion(recording=recording, reason=ERASURE)
    elif not call.has_granted_consent and recording.deleted_at is None:
        recording_request_deletion(recording=recording, reason=NO_CONSENT)
    return recording


def _fill(recording: Recording, *, status: str, **reported: object) -> list[str]:
    """Move ``recording`` forward to ``status`` and fill in what it lacks;
    returns the fields changed."""
    changed = []
    if _RANK[status] > _RANK[recording.status]:
        recording.status = status
        changed.append("status")
    for field, value in reported.items():
        if value and not getattr(recording, field):
            setattr(recording, field, value)
            changed.append(field)
    return changed


def recording_request_deletion(*, recording: Recording, reason: str) -> None:
    """Mark ``recording`` for deletion and enqueue the deletion after commit.
    Safe to repeat."""
    if recording.deletion_requested_at is None:
        recording.deletion_requested_at = timezone.now()
        recording.deletion_reason = reason
        update_fields(recording, ["deletion_requested_at", "deletion_reason", "updated_at"])
        logger.warning("recording.deletion_requested", extra={"recording_id": recording.pk, "reason": reason})
    from calls.tasks import recording_delete

    transaction.on_commit(lambda: recording_delete.delay(recording.pk), robust=True)


class DeletionOutcome(Enum):
    DELETED = "deleted"
    ALREADY_DELETED = "already_deleted"
    AWAITING_STOP = "awaiting_stop"
    FAILED = "failed"
    NOT_REQUESTED = "not_requested"


def recording_delete_at_provider(*, recording_id: int) -> DeletionOutcome:
    """Delete a recording at Twilio and mark it deleted once Twilio confirms.

    A 404 counts as confirmation. A recording still in progress is stopped
    first and reported as ``AWAITING_STOP``: Twilio deletes only finished
    recordings, so the task tries again shortly. Transient errors propagate
    for the task to retry. Safe to repeat.
    """
    with transaction.atomic():
        recording = Recording.objects.select_for_update().select_related("call").get(pk=recording_id)
        if recording.deleted_at is not None:
            return DeletionOutcome.ALREADY_DELETED
        if recording.deletion_requested_at is None:
            # Only a recording asked to be deleted is. A task names its row by
            # id, and a crash of the database can give an id that a lost
            # transaction had used to another row (the inbox's transactions
            # don't wait for the disk: calls.services.inbox).
            logger.warning("recording.deletion_not_requested", extra={"recording_id": recording.pk})
            return DeletionOutcome.NOT_REQUESTED
        if (
            recording.status in (Recording.Status.IN_PROGRESS, Recording.Status.PAUSED)
            and not recording.stop_requested_at
        ):
            try:
                twilio.recording_stop(call_sid=recording.call.call_sid, recording_sid=recording.recording_sid)
            except twilio.TwilioNotFoundError:
                pass
            except twilio.TwilioPermanentError as error:
                return _deletion_failed(recording, error)
            recording.stop_requested_at = timezone.now()
            update_fields(recording, ["stop_requested_at", "updated_at"])
            audit_record(
                "recording.stopped", object_type="recording", object_id=recording.pk,
                object_repr=recording.call.call_sid, details={"reason": recording.deletion_reason},
            )  # fmt: skip
            logger.info("recording.stop_requested", extra={"recording_id": recording.pk})
            return DeletionOutcome.AWAITING_STOP
        try:
            if recording.provider == Provider.VAPI:
                vapi.call_delete(call_id=vapi_call_id_of(recording))
            else:
                twilio.recording_delete(recording_sid=recording.recording_sid)
        except (twilio.TwilioNotFoundError, vapi.VapiNotFoundError):
            pass
        except (twilio.TwilioPermanentError, vapi.VapiPermanentError) as error:
            return _deletion_failed(recording, error)
        recording.status = Recording.Status.DELETED
        recording.deleted_at = timezone.now()
        update_fields(recording, ["status", "deleted_at", "updated_at"])
        audit_record(
            "recording.deleted", object_type="recording", object_id=recording.pk, object_repr=recording.call.call_sid,
            details={"provider": recording.provider, "reason": recording.deletion_reason},
        )  # fmt: skip
    if recording.deletion_reason == SENSITIVE_DATA:
        # Certified as any destruction is; an erasure's deletions are in its own certificate.
        tally = Tally()
        tally.add([(recording.pk, recording.started_at or recording.created_at)])
        certify(data_class=DataClass.RECORDINGS, reason=SENSITIVE_DATA, run_id=f"recording-{recording.pk}", tally=tally)
    logger.warning("recording.deleted", extra={"recording_id": recording.pk, "reason": recording.deletion_reason})
    return DeletionOutcome.DELETED


def _deletion_failed(recording: Recording, error: Exception) -> DeletionOutcome:
    """A deletion the provider refused for good (no credentials configured,
    access denied): kept on the recording and audited once per reason, and
    left to the sweep, which tries again when the configuration is fixed."""
    reason = f"{type(error).__name__}: {error}"[:200]
    if recording.deletion_error != reason:
        recording.deletion_error = reason
        update_fields(recording, ["deletion_error", "updated_at"])
        audit_record(
            "recording.deletion_failed", object_type="recording", object_id=recording.pk,
            object_repr=recording.call.call_sid,
            details={"provider": recording.provider, "error": type(error).__name__},
        )  # fmt: skip
    logger.error(
        "recording.deletion_failed",
        extra={"recording_id": recording.pk, "provider": recording.provider, "error": type(error).__name__},
    )
    return DeletionOutcome.FAILED


def vapi_call_id_of(recording: Recording) -> str:
    """The Vapi call a recording belongs to, read from the recording's own
    key (``vapi:<call id>:<kind>``), not from its Call row: two Vapi calls
    can share one row (both on one CallSid), and deleting the row's would
    destroy the other call's data."""
    return recording.recording_sid.split(":")[1] if recording.recording_sid.count(":") == 2 else ""


def recording_sweep() -> tuple[int, int]:
    """Re-enqueue recording starts and deletions whose enqueue was lost or
    whose task gave up on a transient failure. Returns ``(starts, deletions)``."""
    from calls.tasks import recording_delete, recording_start

    cutoff = timezone.now() - SWEEP_GRACE
    starts = list(
        Call.objects.filter(recording_state=Call.RecordingState.REQUESTED, updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:SWEEP_BATCH]
    )
    deletions = list(
        Recording.objects.filter(deletion_requested_at__lt=cutoff, deleted_at__isnull=True).values_list(
            "pk", flat=True
        )[:SWEEP_BATCH]
    )
    for call_id in starts:
        recording_start.delay(call_id)
    for recording_id in deletions:
        recording_delete.delay(recording_id)
    if starts or deletions:
        logger.info("recording.swept", extra={"starts": len(starts), "deletions": len(deletions)})
    return len(starts), len(deletions)
