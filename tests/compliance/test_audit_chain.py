from __future__ import annotations

import pytest
from django.core.management import call_command

from compliance import audit
from compliance.chain import AUDIT, chain_head
from compliance.models import AuditEvent
from tests.compliance import tampering

pytestmark = pytest.mark.django_db


def record(count: int) -> None:
    """Append ``count`` events and seal them, as the sealer would."""
    for number in range(count):
        audit.audit_record("test.thing", object_type="call", object_id=number, details={"n": number})
    audit.audit_seal()


def tamper(sql: str, params: list) -> None:
    """Edit a row as an attacker with full database access would: as the
    tables' owner, triggers off. The edits are committed, so the tests that
    make them commit too (``ATTACKED``), and number events from ``base()``."""
    tampering.tamper((sql, params))


ATTACKED = pytest.mark.django_db(transaction=True, databases="__all__")


def base() -> int:
    """The last sequence before the test's own events (a flush between
    committing tests re-creates the roles, which is audited)."""
    audit.audit_seal()
    return chain_head(AUDIT, using="default")[0]


def test_events_are_chained_in_sequence():
    record(3)

    events = list(AuditEvent.objects.order_by("sequence"))
    assert [event.sequence for event in events] == [1, 2, 3]
    assert events[0].previous_hash == audit.GENESIS
    assert events[1].previous_hash == events[0].hash and events[2].previous_hash == events[1].hash
    assert audit.audit_chain_verify() == audit.Verification(True, 3)


@ATTACKED
def test_an_edited_event_is_found():
    first = base() + 1
    record(5)
    tamper("UPDATE compliance_auditevent SET details = %s WHERE sequence = %s", ['{"n": 99}', first + 2])

    result = audit.audit_chain_verify()

    assert (result.ok, result.first_broken) == (False, first + 2)
    assert "hash" in result.reason


@ATTACKED
def test_a_rehashed_edit_still_breaks_the_next_link():
    first = base() + 1
    record(5)
    event = AuditEvent.objects.get(sequence=first + 2)
    event.details = {"n": 99}
    tamper(
        "UPDATE compliance_auditevent SET details = %s, hash = %s WHERE sequence = %s",
        ['{"n": 99}', audit.event_hash(event), first + 2],
    )

    result = audit.audit_chain_verify()

    assert (result.ok, result.first_broken) == (False, first + 3)


@ATTACKED
def test_a_deleted_event_is_found():
    first = base() + 1
    record(5)
    tamper("DELETE FROM compliance_auditevent WHERE sequence = %s", [first + 1])

    result = audit.audit_chain_verify()

    assert (result.ok, result.first_broken) == (False, first + 1)


@ATTACKED
def test_a_range_can_be_verified():
    first = base() + 1
    record(6)
    tamper("UPDATE compliance_auditevent SET action = 'x' WHERE sequence = %s", [first + 1])

    assert audit.audit_chain_verify(start=first + 2, end=first + 5).ok
    assert str(audit.audit_chain_verify(start=first + 2, end=first + 5)).endswith("4 events checked in the range asked")
    assert not audit.audit_chain_verify(start=first, end=first + 3).ok


@ATTACKED
def test_command_exits_non_zero_and_names_the_first_broken_link(capsys):
    first = base() + 1
    record(4)
    call_command("verify_audit_chain")
    assert f"intact: {first + 3} events" in capsys.readouterr().out
    tamper("UPDATE compliance_auditevent SET object_id = '7' WHERE sequence = %s", [first + 1])

    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit_chain")

    assert exited.value.code == 1
    assert f"broken at event #{first + 1}" in capsys.readouterr().err


def test_the_scheduled_check_records_its_result():
    record(2)

    audit.audit_chain_check()

    last = AuditEvent.objects.order_by("-id").first()
    assert last.action == "audit.chain_verified"
    assert last.details == {
        "ok": True, "checked": 2, "first_broken": None, "reason": "", "ledger": "audit", "consent_checked": 0,
        "checkpoints": 0, "problems": [],
    }  # fmt: skip
