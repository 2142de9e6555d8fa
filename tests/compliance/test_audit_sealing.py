"""Audit events are appended unsealed, without a lock, and the sealer links
the committed ones into the chain (``compliance.chain.chain_seal``)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance import audit
from compliance.chain import AUDIT, GENESIS, chain_head, row_hash
from compliance.models import AuditEvent
from tests.loopback import wait_for

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
ROOT = Path(__file__).resolve().parents[2]


def chain_rows() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__isnull=False).order_by("sequence"))


def assert_one_unbroken_chain() -> None:
    """Every row sealed once, numbered 1, 2, 3… without a gap, each linked to
    the one before, and verification agreeing."""
    rows = chain_rows()
    assert [row.sequence for row in rows] == list(range(1, len(rows) + 1))
    previous = GENESIS
    for row in rows:
        assert (row.previous_hash, row.hash) == (previous, row_hash(AUDIT, row)), row.sequence
        previous = row.hash
    result = audit.audit_chain_verify()
    assert result.ok, result


def test_an_append_is_one_insert_and_waits_for_no_one():
    """One statement, no lock: a second writer appends and commits while
    the first still holds its transaction (with its event) open."""
    first_holds = threading.Event()
    second_done = threading.Event()

    def first_writer() -> None:
        try:
            with transaction.atomic():
                audit.audit_record("test.first")
                first_holds.set()
                assert second_done.wait(10), "the second writer waited for the first"
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert first_holds.wait(10)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        audit.audit_record("test.second")
    second_done.set()
    thread.join(10)

    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    assert statements == ["BEGIN", "INSERT", "COMMIT"]

    assert AuditEvent.objects.filter(action__in=["test.first", "test.second"], sequence__isnull=True).count() == 2


def test_the_sealer_links_what_has_committed_and_a_later_commit_joins_the_next_seal():
    audit.audit_seal()
    start, _ = chain_head(AUDIT, using="default")
    open_writer_appended = threading.Event()
    release = threading.Event()

    def open_writer() -> None:
        try:
            with transaction.atomic():
                audit.audit_record("test.late")  # appended first, committed last
                open_writer_appended.set()
                assert release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=open_writer)
    thread.start()
    assert open_writer_appended.wait(10)
    for number in range(3):
        audit.audit_record("test.early", object_id=number)

    assert audit.audit_seal() == 3
    early = AuditEvent.objects.filter(action="test.early").order_by("sequence")
    assert list(early.values_list("sequence", flat=True)) == [start + 1, start + 2, start + 3]
    release.set()
    thread.join(10)
    assert audit.audit_seal() == 1
    assert AuditEvent.objects.get(action="test.late").sequence == start + 4
    assert_one_unbroken_chain()


def test_a_round_with_nothing_to_seal_is_one_statement_and_takes_no_lock():
    """The sealer's rounds between bursts: what they cost at rest."""
    audit.audit_seal()  # what the database's set-up appended
    audit.audit_record("test.pending")
    with CaptureQueriesContext(connection) as queries:
        assert audit.audit_seal() == 1
    assert any("pg_advisory_xact_lock" in query["sql"] for query in queries), "a round with work takes the lock"

    with CaptureQueriesContext(connection) as queries:
        assert audit.audit_seal() == 0
    assert [query["sql"] for query in queries] == [
        'SELECT 1 FROM "compliance_auditevent" WHERE sequence IS NULL LIMIT 1'
    ]


def test_a_rolled_back_append_leaves_no_gap():
    audit.audit_record("test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.audit_record("test.gone")
        raise RuntimeError("the caller's transaction fails")
    audit.audit_record("test.kept")

    audit.audit_seal()

    assert not AuditEvent.objects.filter(action="test.gone").exists()
    assert_one_unbroken_chain()


def test_concurrent_writers_and_sealers_make_one_chain():
    """Eight writers appending in transactions of one to three events (some
    rolled back) while three sealers race: every committed event is sealed
    exactly once, in one gapless chain that verifies."""
    writers, per_writer, failures = 8, 25, []
    committed = threading.Semaphore(0)
    stop = threading.Event()

    def writer(number: int) -> None:
        chooser = random.Random(number)
        try:
            for index in range(per_writer):
                try:
                    with transaction.atomic():
                        for part in range(chooser.randint(1, 3)):
                            audit.audit_record("test.concurrent", object_id=f"{number}.{index}.{part}")
                        if chooser.random() < 0.2:
                            raise LookupError("rolled back")
                except LookupError:
                    continue
                committed.release()
        except Exception as error:  # noqa: BLE001  (reported by the test)
            failures.append(error)
        finally:
            connections.close_all()

    def sealer() -> None:
        try:
            while not stop.is_set():
                audit.audit_seal(wait=False)
        except Exception as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(writers)]
    sealers = [threading.Thread(target=sealer) for _ in range(3)]
    for thread in [*sealers, *threads]:
        thread.start()
    for thread in threads:
        thread.join(60)
    stop.set()
    for thread in sealers:
        thread.join(60)
    audit.audit_seal()

    assert not failures, failures
    appended = AuditEvent.objects.filter(action="test.concurrent")
    assert appended.count() > writers * per_writer * 0.5
    assert not appended.filter(sequence__isnull=True).exists()
    assert_one_unbroken_chain()


def refused(statement: str, params: list) -> str:
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(raised.value)


def test_the_runtime_role_may_fill_the_chain_columns_once_and_nothing_else():
    audit.audit_record("test.sealed")
    audit.audit_seal()
    sealed = AuditEvent.objects.get(action="test.sealed")
    audit.audit_record("test.unsealed")
    unsealed = AuditEvent.objects.get(action="test.unsealed")

    for statement, params in [
        ("UPDATE compliance_auditevent SET sequence = sequence + 1000 WHERE id = %s", [sealed.pk]),
        ("UPDATE compliance_auditevent SET hash = %s WHERE id = %s", ["f" * 64, sealed.pk]),
        ("UPDATE compliance_auditevent SET previous_hash = NULL WHERE id = %s", [sealed.pk]),
        (
            "UPDATE compliance_auditevent SET sequence = NULL, previous_hash = NULL, hash = NULL WHERE id = %s",
            [sealed.pk],
        ),
        ("UPDATE compliance_auditevent SET action = 'x', sequence = 999999 WHERE id = %s", [unsealed.pk]),
        ("UPDATE compliance_auditevent SET details = '{}' WHERE id = %s", [unsealed.pk]),
    ]:
        message = refused(statement, params)
        assert "append-only ledger" in message or "permission denied" in message, (statement, message)

    assert AuditEvent.objects.get(pk=sealed.pk).hash == sealed.hash
    assert AuditEvent.objects.get(pk=unsealed.pk).action == "test.unsealed"
    assert audit.audit_seal() == 1
    assert_one_unbroken_chain()


def test_a_purge_seals_its_tombstones_before_it_commits():
    for number in range(4):
        audit.audit_record("test.old", object_id=number)
    audit.audit_record("test.waiting")  # committed, not yet sealed

    deleted = audit.audit_purge_before(cutoff=timezone.now())

    assert deleted
    assert not AuditEvent.objects.filter(sequence__isnull=True).exists()
    assert AuditEvent.objects.filter(action=audit.PURGED).count() >= 1
    assert audit.audit_chain_verify().ok


def test_the_sealer_process_seals_until_it_is_stopped():
    database = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings.test",
        "DJANGO_READ_DOT_ENV": "0",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "audit_seal", "--follow", "--interval", "0.05"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        for number in range(5):
            audit.audit_record("test.followed", object_id=number)
        wait_for(
            lambda: not AuditEvent.objects.filter(action="test.followed", sequence__isnull=True).exists(),
            60,
            "the sealer to seal the events",
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            pytest.fail(f"the sealer did not stop on SIGTERM:\n{output}")
    assert process.returncode == 0, output
    assert_one_unbroken_chain()
