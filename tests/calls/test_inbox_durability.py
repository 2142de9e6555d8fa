"""What waits for the disk and what doesn't (``calls.services.inbox``): the
inbox's claim and its applying transaction commit without waiting for
their WAL; a transaction that records a consent decision waits, and so does
the read a checkpoint anchors (``ledger_state``), and with it everything
written before it.

The test cluster runs with synchronous commit off (tests/pgserver.py), and
a request's end closes the connection, so each test sets the session back
to PostgreSQL's own default after its webhooks and before the worker's part.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection

from calls.models import InboundEvent
from calls.services import inbox
from compliance.checkpoints import ledger_state
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db(transaction=True)

VOICE, STATUS, GATHER = "/webhooks/twilio/voice/", "/webhooks/twilio/status/", "/webhooks/twilio/gather/"
CONSENT = {"step": "consent", "attempt": 1, "prompt": "2026-11-v1"}
# Tries for a write to be seen unflushed: PostgreSQL's WAL writer flushes on
# its own every 200 ms, and may do so between a commit and the look after it.
TRIES = 5


def one(statement: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchone()[0]


def session_waits_for_the_disk() -> None:
    one("SELECT set_config('synchronous_commit', 'on', false)")


def unflushed() -> bool:
    """Whether WAL has been written that is not yet on disk."""
    return one("SELECT pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn()")


def pending() -> list[int]:
    return list(InboundEvent.objects.filter(status="pending").order_by("id").values_list("pk", flat=True))


@pytest.fixture
def seen_while_applying(monkeypatch) -> list[str]:
    """The applying transaction's ``synchronous_commit`` as it marks its event done."""
    seen = []
    mark_done = inbox._mark_done

    def observed(event: InboundEvent) -> None:
        seen.append(one("SELECT current_setting('synchronous_commit')"))
        mark_done(event)

    monkeypatch.setattr(inbox, "_mark_done", observed)
    return seen


@pytest.mark.parametrize(("digits", "recorded"), [("1", True), ("2", False)])
def test_applying_commits_without_waiting_but_a_consent_decision_waits(
    twilio_post, seen_while_applying, digits, recorded
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


def test_a_claim_commits_without_waiting(twilio_post):
    params = twilio_call_params(CallStatus="ringing")
    twilio_post(VOICE, params)
    for sequence, status in enumerate(["in-progress", "completed"] * TRIES, start=1):
        twilio_post(STATUS, {**params, "CallStatus": status, "SequenceNumber": str(sequence)})
    session_waits_for_the_disk()

    left_unflushed = []
    for event_id in pending()[:TRIES]:
        assert inbox._claim(event_id) is not None
        left_unflushed.append(unflushed())

    assert any(left_unflushed)


def test_what_a_checkpoint_anchors_is_on_disk_before_it_is_anchored(twilio_post):
    params = twilio_call_params(CallStatus="ringing")
    twilio_post(VOICE, params)
    for sequence in range(1, TRIES + 1):
        twilio_post(STATUS, {**params, "CallStatus": "in-progress", "SequenceNumber": str(sequence)})
    session_waits_for_the_disk()

    for event_id in pending():
        assert inbox.inbox_process(event_id=event_id)
        if unflushed():
            break
    else:
        pytest.fail("no application left its WAL unflushed")
    written = one("SELECT pg_current_wal_insert_lsn()")

    ledger_state()

    assert one(f"SELECT pg_current_wal_flush_lsn() >= '{written}'::pg_lsn")
