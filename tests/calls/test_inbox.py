from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import Call, InboundEvent
from calls.services import inbox
from calls.services.inbox_publisher import BATCH_SIZE, InboxPublisher, publisher
from calls.tasks import process_inbound_events
from contactcenter.celery import app as celery_app
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db

VOICE = "/webhooks/twilio/voice/"


@pytest.mark.skipif(not celery_app.conf.broker_url.startswith("memory://"), reason="reads the in-memory broker")
def test_only_the_event_id_reaches_the_broker(twilio_post, django_capture_on_commit_callbacks):
    with celery_app.connection_for_write() as connection:
        connection.SimpleQueue("celery").clear()  # what earlier tests left in the in-memory broker
    params = twilio_call_params()
    with django_capture_on_commit_callbacks(execute=True):
        twilio_post(VOICE, params)
    assert publisher.flush(timeout=5)

    event = InboundEvent.objects.get()
    with celery_app.connection_for_read() as connection:
        message = connection.SimpleQueue("celery").get(timeout=2)
        message.ack()
    assert message.headers["task"] == "calls.tasks.process_inbound_events"
    assert json.loads(message.body)[0] == [[event.pk]]
    whole_message = json.dumps([message.headers, message.body, message.properties], default=str)
    for value in (params["From"], params["To"], params["CallSid"], "FromState"):
        assert value not in whole_message


@pytest.mark.parametrize("deliver", ["twilio", "vapi"])
def test_a_webhook_is_stored_by_one_statement_without_savepoints(deliver, twilio_post, client):
    from tests.calls import vapi_messages as vapi

    with CaptureQueriesContext(connection) as queries:
        if deliver == "twilio":
            response = twilio_post(VOICE, twilio_call_params())
        else:
            response = vapi.post(client, vapi.status_update(vapi.new_call(), "ringing"))

    assert response.status_code == 200
    assert [query["sql"].split(" (")[0] for query in queries] == ['INSERT INTO "calls_inboundevent"']


def test_a_redelivery_adds_no_row_and_counts_the_delivery(twilio_post):
    params = twilio_call_params()
    first = twilio_post(VOICE, params)
    second = twilio_post(VOICE, params)

    assert second.content == first.content
    assert InboundEvent.objects.get().deliveries == 2


def test_publisher_sends_what_gathers_while_it_is_busy_as_one_message():
    sender = InboxPublisher()
    ids = list(range(1, 122))
    all_submitted = threading.Event()
    with mock.patch(
        "calls.tasks.process_inbound_events.delay", autospec=True, side_effect=lambda batch: all_submitted.wait(5)
    ) as delay:
        for event_id in ids:
            sender.submit(event_id)
        all_submitted.set()
        assert sender.flush(timeout=5)

    batches = [call.args[0] for call in delay.call_args_list]
    assert sorted(event_id for batch in batches for event_id in batch) == ids
    # The first message went alone; the other 120 or fewer gathered while it was being sent.
    assert len(batches) <= 1 + 3
    assert max(len(batch) for batch in batches) <= BATCH_SIZE


def test_a_busy_publisher_gathers_ids_for_a_while_and_a_quiet_one_sends_at_once():
    gather = 1.5
    sender = InboxPublisher(gather_seconds=gather)
    with mock.patch("calls.tasks.process_inbound_events.delay", autospec=True) as delay:
        sender.submit(1)
        assert sender.flush(timeout=gather / 3)  # quiet: out at once
        sent_first = time.monotonic()
        for event_id in (2, 3, 4):
            sender.submit(event_id)
        assert not sender.flush(timeout=gather / 5)  # busy: gathering
        assert sender.flush(timeout=5)
        sent_second = time.monotonic()
        time.sleep(gather)
        sender.submit(5)
        assert sender.flush(timeout=gather / 3)  # quiet again

    assert [call.args[0] for call in delay.call_args_list] == [[1], [2, 3, 4], [5]]
    assert sent_second - sent_first >= gather * 0.9


def test_publisher_survives_a_broker_failure_and_leaves_the_events_to_the_sweep(caplog):
    sender = InboxPublisher()
    with mock.patch("calls.tasks.process_inbound_events.delay", autospec=True, side_effect=OSError("refused")):
        sender.submit(7)
        assert sender.flush(timeout=5)
    with mock.patch("calls.tasks.process_inbound_events.delay", autospec=True) as delay:
        sender.submit(8)
        assert sender.flush(timeout=5)

    failure = next(record for record in caplog.records if record.getMessage() == "inbox.enqueue_failed")
    assert (failure.events, failure.error) == (1, "OSError")
    delay.assert_called_once_with([8])


def test_event_whose_enqueue_was_lost_is_processed_by_the_sweep(twilio_post, settings):
    twilio_post(VOICE, twilio_call_params())  # on-commit enqueue never runs: callbacks are not executed
    event = InboundEvent.objects.get()
    InboundEvent.objects.filter(pk=event.pk).update(available_at=timezone.now() - timedelta(minutes=5))

    with mock.patch("calls.tasks.process_inbound_events.delay", autospec=True) as delay:
        with mock.patch("django.db.transaction.on_commit", side_effect=lambda callback, **kwargs: callback()):
            result = inbox.inbox_sweep()

    assert result.enqueued == 1
    delay.assert_called_once_with([event.pk])
    process_inbound_events([event.pk])
    assert Call.objects.filter(call_sid=event.call_sid).exists()
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.DONE


def test_fresh_pending_event_is_left_to_its_own_enqueue(twilio_post):
    twilio_post(VOICE, twilio_call_params())

    with mock.patch("calls.tasks.process_inbound_events.delay", autospec=True) as delay:
        result = inbox.inbox_sweep()

    assert result.enqueued == 0
    delay.assert_not_called()


def test_sweep_does_not_enqueue_the_same_event_twice_in_a_row(twilio_post):
    twilio_post(VOICE, twilio_call_params())
    InboundEvent.objects.update(available_at=timezone.now() - timedelta(minutes=5))

    first = inbox.inbox_sweep()
    second = inbox.inbox_sweep()

    assert (first.enqueued, second.enqueued) == (1, 0)


def test_event_claimed_by_a_dead_worker_is_claimed_again(twilio_post):
    twilio_post(VOICE, twilio_call_params())
    event = InboundEvent.objects.get()
    InboundEvent.objects.filter(pk=event.pk).update(
        status=InboundEvent.Status.PROCESSING, claimed_at=timezone.now() - timedelta(hours=1), attempts=1
    )

    assert not inbox.inbox_process(event_id=event.pk), "a claimed event is not processed twice"
    result = inbox.inbox_sweep()

    assert result.reclaimed == 1
    assert inbox.inbox_process(event_id=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (InboundEvent.Status.DONE, 2)


def test_processing_twice_applies_once(twilio_post):
    twilio_post(VOICE, twilio_call_params())
    event = InboundEvent.objects.get()

    assert inbox.inbox_process(event_id=event.pk)
    assert not inbox.inbox_process(event_id=event.pk)
    assert Call.objects.get().status_events.count() == 1


def test_failure_is_recorded_without_its_message_and_retried_with_backoff(twilio_post):
    twilio_post(VOICE, twilio_call_params())
    event = InboundEvent.objects.get()

    with mock.patch(
        "calls.services.twilio_events.call_upsert_from_twilio",
        autospec=True,
        side_effect=ValueError("+14155550100 broke"),
    ):
        assert not inbox.inbox_process(event_id=event.pk)

    event.refresh_from_db()
    assert event.status == InboundEvent.Status.PENDING
    assert event.last_error == "builtins.ValueError"
    assert event.available_at > timezone.now()
    assert event.payload is not None, "kept for the retry"
    assert not Call.objects.exists(), "nothing of the failed attempt is kept"


def test_event_fails_for_good_after_the_last_attempt(twilio_post, settings):
    settings.INBOX_MAX_ATTEMPTS = 2
    twilio_post(VOICE, twilio_call_params())
    event = InboundEvent.objects.get()

    with mock.patch("calls.services.twilio_events.call_upsert_from_twilio", autospec=True, side_effect=RuntimeError):
        inbox.inbox_process(event_id=event.pk)
        inbox.inbox_process(event_id=event.pk)

    event.refresh_from_db()
    assert (event.status, event.attempts) == (InboundEvent.Status.FAILED, 2)


def test_raw_payload_of_an_unprocessed_event_is_destroyed_at_the_deadline(twilio_post, settings):
    twilio_post(VOICE, twilio_call_params())
    InboundEvent.objects.update(
        status=InboundEvent.Status.FAILED,
        received_at=timezone.now() - timedelta(seconds=settings.INBOX_RAW_PAYLOAD_MAX_AGE_SECONDS + 1),
    )

    result = inbox.inbox_sweep()

    event = InboundEvent.objects.get()
    assert result.scrubbed == 1
    assert event.payload is None and event.payload_scrubbed_at is not None
    assert len(event.payload_sha256) == 64


def test_a_claim_loads_the_event_as_a_queryset_does(twilio_post):
    twilio_post(VOICE, twilio_call_params())
    pending = InboundEvent.objects.get()

    claimed = inbox._claim(pending.pk)

    loaded = InboundEvent.objects.get(pk=pending.pk)
    fields = InboundEvent._meta.concrete_fields
    assert [getattr(claimed, field.attname) for field in fields] == [getattr(loaded, field.attname) for field in fields]
    assert claimed.payload == pending.payload and claimed.payload, "decrypted, as a queryset loads it"
    assert (claimed.status, claimed.attempts) == (InboundEvent.Status.PROCESSING, 1)
    assert inbox._claim(pending.pk) is None, "claimed once"
