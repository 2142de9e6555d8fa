"""The consent and audit ledgers can't be edited, by the ORM or by SQL.

Two layers, each tested on its own: the runtime role the application uses
has no privilege to change a ledger (PostgreSQL refuses before any trigger
runs), and the triggers refuse the tables' owner too, who has every
privilege. The owner's attempts must commit to be seen, so those tests do."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from calls.models import TranscriptSegment
from compliance import audit
from compliance.models import AuditEvent, ConsentDecision, ConsentEvent, ConsentMethod, LedgerPurgePermit
from compliance.services import consent_record
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

# Who tries, and how they are refused.
RUNTIME = ("default", "permission denied")
OWNER = ("owner", "append-only")


@pytest.fixture(params=[RUNTIME, OWNER], ids=["runtime role", "owner"])
def role(request) -> tuple[str, str]:
    return request.param


def consent(call, **extra):
    event, _ = consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=extra.pop("source", f"test:{call.call_sid}"), occurred_at=timezone.now(), **extra,
    )  # fmt: skip
    return event


def refused(statement, params=(), *, alias="default"):
    with pytest.raises(DatabaseError) as raised, transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute(statement, params)
    return str(raised.value)


def test_consent_event_cannot_be_updated_through_the_orm(role):
    alias, refusal = role
    event = consent(CallFactory())

    with pytest.raises(DatabaseError, match=refusal), transaction.atomic(using=alias):
        ConsentEvent.objects.using(alias).filter(pk=event.pk).update(decision=ConsentDecision.DECLINED)

    event.refresh_from_db()
    assert event.decision == ConsentDecision.GRANTED


def test_consent_event_cannot_be_changed_or_deleted_with_raw_sql(role):
    alias, refusal = role
    event = consent(CallFactory())

    assert refusal in refused(
        "UPDATE compliance_consentevent SET decision = 'declined' WHERE id = %s", [event.pk], alias=alias
    )
    assert refusal in refused("DELETE FROM compliance_consentevent WHERE id = %s", [event.pk], alias=alias)
    assert ConsentEvent.objects.filter(pk=event.pk, decision=ConsentDecision.GRANTED).exists()


@pytest.mark.parametrize("table", ["compliance_consentevent", "compliance_auditevent"])
def test_ledgers_cannot_be_truncated(table, role):
    alias, refusal = role
    consent(CallFactory())
    audit.audit_record("test.thing")

    with connections[alias].cursor() as cursor:
        # Even a session that asks for maintenance: only the owner may, and here the owner doesn't.
        cursor.execute("SET compliance.maintenance = %s", ["on" if alias == "default" else "off"])
    try:
        assert refusal in refused(f"TRUNCATE {table} CASCADE", alias=alias)
    finally:
        with connections[alias].cursor() as cursor:
            cursor.execute("RESET compliance.maintenance")
    assert ConsentEvent.objects.exists() and AuditEvent.objects.exists()


def test_deleting_the_call_leaves_its_consent_evidence_as_it_was():
    call = CallFactory()
    event = consent(call)
    call_id = call.pk

    call.delete()

    event.refresh_from_db()
    assert event.call_id == call_id and event.call_sid == call.call_sid


def test_the_call_link_of_consent_evidence_can_never_be_cleared(role):
    alias, refusal = role
    call = CallFactory()
    event = consent(call)

    assert refusal in refused(
        "UPDATE compliance_consentevent SET call_id = NULL WHERE id = %s", [event.pk], alias=alias
    )
    assert refusal in refused(
        "UPDATE compliance_consentevent SET call_id = NULL, decision = 'declined' WHERE id = %s", [event.pk],
        alias=alias,
    )  # fmt: skip
    assert ConsentEvent.objects.filter(pk=event.pk, call_id=call.pk).exists()


def test_clearing_a_replaced_utterance_may_not_smuggle_in_another_change(role):
    alias, refusal = role
    call = CallFactory()
    segment = TranscriptSegment.objects.create(
        call=call, source="t", source_field="f", speaker="caller", spoken_at=timezone.now()
    )
    event = consent(call, utterance=segment)

    assert refusal in refused(
        "UPDATE compliance_consentevent SET utterance_id = NULL, decision = 'declined' WHERE id = %s", [event.pk],
        alias=alias,
    )  # fmt: skip


def test_a_replaced_utterance_is_detached_not_blocked():
    call = CallFactory()
    segment = TranscriptSegment.objects.create(
        call=call, source="t", source_field="f", speaker="caller", spoken_at=timezone.now()
    )
    event = consent(call, utterance=segment)

    segment.delete()

    event.refresh_from_db()
    assert event.utterance_id is None
    assert audit.audit_chain_verify().ok, "the link is not part of the event's hash"


def test_audit_event_cannot_be_updated_or_deleted(role):
    alias, refusal = role
    event = audit.audit_record("test.thing", object_type="call", object_id=1)
    count = AuditEvent.objects.count()

    assert refusal in refused(
        "UPDATE compliance_auditevent SET action = 'other' WHERE id = %s", [event.pk], alias=alias
    )
    assert refusal in refused("DELETE FROM compliance_auditevent WHERE id = %s", [event.pk], alias=alias)
    with pytest.raises(DatabaseError, match=refusal), transaction.atomic(using=alias):
        AuditEvent.objects.using(alias).all().delete()
    assert AuditEvent.objects.count() == count


def test_the_runtime_role_cannot_make_a_purge_permit():
    assert "permission denied" in refused(
        "INSERT INTO compliance_ledgerpurgepermit (created_at, reason, ledger, transaction_id) "
        "VALUES (now(), 'x', 'compliance_auditevent', txid_current())"
    )


def test_a_permit_opens_only_its_own_ledger_in_its_own_transaction():
    audit.audit_record("test.thing")
    consent(CallFactory())
    count = AuditEvent.objects.count()

    # Committed, or made in another transaction: it opens nothing.
    LedgerPurgePermit.objects.using("owner").create(reason="t", ledger="compliance_auditevent", transaction_id=1)
    assert "append-only" in refused("DELETE FROM compliance_auditevent", alias="owner")
    # For the audit trail: it doesn't open the consent ledger.
    with transaction.atomic(using="owner"):
        with connections["owner"].cursor() as cursor:
            cursor.execute(
                "INSERT INTO compliance_ledgerpurgepermit (created_at, reason, ledger, transaction_id) "
                "VALUES (now(), 'x', 'compliance_auditevent', txid_current())"
            )
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(using="owner"):
            ConsentEvent.objects.using("owner").all().delete()
        transaction.set_rollback(True, using="owner")

    assert AuditEvent.objects.count() == count and ConsentEvent.objects.count() == 1


def test_a_temporary_table_named_like_the_permits_opens_nothing():
    audit.audit_record("test.thing")

    with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE compliance_ledgerpurgepermit (ledger text, transaction_id bigint)")
        cursor.execute("INSERT INTO compliance_ledgerpurgepermit VALUES ('compliance_auditevent', txid_current())")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(using="owner"):
            cursor.execute("DELETE FROM compliance_auditevent")
        transaction.set_rollback(True, using="owner")

    assert AuditEvent.objects.exists()


def test_privileged_purge_deletes_old_events_and_leaves_a_verifiable_tombstone():
    before = AuditEvent.objects.count()  # committed before the test: the roles, re-made by the last flush
    for number in range(3):
        audit.audit_record("test.old", object_id=number)
    cutoff = timezone.now()
    for number in range(2):
        audit.audit_record("test.new", object_id=number)

    deleted = audit.audit_purge_before(cutoff=cutoff)

    assert len(deleted) == before + 3
    assert list(AuditEvent.objects.exclude(action=audit.PURGED).values_list("action", flat=True)) == ["test.new"] * 2
    tombstone = AuditEvent.objects.get(action=audit.PURGED)
    assert (tombstone.details["from_sequence"], tombstone.details["to_sequence"], tombstone.details["count"]) == (
        1,
        before + 3,
        before + 3,
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


def test_the_newest_event_is_kept_as_the_head_so_no_sequence_is_given_twice():
    audit.audit_record("test.only")
    audit.audit_seal()
    head = AuditEvent.objects.order_by("-id").first()

    audit.audit_purge_before(cutoff=timezone.now())
    audit.audit_record("test.after")

    assert AuditEvent.objects.filter(sequence=head.sequence, hash=head.hash).exists()
    assert audit.audit_chain_verify().ok, audit.audit_chain_verify()
