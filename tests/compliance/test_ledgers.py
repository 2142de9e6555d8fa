"""The consent and audit ledgers can't be edited, by the ORM or by SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from calls.models import TranscriptSegment
from compliance import audit
from compliance.models import AuditEvent, ConsentDecision, ConsentEvent, ConsentMethod
from compliance.services import consent_record
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def consent(call, **extra):
    event, _ = consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=extra.pop("source", f"test:{call.call_sid}"), occurred_at=timezone.now(), **extra,
    )  # fmt: skip
    return event


def refused(statement, params=()):
    with pytest.raises(DatabaseError) as raised, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
    return str(raised.value)


def test_consent_event_cannot_be_updated_through_the_orm():
    event = consent(CallFactory())

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ConsentEvent.objects.filter(pk=event.pk).update(decision=ConsentDecision.DECLINED)

    event.refresh_from_db()
    assert event.decision == ConsentDecision.GRANTED


def test_consent_event_cannot_be_changed_or_deleted_with_raw_sql():
    event = consent(CallFactory())

    assert "append-only" in refused(
        "UPDATE compliance_consentevent SET decision = 'declined' WHERE id = %s", [event.pk]
    )
    assert "append-only" in refused("DELETE FROM compliance_consentevent WHERE id = %s", [event.pk])
    assert ConsentEvent.objects.filter(pk=event.pk, decision=ConsentDecision.GRANTED).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("table", ["compliance_consentevent", "compliance_auditevent"])
def test_ledgers_cannot_be_truncated(table):
    consent(CallFactory())
    audit.audit_record("test.thing")

    with connection.cursor() as cursor:
        cursor.execute("SET compliance.maintenance = 'off'")
    try:
        assert "append-only" in refused(f"TRUNCATE {table} CASCADE")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET compliance.maintenance")


def test_deleting_the_call_leaves_its_consent_evidence_as_it_was():
    call = CallFactory()
    event = consent(call)
    call_id = call.pk

    call.delete()

    event.refresh_from_db()
    assert event.call_id == call_id and event.call_sid == call.call_sid


def test_the_call_link_of_consent_evidence_can_never_be_cleared():
    call = CallFactory()
    event = consent(call)

    assert "append-only" in refused("UPDATE compliance_consentevent SET call_id = NULL WHERE id = %s", [event.pk])
    assert "append-only" in refused(
        "UPDATE compliance_consentevent SET call_id = NULL, decision = 'declined' WHERE id = %s", [event.pk]
    )
    assert ConsentEvent.objects.filter(pk=event.pk, call_id=call.pk).exists()


def test_clearing_a_replaced_utterance_may_not_smuggle_in_another_change():
    call = CallFactory()
    segment = TranscriptSegment.objects.create(
        call=call, source="t", source_field="f", speaker="caller", spoken_at=timezone.now()
    )
    event = consent(call, utterance=segment)

    assert "append-only" in refused(
        "UPDATE compliance_consentevent SET utterance_id = NULL, decision = 'declined' WHERE id = %s", [event.pk]
    )


def test_a_replaced_utterance_is_detached_not_blocked():
    call = CallFactory()
    segment = TranscriptSegment.objects.create(
        call=call, source="t", source_field="f", speaker="caller", spoken_at=timezone.now()
    )
    event = consent(call, utterance=segment)

    segment.delete()

    event.refresh_from_db()
    assert event.utterance_id is None


def test_audit_event_cannot_be_updated_or_deleted():
    event = audit.audit_record("test.thing", object_type="call", object_id=1)

    assert "append-only" in refused("UPDATE compliance_auditevent SET action = 'other' WHERE id = %s", [event.pk])
    assert "append-only" in refused("DELETE FROM compliance_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_the_purge_permit_is_only_seen_by_its_own_transaction():
    audit.audit_record("test.thing")

    with transaction.atomic():
        from compliance.models import LedgerPurgePermit

        LedgerPurgePermit.objects.create(reason="test")
        AuditEvent.objects.all().delete()
        LedgerPurgePermit.objects.all().delete()
        transaction.set_rollback(True)

    assert AuditEvent.objects.count() == 1


def test_privileged_purge_deletes_old_events_and_leaves_a_verifiable_tombstone():
    for number in range(3):
        audit.audit_record("test.old", object_id=number)
    cutoff = timezone.now()
    for number in range(2):
        audit.audit_record("test.new", object_id=number)

    deleted = audit.audit_purge_before(cutoff=cutoff)

    assert len(deleted) == 3
    assert list(AuditEvent.objects.exclude(action=audit.PURGED).values_list("action", flat=True)) == ["test.new"] * 2
    tombstone = AuditEvent.objects.get(action=audit.PURGED)
    assert (tombstone.details["from_sequence"], tombstone.details["to_sequence"], tombstone.details["count"]) == (
        1,
        3,
        3,
    )
    assert audit.audit_chain_verify().ok


def test_a_second_purge_keeps_the_first_tombstone_and_the_chain_verifies():
    audit.audit_record("test.a")
    first_cutoff = timezone.now()
    audit.audit_record("test.b")
    audit.audit_purge_before(cutoff=first_cutoff)
    audit.audit_record("test.c")
    second_cutoff = timezone.now()
    audit.audit_record("test.d")

    audit.audit_purge_before(cutoff=second_cutoff)

    # One tombstone for the first purge, one for each run of the second (the
    # first tombstone, kept, splits it).
    assert AuditEvent.objects.filter(action=audit.PURGED).count() == 3
    assert not AuditEvent.objects.filter(action__in=["test.a", "test.b", "test.c"]).exists()
    assert audit.audit_chain_verify().ok, audit.audit_chain_verify()
