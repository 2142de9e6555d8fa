"""Sensitive capture: a call's recordings are paused while card or identity
numbers are given, and resumed after.

Three ways in, each a ``CaptureEvent``:
- a keypad payment: the menu answer that plays ``<Pay>`` enters, its result leaves;
- the assistant's tools, ``begin_sensitive_capture`` and ``end_sensitive_capture``;
- the safety net: a live utterance (a Vapi final transcript, a Twilio
  SpeechResult) in which the redaction rules find a card number, security
  code, expiry, bank account or social security number enters, and lapses
  after CAPTURE_QUIET_SECONDS.

``capture_reconcile`` then brings the call's running Twilio recordings to the
state the events ask for: paused while any reason is open, running
otherwise. It reads the events in the order they happened, so repeated and
reordered deliveries change nothing, and it resumes only a pause of its own
on a recording still running.

Speed matters here, so deliveries that can open or close a capture take a
fast path: the webhook hands the event's id to the ``capture`` queue, whose
worker records the events and reconciles at once, never behind redaction
or the inbox backlog. The inbox worker records the same events again when
it applies the delivery (the same ``source``, so once), and enqueues a
reconcile: a lost fast-path message costs time, not the pause. Both read
only words that say a number or a month (``may_be_sensitive``).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from calls.integrations import twilio
from calls.models import Call, CaptureEvent, InboundEvent, Provider, Recording, RecordingPause, TranscriptSegment
from compliance.audit import audit_record
from compliance.database import insert_if_absent, rows_updated, rows_where
from compliance.redaction.normalize import MONTH

logger = logging.getLogger(__name__)

# What must never stay in a recording (PCI DSS 3.3.1 for the card's
# security code; the rest by this product's policy).
SENSITIVE_TYPES = frozenset({"CREDIT_CARD", "CVV", "CARD_EXPIRY", "BANK_ACCOUNT", "SSN"})
# Words the rules could not read: treated as sensitive (the type recorded for them).
UNREADABLE = "UNREADABLE"
CAPTURE_TOOLS = {
    "begin_sensitive_capture": CaptureEvent.Action.ENTER,
    "end_sensitive_capture": CaptureEvent.Action.LEAVE,
}
RUNNING = (Recording.Status.IN_PROGRESS, Recording.Status.PAUSED)
SWEEP_BATCH = 200
# How far back the sweep looks for captures whose lapse may not have been checked.
SWEEP_WINDOW = timedelta(minutes=10)


# A number, in digits or in words, or a month: every value the safety net
# looks for is one (a card's expiry may be said as a month alone).
_MAY_BE_SENSITIVE = re.compile(
    r"\d|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|"
    rf"fifty|sixty|seventy|eighty|ninety|hundred|thousand|double|triple|{MONTH})\b",
    re.IGNORECASE,
)


def may_be_sensitive(words: str) -> bool:
    """Whether an utterance says anything the safety net looks for could be
    made of: a number or a month. Read in the request, so that utterances
    that can't hold one never reach the capture queue."""
    return _MAY_BE_SENSITIVE.search(words) is not None


def capture_record(
    *,
    call: Call,
    reason: str,
    action: str,
    occurred_at: datetime,
    source: str,
    detail: str = "",
    audit: bool = True,
) -> CaptureEvent | None:
    """Record one entry or exit, once per ``source``. Returns it when it is
    new. Reconciling the recordings is the caller's: at once on the fast
    path, on commit from the inbox. Without ``audit`` the caller audits it
    later (``capture_audit``), once the pause has gone out."""
    event = CaptureEvent(
        source=source, call=call, reason=reason, action=action, detail=detail[:64], occurred_at=occurred_at
    )
    # One statement, no savepoint: a source already recorded, or being
    # recorded by a transaction not yet committed (waited for), is not new.
    # It also waits for a transaction updating that source's row: only a
    # reconcile's stamping of a detection does, under the call's lock.
    if not insert_if_absent(event, conflict="source"):
        return None
    if audit:
        capture_audit(events=[event])
    logger.info("capture.recorded", extra={"call_id": call.pk, "reason": reason, "action": action})
    return event


def capture_audit(*, events: list[CaptureEvent]) -> None:
    for event in events:
        audit_record(
            f"capture.{event.action}", object_type="call", object_id=event.call_id,
            object_repr=event.call.call_sid, details={"reason": event.reason, "detail": event.detail},
        )  # fmt: skip


def capture_reasons_open(call: Call, *, now: datetime | None = None) -> list[str]:
    """The reasons the call is in sensitive capture now: each reason's latest
    entry or exit, in the order they happened, and detections not yet acted
    on or not yet lapsed. Events stamped a little in the future by a
    provider's clock count already."""
    return _reasons_open(_events_of(call.pk), now=now or timezone.now())


def _events_of(call_id: int) -> list[CaptureEvent]:
    return rows_where(CaptureEvent, "call_id = %s ORDER BY occurred_at, id", [call_id])  # the model's order


def _reasons_open(events: list[CaptureEvent], *, now: datetime) -> list[str]:
    latest: dict[str, str] = {}
    open_reasons = set()
    for event in events:
        if event.reason == CaptureEvent.Reason.DETECTED:
            if event.lapses_at is None or event.lapses_at > now:
                open_reasons.add(event.reason)
        else:
            latest[event.reason] = event.action
    open_reasons.update(reason for reason, action in latest.items() if action == CaptureEvent.Action.ENTER)
    return sorted(open_reasons)


def _next_lapse(events: list[CaptureEvent], stamped: list[CaptureEvent], *, now: datetime) -> datetime | None:
    """When a detection lapses next, of the call's ``events`` as read and
    the detections ``stamped`` since (their lapse set by this reconcile)."""
    lapses = [event.lapses_at for event in (*events, *stamped) if event.reason == CaptureEvent.Reason.DETECTED]
    return min((lapse for lapse in lapses if lapse is not None and lapse > now), default=None)


def capture_reconcile(*, call_id: int) -> datetime | None:
    """Pause the call's running Twilio recordings while capture is open and
    resume the ones this service paused once it is closed. Returns when to
    look again (a detection lapsing), or None.

    Holds a lock of its own on the call across the provider requests, so
    concurrent runs act once; not the call's row lock, which the inbox
    worker holds while it applies the call's deliveries: a pause must not
    wait for them. Safe to repeat. Transient provider errors propagate for
    the task to retry; a recording Twilio says is no longer running is left
    alone, and a pause of it is closed as ended with the recording.
    """
    pauses: list[tuple[Recording, datetime]] = []
    resumes: list[tuple[Recording, RecordingPause, datetime]] = []
    ended: list[RecordingPause] = []
    # No savepoint within the fast path's transaction: a failure here fails it whole.
    with transaction.atomic(savepoint=False):
        _lock_capture(call_id)
        call = _call(call_id)
        events = _events_of(call_id)
        reasons = _reasons_open(events, now=timezone.now())
        for recording in _running(call):
            open_pause = _open_pause(recording)
            if reasons and open_pause is None:
                requested_at = timezone.now()
                if _at_provider(twilio.recording_pause, call, recording, behavior=settings.CAPTURE_PAUSE_BEHAVIOR):
                    pauses.append((recording, requested_at))
            elif not reasons and open_pause is not None:
                requested_at = timezone.now()
                if _at_provider(twilio.recording_resume, call, recording):
                    resumes.append((recording, open_pause, requested_at))
                else:
                    ended.append(open_pause)
        now = timezone.now()
        for recording, requested_at in pauses:
            pause = RecordingPause.objects.create(
                recording=recording, reasons=",".join(reasons), behavior=settings.CAPTURE_PAUSE_BEHAVIOR,
                requested_at=requested_at, paused_at=now,
            )  # fmt: skip
            Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.PAUSED, updated_at=now)
            logger.info(
                "recording.paused",
                extra={"call_id": call.pk, "recording_id": recording.pk, "reasons": pause.reasons},
            )
        for recording, pause, requested_at in resumes:
            pause.resume_requested_at, pause.resumed_at, pause.ending = requested_at, now, RecordingPause.Ending.RESUMED
            pause.save(update_fields=["resume_requested_at", "resumed_at", "ending"])
            Recording.objects.filter(pk=recording.pk, status=Recording.Status.PAUSED).update(
                status=Recording.Status.IN_PROGRESS, updated_at=now
            )
            logger.info("recording.resumed", extra={"call_id": call.pk, "recording_id": recording.pk})
        for pause in ended:
            recording_pause_end(pause=pause)
        # A detection's quiet period runs from when this service acted on it:
        # one read late under load still pauses, and holds the pause as long.
        stamped = rows_updated(
            CaptureEvent, "lapses_at = %s", "call_id = %s AND reason = %s AND lapses_at IS NULL",
            [now + timedelta(seconds=settings.CAPTURE_QUIET_SECONDS), call.pk, CaptureEvent.Reason.DETECTED],
        )  # fmt: skip
        if not reasons and call.recording_state == Call.RecordingState.REQUESTED:
            from calls.tasks import recording_start

            # Its start waited for the capture to close.
            transaction.on_commit(lambda: recording_start.delay(call.pk), robust=True)
        lapse = _next_lapse(events, stamped, now=now)
        if lapse is not None and stamped:
            from calls.tasks import capture_reconcile as task

            # Looked at again when the detection it just stamped lapses; the
            # sweep covers a lost message.
            transaction.on_commit(lambda: task.apply_async((call.pk,), eta=lapse), robust=True)
        # Audit rows last: each holds the chain's lock until commit.
        for recording, _ in pauses:
            audit_record(
                "recording.paused", object_type="recording", object_id=recording.pk, object_repr=call.call_sid,
                details={"reasons": reasons, "behavior": settings.CAPTURE_PAUSE_BEHAVIOR},
            )  # fmt: skip
        for recording, _, _ in resumes:
            audit_record(
                "recording.resumed", object_type="recording", object_id=recording.pk, object_repr=call.call_sid
            )
        return lapse


def _call(call_id: int) -> Call:
    calls = rows_where(Call, "id = %s", [call_id])
    if not calls:
        raise Call.DoesNotExist(f"call {call_id}")
    return calls[0]


def _running(call: Call) -> list[Recording]:
    """The call's recordings this service can pause: at Twilio, running, not being stopped or deleted."""
    return rows_where(Recording, _RUNNING, [call.pk, Provider.TWILIO, *RUNNING])


def _open_pause(recording: Recording) -> RecordingPause | None:
    pauses = rows_where(RecordingPause, _OPEN_PAUSE, [recording.pk])
    return pauses[0] if pauses else None


_OPEN_PAUSE = "recording_id = %s AND ending = '' ORDER BY requested_at, id LIMIT 1"
_RUNNING = (
    f"call_id = %s AND provider = %s AND status IN ({', '.join(['%s'] * len(RUNNING))}) "
    "AND deleted_at IS NULL AND stop_requested_at IS NULL ORDER BY created_at, id"
)


# The first key of the advisory locks taken for calls' capture ("capt").
_LOCK_SPACE = 0x63617074


def _lock_capture(call_id: int) -> None:
    """Until the transaction ends, no other reconcile of this call runs.
    SQLite serialises writing transactions by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, call_id % 2**31])


def _at_provider(request: object, call: Call, recording: Recording, **options: str) -> bool:
    """Send a pause or resume; False when Twilio says the recording is no
    longer running (it has ended, or the call has)."""
    try:
        request(call_sid=call.call_sid, recording_sid=recording.recording_sid, **options)
    except twilio.TwilioPermanentError as error:
        if isinstance(error, twilio.TwilioNotConfiguredError) or error.status not in (400, 404, 409):
            raise
        logger.info(
            "recording.not_running",
            extra={"call_id": call.pk, "recording_id": recording.pk, "status": error.status, "code": error.code},
        )
        return False
    return True


def recording_pause_end(*, pause: RecordingPause) -> None:
    """The recording ended while paused: the pause lasts to its end."""
    if not pause.ending:
        pause.ending = RecordingPause.Ending.RECORDING_ENDED
        pause.save(update_fields=["ending"])


def capture_from_event(
    *, event: InboundEvent, call: Call, audit: bool = True, found: list[tuple[str, str, str, str]] | None = None
) -> list[CaptureEvent]:
    """Record the capture entries and exits a stored delivery holds (``found``,
    when already read); returns the new ones. Called by the fast path and by
    the inbox worker."""
    recorded = []
    for reason, action, source, detail in capture_events_of(event=event, call=call) if found is None else found:
        new = capture_record(
            call=call, reason=reason, action=action, occurred_at=event.received_at, source=source, detail=detail,
            audit=audit,
        )  # fmt: skip
        if new is not None:
            recorded.append(new)
    return recorded


def capture_events_of(*, event: InboundEvent, call: Call) -> list[tuple[str, str, str, str]]:
    """``(reason, action, source, detail)`` for each capture entry or exit a
    stored delivery holds. Its words are read by the redaction rules only:
    milliseconds, and nothing of them is kept but the types found."""
    from compliance.redaction.recognizers import types_in

    payload = event.payload or {}
    found: list[tuple[str, str, str, str]] = []
    words = ""
    if event.kind == InboundEvent.Kind.TWILIO_GATHER:
        if "<Pay" in event.response_body:
            found.append((CaptureEvent.Reason.PAYMENT, CaptureEvent.Action.ENTER, f"pay:{event.call_sid}:enter", ""))
        words = str((payload.get("form") or {}).get("SpeechResult") or "")
    elif event.kind == InboundEvent.Kind.TWILIO_PAY:
        found.append((CaptureEvent.Reason.PAYMENT, CaptureEvent.Action.LEAVE, f"pay:{event.call_sid}:leave", ""))
    elif event.kind == InboundEvent.Kind.VAPI_TOOL_CALL:
        action = CAPTURE_TOOLS.get(str((payload.get("toolCall") or {}).get("name") or ""))
        if action:
            found.append((CaptureEvent.Reason.ASSISTANT, action, f"capture:{event.pk}", ""))
    elif event.kind == InboundEvent.Kind.VAPI_TRANSCRIPT:
        words = str(payload.get("transcript") or "")
    # As the webhook decides what reaches the fast path: words with no
    # number or month in them hold nothing it looks for, and are not read.
    if words and may_be_sensitive(words):
        context = _turn_before(event) if event.kind == InboundEvent.Kind.VAPI_TRANSCRIPT else ""
        try:
            sensitive = sorted(types_in(words, context=context) & SENSITIVE_TYPES)
        except Exception as error:  # noqa: BLE001  (the class name only: the message may quote the words)
            # Words the rules can't read are treated as sensitive: a pause
            # too many costs seconds of audio, a pause too few the card.
            logger.error("capture.scan_failed", extra={"inbound_event_id": event.pk, "error": type(error).__name__})
            sensitive = [UNREADABLE]
        if sensitive:
            detail = ",".join(sensitive)
            found.append((CaptureEvent.Reason.DETECTED, CaptureEvent.Action.ENTER, f"detected:{event.pk}", detail))
    return found


def _turn_before(event: InboundEvent) -> str:
    """The call's utterance delivered just before: "What's the security
    code?" makes a bare "4 1 2" one. Its raw words while its delivery holds
    them, else the segment its applying stored (a question keeps its words)."""
    earlier = rows_where(
        InboundEvent, "kind = %s AND call_sid = %s AND id < %s ORDER BY id DESC LIMIT 1",
        [InboundEvent.Kind.VAPI_TRANSCRIPT, event.call_sid, event.pk],
    )  # fmt: skip
    if not earlier:
        return ""
    if earlier[0].payload is not None:
        return str(earlier[0].payload.get("transcript") or "")
    stored = rows_where(
        TranscriptSegment, "source_event_id = %s AND status = %s ORDER BY spoken_at, position, id LIMIT 1",
        [earlier[0].pk, TranscriptSegment.Status.REDACTED],
    )  # fmt: skip
    return stored[0].text if stored else ""


def capture_apply(*, event_id: int) -> None:
    """The fast path: record what the delivery holds, pause or resume at once,
    then audit the entries, in one transaction (so a retry after a failed
    request records them again), the provider's request before the audit
    chain's lock is waited for. A delivery already applied and scrubbed was
    recorded by the inbox worker; one for a call not yet on file has no
    recording to pause."""
    with transaction.atomic():
        events = rows_where(InboundEvent, "id = %s", [event_id])
        if not events or (event := events[0]).payload is None:
            return
        call = _call_of(event)
        found = capture_events_of(event=event, call=call) if call is not None else []
        if not found:
            return
        recorded = capture_from_event(event=event, call=call, audit=False, found=found)
        capture_reconcile(call_id=call.pk)
        capture_audit(events=recorded)


def _call_of(event: InboundEvent) -> Call | None:
    vapi_call_id = ((event.payload or {}).get("call") or {}).get("id") if event.provider == Provider.VAPI else None
    which, params = "call_sid = %s", [event.call_sid]
    if vapi_call_id:
        which, params = f"{which} OR vapi_call_id = %s", [*params, vapi_call_id]
    calls = rows_where(Call, f"{which} ORDER BY created_at DESC, id DESC LIMIT 1", params)  # the model's order
    return calls[0] if calls else None


def capture_publish(*, event_id: int) -> None:
    """From a webhook: hand an accepted delivery to the capture queue once
    it is committed. A failure to publish is the inbox worker's to make up."""
    from calls.tasks import capture_apply as task

    transaction.on_commit(lambda: task.delay(event_id), robust=True)


def capture_enqueue_reconcile(*, call: Call) -> None:
    """From the inbox worker's transaction: reconcile once it commits."""
    from calls.tasks import capture_reconcile as task

    transaction.on_commit(lambda: task.delay(call.pk), robust=True)


def capture_sweep() -> int:
    """Reconcile the calls whose recordings are out of step with their
    capture: a pause still open once nothing is, a recording running while
    something is, or a detection never acted on (a message lost, a worker
    killed). Calls whose latest event is younger than the inbox's grace are
    left to the messages in flight. Returns how many calls were enqueued."""
    from calls.tasks import capture_reconcile as task

    now = timezone.now()
    settled = now - timedelta(seconds=settings.INBOX_SWEEP_GRACE_SECONDS)
    paused = RecordingPause.objects.filter(ending="").values_list("recording__call_id", flat=True)
    recent = CaptureEvent.objects.filter(recorded_at__gte=now - SWEEP_WINDOW, recorded_at__lt=settled).values_list(
        "call_id", flat=True
    )
    out_of_step = []
    for call in Call.objects.filter(pk__in=set(paused[:SWEEP_BATCH]) | set(recent[:SWEEP_BATCH])):
        if call.capture_events.filter(recorded_at__gte=settled).exists():
            continue
        reasons = capture_reasons_open(call, now=now)
        running = _running(call)
        open_pauses = RecordingPause.objects.filter(recording__in=running, ending="").count()
        unacted = call.capture_events.filter(reason=CaptureEvent.Reason.DETECTED, lapses_at__isnull=True).exists()
        if unacted or (reasons and open_pauses < len(running)) or (not reasons and open_pauses):
            out_of_step.append(call.pk)
    for call_id in out_of_step:
        task.delay(call_id)
    if out_of_step:
        logger.info("capture.swept", extra={"calls": len(out_of_step)})
    return len(out_of_step)
