"""Transcript segments: redacted by the transaction that applies their
delivery, never stored raw.

The raw words of a segment live only in the encrypted payload of the inbox
event that brought them. ``transcript_store`` redacts them, in the
transaction that applies that event, and stores the segments already
redacted; the event's done mark in the same transaction then scrubs the
payload. A delivery holding more words than one utterance may (a long
end-of-call report) is the exception: one transaction redacts no more than
that, so its segments are stored pending, and ``transcript_redact`` redacts
each apart, as a task of its own, then scrubs the payload once none is
left. ``inbox_sweep`` enforces the scrub deadline on whatever is still
pending then (stored fully masked, its raw words destroyed).
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from calls.escalation import escalation_trigger
from calls.models import Call, InboundEvent, TranscriptSegment
from calls.services import crm
from calls.services.calls import call_flag_escalation
from compliance.audit import audit_record, audit_record_many
from compliance.database import insert_statement, rows_where
from compliance.models import ConsentEvent
from compliance.redaction import CONTEXT_TURNS, redact_turns

if TYPE_CHECKING:
    from compliance.redaction import Redaction

logger = logging.getLogger(__name__)

LIVE_SOURCE = "vapi.transcript"
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Utterance:
    """Words a delivery holds at ``source_field`` of its payload: one segment."""

    source: str
    source_field: str
    speaker: str
    spoken_at: datetime
    position: int = 0


def transcript_store(*, call: Call, event: InboundEvent, utterances: Sequence[Utterance]) -> list[TranscriptSegment]:
    """Redact each utterance ``event`` holds and store it as a segment, with
    one audit event each, in the caller's transaction: the one applying
    ``event``, which holds ``call``'s row lock. Its done mark then scrubs the
    payload, so the raw words never outlive the transaction that read them.
    A caller's words are also checked for urgent words and intents, which
    flag the call for a person. Returns the segments in the utterances'
    order. Safe to repeat: an utterance already stored for the same event,
    field and position is returned as it is."""
    if not utterances:
        return []
    held = [_raw_words(event.payload, utterance.source_field) for utterance in utterances]
    if sum(len(words or "") for words in held) > settings.VAPI_MAX_UTTERANCE_CHARS:
        return _store_pending(call=call, event=event, utterances=utterances)
    now = timezone.now()
    outcomes = _outcomes(call=call, event=event, utterances=utterances, held=held)
    rows = [
        _segment(call, event, utterance, redacted_at=now, **outcome.stored_as())
        for utterance, outcome in zip(utterances, outcomes, strict=True)
    ]
    stored = _insert_new(rows)
    audit_record_many([_audit_entry(segment, call) for segment in stored])
    for segment in stored:
        _log(segment)
    if stored and call.status in Call.TERMINAL_STATUSES:
        # A late utterance changes an ended call's transcript. Under the
        # call's lock, its status is as fresh as the segments just stored.
        crm.crm_call_ready(call=call)
    return _in_order(event, rows, stored)


def _store_pending(*, call: Call, event: InboundEvent, utterances: Sequence[Utterance]) -> list[TranscriptSegment]:
    """More words than one transaction redacts: each segment stored pending,
    its redaction a task of its own once this transaction commits (the
    payload stays, encrypted, until the last of them is done)."""
    from calls.tasks import transcript_redact as redact_task

    rows = [_segment(call, event, utterance) for utterance in utterances]
    stored = _insert_new(rows)
    segment_ids = [segment.pk for segment in stored]
    transaction.on_commit(lambda: [redact_task.delay(pk) for pk in segment_ids], robust=True)
    logger.info("transcript.redaction_deferred", extra={"inbound_event_id": event.pk, "segments": len(stored)})
    return _in_order(event, rows, stored)


def _segment(call: Call, event: InboundEvent, utterance: Utterance, **stored_as: Any) -> TranscriptSegment:
    """The row for ``utterance``: pending unless ``stored_as`` says how it was redacted."""
    return TranscriptSegment(
        call=call, source=utterance.source, source_event=event, source_field=utterance.source_field,
        position=utterance.position, speaker=utterance.speaker, spoken_at=utterance.spoken_at,
        **stored_as,
    )  # fmt: skip


def _insert_new(rows: list[TranscriptSegment]) -> list[TranscriptSegment]:
    """Insert the segments none is stored for yet, in one statement (``ON
    CONFLICT DO NOTHING RETURNING``: PostgreSQL, and SQLite from 3.35), and
    return those stored now, their ids set."""
    insert, values = insert_statement(*rows)
    returning = " ON CONFLICT (source_event_id, source_field, position) DO NOTHING RETURNING id, source_field, position"
    with connection.cursor() as cursor:
        cursor.execute(insert + returning, values)
        ids = {(source_field, position): pk for pk, source_field, position in cursor.fetchall()}
    stored = []
    for row in rows:
        if (pk := ids.get((row.source_field, row.position))) is not None:
            row.pk = pk
            row._state.adding = False
            stored.append(row)
    return stored


def _in_order(event: InboundEvent, rows: list[TranscriptSegment], stored: list[TranscriptSegment]) -> list:
    """The segments for ``rows``: those just stored, and for the others the
    segment stored before for the same field and position."""
    if len(stored) == len(rows):
        return stored
    new = {(row.source_field, row.position) for row in stored}
    before = {
        (segment.source_field, segment.position): segment
        for segment in TranscriptSegment.objects.filter(source_event=event)
    }
    keys = [(row.source_field, row.position) for row in rows]
    return [row if key in new else before[key] for row, key in zip(rows, keys, strict=True)]


@dataclass(frozen=True)
class _Outcome:
    status: str
    text: str
    entity_counts: dict[str, int]
    failure_reason: str = ""

    def stored_as(self) -> dict[str, Any]:
        """The segment's fields that say how it was redacted."""
        return {
            "status": self.status, "text": self.text, "entity_counts": self.entity_counts,
            "failure_reason": self.failure_reason,
        }  # fmt: skip


def _masked(reason: str) -> _Outcome:
    return _Outcome(TranscriptSegment.Status.MASKED, TranscriptSegment.FULLY_MASKED, {}, reason[:200])


def _outcomes(
    *, call: Call, event: InboundEvent, utterances: Sequence[Utterance], held: list[str | None]
) -> list[_Outcome]:
    """What each utterance of ``event`` is stored as. A report's messages are
    one conversation, read in one pass of the engine, each with every message
    around it; any other utterance is read alone, after the turns before it."""
    _escalate(call, [(utterance.speaker, words) for utterance, words in zip(utterances, held, strict=True)])
    conversation = [
        index for index, utterance in enumerate(utterances) if _message_index(utterance.source_field) is not None
    ]
    outcomes: dict[int, _Outcome] = {}
    if len(conversation) > 1:
        first = utterances[conversation[0]]
        context = _turns_before(
            call_id=call.pk, source=first.source, source_field=first.source_field, spoken_at=first.spoken_at,
            event=event,
        )  # fmt: skip
        turns = [(utterances[index].speaker, held[index]) for index in conversation]
        outcomes.update(zip(conversation, _redacted(call=call, event=event, turns=turns, context=context), strict=True))
    for index, (utterance, words) in enumerate(zip(utterances, held, strict=True)):
        if index not in outcomes:
            context = _turns_before(
                call_id=call.pk, source=utterance.source, source_field=utterance.source_field,
                spoken_at=utterance.spoken_at, event=event,
            )  # fmt: skip
            [outcomes[index]] = _redacted(call=call, event=event, turns=[(utterance.speaker, words)], context=context)
    return [outcomes[index] for index in range(len(utterances))]


def _redacted(
    *, call: Call, event: InboundEvent | None, turns: Sequence[tuple[str, str | None]], context: str
) -> list[_Outcome]:
    """What each of ``turns`` (a speaker and the words said, None where
    they are no longer held), said one after another after ``context``, is
    stored as: read in one pass of the engine. A failure of the engine is
    permanent; where it reads several turns, each is read again alone, after
    the turns before it, so that only the words it fails on are stored fully
    masked, with the reason. The reason names the error's class only, as its
    message may quote the words."""
    if call.erased_at is not None:
        return [_masked("the caller's data was erased") for _ in turns]
    said = [words for _, words in turns if words is not None]
    try:
        redactions = iter(redact_turns(said, known_names=_known_names(call, event), context=context) if said else [])
    except Exception as error:  # noqa: BLE001  (the class name only; the message may quote the words)
        if len(said) > 1:
            return [_read_alone(call, event, turns, index, context) for index in range(len(turns))]
        return [_masked(f"redaction failed: {type(error).__name__}") for _ in turns]
    return [
        _masked("raw words were no longer available") if words is None else _outcome(next(redactions))
        for _, words in turns
    ]


def _escalate(call: Call, turns: Sequence[tuple[str, str | None]]) -> None:
    if call.erased_at is None:
        for speaker, words in turns:
            if words is not None and speaker == "caller" and (trigger := escalation_trigger(words)):
                call_flag_escalation(call_id=call.pk, reason=trigger)


def _read_alone(
    call: Call, event: InboundEvent | None, turns: Sequence[tuple[str, str | None]], index: int, context: str
) -> _Outcome:
    """The outcome of turn ``index`` of ``turns`` read alone, after the turns before it."""
    before = [*(context.split("\n") if context else []), *(words for _, words in turns[:index] if words is not None)]
    context = "\n".join(before[-CONTEXT_TURNS:])
    return _redacted(call=call, event=event, turns=[turns[index]], context=context)[0]


def _outcome(redaction: Redaction) -> _Outcome:
    counts = dict(Counter(entity.type for entity in redaction.entities))
    return _Outcome(TranscriptSegment.Status.REDACTED, redaction.text, counts)


def _audit_entry(segment: TranscriptSegment, call: Call) -> dict[str, Any]:
    if segment.status == TranscriptSegment.Status.REDACTED:
        action, details = "redaction.done", {"entities": segment.entity_counts}
    else:
        action, details = "redaction.failed", {"reason": segment.failure_reason}
    return {
        "action": action, "object_type": "transcript_segment", "object_id": segment.pk,
        "object_repr": call.call_sid, "details": details,
    }  # fmt: skip


def _log(segment: TranscriptSegment) -> None:
    if segment.status == TranscriptSegment.Status.REDACTED:
        entities = sum(segment.entity_counts.values())
        logger.info(
            "transcript.redacted", extra={"segment_id": segment.pk, "call_id": segment.call_id, "entities": entities}
        )
    else:
        logger.warning(
            "transcript.masked",
            extra={"segment_id": segment.pk, "call_id": segment.call_id, "reason": segment.failure_reason},
        )


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
    index = _message_index(field)
    if index is None:
        return None
    parts = field.split(".")
    earlier = (_raw_words(payload, ".".join([*parts[:-2], str(at), parts[-1]])) for at in range(index - 1, -1, -1))
    return [words for words in itertools.islice(earlier, CONTEXT_TURNS) if words is not None]


def _message_index(field: str) -> int | None:
    """Which message of a list ``artifact.messages.3.message`` is (3); None
    where the field is no message of a list."""
    parts = field.split(".")
    return int(parts[-2]) if len(parts) >= 2 and parts[-2].isdigit() else None


def _turns_before(
    *, call_id: int, source: str, source_field: str, spoken_at: datetime, event: InboundEvent | None
) -> str:
    """What was said just before a segment, up to ``CONTEXT_TURNS`` turns, one
    a line, oldest first: the redaction reads it but never redacts it ("What's
    your date of birth?" / "It's May…" before "…the 5th, 1997."). In
    a report they are the messages before, in the same delivery. A live
    utterance arrives alone, so they are the call's live utterances spoken
    last before it (at the same moment, those delivered before it): redacted
    already, as a rule (a question keeps its words), or still raw in their
    own delivery."""
    within = _previous_turns(event.payload if event else None, source_field)
    if within is not None or source != LIVE_SOURCE:
        return "\n".join(reversed(within or []))
    earlier = rows_where(
        TranscriptSegment, _EARLIER_TURNS,
        [call_id, LIVE_SOURCE, spoken_at, spoken_at, event.pk if event is not None else 0, CONTEXT_TURNS],
    )  # fmt: skip
    still_raw = [turn.source_event_id for turn in earlier if turn.status == TranscriptSegment.Status.PENDING]
    payloads = dict(InboundEvent.objects.filter(pk__in=still_raw).values_list("pk", "payload")) if still_raw else {}
    turns = []
    for turn in reversed(earlier):
        if turn.status == TranscriptSegment.Status.REDACTED:
            turns.append(turn.text)
        elif turn.status == TranscriptSegment.Status.PENDING:
            turns.append(_raw_words(payloads.get(turn.source_event_id), turn.source_field) or "")
    return "\n".join(turn for turn in turns if turn)


# The live turns before one, the nearest first: spoken earlier, or at the same
# moment and delivered before it (ids start at 1, so 0 is none).
_EARLIER_TURNS = (
    "call_id = %s AND source = %s AND (spoken_at < %s OR (spoken_at = %s AND source_event_id < %s)) "
    "ORDER BY spoken_at DESC, source_event_id DESC LIMIT %s"
)


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

    # Each string once: a report carries each turn's words twice (its
    # messages and their OpenAI-formatted copies).
    words = " \n ".join(dict.fromkeys(_strings(json.loads(payload_text))))
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
    """Redact one pending segment and return its status: one of a delivery
    that held more words than one transaction redacts, or one an older
    release left pending.

    Safe to repeat: a segment already redacted or masked, or replaced since
    (a later end-of-call report), is left alone. Database errors propagate
    (the task retries them); a failure of the engine is stored as
    ``transcript_store`` stores it.
    """
    with transaction.atomic():
        segment = TranscriptSegment.objects.select_for_update().select_related("call").filter(pk=segment_id).first()
        if segment is None:
            return "gone"
        if segment.status != TranscriptSegment.Status.PENDING:
            return segment.status
        event = InboundEvent.objects.select_for_update().filter(pk=segment.source_event_id).first()
        context = _turns_before(
            call_id=segment.call_id, source=segment.source, source_field=segment.source_field,
            spoken_at=segment.spoken_at, event=event,
        )  # fmt: skip
        words = _raw_words(event.payload if event else None, segment.source_field)
        _escalate(segment.call, [(segment.speaker, words)])
        [outcome] = _redacted(call=segment.call, event=event, turns=[(segment.speaker, words)], context=context)
        for field, value in {**outcome.stored_as(), "redacted_at": timezone.now()}.items():
            setattr(segment, field, value)
        segment.save(update_fields=["status", "text", "entity_counts", "failure_reason", "redacted_at"])
        audit_record(**_audit_entry(segment, segment.call))
        _log(segment)
        inbox_scrub_if_settled(event_ids=[segment.source_event_id])
        crm.crm_call_ready(call=segment.call)
    return segment.status


def transcript_delete(*, call: Call, sources: Sequence[str]) -> set[int]:
    """Delete ``call``'s segments from ``sources`` and return the deliveries
    whose words they were, in two statements: first the consent ledger's
    links to them are cleared (``ConsentEvent.utterance``, SET_NULL, the one
    relation to a segment, as ``QuerySet.delete`` would clear it), then the
    rows go. The caller holds the call's row lock. Safe to repeat."""
    segments = connection.ops.quote_name(TranscriptSegment._meta.db_table)
    utterance = ConsentEvent._meta.get_field("utterance")
    consent = connection.ops.quote_name(ConsentEvent._meta.db_table)
    chosen = f"call_id = %s AND source IN ({', '.join(['%s'] * len(sources))})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {consent} SET {utterance.column} = NULL WHERE {utterance.column} IN "  # noqa: S608  (metadata)
            f"(SELECT id FROM {segments} WHERE {chosen})",
            [call.pk, *sources],
        )
        cursor.execute(f"DELETE FROM {segments} WHERE {chosen} RETURNING source_event_id", [call.pk, *sources])  # noqa: S608
        return {pk for (pk,) in cursor.fetchall() if pk is not None}


def inbox_scrub_if_settled(*, event_ids: Iterable[int]) -> int:
    """Scrub the payloads of these events that are applied and hold no words
    awaiting redaction, in one statement. Returns how many were scrubbed."""
    event_ids = [pk for pk in event_ids if pk is not None]
    if not event_ids:
        return 0
    settled = InboundEvent.objects.filter(
        pk__in=event_ids,
        status=InboundEvent.Status.DONE,
        payload_scrubbed_at__isnull=True,
    ).exclude(segments__status=TranscriptSegment.Status.PENDING)
    return settled.update(payload=None, payload_scrubbed_at=timezone.now())


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
