from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from calls.models import InboundEvent, TranscriptSegment
from calls.services import inbox, transcripts
from compliance.models import AuditEvent
from tests.factories import CARD_NUMBER, CARD_NUMBER_TRACES, twilio_call_params

pytestmark = pytest.mark.django_db

GATHER = "/webhooks/twilio/gather/"


def spoken_menu_answer(twilio_post, speech: str, **extra: str) -> InboundEvent:
    params = twilio_call_params(CallStatus="in-progress", SpeechResult=speech, Confidence="0.9", **extra)
    twilio_post(GATHER, params, query={"step": "menu", "attempt": 1})
    event = InboundEvent.objects.get()
    assert inbox.inbox_process(event_id=event.pk)
    event.refresh_from_db()
    return event


def stored_anywhere(value: str) -> list[str]:
    """Every table and text column in which ``value`` appears as plain text."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1', [f"%{value}%"])
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found


def card_number_stored_anywhere() -> list[str]:
    return [place for trace in CARD_NUMBER_TRACES for place in stored_anywhere(trace)]


def test_spoken_words_are_stored_redacted_by_the_transaction_that_applies_them(twilio_post):
    event = spoken_menu_answer(twilio_post, f"billing, my card is {CARD_NUMBER}")

    segment = TranscriptSegment.objects.get()
    assert (segment.status, segment.text) == (TranscriptSegment.Status.REDACTED, "billing, my card is [CREDIT_CARD]")
    assert segment.entity_counts == {"CREDIT_CARD": 1}
    assert (segment.speaker, segment.source) == ("caller", "twilio.gather")
    assert event.status == InboundEvent.Status.DONE
    assert event.payload is None and event.payload_scrubbed_at is not None
    assert AuditEvent.objects.filter(
        action="redaction.done", object_id=str(segment.pk), details={"entities": {"CREDIT_CARD": 1}}
    ).exists()
    assert card_number_stored_anywhere() == []
    assert stored_anywhere("my card is") == ["calls_transcriptsegment.text"]


def test_caller_id_name_is_redacted_as_a_known_name(twilio_post):
    spoken_menu_answer(twilio_post, "hi it's quentin again, billing", CallerName="QUENTIN TARAVELLI")

    assert TranscriptSegment.objects.get().text == "hi it's [PERSON] again, billing"


def test_engine_failure_stores_the_segment_fully_masked_with_the_reason(twilio_post):
    with mock.patch("calls.services.transcripts.redact_turns", autospec=True, side_effect=MemoryError):
        event = spoken_menu_answer(twilio_post, f"my card is {CARD_NUMBER}")

    segment = TranscriptSegment.objects.get()
    assert (segment.status, segment.text) == (TranscriptSegment.Status.MASKED, "[REDACTED]")
    assert segment.failure_reason == "redaction failed: MemoryError"
    assert AuditEvent.objects.filter(
        action="redaction.failed", object_id=str(segment.pk), details={"reason": "redaction failed: MemoryError"}
    ).exists()
    assert event.status == InboundEvent.Status.DONE and event.payload is None
    assert card_number_stored_anywhere() == []


def test_a_database_error_while_storing_applies_nothing_and_keeps_the_words_for_the_retry(twilio_post):
    params = twilio_call_params(CallStatus="in-progress", SpeechResult=f"my card is {CARD_NUMBER}", Confidence="0.9")
    twilio_post(GATHER, params, query={"step": "menu", "attempt": 1})
    event = InboundEvent.objects.get()

    with mock.patch("calls.services.transcripts._insert_new", autospec=True, side_effect=OperationalError):
        assert not inbox.inbox_process(event_id=event.pk)

    event.refresh_from_db()
    assert not TranscriptSegment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="redaction.").exists()
    assert event.status == InboundEvent.Status.PENDING and event.payload is not None
    InboundEvent.objects.filter(pk=event.pk).update(available_at=timezone.now())
    assert inbox.inbox_process(event_id=event.pk)
    assert TranscriptSegment.objects.get().text == "my card is [CREDIT_CARD]"


def test_storing_the_same_utterance_again_returns_the_stored_segment_and_audits_nothing(twilio_post):
    event = spoken_menu_answer(twilio_post, "billing, my card is 4111 1111 1111 1111")
    stored = TranscriptSegment.objects.get()
    InboundEvent.objects.filter(pk=event.pk).update(payload={"form": {"SpeechResult": "sales"}})
    event.refresh_from_db()
    audited = AuditEvent.objects.count()

    said = transcripts.Utterance("twilio.gather", "form.SpeechResult", "caller", event.received_at)
    (again,) = transcripts.transcript_store(call=stored.call, event=event, utterances=[said])

    assert again.pk == stored.pk and again.text == "billing, my card is [CREDIT_CARD]"
    assert TranscriptSegment.objects.get().text == stored.text
    assert AuditEvent.objects.count() == audited


def stored_pending(twilio_post, settings, speech: str) -> tuple[InboundEvent, TranscriptSegment]:
    """A spoken answer holding more words than one transaction redacts: its
    segment stored pending, its words still in its applied event's
    encrypted payload, its redaction left to a task."""
    settings.VAPI_MAX_UTTERANCE_CHARS = len(speech) - 1
    event = spoken_menu_answer(twilio_post, speech)
    segment = TranscriptSegment.objects.get()
    assert (segment.status, segment.text, event.status) == (TranscriptSegment.Status.PENDING, "", "done")
    assert event.payload is not None
    return event, segment


def test_a_pending_segment_is_redacted_apart_and_its_payload_scrubbed(twilio_post, settings):
    event, segment = stored_pending(twilio_post, settings, f"billing, my card is {CARD_NUMBER}")

    assert transcripts.transcript_redact(segment_id=segment.pk) == TranscriptSegment.Status.REDACTED

    segment.refresh_from_db()
    event.refresh_from_db()
    assert segment.text == "billing, my card is [CREDIT_CARD]"
    assert event.payload is None and event.payload_scrubbed_at is not None
    assert card_number_stored_anywhere() == []


def test_redacting_twice_changes_nothing(twilio_post, settings):
    _, segment = stored_pending(twilio_post, settings, "support please, my email is jo@example.com")
    transcripts.transcript_redact(segment_id=segment.pk)
    redacted_at = TranscriptSegment.objects.get().redacted_at

    transcripts.transcript_redact(segment_id=segment.pk)

    assert TranscriptSegment.objects.get().redacted_at == redacted_at


def test_words_not_redacted_by_the_scrub_deadline_are_masked_and_destroyed(twilio_post, settings):
    event, _ = stored_pending(twilio_post, settings, f"my card is {CARD_NUMBER}")
    InboundEvent.objects.filter(pk=event.pk).update(
        received_at=timezone.now() - timedelta(seconds=settings.INBOX_RAW_PAYLOAD_MAX_AGE_SECONDS + 60)
    )

    result = inbox.inbox_sweep()

    segment = TranscriptSegment.objects.get()
    event.refresh_from_db()
    assert result.scrubbed == 1
    assert (segment.status, segment.text) == (TranscriptSegment.Status.MASKED, "[REDACTED]")
    assert segment.failure_reason == "not redacted before the scrub deadline"
    assert event.payload is None and event.status == InboundEvent.Status.DONE


def test_a_lost_redaction_enqueue_is_recovered_by_the_sweep(twilio_post, settings):
    stored_pending(twilio_post, settings, "sales")
    TranscriptSegment.objects.update(created_at=timezone.now() - timedelta(minutes=10))

    with mock.patch("calls.tasks.transcript_redact.delay", autospec=True) as delay:
        assert transcripts.transcript_sweep() == 1

    delay.assert_called_once_with(TranscriptSegment.objects.get().pk)


def test_keypad_answers_create_no_transcript(twilio_post):
    params = twilio_call_params(CallStatus="in-progress", Digits="2")
    twilio_post(GATHER, params, query={"step": "menu", "attempt": 1})
    event = InboundEvent.objects.get()
    inbox.inbox_process(event_id=event.pk)

    event.refresh_from_db()
    assert not TranscriptSegment.objects.exists()
    assert event.payload is None
