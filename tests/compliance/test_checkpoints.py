"""Signed checkpoints outside the database catch what the chain alone can't:
events cut from the end, a truncated table, a rolled-back or rewritten
tail, forged purge tombstones, and checkpoints removed from the store.

The attacks run as someone with full access to the database (the tables'
owner, triggers off: ``tampering.tamper``), so everything committed is what
verification sees."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone

from compliance import audit, checkpoints, evidence, signing
from compliance.chain import AUDIT, row_hash
from compliance.models import AuditEvent, ConsentDecision, ConsentEvent, ConsentMethod
from compliance.services import consent_record
from tests.compliance.tampering import owner, tamper
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def record(count: int, action: str = "test.thing") -> None:
    for number in range(count):
        audit.audit_record(action, object_type="call", object_id=number, details={"n": number})


def verified() -> evidence.Verification:
    return audit.audit_chain_verify()


def head() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()


def test_a_checkpoint_is_signed_numbered_chained_and_recorded_in_the_audit_trail(checkpoint_directory):
    before = head() or 0  # the roles, re-made by the last flush
    record(3)

    first = checkpoints.checkpoint_write(reason="manual")
    second = checkpoints.checkpoint_write(reason="manual")

    assert (first.number, second.number) == (1, 2)
    assert first.content["ledgers"]["audit"] == {
        "head_sequence": before + 3,
        "head_hash": AuditEvent.objects.get(sequence=before + 3).hash,
        "count": before + 3,
    }  # fmt: skip
    assert second.content["previous"] == first.digest
    assert second.head("audit") == before + 4, "the first checkpoint's own audit event is anchored by the next"
    stored = sorted(path.name for path in Path(checkpoint_directory).iterdir())
    assert stored == ["000000000001.json", "000000000002.json"]
    assert checkpoints.signature_valid(json.loads((Path(checkpoint_directory) / stored[0]).read_bytes()))
    recorded = AuditEvent.objects.filter(action=checkpoints.RECORDED).order_by("sequence")
    assert list(recorded.values_list("object_id", flat=True)) == ["1", "2"]
    result = verified()
    assert result.ok and result.checkpoints == 2, result


def test_a_checkpoint_file_is_created_once_and_never_replaced(checkpoint_directory):
    checkpoint = checkpoints.checkpoint_write(reason="manual")
    path = Path(checkpoint_directory) / "000000000001.json"

    with pytest.raises(checkpoints.CheckpointExists):
        checkpoints.DirectoryStore().append(1, b"{}")

    assert path.read_bytes() == checkpoint.body
    assert path.stat().st_mode & 0o222 == 0, "read-only"


def test_deleting_the_last_events_without_a_tombstone_is_found():
    record(5)
    anchored = checkpoints.checkpoint_write(reason="manual").head("audit")

    tamper(("DELETE FROM compliance_auditevent WHERE sequence >= %s", [anchored - 1]))

    result = verified()
    assert not result.ok
    assert result.first_broken == anchored and "truncated or rolled back" in result.reason, result


def test_a_truncated_audit_trail_is_found():
    record(4)
    checkpoints.checkpoint_write(reason="manual")

    with connections[owner()].cursor() as cursor:  # the tables' owner, in a maintenance session
        cursor.execute("SET compliance.maintenance = 'on'")
        cursor.execute("TRUNCATE compliance_auditevent")

    result = verified()
    assert not result.ok and "truncated or rolled back" in result.reason, result


def test_the_permit_trick_with_a_forged_tombstone_is_found():
    """The review's attack: a permit row, events deleted under it, and an
    ``audit.purged`` tombstone appended to cover the gap."""
    record(6)
    checkpoints.checkpoint_write(reason="manual")
    victims = list(AuditEvent.objects.filter(sequence__in=[2, 3]).order_by("sequence").values_list("hash", flat=True))

    alias = owner()
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "INSERT INTO compliance_ledgerpurgepermit (created_at, reason, ledger, transaction_id) "
                "VALUES (now(), 'x', 'compliance_auditevent', txid_current())"
            )
            cursor.execute("DELETE FROM compliance_auditevent WHERE sequence IN (2, 3)")
            cursor.execute("DELETE FROM compliance_ledgerpurgepermit")
        audit.audit_record(
            audit.PURGED,
            details={"from_sequence": 2, "to_sequence": 3, "count": 2, "last_hash": victims[-1]},
            using=alias,
        )

    result = verified()
    assert not result.ok
    assert "without a valid signature: forged" in result.reason, result
    assert any("event missing" in problem for problem in result.problems), result.problems


def test_a_rolled_back_and_rewritten_tail_is_found():
    """Events after the checkpoint's head are cut, and new ones appended in
    their place: the chain links up again, but not to what was anchored."""
    record(4)
    anchored = checkpoints.checkpoint_write(reason="manual").head("audit")

    tamper(("DELETE FROM compliance_auditevent WHERE sequence >= %s", [anchored - 1]))
    record(3, action="test.replacement")

    result = verified()
    assert not result.ok
    assert result.first_broken == anchored and "rewritten after it was anchored" in result.reason, result


def test_a_rehashed_edit_of_every_event_up_to_the_head_is_found():
    record(5)
    anchored = checkpoints.checkpoint_write(reason="manual").head("audit")
    events = list(AuditEvent.objects.filter(sequence__gte=3).order_by("sequence"))

    # Edit #3, and re-hash it and every event after it so every link holds again.
    previous = AuditEvent.objects.get(sequence=2).hash
    statements = []
    for event in events:
        if event.sequence == 3:
            event.details = {"n": 99}
        event.previous_hash = previous
        event.hash = row_hash(AUDIT, event)
        previous = event.hash
        statements.append(
            (
                "UPDATE compliance_auditevent SET details = %s, previous_hash = %s, hash = %s WHERE sequence = %s",
                [json.dumps(event.details), event.previous_hash, event.hash, event.sequence],
            )
        )
    tamper(*statements)

    result = verified()
    assert not result.ok
    assert result.first_broken == anchored and "rewritten" in result.reason, result


def test_a_checkpoint_removed_from_the_middle_of_the_store_is_found(checkpoint_directory):
    for _ in range(3):
        checkpoints.checkpoint_write(reason="manual")

    os.chmod(Path(checkpoint_directory), 0o700)
    (Path(checkpoint_directory) / "000000000002.json").unlink()

    result = verified()
    assert not result.ok and result.ledger == "checkpoints"
    assert "checkpoint #2 missing from the store" in result.reason, result


def test_checkpoints_removed_from_the_end_of_the_store_are_found(checkpoint_directory):
    for _ in range(3):
        checkpoints.checkpoint_write(reason="manual")

    (Path(checkpoint_directory) / "000000000003.json").unlink()

    result = verified()
    assert not result.ok
    assert any("#3: recorded in the audit trail but missing from the store" in p for p in result.problems), result


def test_a_checkpoint_signed_with_another_key_is_not_trusted(checkpoint_directory, settings):
    checkpoints.checkpoint_write(reason="manual")
    genuine_key = settings.AUDIT_CHECKPOINT_SIGNING_KEY
    settings.AUDIT_CHECKPOINT_SIGNING_KEY = "YW5vdGhlciBrZXksIG5vdCB0aGUgZXZpZGVuY2UhISE="
    checkpoints.checkpoint_write(reason="manual")
    settings.AUDIT_CHECKPOINT_SIGNING_KEY = genuine_key

    result = verified()

    assert not result.ok and "checkpoint #2 is not signed by a trusted key" in result.reason, result


def test_a_rotated_key_still_verifies_old_checkpoints_through_its_public_key(settings):
    checkpoints.checkpoint_write(reason="manual")
    old_public = signing.public_key_text(signing.signing_key().public_key())
    settings.AUDIT_CHECKPOINT_SIGNING_KEY = "bmV3IGV2aWRlbmNlIHNpZ25pbmcga2V5LCByb3RhdGU="
    settings.AUDIT_CHECKPOINT_VERIFY_KEYS = [old_public]
    checkpoints.checkpoint_write(reason="manual")

    result = verified()

    assert result.ok and result.checkpoints == 2, result


def test_a_legitimate_purge_is_accounted_for_by_its_signed_tombstone():
    record(3, action="test.old")
    checkpoints.checkpoint_write(reason="manual")
    cutoff = timezone.now()
    record(2, action="test.new")

    audit.audit_purge_before(cutoff=cutoff)
    checkpoints.checkpoint_write(reason="purge")
    record(1, action="test.after")

    result = verified()
    assert result.ok, result
    tombstone = AuditEvent.objects.get(action=audit.PURGED)
    assert tombstone.details["key_id"] and tombstone.details["signature"]


def test_a_row_kept_between_purged_runs_is_no_island_to_rewrite():
    """A legal hold keeps one consent event while those around it are
    purged; nothing links to it any more, so its own tombstones pin it."""
    from datetime import timedelta

    from compliance import retention
    from compliance.chain import CONSENT
    from compliance.models import LegalHold

    held, other = CallFactory(), CallFactory()
    LegalHold.objects.create(call=held, call_sid=held.call_sid, reason="inquiry", placed_by="t")
    long_ago = timezone.now() - timedelta(days=6 * 365 + 10)
    for call, source in ((other, "a"), (held, "held"), (other, "b"), (other, "head")):
        consent_record(
            call=call, decision=ConsentDecision.DECLINED, method=ConsentMethod.DTMF, prompt_version="v",
            source=source, occurred_at=long_ago if source != "head" else timezone.now(),
        )  # fmt: skip
    checkpoints.checkpoint_write(reason="manual")
    retention.retention_purge(now=timezone.now())
    assert list(ConsentEvent.objects.values_list("source", flat=True)) == ["held", "head"]
    assert verified().ok

    event = ConsentEvent.objects.get(source="held")
    event.decision = ConsentDecision.GRANTED
    tamper(
        (
            "UPDATE compliance_consentevent SET decision = 'granted', hash = %s WHERE id = %s",
            [row_hash(CONSENT, event), event.pk],
        )
    )

    result = verified()
    assert not result.ok
    assert "was rewritten" in str(result)


def test_a_tombstone_kept_between_later_purged_runs_is_pinned_on_both_sides():
    """A purge keeps earlier tombstones while it purges the events around
    them; their unsigned fields (the cutoff, the time) can't be rewritten
    unnoticed either."""
    record(3, action="test.old")
    first_cutoff = timezone.now()
    record(2, action="test.newer")
    audit.audit_purge_before(cutoff=first_cutoff)
    record(2, action="test.later")
    second_cutoff = timezone.now()
    record(1, action="test.head")
    audit.audit_purge_before(cutoff=second_cutoff)
    island = AuditEvent.objects.filter(action=audit.PURGED).order_by("sequence").first()
    assert not AuditEvent.objects.filter(sequence__in=(island.sequence - 1, island.sequence + 1)).exists()
    assert verified().ok

    island.details = {**island.details, "cutoff": "2000-01-01T00:00:00+00:00"}
    rewritten = json.dumps(island.details)
    tamper(
        (
            "UPDATE compliance_auditevent SET details = %s, hash = %s WHERE id = %s",
            [rewritten, row_hash(AUDIT, island), island.pk],
        )
    )

    result = verified()
    assert not result.ok
    assert "was rewritten" in str(result)


@pytest.mark.parametrize("planted", ["\u00b9.json", "000000000002.json/", "notes.txt", "000000000009.json"])
def test_anything_planted_in_the_store_is_reported_and_stops_nothing(checkpoint_directory, planted):
    """Web and worker may add files to the store, so anyone who can act as
    them can plant one: checkpoints go on being written, and verification
    reports the entry instead of failing or trusting it."""
    record(2)
    checkpoints.checkpoint_write(reason="manual")
    os.chmod(checkpoint_directory, 0o700)
    entry = Path(checkpoint_directory) / planted.rstrip("/")
    entry.mkdir() if planted.endswith("/") else entry.write_bytes(b"{}")

    checkpoints.checkpoint_write(reason="schedule")
    result = audit.audit_chain_check()

    assert not result.ok
    assert "not a checkpoint" in str(result) or "unreadable" in str(result)
    assert AuditEvent.objects.filter(action="audit.chain_verified").latest("sequence").details["ok"] is False


def test_a_verification_that_cannot_complete_is_recorded_as_failed(monkeypatch):
    def broken(**kwargs):
        raise OSError("the store is unreachable")

    monkeypatch.setattr(audit, "audit_chain_verify", broken)

    with pytest.raises(OSError):
        audit.audit_chain_check()

    details = AuditEvent.objects.get(action="audit.chain_verified").details
    assert details["ok"] is False and "OSError" in details["reason"]


def test_a_checkpoint_never_anchors_what_may_yet_roll_back():
    record(2)
    committed = head()
    with transaction.atomic():
        record(2, action="test.rolled_back")
        checkpoint = checkpoints.checkpoint_write(reason="manual")
        transaction.set_rollback(True)
    record(3, action="test.later")

    assert checkpoint.head("audit") == committed
    result = verified()
    assert result.ok, result


def test_concurrent_writers_take_distinct_numbers_in_one_chain_of_checkpoints():
    record(1)
    errors = []

    def writer() -> None:
        try:
            for _ in range(4):
                checkpoints.checkpoint_write(reason="manual")
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert checkpoints.checkpoint_store().numbers() == list(range(1, 17))
    result = verified()
    assert result.ok and result.checkpoints == 16, result


def test_command_reports_every_problem_and_exits_non_zero(capsys):
    record(3)
    call_command("audit_checkpoint")
    assert "checkpoint #1" in capsys.readouterr().out
    tamper("DELETE FROM compliance_auditevent")

    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit_chain")

    assert exited.value.code == 1
    assert "truncated or rolled back" in capsys.readouterr().err


def test_the_schedule_writes_checkpoints_through_a_registered_task():
    from contactcenter.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]
    app.loader.import_default_modules()

    assert entry["task"] in app.tasks
    assert entry["schedule"] == float(settings.AUDIT_CHECKPOINT_SECONDS)
    app.tasks[entry["task"]].run()
    assert checkpoints.checkpoint_store().numbers() == [1]


def decide(count: int) -> None:
    call = CallFactory()
    for number in range(count):
        consent_record(
            call=call, decision=ConsentDecision.DECLINED, method=ConsentMethod.DTMF, prompt_version="v",
            source=f"{call.call_sid}:{number}",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("attack", "found"),
    [
        ("UPDATE compliance_consentevent SET decision = 'granted' WHERE sequence = 2", "contents do not match"),
        ("DELETE FROM compliance_consentevent WHERE sequence = 2", "event missing"),
        ("DELETE FROM compliance_consentevent WHERE sequence >= 3", "truncated or rolled back"),
        ("DELETE FROM compliance_consentevent", "truncated or rolled back"),
    ],
    ids=["edited", "deleted", "cut-back", "emptied"],
)
def test_the_consent_ledger_is_anchored_like_the_audit_trail(attack, found):
    decide(4)
    checkpoints.checkpoint_write(reason="manual")

    tamper(attack)

    result = verified()
    assert not result.ok and result.ledger == "consent" and found in result.reason, result


def test_a_forged_consent_purge_tombstone_is_found():
    decide(4)
    checkpoints.checkpoint_write(reason="manual")
    last_hash = ConsentEvent.objects.get(sequence=2).hash

    tamper("DELETE FROM compliance_consentevent WHERE sequence IN (1, 2)")
    audit.audit_record(
        "consent.purged",
        details={"ledger": "consent", "from_sequence": 1, "to_sequence": 2, "count": 2, "last_hash": last_hash},
    )

    result = verified()
    assert not result.ok and "consent.purged without a valid signature: forged" in result.reason, result


def test_a_restore_from_before_the_last_checkpoint_is_reported_as_a_rollback_and_stays_reported(capsys):
    """A database restored from a backup taken before the last checkpoint
    holds both ledgers as they were at the backup: the checkpoints written
    since are still in the store and name rows the restored ledgers no
    longer have. Verification can't tell a restore from a rollback, and
    says so on every check from then on (the README's *Backups and
    restores*)."""
    record(3)
    decide(2)
    checkpoints.checkpoint_write(reason="schedule")
    backup = {"audit": head(), "consent": ConsentEvent.objects.order_by("-sequence").first().sequence}
    record(4)
    decide(2)
    lost = checkpoints.checkpoint_write(reason="schedule")
    assert lost.head("audit") > backup["audit"] and lost.head("consent") > backup["consent"]

    # The restore: every row appended after the backup is gone, from both ledgers.
    tamper(
        ("DELETE FROM compliance_auditevent WHERE sequence > %s", [backup["audit"]]),
        ("DELETE FROM compliance_consentevent WHERE sequence > %s", [backup["consent"]]),
    )

    restored = verified()
    assert not restored.ok and restored.checkpoints == 2, "the checkpoints themselves still verify"
    assert restored.ledger == "audit" and restored.first_broken == lost.head("audit"), restored
    assert f"missing: the chain ends at #{backup['audit']}, below checkpoint #2" in restored.reason
    assert "truncated or rolled back" in restored.reason
    assert any(
        problem.startswith(f"consent #{lost.head('consent')}: missing") and "rolled back" in problem
        for problem in restored.problems
    ), restored.problems
    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit_chain")
    assert exited.value.code == 1 and "truncated or rolled back" in capsys.readouterr().err

    # The product runs on. Beat's next checkpoint follows #2 in the store,
    # with heads below #2's, and the recorded check fails (the dashboard and
    # contactcenter_audit_last_verification_ok show it).
    after = checkpoints.checkpoint_write(reason="schedule")
    assert after.number == 3 and after.content["previous"] == lost.digest
    audit.audit_chain_check()
    recorded = AuditEvent.objects.filter(action="audit.chain_verified").order_by("-sequence").first().details
    assert recorded["ok"] is False
    for ledger in ("audit", "consent"):
        went_back = f"head went back from #{lost.head(ledger)} at checkpoint #2"
        assert any(problem.startswith(f"{ledger} #") and went_back in problem for problem in recorded["problems"]), (
            recorded["problems"]
        )

    # New events take the sequence numbers checkpoint #2 anchored, with
    # other contents: the walk stops at the first of them and checks
    # nothing after it.
    record(lost.head("audit") - head() + 3)
    later = verified()
    assert not later.ok and later.first_broken == lost.head("audit"), later
    assert "differs from checkpoint #2: rewritten after it was anchored" in later.reason
    assert later.checked == lost.head("audit") - 1 < head()
