"""Transcript segments: created pending, redacted by a worker, never stored raw.

The raw words of a segment live only in the encrypted payload of the inbox
event that brought them. ``transcript_redact`` reads them from there, stores
the redacted text, and scrubs the payload once no segment of that event is
still pending. ``inbox_sweep`` enforces the scrub deadline: whatever is still
pending then is stored fully masked and its raw words are destroyed.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calls.escalation import escalation_trigger
from calls.models import Call, InboundEvent, TranscriptSegment
from calls.services import crm
from calls.services.calls import call_flag_escalation
from compliance.audit import audit_record
from compliance.redaction import redact

logger = logging.getLogger(__name__)

LIVE_SOURCE = "vapi.transcript"
# How many turns before an utterance its redaction reads: a value finished
# a turn after it began ("It's May…" / "…the 5th, 1997.") reads the question
# before both.
CONTEXT_TURNS = 3
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500


def transcript_segment_open(
    *,
    call: Call,
    source: str,
    event: InboundEvent,
    source_field: str,
    position: int,
    speaker: str,
    spoken_at: datetime,
) -> TranscriptSegment:
    """Create a pending segment for words held in ``event``'s payload, and
    enqueue its redaction after commit. Safe to repeat: one segment per
    source event, field and position."""
    segment, _ = TranscriptSegment.objects.get_or_create(
        source_event=event,
        source_field=source_field,
        position=position,
        defaults={"call": call, "source": source, "speaker": speaker, "spoken_at": spoken_at},
    )
    if segment.status == TranscriptSegment.Status.PENDING:
        from calls.tasks import transcript_redact

        transaction.on_commit(lambda: transcript_redact.delay(segment.pk), robust=True)
    return segment


def _raw_words(payload: dict[str, Any] | None, field: str) -> str | None:
    """The text at a dotted path such as ``artifact.messages.3.message``."""
    value: Any = payload
    for key in field.split("."):
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return None
    return value if isinstance(value, str) else None


def _previous_turns(payload: dict[str, Any] | None, field: str) -> list[str] | None:
    """The words of the messages before ``artifact.messages.3.message``, the
    nearest first: the question a bare answer ("4 1 2.") answers. None where
    the field is no message of a list."""
    parts = field.split(".")
    if len(parts) < 2 or not parts[-2].isdigit():
        return None
    index = int(parts[-2])
    earlier = (_raw_words(payload, ".".join([*parts[:-2], str(at), parts[-1]])) for at in range(index - 1, -1, -1))
    return [words for words in itertools.islice(earlier, CONTEXT_TURNS) if words is not None]


def _turns_before(segment: TranscriptSegment, event: InboundEvent | None) -> str:
    """What was said just before ``segment``, up to ``CONTEXT_TURNS`` turns, one
    a line, oldest first: the redaction reads it but never redacts it ("What's
    your date of birth?" / "It's May…" before "…the 5th, 1997."). In
    a report they are the messages before, in the same delivery. A live
    utterance arrives alone, so they are the call's live utterances spoken
    last before it: redacted already, as a rule (a question keeps its words),
    or still raw in their own delivery."""
    within = _previous_turns(event.payload if event else None, segment.source_field)
    if within is not None or segment.source != LIVE_SOURCE:
        return "\n".join(reversed(within or []))
    earlier = list(
        TranscriptSegment.objects.filter(call_id=segment.call_id, source=LIVE_SOURCE)
        .filter(Q(spoken_at__lt=segment.spoken_at) | Q(spoken_at=segment.spoken_at, pk__lt=segment.pk))
        .order_by("-spoken_at", "-pk")
        .only("status", "text", "source_event_id", "source_field")[:CONTEXT_TURNS]
    )
    still_raw = [turn.source_event_id for turn in earlier if turn.status == TranscriptSegment.Status.PENDING]
    payloads = dict(InboundEvent.objects.filter(pk__in=still_raw).values_list("pk", "payload")) if still_raw else {}
    turns = []
    for turn in reversed(earlier):
        if turn.status == TranscriptSegment.Status.REDACTED:
            turns.append(turn.text)
        elif turn.status == TranscriptSegment.Status.PENDING:
            turns.append(_raw_words(payloads.get(turn.source_event_id), turn.source_field) or "")
    return "\n".join(turn for turn in turns if turn)


def _known_names(call: Call, event: InboundEvent | None) -> tuple[str, ...]:
    """The caller ID name, and every name introduced anywhere in the same
    delivery: "my name is Dana Whitfield" early in a report makes "Dana
    Whitfield" in its summary a known name."""
    names = [call.caller_name] if call.caller_name else []
    if event is not None and event.payload:
        names += _names_introduced(event.pk, json.dumps(event.payload))
    return tuple(names)


@functools.lru_cache(maxsize=64)
def _names_introduced(event_id: int, payload_text: str) -> tuple[str, ...]:
    # Cached per event: a report's segments are redacted one after another
    # by the same worker, and the payload does not change while any is pending.
    from compliance.redaction import get_redactor

    words = " \n ".join(_strings(json.loads(payload_text)))
    return tuple(get_redactor().names_in(words))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def transcript_redact(*, segment_id: int) -> str:
    """Redact one pending segment and return its status.

    Safe to repeat: a segment already redacted or masked, or replaced since
    (a later end-of-call report), is left alone. Database errors propagate
    (the task retries them); a failure of the engine on this text is
    permanent, so the segment is stored fully masked with the reason at once.
    A caller's words are also checked for urgent words and intents, which
    flag the call for a person.
    """
    with transaction.atomic():
        segment = TranscriptSegment.objects.select_for_update().select_related("call").filter(pk=segment_id).first()
        if segment is None:
            return "gone"
        if segment.status != TranscriptSegment.Status.PENDING:
            return segment.status
        event = InboundEvent.objects.select_for_update().filter(pk=segment.source_event_id).first()
        words = _raw_words(event.payload if event else None, segment.source_field)
        if segment.call.erased_at is not None:
            words = None
        if words is not None and segment.speaker == "caller" and (trigger := escalation_trigger(words)):
            call_flag_escalation(call_id=segment.call_id, reason=trigger)
        if words is None:
            erased = segment.call.erased_at is not None
            _mask(segment, reason="the caller's data was erased" if erased else "raw words were no longer available")
        else:
            context = _turns_before(segment, event)
            try:
                redaction = redact(words, known_names=_known_names(segment.call, event), context=context)
            except Exception as error:  # noqa: BLE001  (the class name only; the message may quote the words)
                _mask(segment, reason=f"redaction failed: {type(error).__name__}")
            else:
                segment.text = redaction.text
                segment.entity_counts = dict(Counter(entity.type for entity in redaction.entities))
                segment.status = TranscriptSegment.Status.REDACTED
                segment.redacted_at = timezone.now()
                segment.save(update_fields=["text", "entity_counts", "status", "redacted_at"])
                audit_record(
                    "redaction.done", object_type="transcript_segment", object_id=segment.pk,
                    object_repr=segment.call.call_sid, details={"entities": segment.entity_counts},
                )  # fmt: skip
                logger.info(
                    "transcript.redacted",
                    extra={"segment_id": segment.pk, "call_id": segment.call_id, "entities": len(redaction.entities)},
                )
        if event is not None:
            inbox_scrub_if_settled(event=event)
        crm.crm_call_ready(call=segment.call)
    return segment.status


def _mask(segment: TranscriptSegment, *, reason: str) -> None:
    segment.text = TranscriptSegment.FULLY_MASKED
    segment.entity_counts = {}
    segment.status = TranscriptSegment.Status.MASKED
    segment.failure_reason = reason[:200]
    segment.redacted_at = timezone.now()
    segment.save(update_fields=["text", "entity_counts", "status", "failure_reason", "redacted_at"])
    audit_record(
        "redaction.failed", object_type="transcript_segment", object_id=segment.pk,
        object_repr=segment.call.call_sid, details={"reason": segment.failure_reason},
    )  # fmt: skip
    logger.warning("transcript.masked", extra={"segment_id": segment.pk, "call_id": segment.call_id, "reason": reason})


def inbox_scrub_if_settled(*, event: InboundEvent) -> bool:
    """Scrub an applied event's payload once none of its segments is pending."""
    if event.status != InboundEvent.Status.DONE or event.payload_scrubbed_at is not None:
        return False
    if event.segments.filter(status=TranscriptSegment.Status.PENDING).exists():
        return False
    scrubbed = InboundEvent.objects.filter(pk=event.pk, payload_scrubbed_at__isnull=True).update(
        payload=None, payload_scrubbed_at=timezone.now()
    )
    return bool(scrubbed)


def transcript_mask_pending(*, event_ids: Iterable[int], reason: str) -> int:
    """Store every still-pending segment of these events fully masked: their
    raw words are about to be destroyed. Returns how many were masked."""
    pending = TranscriptSegment.objects.filter(
        source_event_id__in=list(event_ids), status=TranscriptSegment.Status.PENDING
    )
    segment_ids, call_ids = [], set()
    for segment_id, call_id in pending.values_list("pk", "call_id"):
        segment_ids.append(segment_id)
        call_ids.add(call_id)
    masked = pending.update(
        status=TranscriptSegment.Status.MASKED,
        text=TranscriptSegment.FULLY_MASKED,
        entity_counts={},
        failure_reason=reason[:200],
        redacted_at=timezone.now(),
    )
    if masked:
        audit_record(
            "redaction.failed", object_type="transcript_segment", details={"reason": reason, "segment_ids": segment_ids}
        )
        logger.warning("transcript.masked_at_deadline", extra={"segments": masked})
        for call in Call.objects.filter(pk__in=call_ids):
            crm.crm_call_ready(call=call)
    return masked


def transcript_sweep() -> int:
    """Re-enqueue redactions whose enqueue was lost or whose retries ran out.
    Returns how many were enqueued."""
    from calls.tasks import transcript_redact as redact_task

    pending = list(
        TranscriptSegment.objects.filter(
            status=TranscriptSegment.Status.PENDING, created_at__lt=timezone.now() - SWEEP_GRACE
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for segment_id in pending:
        redact_task.delay(segment_id)
    if pending:
        logger.info("transcript.swept", extra={"enqueued": len(pending)})
    return len(pending)
