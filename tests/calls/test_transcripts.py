from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from calls.models import InboundEvent, TranscriptSegment
from calls.services import inbox, transcripts
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


def test_spoken_words_wait_encrypted_in_the_inbox_until_redacted(twilio_post, django_capture_on_commit_callbacks):
    event = spoken_menu_answer(twilio_post, f"billing, my card is {CARD_NUMBER}")

    segment = TranscriptSegment.objects.get()
    assert segment.status == TranscriptSegment.Status.PENDING and segment.text == ""
    assert event.status == InboundEvent.Status.DONE
    assert event.payload is not None, "the raw words are kept, encrypted, for the redaction task"
    assert card_number_stored_anywhere() == []


def test_redaction_stores_only_the_redacted_words_and_scrubs_the_payload(twilio_post):
    event = spoken_menu_answer(twilio_post, f"billing, my card is {CARD_NUMBER}")
    segment = TranscriptSegment.objects.get()

    assert transcripts.transcript_redact(segment_id=segment.pk) == TranscriptSegment.Status.REDACTED

    segment.refresh_from_db()
    event.refresh_from_db()
    assert segment.text == "billing, my card is [CREDIT_CARD]"
    assert segment.entity_counts == {"CREDIT_CARD": 1}
    assert (segment.speaker, segment.source) == ("caller", "twilio.gather")
    assert event.payload is None and event.payload_scrubbed_at is not None
    assert card_number_stored_anywhere() == []
    assert stored_anywhere("my card is") == ["calls_transcriptsegment.text"]


def test_redacting_twice_changes_nothing(twilio_post):
    spoken_menu_answer(twilio_post, "support please, my email is jo@example.com")
    segment = TranscriptSegment.objects.get()
    transcripts.transcript_redact(segment_id=segment.pk)
    redacted_at = TranscriptSegment.objects.get().redacted_at

    transcripts.transcript_redact(segment_id=segment.pk)

    assert TranscriptSegment.objects.get().redacted_at == redacted_at


def test_caller_id_name_is_redacted_as_a_known_name(twilio_post):
    spoken_menu_answer(twilio_post, "hi it's quentin again, billing", CallerName="QUENTIN TARAVELLI")
    segment = TranscriptSegment.objects.get()

    transcripts.transcript_redact(segment_id=segment.pk)

    assert TranscriptSegment.objects.get().text == "hi it's [PERSON] again, billing"


def test_engine_failure_stores_the_segment_fully_masked_with_the_reason(twilio_post):
    event = spoken_menu_answer(twilio_post, f"my card is {CARD_NUMBER}")
    segment = TranscriptSegment.objects.get()

    with mock.patch("calls.services.transcripts.redact", autospec=True, side_effect=MemoryError):
        transcripts.transcript_redact(segment_id=segment.pk)

    segment.refresh_from_db()
    event.refresh_from_db()
    assert (segment.status, segment.text) == (TranscriptSegment.Status.MASKED, "[REDACTED]")
    assert segment.failure_reason == "redaction failed: MemoryError"
    assert event.payload is None
    assert card_number_stored_anywhere() == []


def test_words_not_redacted_by_the_scrub_deadline_are_masked_and_destroyed(twilio_post, settings):
    event = spoken_menu_answer(twilio_post, f"my card is {CARD_NUMBER}")
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


def test_a_lost_redaction_enqueue_is_recovered_by_the_sweep(twilio_post):
    spoken_menu_answer(twilio_post, "sales")
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
