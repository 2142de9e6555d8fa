"""Signed checkpoints outside the database catch what the chain alone can't:
events cut from the end, a truncated table, a rolled-back or rewritten
tail, forged purge tombstones, and checkpoints removed from the store.

The attacks run as someone with full access to the database (the tables'
owner, triggers off: ``tampering.tamper``), so everything committed is what
verification sees."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from compliance import audit, checkpoints, evidence, signing
from compliance.chain import AUDIT, chain_head, row_hash
from compliance.models import AuditEvent, ConsentDecision, ConsentEvent, ConsentMethod
from compliance.services import consent_record
from tests.compliance.tampering import owner, tamper
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def record(count: int, action: str = "test.thing") -> None:
    """Append ``count`` events and seal them, as the sealer would."""
    for number in range(count):
        audit.audit_record(action, object_type="call", object_id=number, details={"n": number})
    audit.audit_seal()


def verified() -> evidence.Verification:
    return audit.audit_chain_verify()


def head() -> int | None:
    """The audit chain's head, everything committed sealed first."""
    audit.audit_seal()
    return chain_head(AUDIT, using="default")[0] or None


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
    recorded = AuditEvent.objects.filter(action=checkpoints.RECORDED).order_by("id")
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
        ("DELETE FROM compliance_auditevent WHERE sequence > %s OR sequence IS NULL", [backup["audit"]]),
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
    recorded = AuditEvent.objects.filter(action="audit.chain_verified").order_by("-id").first().details
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


def consent_head() -> int:
    return ConsentEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def backed_up_then_lost(
    before: tuple[int, int] = (3, 2), after: tuple[int, int] = (8, 2)
) -> tuple[checkpoints.Checkpoint, dict[str, int], checkpoints.Checkpoint]:
    """Both ledgers grown (audit events, consent decisions) and anchored by
    a checkpoint, backed up, grown and anchored again: the checkpoint at the
    backup, the heads backed up, and the checkpoint a restore of that
    backup loses."""
    record(before[0])
    decide(before[1])
    kept = checkpoints.checkpoint_write(reason="schedule")
    backup = {"audit": head(), "consent": consent_head()}
    record(after[0])
    decide(after[1])
    lost = checkpoints.checkpoint_write(reason="schedule")
    return kept, backup, lost


def restore(backup: dict[str, int]) -> None:
    """What a restore of the backup does to the ledgers: every row appended after it is gone."""
    tamper(
        ("DELETE FROM compliance_auditevent WHERE sequence > %s OR sequence IS NULL", [backup["audit"]]),
        ("DELETE FROM compliance_consentevent WHERE sequence > %s", [backup["consent"]]),
    )


def acknowledge(reason: str = "INC-4711") -> str:
    out = StringIO()
    call_command("audit_checkpoint", "--after-restore", "--reason", reason, stdout=out)
    return out.getvalue()


def refused(capsys: pytest.CaptureFixture[str], reason: str = "INC-4711") -> str:
    with pytest.raises(SystemExit) as exited:
        call_command("audit_checkpoint", "--after-restore", "--reason", reason)
    assert exited.value.code == 1
    return capsys.readouterr().err


def lost_note(
    restore_checkpoint: checkpoints.Checkpoint, kept: checkpoints.Checkpoint, lost: checkpoints.Checkpoint
) -> str:
    created = restore_checkpoint.content["created_at"]
    return (
        f"restore acknowledged at checkpoint #{restore_checkpoint.number} on {created[:10]} {created[11:16]} UTC: "
        f"audit events #{kept.head('audit') + 1}–#{lost.head('audit')} and "
        f"consent events #{kept.head('consent') + 1}–#{lost.head('consent')} were lost (as checkpoint #{lost.number} "
        "anchored them"
    )


def stored(number: int) -> checkpoints.Checkpoint:
    return checkpoints.parse(number, checkpoints.checkpoint_store().read(number))


@pytest.mark.parametrize(
    ("attack", "found"),
    [
        ("UPDATE compliance_auditevent SET details = '{\"n\": 99}' WHERE sequence = %s", "contents do not match"),
        ("DELETE FROM compliance_auditevent WHERE sequence >= %s", "truncated or rolled back"),
    ],
    ids=["edited", "cut-back"],
)
def test_an_acknowledged_restore_stays_reported_as_lost_and_what_follows_is_verified_in_full(
    capsys, attack, found, admin_client
):
    kept, backup, lost = backed_up_then_lost()
    restore(backup)
    # The README's steps: the failed check is recorded, and beat may write a
    # checkpoint of the restored ledgers before the restore is acknowledged.
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain")
    assert "truncated or rolled back" in capsys.readouterr().err
    checkpoints.checkpoint_write(reason="schedule")

    out = acknowledge("INC-4711 restored last night's dump")

    restore_checkpoint = stored(4)
    assert restore_checkpoint.restore == {
        "reason_sha256": hashlib.sha256(b"INC-4711 restored last night's dump").hexdigest(),
        "superseded": {"from": 2, "to": 2},
        "lost": {
            "audit": {"after": kept.head("audit"), "up_to": lost.head("audit")},
            "consent": {"after": kept.head("consent"), "up_to": lost.head("consent")},
        },
    }
    assert f"restore checkpoint #4 in {checkpoints.checkpoint_store().describe()}" in out
    assert f"audit: events #{kept.head('audit') + 1} to #{lost.head('audit')}" in out
    recorded = AuditEvent.objects.get(action="audit.restored")
    assert recorded.actor_name.startswith("cli:") and recorded.object_id == "4"
    assert recorded.details == {
        "checkpoint": 4,
        **{key: restore_checkpoint.restore[key] for key in ("superseded", "lost")},
    }
    trail = [json.dumps(details) for details in AuditEvent.objects.values_list("details", flat=True)]
    assert not any("INC-4711" in details for details in trail), "no reason text in the trail"
    assert b"INC-4711" not in checkpoints.checkpoint_store().read(4)

    result = audit.audit_chain_check()
    note = lost_note(restore_checkpoint, kept, lost)
    assert result.ok and result.checkpoints == 4, result
    assert note in str(result) and result.details()["notes"][0].startswith(note)
    checked = AuditEvent.objects.filter(action="audit.chain_verified").latest("sequence").details
    assert checked["ok"] is True and checked["notes"][0].startswith(note), "what the dashboard and the metric read"
    page = admin_client.get(reverse("compliance-dashboard")).content.decode()
    assert "intact" in page and escape(note) in page, "the dashboard says what the restore lost"
    assert "nothing to acknowledge" in refused(capsys, "INC-4711 again"), "once per restore"

    # New events take the numbers the restore lost, and a new checkpoint anchors them.
    record(lost.head("audit") - head() + 3)
    decide(3)
    checkpoints.checkpoint_write(reason="schedule")
    record(2)
    call_command("verify_audit_chain", stdout=(out := StringIO()))
    assert note in out.getvalue()
    result = verified()
    assert result.ok and note in str(result), result
    assert (result.checked, result.consent_checked) == (AuditEvent.objects.count(), ConsentEvent.objects.count())

    # Anything done to them afterwards is found, as before any restore.
    reused = AuditEvent.objects.get(sequence=lost.head("audit"))
    assert reused.action == "test.thing" and reused.hash != lost.content["ledgers"]["audit"]["head_hash"]
    tamper((attack, [reused.sequence]))

    result = verified()
    assert not result.ok and found in str(result), result
    assert note in str(result), "the restore stays on record whatever else is found"


def test_events_written_past_the_lost_head_before_the_acknowledgement_are_taken_as_new():
    kept, backup, lost = backed_up_then_lost()
    restore(backup)
    record(lost.head("audit") - head() + 5)
    decide(4)
    later = verified()
    assert not later.ok and "rewritten after it was anchored" in later.reason, later

    acknowledged = evidence.restore_acknowledge(reason="INC-4712")

    assert acknowledged.lost == {
        "audit": (kept.head("audit"), lost.head("audit")),
        "consent": (kept.head("consent"), lost.head("consent")),
    }
    result = verified()
    assert result.ok and result.checked == AuditEvent.objects.count(), result
    assert lost_note(acknowledged.checkpoint, kept, lost) in str(result)


def test_a_restore_is_not_acknowledged_over_a_broken_link(capsys):
    """A restore leaves every link intact; an edit does not, and is not
    a restore to acknowledge."""
    _, backup, _ = backed_up_then_lost()
    restore(backup)
    victim = AuditEvent.objects.filter(action="test.thing").order_by("sequence").first().sequence
    tamper(("UPDATE compliance_auditevent SET details = '{\"n\": 99}' WHERE sequence = %s", [victim]))

    error = refused(capsys)

    assert f"audit chain broken at event #{victim}: contents do not match the hash" in error
    assert "nothing written" in error
    assert checkpoints.checkpoint_store().numbers() == [1, 2]
    assert not AuditEvent.objects.filter(action="audit.restored").exists()
    assert not verified().ok


def test_acknowledging_a_restore_that_lost_nothing_is_refused(capsys):
    record(3)
    decide(1)
    checkpoints.checkpoint_write(reason="schedule")
    record(2)

    assert "nothing to acknowledge" in refused(capsys)

    assert checkpoints.checkpoint_store().numbers() == [1]
    assert not AuditEvent.objects.filter(action="audit.restored").exists()
    with pytest.raises(CommandError):
        call_command("audit_checkpoint", "--after-restore", "--reason", "  ")


def test_an_acknowledgement_without_the_signing_key_changes_nothing(checkpoint_directory):
    """Someone with the database alone can append an ``audit.restored``
    event, or plant a restore checkpoint they can't sign: verification
    reads restores from signed checkpoints only."""
    kept, backup, lost = backed_up_then_lost()
    restore(backup)
    claimed = {
        "superseded": {"from": 2, "to": 2},
        "lost": {
            "audit": {"after": kept.head("audit"), "up_to": lost.head("audit")},
            "consent": {"after": kept.head("consent"), "up_to": lost.head("consent")},
        },
    }
    audit.audit_record("audit.restored", object_type="checkpoint", object_id=3, details={"checkpoint": 3, **claimed})

    result = verified()
    assert not result.ok and "truncated or rolled back" in result.reason and not result.notes, result

    # A restore checkpoint with a genuine signature, lifted from checkpoint #2.
    content = {
        **lost.content,
        "number": 3,
        "previous": lost.digest,
        "ledgers": checkpoints.ledger_state(),
        "restore": {"reason_sha256": "0" * 64, **claimed},
    }
    forged = {"checkpoint": content, "key_id": lost.document["key_id"], "signature": lost.document["signature"]}
    os.chmod(checkpoint_directory, 0o700)
    (Path(checkpoint_directory) / "000000000003.json").write_bytes(checkpoints.document_bytes(forged))

    result = verified()
    assert not result.ok and not result.notes, result
    assert "checkpoints: checkpoint #3 is not signed by a trusted key" in result.problems, result.problems
    assert any("truncated or rolled back" in problem for problem in result.problems), result.problems


def test_a_second_restore_after_an_acknowledged_one_is_acknowledged_the_same_way():
    kept, backup, lost = backed_up_then_lost()
    restore(backup)
    first = evidence.restore_acknowledge(reason="INC-1").checkpoint
    second_kept, second_backup, second_lost = backed_up_then_lost(before=(3, 1), after=(4, 2))
    assert verified().ok

    restore(second_backup)
    assert not verified().ok
    second = evidence.restore_acknowledge(reason="INC-2")

    assert second.superseded == (second_lost.number, second_lost.number)
    assert second.lost == {
        "audit": (second_kept.head("audit"), second_lost.head("audit")),
        "consent": (second_kept.head("consent"), second_lost.head("consent")),
    }
    record(lost.head("audit") - head() + 2)
    checkpoints.checkpoint_write(reason="schedule")
    result = verified()
    assert result.ok and result.checked == AuditEvent.objects.count(), result
    assert len(result.notes) == 2
    assert result.notes[0].startswith(f"restore acknowledged at checkpoint #{first.number} on ")
    assert result.notes[1].startswith(f"restore acknowledged at checkpoint #{second.checkpoint.number} on ")
    assert str(result).count("note: restore acknowledged") == 2
    assert lost_note(first, kept, lost) in result.notes[0]
    assert lost_note(second.checkpoint, second_kept, second_lost) in result.notes[1]


def test_purges_on_either_side_of_an_acknowledged_restore_are_accounted_for():
    """A purge before the backup, and one after the restore whose signed
    tombstones take sequence numbers the restore lost: both verify."""
    record(3, action="test.old")
    audit.audit_purge_before(cutoff=timezone.now())
    kept, backup, lost = backed_up_then_lost()
    restore(backup)
    evidence.restore_acknowledge(reason="INC-4713")
    cutoff = timezone.now()
    record(1, action="test.after")

    audit.audit_purge_before(cutoff=cutoff)
    tombstone = AuditEvent.objects.filter(action=audit.PURGED).latest("sequence")
    assert kept.head("audit") < tombstone.sequence <= lost.head("audit"), "a number the restore lost"
    checkpoints.checkpoint_write(reason="purge")
    record(2)

    result = verified()
    assert result.ok and len(result.notes) == 1, result
