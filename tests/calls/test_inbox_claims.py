"""A claim is the worker's while its connection holds the event's row: the
sweep takes a dead worker's claim back at its next run, never a live one's,
and a worker whose claim was taken back applies nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.utils import timezone

from calls.models import Call, InboundEvent
from calls.services import inbox
from compliance.models import AuditEvent
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db(transaction=True)

VOICE = "/webhooks/twilio/voice/"


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing of the worker records it."""


def test_a_live_workers_claim_is_left_alone_and_a_dead_workers_is_taken_back_at_once(twilio_post, settings):
    # No grace: only the row's lock tells a live claim from a dead one.
    settings.INBOX_SWEEP_GRACE_SECONDS = 0
    twilio_post(VOICE, twilio_call_params())
    event = InboundEvent.objects.get()
    applying, die = threading.Event(), threading.Event()

    def apply_until_killed(claimed: InboundEvent) -> None:
        applying.set()
        assert die.wait(10)
        connection.close()  # the process is gone, and its connection with it
        raise WorkerKilled

    def worker() -> None:
        try:
            with mock.patch("calls.services.twilio_events.apply_voice", side_effect=apply_until_killed):
                inbox.inbox_process(event_id=event.pk)
        except WorkerKilled:
            pass
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    assert applying.wait(10)

    assert inbox.inbox_sweep().reclaimed == 0, "a claim whose row is held is a live worker's"
    assert InboundEvent.objects.get(pk=event.pk).status == InboundEvent.Status.PROCESSING

    die.set()
    thread.join(10)
    assert not thread.is_alive()
    assert inbox.inbox_sweep().reclaimed == 1, "the dead worker's claim comes back at the next sweep"
    assert inbox.inbox_process(event_id=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (InboundEvent.Status.DONE, 2), "the killed attempt counts"
    assert Call.objects.get().status_events.count() == 1


def test_a_worker_whose_claim_was_taken_back_applies_nothing(twilio_post, settings):
    settings.INBOX_SWEEP_GRACE_SECONDS = 0
    twilio_post(VOICE, twilio_call_params())
    pending = InboundEvent.objects.filter(status=InboundEvent.Status.PENDING)
    # A worker claims the event, then stalls before it holds the row.
    pending.update(status=InboundEvent.Status.PROCESSING, claimed_at=timezone.now() - timedelta(minutes=1), attempts=1)
    stalled = InboundEvent.objects.get()
    assert inbox.inbox_sweep().reclaimed == 1
    assert inbox.inbox_process(event_id=stalled.pk), "the next claim applies it"

    assert not inbox.inbox_apply(event=stalled), "the stalled worker wakes up to a claim that is no longer its"
    assert inbox.inbox_apply(event=stalled) is False
    stalled.refresh_from_db()
    assert (stalled.status, stalled.attempts, stalled.last_error) == (InboundEvent.Status.DONE, 2, "")
    assert Call.objects.get().status_events.count() == 1
    accepted = AuditEvent.objects.filter(action="webhook.accepted", object_id=str(stalled.pk))
    assert accepted.count() == 1
