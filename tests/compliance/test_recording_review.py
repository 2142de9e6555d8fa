"""The proof that no recording holds card data: recordings reviewed against
when such data was given (compliance/recording_review.py)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from calls.models import CaptureEvent, InboundEvent, Recording, RecordingPause, TranscriptSegment
from calls.services.recordings import SENSITIVE_DATA, recording_delete_at_provider
from compliance import recording_review as review
from compliance.audit import Actor
from compliance.models import AuditEvent, DestructionCertificate
from compliance.selectors import dashboard
from tests.factories import CallFactory, recording_sid

pytestmark = pytest.mark.django_db

OFFICER = Actor(name="officer")


def ended_call(minutes: int = 10):
    """A call that started ``minutes`` ago and ended long enough ago to be reviewed."""
    started = timezone.now() - timedelta(minutes=minutes)
    return CallFactory(started_at=started, answered_at=started, ended_at=timezone.now() - timedelta(minutes=3))


def recording_of(call, *, after: int = 30, seconds: int = 300) -> Recording:
    return Recording.objects.create(
        recording_sid=recording_sid(), call=call, status=Recording.Status.COMPLETED,
        started_at=call.started_at + timedelta(seconds=after), duration_seconds=seconds,
    )  # fmt: skip


def said(call, at_second: int, types: dict[str, int], words: str = "the number is [CREDIT_CARD]") -> None:
    TranscriptSegment.objects.create(
        call=call, source="vapi.transcript", source_field="transcript", speaker="caller",
        spoken_at=call.started_at + timedelta(seconds=at_second), status=TranscriptSegment.Status.REDACTED,
        text=words, entity_counts=types, redacted_at=timezone.now(),
    )  # fmt: skip


def paused(recording: Recording, start: int, end: int | None) -> None:
    begin = recording.call.started_at + timedelta(seconds=start)
    RecordingPause.objects.create(
        recording=recording, reasons="assistant", behavior="skip", requested_at=begin, paused_at=begin,
        resume_requested_at=begin + timedelta(seconds=end - start) if end is not None else None,
        resumed_at=begin + timedelta(seconds=end - start) if end is not None else None,
        ending=RecordingPause.Ending.RESUMED if end is not None else RecordingPause.Ending.RECORDING_ENDED,
    )  # fmt: skip


def test_a_recording_paused_while_a_card_was_given_is_certified_clean():
    call = ended_call()
    recording = recording_of(call)
    paused(recording, 100, 160)
    said(call, 130, {"CREDIT_CARD": 1})

    assert review.recording_review_due() == 1

    recording.refresh_from_db()
    assert (recording.review, recording.review_types) == (Recording.Review.CLEAN, [])
    assert AuditEvent.objects.get(action="recording.reviewed").details == {"review": "clean", "types": []}
    assert review.recording_review_due() == 0, "reviewed once"


def test_a_security_code_given_while_recording_deletes_the_recording_with_a_certificate(settings):
    settings.RECORDING_SENSITIVE_POLICY = {"CVV": "quarantine"}  # security codes are deleted whatever it says
    call = ended_call()
    recording = recording_of(call)
    said(call, 130, {"CVV": 1, "CREDIT_CARD": 1})

    review.recording_review(recording_id=recording.pk)

    recording.refresh_from_db()
    assert recording.review == Recording.Review.DELETING and recording.review_types == ["CREDIT_CARD", "CVV"]
    assert recording.deletion_reason == SENSITIVE_DATA
    with mock.patch("calls.services.recordings.twilio.recording_delete", autospec=True):
        recording_delete_at_provider(recording_id=recording.pk)
    certificate = DestructionCertificate.objects.get(reason=SENSITIVE_DATA)
    assert (certificate.data_class, certificate.count) == ("recordings", 1)


def test_a_card_number_given_while_recording_is_quarantined_for_a_decision():
    call = ended_call()
    recording = recording_of(call)
    said(call, 130, {"CREDIT_CARD": 1})
    review.recording_review(recording_id=recording.pk)
    recording.refresh_from_db()
    assert recording.review == Recording.Review.QUARANTINED and recording.deletion_requested_at is None
    assert dashboard().recordings_holding_card_data == 1
    assert dashboard().recordings_awaiting_decision == 1

    with pytest.raises(review.DecisionRefused):
        review.recording_review_decide(recording=recording, delete=False, actor=OFFICER, note="  ")
    review.recording_review_decide(recording=recording, delete=False, actor=OFFICER, note="Chargeback dispute 2291")

    recording.refresh_from_db()
    assert (recording.review, recording.review_decided_by) == (Recording.Review.KEPT, "officer")
    decided = AuditEvent.objects.get(action="recording.review_decided")
    assert decided.details == {"decision": "kept", "reason_given": True}, "the reason is not copied into the chain"
    assert dashboard().recordings_holding_card_data == 1, "kept is still held"
    with pytest.raises(review.DecisionRefused):
        review.recording_review_decide(recording=recording, delete=True, actor=OFFICER, note="")


def test_a_keypad_payment_counts_from_after_its_instructions_to_its_result(settings):
    settings.CAPTURE_PAY_PROMPT_SECONDS = 3
    call = ended_call()
    covered, late = recording_of(call), recording_of(call)
    for action, second in (("enter", 100), ("leave", 140)):
        CaptureEvent.objects.create(
            call=call, reason="payment", action=action, occurred_at=call.started_at + timedelta(seconds=second),
            source=f"pay:{call.call_sid}:{action}",
        )  # fmt: skip
    paused(covered, 101, 141)  # paused a second after <Pay> began: within its instructions
    paused(late, 110, 141)

    assert review.recording_review(recording_id=covered.pk) == Recording.Review.CLEAN
    assert review.recording_review(recording_id=late.pk) == Recording.Review.DELETING


def test_recordings_are_reviewed_only_once_the_call_is_settled(settings):
    settings.RECORDING_REVIEW_GRACE_SECONDS = 120
    live = CallFactory(started_at=timezone.now() - timedelta(minutes=5), ended_at=None)
    just_ended = CallFactory(started_at=timezone.now() - timedelta(minutes=5), ended_at=timezone.now())
    awaiting_redaction = ended_call()
    for call in (live, just_ended, awaiting_redaction):
        recording_of(call)
    TranscriptSegment.objects.create(
        call=awaiting_redaction, source="twilio.gather", source_field="form.SpeechResult", speaker="caller",
        spoken_at=timezone.now(),
    )  # fmt: skip

    assert review.recording_review_due() == 0


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.integers(0, 290), min_size=0, max_size=6).map(sorted),
    st.integers(0, 299),
)
def test_the_verdict_is_whether_any_second_of_the_utterance_was_recorded(edges, moment):
    """Pauses from a sorted list of edges (paused, resumed, paused, …); an
    utterance at ``moment``. The verdict agrees with a second-by-second
    account of when the recording was capturing audio."""
    call = ended_call()
    recording = recording_of(call, after=0, seconds=300)
    pairs = [(edges[index], edges[index + 1] if index + 1 < len(edges) else None) for index in range(0, len(edges), 2)]
    pairs = [(start, end) for start, end in pairs if end is None or end > start]
    for start, end in pairs:
        paused(recording, start, end)
    said(call, moment, {"CVV": 1}, words="[CVV]")

    lasting = review.SHORTEST_UTTERANCE.total_seconds()
    recorded_seconds = set(range(300))
    for start, end in pairs:
        recorded_seconds -= set(range(start, 300 if end is None else end))
    utterance = {second for second in range(300) if moment - lasting < second + 0.5 < moment + lasting}
    expected = Recording.Review.DELETING if utterance & recorded_seconds else Recording.Review.CLEAN

    assert review.recording_review(recording_id=recording.pk) == expected


def test_the_dashboard_tile_links_to_the_recordings_holding_card_data(admin_client):
    call = ended_call()
    recording_of(call)
    said(call, 130, {"CREDIT_CARD": 1})
    review.recording_review_due()

    page = admin_client.get(reverse("compliance-dashboard")).content.decode()

    link = reverse("admin:calls_recording_changelist") + "?attention=card_data"
    assert f'<a href="{link}" class="figure alarm" id="recordings-holding-card-data"' in page
    listing = admin_client.get(link)
    assert listing.status_code == 200 and [row.call_id for row in listing.context["cl"].result_list] == [call.pk]


def test_a_recording_waits_for_every_delivery_of_its_call_to_be_applied():
    call = ended_call()
    recording_of(call)
    event = InboundEvent.objects.create(
        provider="vapi", kind=InboundEvent.Kind.VAPI_TRANSCRIPT, dedup_key="late", call_sid=call.call_sid,
        payload={"transcript": "redacted later"}, payload_sha256="0" * 64,
    )  # fmt: skip

    assert review.recording_review_due() == 0
    InboundEvent.objects.filter(pk=event.pk).update(status=InboundEvent.Status.DONE)
    assert review.recording_review_due() == 1


def test_words_redaction_could_not_read_quarantine_the_recording_they_were_said_over():
    call = ended_call()
    recording = recording_of(call)
    said(call, 130, {}, words=TranscriptSegment.FULLY_MASKED)
    TranscriptSegment.objects.filter(call=call).update(status=TranscriptSegment.Status.MASKED)

    assert review.recording_review(recording_id=recording.pk) == Recording.Review.QUARANTINED
    assert Recording.objects.get(pk=recording.pk).review_types == ["UNREADABLE"]
