"""What waits for the disk and what doesn't (``calls.services.inbox``): an
event's first claim and its applying transaction commit without waiting
for their WAL; a claim of an event put back since, and a transaction that
records a consent decision, wait; so does the read a checkpoint anchors
(``ledger_state``), and with it everything written before it.

The test cluster runs with synchronous commit off (tests/pgserver.py), and
a request's end closes the connection, so each test sets the session back
to PostgreSQL's own default after its webhooks and before the worker's part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from calls.models import InboundEvent
from calls.services import inbox
from compliance.checkpoints import ledger_state
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db(transaction=True)

VOICE, STATUS, GATHER = "/webhooks/twilio/voice/", "/webhooks/twilio/status/", "/webhooks/twilio/gather/"
CONSENT = {"step": "consent", "attempt": 1, "prompt": "2026-11-v1"}


def one(statement: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchone()[0]


@pytest.fixture
def session_waits_for_the_disk() -> Iterator[Callable[[], None]]:
    yield lambda: one("SELECT set_config('synchronous_commit', 'on', false)")
    with connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit")


def in_this_transaction() -> str:
    return one("SELECT current_setting('synchronous_commit')")


def pending() -> list[int]:
    return list(InboundEvent.objects.filter(status="pending").order_by("id").values_list("pk", flat=True))


@pytest.fixture
def seen_while_applying(monkeypatch) -> list[str]:
    """The applying transaction's ``synchronous_commit`` as it marks its event done."""
    seen = []
    mark_done = inbox._mark_done

    def observed(event: InboundEvent) -> None:
        seen.append(in_this_transaction())
        mark_done(event)

    monkeypatch.setattr(inbox, "_mark_done", observed)
    return seen


@pytest.mark.parametrize(("digits", "recorded"), [("1", True), ("2", False)])
def test_applying_commits_without_waiting_but_a_consent_decision_waits(
    twilio_post, session_waits_for_the_disk, seen_while_applying, digits, recorded
):
    params = twilio_call_params(CallStatus="ringing")
    twilio_post(VOICE, params)
    twilio_post(STATUS, {**params, "CallStatus": "in-progress"})
    twilio_post(GATHER, {**params, "CallStatus": "in-progress", "Digits": digits}, query=CONSENT)
    session_waits_for_the_disk()

    with mock.patch("calls.tasks.recording_start.delay") as recording_start:
        for event_id in pending():
            assert inbox.inbox_process(event_id=event_id)

    # The call's ringing and its status, then the caller's decision.
    assert seen_while_applying == ["off", "off", "on"]
    assert recording_start.called is recorded
    assert one("SHOW synchronous_commit") == "on"  # for those transactions only


def test_a_first_claim_commits_without_waiting_and_one_put_back_since_waits(twilio_post, session_waits_for_the_disk):
    params = twilio_call_params(CallStatus="ringing")
    twilio_post(VOICE, params)
    twilio_post(STATUS, {**params, "CallStatus": "in-progress"})
    twilio_post(STATUS, {**params, "CallStatus": "completed", "SequenceNumber": "2"})
    session_waits_for_the_disk()
    failed, swept, first = pending()

    def claimed(event_id: int) -> str:
        # The claim's own statement is its transaction; here it is read inside one.
        with transaction.atomic():
            event = inbox._claim(event_id)
            assert event is not None
            setting = in_this_transaction()
        return setting

    assert claimed(first) == "off"
    # Claimed and failed once, then claimed again.
    event = inbox._claim(failed)
    inbox._record_failure(event, RuntimeError("a bug"))
    # Claimed by a worker the database server went down with: the claim was
    # lost, and the sweep enqueues the event again.
    InboundEvent.objects.filter(pk=swept).update(available_at=timezone.now() - timedelta(minutes=1))
    assert inbox.inbox_sweep().enqueued == 1

    assert [claimed(failed), claimed(swept)] == ["on", "on"]


def test_what_a_checkpoint_anchors_is_on_disk_before_it_is_anchored(twilio_post, session_waits_for_the_disk):
    params = twilio_call_params(CallStatus="ringing")
    twilio_post(VOICE, params)
    twilio_post(STATUS, {**params, "CallStatus": "in-progress"})
    session_waits_for_the_disk()
    for event_id in pending():
        assert inbox.inbox_process(event_id=event_id)
    written = one("SELECT pg_current_wal_insert_lsn()")

    ledger_state()

    assert one(f"SELECT pg_current_wal_flush_lsn() >= '{written}'::pg_lsn")
