"""The ids of one message are claimed together and applied several to a
transaction: each event still exactly once, one event's failure still its
own, and a transaction no larger than INBOX_APPLY_BATCH events or longer
than INBOX_APPLY_SECONDS.

Which transaction marked an event done is read from PostgreSQL itself: a
row's ``xmin`` is the id of the transaction that last wrote it."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from calls.models import Call, InboundEvent
from calls.services import inbox, twilio_events
from calls.tasks import process_inbound_events
from compliance.models import AuditEvent
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db(transaction=True)

VOICE = "/webhooks/twilio/voice/"
STATUS = "/webhooks/twilio/status/"


def deliver_calls(twilio_post, calls: int) -> list[str]:
    """Each call's first webhook and two status callbacks; returns the calls' sids."""
    sids = []
    for _ in range(calls):
        params = twilio_call_params()
        twilio_post(VOICE, params)
        twilio_post(STATUS, {**params, "CallStatus": "in-progress", "SequenceNumber": "1"})
        twilio_post(STATUS, {**params, "CallStatus": "completed", "SequenceNumber": "2", "CallDuration": "7"})
        sids.append(params["CallSid"])
    return sids


def pending_ids() -> list[int]:
    return list(InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).values_list("pk", flat=True))


def transactions_that_marked(ids: list[int]) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT xmin::text) FROM calls_inboundevent WHERE id = ANY(%s)", [ids])
        return cursor.fetchone()[0]


def assert_each_applied_once(ids: list[int], sids: list[str]) -> None:
    events = InboundEvent.objects.filter(pk__in=ids)
    assert {(event.status, event.attempts) for event in events} == {(InboundEvent.Status.DONE, 1)}
    assert not events.filter(payload__isnull=False).exists(), "every payload is scrubbed"
    accepted = AuditEvent.objects.filter(action="webhook.accepted", object_id__in=[str(pk) for pk in ids])
    assert sorted(int(event.object_id) for event in accepted) == sorted(ids), "one audit event per delivery"
    for call in Call.objects.filter(call_sid__in=sids):
        assert call.status == "completed"
        assert call.status_events.count() == 3


def test_a_message_of_deliveries_is_applied_several_to_a_transaction_each_exactly_once(twilio_post, settings):
    settings.INBOX_APPLY_BATCH, settings.INBOX_APPLY_SECONDS = 4, 60.0
    sids = deliver_calls(twilio_post, calls=3)
    ids = pending_ids()

    process_inbound_events(ids + ids)  # an id twice in a message, as a sweep and a publisher can send it
    process_inbound_events(ids)  # and the whole message again

    assert_each_applied_once(ids, sids)
    assert Call.objects.filter(call_sid__in=sids).count() == 3
    assert transactions_that_marked(ids) == 3, "nine events, at most four to a transaction"


def test_a_transaction_takes_no_more_events_once_its_time_is_up(twilio_post, settings):
    settings.INBOX_APPLY_BATCH, settings.INBOX_APPLY_SECONDS = 25, 0.0
    sids = deliver_calls(twilio_post, calls=2)
    ids = pending_ids()

    process_inbound_events(ids)

    assert_each_applied_once(ids, sids)
    assert transactions_that_marked(ids) == len(ids), "no time allowed: one event to a transaction"


def test_one_failing_delivery_is_its_own_failure_and_the_others_of_its_message_are_applied_once(twilio_post, settings):
    settings.INBOX_APPLY_BATCH, settings.INBOX_APPLY_SECONDS = 25, 60.0
    sids = deliver_calls(twilio_post, calls=3)
    broken_sid = sids[1]
    ids = pending_ids()
    upsert = twilio_events.call_upsert_from_twilio

    def fails_for_one_call(*, data, **kwargs):
        if data["CallSid"] == broken_sid:
            raise ValueError("+14155550100 broke")
        return upsert(data=data, **kwargs)

    with mock.patch("calls.services.twilio_events.call_upsert_from_twilio", side_effect=fails_for_one_call):
        process_inbound_events(ids)

    failed = InboundEvent.objects.filter(call_sid=broken_sid)
    assert {(event.status, event.attempts, event.last_error) for event in failed} == {
        (InboundEvent.Status.PENDING, 1, "builtins.ValueError")
    }
    assert failed.count() == 3 and not failed.filter(payload__isnull=True).exists(), "kept for the retry"
    assert not AuditEvent.objects.filter(action="webhook.accepted", object_id__in=[str(e.pk) for e in failed]).exists()
    assert not Call.objects.filter(call_sid=broken_sid).exists()
    applied = [pk for pk in ids if pk not in {event.pk for event in failed}]
    assert_each_applied_once(applied, [sid for sid in sids if sid != broken_sid])
    assert transactions_that_marked(applied) == len(applied), "after a failure, each event on its own"


def test_an_event_whose_claim_was_taken_back_is_left_out_of_its_transaction(twilio_post, settings):
    settings.INBOX_SWEEP_GRACE_SECONDS = 0
    sids = deliver_calls(twilio_post, calls=2)
    ids = pending_ids()
    # A worker claims the message's events, then stalls before it holds them.
    claimed = inbox._claim(ids)
    stalled = claimed[0]
    InboundEvent.objects.filter(pk=stalled.pk).update(claimed_at=timezone.now() - timedelta(minutes=1))
    for event in claimed[1:]:
        InboundEvent.objects.filter(pk=event.pk).update(claimed_at=timezone.now() + timedelta(minutes=1))
    assert inbox.inbox_sweep().reclaimed == 1
    assert inbox.inbox_process(event_id=stalled.pk), "the next claim applies it"

    assert inbox.inbox_apply_many(events=claimed) == len(ids) - 1, "the stalled worker wakes up"

    assert_each_applied_once([event.pk for event in claimed[1:]], [])
    stalled.refresh_from_db()
    assert (stalled.status, stalled.attempts) == (InboundEvent.Status.DONE, 2)
    assert AuditEvent.objects.filter(action="webhook.accepted", object_id=str(stalled.pk)).count() == 1
    for call in Call.objects.filter(call_sid__in=sids):
        assert call.status_events.count() == 3


def test_a_claim_loads_each_event_as_the_orm_does(twilio_post):
    deliver_calls(twilio_post, calls=1)
    ids = pending_ids()

    claimed = sorted(inbox._claim(ids), key=lambda event: event.pk)

    fields = InboundEvent._meta.concrete_fields
    for event, loaded in zip(claimed, InboundEvent.objects.filter(pk__in=ids).order_by("pk"), strict=True):
        assert [getattr(event, field.attname) for field in fields] == [
            getattr(loaded, field.attname) for field in fields
        ]
        assert isinstance(event.payload, dict) and event.payload, "decrypted, as a queryset loads it"
