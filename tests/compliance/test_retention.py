from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from calls.integrations import twilio
from calls.models import Call, InboundEvent, Recording, TranscriptSegment
from compliance import audit, retention
from compliance.crypto import identifier_hash
from compliance.locks import job_lock
from compliance.models import (
    AuditEvent,
    ConsentDecision,
    ConsentEvent,
    ConsentMethod,
    DestructionCertificate,
    LegalHold,
)
from compliance.services import consent_record
from tests.factories import CallFactory, SegmentFactory, recording_sid

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def aged(days: int):
    return NOW - timedelta(days=days)


def segment(call, days: int) -> TranscriptSegment:
    return SegmentFactory(call=call, spoken_at=aged(days))


def by_class(results):
    return {result.data_class: result for result in results}


def test_transcripts_older_than_90_days_are_destroyed_with_a_certificate():
    call = CallFactory()
    old, young = segment(call, 91), segment(call, 89)

    results = by_class(retention.retention_purge(now=NOW))

    assert list(TranscriptSegment.objects.values_list("pk", flat=True)) == [young.pk]
    certificate = DestructionCertificate.objects.get(pk=results["transcripts"].certificate_id)
    assert (certificate.count, certificate.reason, certificate.failures) == (1, "retention", [])
    assert certificate.ids_sha256 == hashlib.sha256(f"{old.pk}\n".encode()).hexdigest()
    assert certificate.oldest == old.spoken_at
    event = AuditEvent.objects.get(action="retention.purged", object_id=str(certificate.pk))
    assert event.details["data_class"] == "transcripts" and event.details["count"] == 1


def test_anything_under_a_legal_hold_is_kept():
    held_by_call, held_by_caller, free = CallFactory(), CallFactory(from_number="+14155550144"), CallFactory()
    for call in (held_by_call, held_by_caller, free):
        segment(call, 200)
    LegalHold.objects.create(call=held_by_call, call_sid=held_by_call.call_sid, reason="litigation", placed_by="t")
    LegalHold.objects.create(subject_hash=identifier_hash("+14155550144"), reason="regulator", placed_by="t")
    LegalHold.objects.create(call_sid=free.call_sid, reason="expired", placed_by="t", expires_at=aged(1))

    retention.retention_purge(now=NOW)

    assert set(TranscriptSegment.objects.values_list("call_id", flat=True)) == {held_by_call.pk, held_by_caller.pk}


def test_recordings_are_deleted_at_the_provider_and_marked_only_on_confirmation():
    call = CallFactory()
    confirmed = Recording.objects.create(
        call=call, recording_sid=recording_sid(), status="completed", created_at=aged(31)
    )
    gone = Recording.objects.create(call=call, recording_sid=recording_sid(), status="completed", created_at=aged(31))
    failing = Recording.objects.create(
        call=call, recording_sid=recording_sid(), status="completed", created_at=aged(31)
    )
    young = Recording.objects.create(call=call, recording_sid=recording_sid(), status="completed", created_at=aged(29))

    def delete(*, recording_sid):
        if recording_sid == gone.recording_sid:
            raise twilio.TwilioNotFoundError("gone", status=404)
        if recording_sid == failing.recording_sid:
            raise twilio.TwilioTransientError("503", status=503)

    with mock.patch("calls.services.recordings.twilio.recording_delete", autospec=True, side_effect=delete):
        results = by_class(retention.retention_purge(now=NOW))

    assert set(Recording.objects.filter(deleted_at__isnull=False).values_list("pk", flat=True)) == {
        confirmed.pk,
        gone.pk,
    }
    assert Recording.objects.get(pk=failing.pk).deletion_requested_at is not None
    assert Recording.objects.get(pk=young.pk).deletion_requested_at is None
    assert results["recordings"].count == 2
    assert results["recordings"].failures == [{"id": failing.pk, "error": "TwilioTransientError"}]
    assert DestructionCertificate.objects.get(data_class="recordings").failures == [
        {"id": failing.pk, "error": "TwilioTransientError"}
    ]


def test_calls_go_after_two_years_once_their_recordings_are_gone_and_consent_evidence_stays():
    old = CallFactory(created_at=aged(731))
    still_recorded = CallFactory(created_at=aged(731))
    Recording.objects.create(
        call=still_recorded, recording_sid=recording_sid(), status="completed", created_at=aged(20)
    )
    consent, _ = consent_record(
        call=old,
        decision=ConsentDecision.GRANTED,
        method=ConsentMethod.DTMF,
        prompt_version="v",
        source="s",
        occurred_at=aged(731),
    )

    retention.retention_purge(now=NOW)

    assert list(Call.objects.values_list("pk", flat=True)) == [still_recorded.pk]
    consent.refresh_from_db()
    assert consent.call_id == old.pk and consent.call_sid == old.call_sid


@pytest.mark.django_db(transaction=True, databases="__all__")  # the purge commits, as the owner
def test_consent_evidence_goes_after_six_years_through_the_privileged_path():
    call = CallFactory()
    for days, source in ((6 * 365 + 1, "old"), (6 * 365 - 1, "young")):
        consent_record(
            call=call,
            decision=ConsentDecision.GRANTED,
            method=ConsentMethod.DTMF,
            prompt_version="v",
            source=source,
            occurred_at=aged(days),
        )

    retention.retention_purge(now=NOW)

    assert list(ConsentEvent.objects.values_list("source", flat=True)) == ["young"]
    tombstone = AuditEvent.objects.get(action="consent.purged")
    assert (tombstone.details["from_sequence"], tombstone.details["to_sequence"], tombstone.details["count"]) == (
        1,
        1,
        1,
    )
    assert tombstone.details["signature"] and tombstone.details["ledger"] == "consent"
    assert audit.audit_chain_verify().ok, audit.audit_chain_verify()


@pytest.mark.django_db(transaction=True, databases="__all__")  # the purge commits, as the owner
def test_the_newest_consent_event_is_kept_as_the_head_of_the_chain():
    call = CallFactory()
    for number in range(3):
        consent_record(
            call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="v",
            source=f"old-{number}", occurred_at=aged(6 * 365 + 10),
        )  # fmt: skip

    retention.retention_purge(now=NOW)
    consent_record(
        call=call, decision=ConsentDecision.DECLINED, method=ConsentMethod.DTMF, prompt_version="v", source="new",
    )  # fmt: skip

    assert list(ConsentEvent.objects.values_list("source", "sequence")) == [("old-2", 3), ("new", 4)]
    assert audit.audit_chain_verify().ok, audit.audit_chain_verify()


def test_raw_payloads_never_outlive_a_day():
    event = InboundEvent.objects.create(
        provider="twilio",
        kind="twilio.voice",
        dedup_key="k",
        payload={"form": {"From": "+1"}},
        payload_sha256="x",
        received_at=aged(2),
    )

    retention.retention_purge(now=NOW)

    event.refresh_from_db()
    assert event.payload is None and event.payload_scrubbed_at is not None


@pytest.mark.parametrize("data_class", ["audit_events", "consent_events"])
def test_evidence_is_never_kept_less_than_its_floor_whatever_the_policy_table_says(data_class):
    """The runtime role can write the policy table; the floors come from the
    environment, so it can't make the owner's purge take young evidence."""
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:  # the runtime role, as web and worker connect
        cursor.execute("UPDATE compliance_retentionpolicy SET keep_days = 0 WHERE data_class = %s", [data_class])
        assert cursor.rowcount == 1

    assert retention.keep_days(data_class) == settings.RETENTION_MINIMUM_DAYS[data_class] >= 365


def test_dry_run_counts_and_changes_nothing():
    call = CallFactory()
    segment(call, 100)

    results = by_class(retention.retention_purge(now=NOW, dry_run=True))

    assert results["transcripts"].count == 1
    assert TranscriptSegment.objects.count() == 1
    assert not DestructionCertificate.objects.exists()


def test_a_second_run_waits_for_the_first():
    with job_lock("retention-purge", ttl=timedelta(hours=1)) as acquired:
        assert acquired
        assert retention.retention_purge(now=NOW) is None


def test_work_is_done_in_bounded_batches_until_nothing_is_due():
    call = CallFactory()
    for _ in range(7):
        segment(call, 100)

    batches = []
    real = retention._delete_returning

    def counted(*args, **kwargs):
        rows = real(*args, **kwargs)
        batches.append(len(rows))
        return rows

    with mock.patch.object(retention, "_delete_returning", counted):
        results = by_class(retention.retention_purge(now=NOW, batch_size=3))

    assert results["transcripts"].count == 7
    assert not TranscriptSegment.objects.exists()
    assert batches == [3, 3, 1, 0]


def test_consent_evidence_outlives_the_transcript_segment_it_quotes():
    call = CallFactory()
    said = segment(call, 100)
    consent, _ = consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.SPEECH, prompt_version="v",
        utterance=said, source="quoted", occurred_at=aged(100),
    )  # fmt: skip

    retention.retention_purge(now=NOW)

    consent.refresh_from_db()
    assert not TranscriptSegment.objects.exists()
    assert (consent.utterance_id, consent.decision, consent.call_sid) == (None, "granted", call.call_sid)


def test_only_consent_evidence_refers_to_transcript_segments():
    """The fast purge detaches consent evidence by hand; a new reference to
    segments must be dealt with there too."""
    references = [
        (relation.related_model._meta.label, relation.field.name)
        for relation in TranscriptSegment._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete
    ]

    assert references == [("compliance.ConsentEvent", "utterance")]


def test_command_prints_a_summary():
    segment(CallFactory(), 100)
    output = StringIO()

    call_command("purge_expired", stdout=output)

    assert (
        "transcripts" in output.getvalue()
        and "1 destroyed" in output.getvalue()
        and "certificate #" in output.getvalue()
    )
    assert audit.audit_chain_verify().ok


def test_certificates_cannot_be_edited():
    from django.db import DatabaseError, transaction

    segment(CallFactory(), 100)
    retention.retention_purge(now=NOW)

    with pytest.raises(DatabaseError), transaction.atomic():
        DestructionCertificate.objects.update(count=0)


def test_without_the_owner_connection_due_evidence_is_reported_and_kept(monkeypatch):
    """Web and worker run without the owner role: the daily purge destroys
    everything else and says how much evidence waits for the owner's job."""
    monkeypatch.setattr(settings, "DATABASES", {k: v for k, v in settings.DATABASES.items() if k != "owner"})
    call = CallFactory()
    consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="v", source="old",
        occurred_at=aged(6 * 365 + 1),
    )  # fmt: skip
    consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="v", source="new"
    )
    segment(call, 100)

    results = by_class(retention.retention_purge(now=NOW))

    assert results["transcripts"].count == 1
    assert results["consent_events"].failures == [{"id": None, "error": "OwnerConnectionMissing", "due": 1}]
    assert results["consent_events"].count == 0 and results["consent_events"].certificate_id is None
    assert ConsentEvent.objects.count() == 2
