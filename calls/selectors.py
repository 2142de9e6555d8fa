"""Reads for calls: the timeline a reviewer sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calls.models import Call, CallStatusEvent


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    summary: str
    # Orders entries of the same moment: Twilio reports whole seconds, so a
    # call's start, answer, consent and first words often share one. A
    # call's opening statuses come first and its ending last; within one
    # source, its own sequence (Twilio's SequenceNumber, the position of
    # words in a delivery, the order rows were recorded). The second item
    # names the source, so tuples of different sources never compare further.
    order: tuple = (1, 9)


def _status_order(event: CallStatusEvent) -> tuple:
    phase = 2 if event.status in Call.TERMINAL_STATUSES else 0
    return (phase, 0, event.sequence_number if event.sequence_number is not None else -1, event.pk)


def call_timeline(*, call: Call) -> list[TimelineEntry]:
    """Everything that happened on a call, oldest first: statuses, consent,
    transcript segments (redacted), recordings and their pauses, sensitive
    capture, payments, lightweight events (the hand-off to the assistant,
    the assistant's own, transfers), tool results told to the live call, and
    those of the legs it put through."""
    entries = [
        TimelineEntry(
            event.occurred_at,
            "status",
            f"{event.status}" + ("" if event.applied else " (late; not applied)"),
            _status_order(event),
        )
        for event in call.status_events.all()
    ]
    entries += [
        TimelineEntry(
            event.occurred_at,
            "consent",
            f"{event.decision} ({event.get_method_display().lower()}; prompt {event.prompt_version})",
        )
        for event in call.consent_events.all()
    ]
    entries += [
        TimelineEntry(
            segment.spoken_at,
            f"transcript · {segment.speaker}",
            segment.text if segment.status != "pending" else "(awaiting redaction)",
            (1, 2, segment.created_at, segment.position, segment.pk),
        )
        for segment in call.transcript_segments.all()
    ]
    for recording in call.recordings.all():
        entries.append(
            TimelineEntry(
                recording.started_at or recording.created_at, "recording", f"{recording.status} ({recording.provider})"
            )
        )
        if recording.deleted_at:
            entries.append(
                TimelineEntry(
                    recording.deleted_at, "recording", f"deleted at the provider ({recording.deletion_reason})"
                )
            )
        for pause in recording.pauses.all():
            entries.append(TimelineEntry(pause.paused_at, "recording", f"paused ({pause.reasons}; {pause.behavior})"))
            if pause.resumed_at:
                entries.append(TimelineEntry(pause.resumed_at, "recording", "resumed"))
    entries += [
        TimelineEntry(
            event.occurred_at,
            "sensitive capture",
            f"{event.get_action_display().lower()}: {event.get_reason_display().lower()}"
            + (f" ({event.detail})" if event.detail else ""),
        )
        for event in call.capture_events.all()
    ]
    entries += [
        TimelineEntry(
            payment.created_at,
            "payment",
            f"{payment.result}" + (f", {payment.card_type} ending {payment.card_last4}" if payment.card_last4 else ""),
        )
        for payment in call.payments.all()
    ]
    entries += [
        TimelineEntry(event.occurred_at, "event", f"{event.type} {event.detail}".strip()) for event in call.events.all()
    ]
    # Tool results told to the live call after their answer: the tool and the outcome, never what was said.
    entries += [
        TimelineEntry(
            # When its last attempt began: what was told reached the call then.
            message.claimed_at or message.created_at,
            "tool result",
            f"{message.tool}: {message.get_status_display().lower()}",
        )
        for message in call.control_messages.defer("content")
    ]
    # The legs it put through (the assistant's SIP leg, a department's), as part of its story.
    for leg in call.legs.all():
        entries += [
            TimelineEntry(event.occurred_at, "leg", f"{leg.call_sid} {event.status}", (1, 7, *_status_order(event)))
            for event in leg.status_events.all()
        ]
        entries += [
            TimelineEntry(event.occurred_at, "leg", f"{leg.call_sid} {event.type} {event.detail}".strip())
            for event in leg.events.all()
        ]
    return sorted(entries, key=lambda entry: (entry.at, entry.order))
