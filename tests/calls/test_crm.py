from __future__ import annotations

import dataclasses
import hashlib
import hmac
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from calls.integrations import crm as crm_api
from calls.models import Call, CrmDelivery, InboundEvent, TranscriptSegment
from calls.services import crm, inbox, outbox
from compliance.audit import Actor
from compliance.crypto import identifier_hash
from compliance.models import AuditEvent
from compliance.redaction import redact
from compliance.roles import COMPLIANCE_OFFICER
from compliance.subjects import subject_erase, subject_hash
from tests.calls import vapi_messages as vapi
from tests.crm_api import FakeCrm
from tests.factories import (
    CARD_NUMBER,
    CARD_NUMBER_TRACES,
    CallFactory,
    SegmentFactory,
    staff_member,
    twilio_call_params,
)

pytestmark = pytest.mark.django_db

CALLER = "+14155550123"
SECRET = "test-crm-webhook-secret"


@pytest.fixture
def fake_crm():
    server = FakeCrm().start()
    yield server
    server.stop()


@pytest.fixture
def webhook_crm(settings, fake_crm):
    settings.CRM_ADAPTER = "webhook"
    settings.CRM_WEBHOOK_URL = f"{fake_crm.url}/hook"
    settings.CRM_WEBHOOK_SECRET = SECRET
    settings.CRM_READ_TIMEOUT_SECONDS = 0.5
    settings.CRM_MAX_ATTEMPTS = 3
    return fake_crm


@pytest.fixture
def hubspot_crm(settings, fake_crm):
    settings.CRM_ADAPTER = "hubspot"
    settings.HUBSPOT_BASE_URL = fake_crm.url
    settings.HUBSPOT_ACCESS_TOKEN = "test-hubspot-token"
    return fake_crm


def played_call(twilio_post, speech: str) -> Call:
    """A real call: a spoken menu answer, then completion, through the inbox."""
    params = twilio_call_params(From=CALLER, Caller=CALLER, CallStatus="in-progress", SpeechResult=speech)
    twilio_post("/webhooks/twilio/gather/", {**params, "Confidence": "0.9"}, query={"step": "menu", "attempt": 1})
    completed = {**params, "CallStatus": "completed", "CallDuration": "42", "SequenceNumber": "3"}
    del completed["SpeechResult"]
    twilio_post("/webhooks/twilio/status/", completed)
    for event in InboundEvent.objects.order_by("id"):
        inbox.inbox_process(event_id=event.pk)
    return Call.objects.get(call_sid=params["CallSid"])


def test_one_outbox_row_appears_once_the_call_ended_and_its_transcript_is_redacted(webhook_crm, twilio_post):
    call = played_call(twilio_post, f"billing, my card is {CARD_NUMBER}")
    crm.crm_call_ready(call=call)  # and again, as a late callback would

    delivery = CrmDelivery.objects.get()
    assert (delivery.kind, delivery.key, delivery.status, delivery.version) == ("call", call.call_sid, "pending", 1)


def test_a_segment_still_awaiting_redaction_holds_the_row_back(webhook_crm, twilio_post):
    call = played_call(twilio_post, "billing please")
    CrmDelivery.objects.all().delete()
    TranscriptSegment.objects.update(status=TranscriptSegment.Status.PENDING, text="")

    assert crm.crm_call_ready(call=call) is None and not CrmDelivery.objects.exists()

    TranscriptSegment.objects.update(status=TranscriptSegment.Status.REDACTED, text="billing please")
    assert crm.crm_call_ready(call=call) is not None and CrmDelivery.objects.count() == 1


def test_nothing_is_queued_without_a_crm(twilio_post):
    played_call(twilio_post, "billing please")

    assert not CrmDelivery.objects.exists()


def test_the_webhook_is_signed_carries_an_idempotency_key_and_only_redacted_words(webhook_crm, twilio_post):
    call = played_call(twilio_post, f"billing, my card is {CARD_NUMBER}")
    delivery = CrmDelivery.objects.get()

    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"

    (sent,) = webhook_crm.requests
    expected = hmac.new(SECRET.encode(), f"{sent.headers['X-Timestamp']}.".encode() + sent.body, hashlib.sha256)
    assert sent.headers["X-Signature"] == expected.hexdigest()
    assert sent.headers["Idempotency-Key"] == f"{delivery.pk}-v1"
    data = sent.json["data"]
    assert sent.json["type"] == "call.completed" and data["call_sid"] == call.call_sid
    assert data["subject_id"] == identifier_hash(CALLER) and data["duration_seconds"] == 42
    assert [line["text"] for line in data["transcript"]] == ["billing, my card is [CREDIT_CARD]"]
    body = sent.body.decode()
    assert not any(trace in body for trace in CARD_NUMBER_TRACES) and "4155550123" not in body
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.delivered_sha256


@pytest.mark.parametrize("adapter", ["webhook_crm", "hubspot_crm"])
def test_no_outgoing_body_holds_anything_the_redaction_engine_finds(adapter, request, twilio_post):
    fake = request.getfixturevalue(adapter)
    played_call(
        twilio_post,
        f"this is Dana Whitfield, my card is {CARD_NUMBER}, email dana at example dot com, "
        "call me on four one five five five five zero one two three",
    )
    subject_erase(subject=subject_hash("+14155550199"))  # another caller: an erasure body too
    for delivery in CrmDelivery.objects.all():
        assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"

    assert len(fake.requests) >= 2
    for sent in fake.requests:
        body = sent.body.decode()
        found = [(entity.type, body[entity.start : entity.end]) for entity in redact(body).entities]
        assert found == [], f"{sent.path} carried {found}"


def test_hubspot_gets_a_contact_by_pseudonym_and_a_call_activity_associated_with_it(hubspot_crm, twilio_post):
    played_call(twilio_post, f"billing, my card is {CARD_NUMBER}")

    crm.crm_deliver(delivery_id=CrmDelivery.objects.get().pk)

    contact, activity = hubspot_crm.requests
    assert contact.path == "/crm/v3/objects/contacts/batch/upsert"
    assert contact.json["inputs"][0] == {"idProperty": "cc_subject_id", "id": identifier_hash(CALLER), "properties": {}}
    assert activity.path == "/crm/v3/objects/calls"
    assert activity.headers["Authorization"] == "Bearer test-hubspot-token"
    properties = activity.json["properties"]
    assert properties["hs_call_body"] == "caller: billing, my card is [CREDIT_CARD]"
    assert properties["hs_call_duration"] == "42000" and properties["hs_call_direction"] == "INBOUND"
    assert activity.json["associations"][0]["to"] == {"id": "101"}


def completed_call_delivery() -> CrmDelivery:
    call = CallFactory(status=Call.Status.COMPLETED)
    return crm.crm_call_ready(call=call)


def test_a_5xx_is_retried_with_backoff_under_the_same_idempotency_key(webhook_crm):
    delivery = completed_call_delivery()
    webhook_crm.scripted = [(503, 0.0)]

    assert crm.crm_deliver(delivery_id=delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status == 503
    assert delivery.available_at > timezone.now() + timedelta(seconds=4), "backoff of 5-10 s"
    assert crm.crm_deliver(delivery_id=delivery.pk) == "not due"

    CrmDelivery.objects.filter(pk=delivery.pk).update(available_at=timezone.now())
    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    first, second = webhook_crm.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == f"{delivery.pk}-v1"


def test_timeouts_and_refused_connections_are_transient(webhook_crm, settings):
    delivery = completed_call_delivery()
    webhook_crm.scripted = [(0, 1.0)]  # slower than the 0.5 s read timeout

    assert crm.crm_deliver(delivery_id=delivery.pk) == "pending"
    assert "ReadTimeout" in CrmDelivery.objects.get(pk=delivery.pk).last_error

    settings.CRM_WEBHOOK_URL = "http://127.0.0.1:9/hook"  # nothing listens there
    CrmDelivery.objects.filter(pk=delivery.pk).update(available_at=timezone.now())
    assert crm.crm_deliver(delivery_id=delivery.pk) == "pending"
    assert "ConnectionError" in CrmDelivery.objects.get(pk=delivery.pk).last_error


def test_attempts_run_out_into_the_dead_letters(webhook_crm):
    delivery = completed_call_delivery()
    webhook_crm.scripted = [(500, 0.0)] * 3

    for _ in range(3):
        CrmDelivery.objects.filter(pk=delivery.pk).update(available_at=timezone.now())
        outcome = crm.crm_deliver(delivery_id=delivery.pk)

    assert outcome == "dead"
    assert AuditEvent.objects.get(action="crm.dead").details == {"kind": "call", "attempts": 3, "status": 500}


def test_a_4xx_goes_straight_to_the_dead_letters(webhook_crm):
    delivery = completed_call_delivery()
    webhook_crm.scripted = [(422, 0.0)]

    assert crm.crm_deliver(delivery_id=delivery.pk) == "dead"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (
        1,
        422,
        "CRM webhook call.completed failed: HTTP 422",
    )


def test_a_changed_transcript_is_sent_again_as_a_new_version_and_an_unchanged_one_is_not(webhook_crm):
    call = CallFactory(status=Call.Status.COMPLETED)
    delivery = crm.crm_call_ready(call=call)
    crm.crm_deliver(delivery_id=delivery.pk)

    crm.crm_call_ready(call=call)  # nothing changed
    crm.crm_deliver(delivery_id=delivery.pk)
    assert len(webhook_crm.requests) == 1

    SegmentFactory(call=call, speaker="summary", text="caller asked about billing")
    crm.crm_call_ready(call=call)
    crm.crm_deliver(delivery_id=delivery.pk)

    assert len(webhook_crm.requests) == 2
    assert webhook_crm.requests[1].headers["Idempotency-Key"] == f"{delivery.pk}-v3"
    assert webhook_crm.requests[1].json["data"]["transcript"][0]["text"] == "caller asked about billing"


def test_a_call_s_write_waits_out_the_settle_window_and_carries_what_came_meanwhile(
    webhook_crm, settings, django_capture_on_commit_callbacks
):
    """Vapi's end-of-call report follows the call's last status by seconds:
    one write with the report's words, not a write and then a second version."""
    settings.CRM_SETTLE_SECONDS = 10
    call = CallFactory(status=Call.Status.COMPLETED)
    with (
        mock.patch("calls.tasks.crm_deliver.apply_async") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        delivery = crm.crm_call_ready(call=call)
    (enqueued,) = sent.call_args_list
    assert enqueued.args == ((delivery.pk,),) and enqueued.kwargs == {"countdown": 10}
    assert timedelta(seconds=9) < delivery.available_at - timezone.now() <= timedelta(seconds=10)
    assert crm.crm_deliver(delivery_id=delivery.pk) == "not due" and not webhook_crm.requests

    SegmentFactory(call=call, speaker="summary", text="caller asked about billing")
    assert crm.crm_call_ready(call=call) is None, "the waiting row sends the words as they are then"

    CrmDelivery.objects.filter(pk=delivery.pk).update(available_at=timezone.now())
    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    (sent_once,) = webhook_crm.requests
    assert sent_once.headers["Idempotency-Key"] == f"{delivery.pk}-v1"
    assert [line["text"] for line in sent_once.json["data"]["transcript"]] == ["caller asked about billing"]


def idempotency_keys(crm_api) -> list[str]:  # noqa: ANN001
    """The keys the CRM was sent, in order."""
    return [request.headers["Idempotency-Key"] for request in crm_api.requests]


def apply_pending() -> None:
    for event_id in InboundEvent.objects.filter(status="pending").order_by("id").values_list("pk", flat=True):
        assert inbox.inbox_process(event_id=event_id), InboundEvent.objects.get(pk=event_id).last_error


def vapi_deliveries(client, django_capture_on_commit_callbacks, *bodies) -> list[tuple]:  # noqa: ANN001
    """Post and apply ``bodies`` in turn; the CRM messages it enqueued."""
    with (
        mock.patch("calls.tasks.crm_deliver.apply_async") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        for body in bodies:
            assert vapi.post(client, body).status_code == 200
            apply_pending()
    return [enqueued.args for enqueued in sent.call_args_list]


@pytest.mark.parametrize("report_first", [False, True])
def test_a_vapi_call_is_written_once_its_end_of_call_report_is_in(
    client, webhook_crm, django_capture_on_commit_callbacks, report_first
):
    """The report follows the call's last status by seconds and holds its
    whole transcript: one write, with the report's words, in whichever order
    the two come; not a write at the status and a second version after."""
    call = vapi.new_call()
    ended = vapi.status_update(call, "ended", endedReason="customer-ended-call")
    report = vapi.end_of_call_report(call, [("user", "I'd like to check my balance.")], summary="Balance asked.")

    if not report_first:
        assert vapi_deliveries(client, django_capture_on_commit_callbacks, ended) == [], "nothing sent yet"
        waiting = CrmDelivery.objects.get()
        assert (waiting.status, waiting.version) == ("pending", 1)
        assert waiting.available_at > timezone.now() + timedelta(seconds=settings.CRM_REPORT_WAIT_SECONDS - 5)
    sent = vapi_deliveries(client, django_capture_on_commit_callbacks, *([report, ended] if report_first else [report]))

    delivery = CrmDelivery.objects.get()
    assert sent == [((delivery.pk,),)], "sent once, when the report is in"
    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    (written,) = webhook_crm.requests
    assert written.headers["Idempotency-Key"] == f"{delivery.pk}-v1"
    assert [line["text"] for line in written.json["data"]["transcript"]] == [
        "I'd like to check my balance.", "Balance asked.",
    ]  # fmt: skip


@pytest.mark.parametrize("case", ["nothing said", "after the wait ran out", "no wait"])
def test_a_vapi_call_s_report_sends_its_write_whatever_it_holds_and_however_late(
    client, webhook_crm, settings, django_capture_on_commit_callbacks, case
):
    """A report with no words, one that comes after the wait has run out
    (the inbox behind), and a deployment that does not wait for reports."""
    if case == "no wait":
        settings.CRM_REPORT_WAIT_SECONDS = 0
    call = vapi.new_call()
    ended = vapi.status_update(call, "ended", endedReason="customer-did-not-answer")
    report = vapi.end_of_call_report(call, [] if case == "nothing said" else [("user", "Hello?")], recording=False)

    at_the_status = vapi_deliveries(client, django_capture_on_commit_callbacks, ended)
    delivery = CrmDelivery.objects.get()
    assert at_the_status == ([((delivery.pk,),)] if case == "no wait" else [])
    if case == "after the wait ran out":
        CrmDelivery.objects.update(available_at=timezone.now() - timedelta(seconds=30))
    at_the_report = vapi_deliveries(client, django_capture_on_commit_callbacks, report)

    assert at_the_report == ([] if case == "no wait" else [((delivery.pk,),)]), "one message in all"
    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    (written,) = webhook_crm.requests
    assert written.headers["Idempotency-Key"] == f"{delivery.pk}-v1"


def test_a_vapi_call_whose_report_never_comes_is_written_by_the_sweep_and_again_when_it_comes(
    client, webhook_crm, settings, django_capture_on_commit_callbacks
):
    settings.CRM_REPORT_WAIT_SECONDS = 60
    call = vapi.new_call()
    said = vapi.transcript(call, "I'd like to check my balance.", role="user")
    ended = vapi.status_update(call, "ended", endedReason="customer-ended-call")
    assert vapi_deliveries(client, django_capture_on_commit_callbacks, said, ended) == []
    delivery = CrmDelivery.objects.get()
    with mock.patch.object(crm, "_enqueue") as enqueue:
        assert crm.crm_sweep() == (0, 0), "not due before the wait is out"
        CrmDelivery.objects.update(available_at=timezone.now() - outbox.SWEEP_GRACE)
        assert crm.crm_sweep() == (0, 1)
    enqueue.assert_called_once_with(delivery.pk)
    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"

    late = vapi.transcript(call, "Thanks, bye.", role="user")
    assert vapi_deliveries(client, django_capture_on_commit_callbacks, late) == [], "still waiting for the report"
    assert CrmDelivery.objects.get().available_at > timezone.now() + timedelta(seconds=55)
    report = vapi.end_of_call_report(call, [("user", "I'd like to check my balance.")], summary="Balance asked.")
    assert vapi_deliveries(client, django_capture_on_commit_callbacks, report) == [((delivery.pk,),)]
    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    assert idempotency_keys(webhook_crm) == [f"{delivery.pk}-v1", f"{delivery.pk}-v2"]
    first, second = webhook_crm.requests
    assert [line["text"] for line in first.json["data"]["transcript"]] == ["I'd like to check my balance."]
    assert [line["text"] for line in second.json["data"]["transcript"]][-1] == "Balance asked."


@pytest.mark.parametrize("settle", [0, 10])
def test_words_that_change_while_a_version_is_sent_go_in_the_next_one(webhook_crm, settings, settle):
    """The body on its way was read before the report's words were stored:
    once that send ends, the row is due again with a new version."""
    settings.CRM_SETTLE_SECONDS = settle
    call = CallFactory(status=Call.Status.COMPLETED)
    delivery = crm.crm_call_ready(call=call)
    CrmDelivery.objects.filter(pk=delivery.pk).update(available_at=timezone.now())
    real_sync = crm_api.WebhookAdapter.sync_call

    def sync_while_words_arrive(adapter, record, *, idempotency_key):
        real_sync(adapter, record, idempotency_key=idempotency_key)
        SegmentFactory(call=call, speaker="summary", text="caller asked about billing")
        assert crm.crm_call_ready(call=call) is None, "sent again once this send ends, not beside it"

    with (
        mock.patch.object(crm, "_enqueue") as enqueue,
        mock.patch.object(crm_api.WebhookAdapter, "sync_call", autospec=True, side_effect=sync_while_words_arrive),
    ):
        assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    enqueue.assert_called_once_with(delivery.pk, countdown=settle)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.version, delivery.attempts) == ("pending", 2, 0)
    assert delivery.available_at > timezone.now() + timedelta(seconds=settle - 1), "due after the window"
    assert delivery.delivered_sha256, "what was sent is known, so an unchanged body is not sent again"

    CrmDelivery.objects.filter(pk=delivery.pk).update(available_at=timezone.now())
    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    assert idempotency_keys(webhook_crm) == [f"{delivery.pk}-v1", f"{delivery.pk}-v2"]
    first, second = webhook_crm.requests
    assert first.json["data"]["transcript"] == []
    assert [line["text"] for line in second.json["data"]["transcript"]] == ["caller asked about billing"]
    assert CrmDelivery.objects.get(pk=delivery.pk).status == "delivered"


@pytest.mark.parametrize("failure", ["timed out", "dead-lettered"])
def test_words_that_change_after_a_failed_attempt_go_under_a_key_the_crm_has_not_seen(webhook_crm, failure):
    """The CRM may have taken the first body though the answer never came
    (a read timeout), and keeps the first body it got for a key: the new
    words need a new version, sent by the retry (or an operator's)."""
    call = CallFactory(status=Call.Status.COMPLETED)
    delivery = crm.crm_call_ready(call=call)
    webhook_crm.scripted = [(0, 1.0)] if failure == "timed out" else [(400, 0.0)]
    assert crm.crm_deliver(delivery_id=delivery.pk) == ("pending" if failure == "timed out" else "dead")

    SegmentFactory(call=call, speaker="summary", text="caller asked about billing")
    with mock.patch.object(crm, "_enqueue") as enqueue:
        assert crm.crm_call_ready(call=call) is None, "its retry sends it"
    enqueue.assert_not_called()
    row = CrmDelivery.objects.get(pk=delivery.pk)
    assert (row.status, row.version, row.attempts) == ("pending" if failure == "timed out" else "dead", 2, 1)

    if failure == "dead-lettered":
        crm.crm_retry(delivery_ids=[delivery.pk], actor=Actor(name="olivia"))
    CrmDelivery.objects.filter(pk=delivery.pk).update(available_at=timezone.now())
    time.sleep(0.6)  # the first request's late answer is written and dropped
    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    assert idempotency_keys(webhook_crm) == [f"{delivery.pk}-v1", f"{delivery.pk}-v2"]
    first, second = webhook_crm.requests
    assert [line["text"] for line in second.json["data"]["transcript"]] == ["caller asked about billing"]


@pytest.mark.django_db(transaction=True)
def test_words_committed_while_a_send_waits_to_record_its_end_go_out_next(webhook_crm):
    """Two transactions: the report's words are stored (and the row given a
    new version) while the send's end waits for the row's lock; the end
    must then see the new version and put the row back."""
    call = CallFactory(status=Call.Status.COMPLETED)
    with transaction.atomic():
        delivery = crm.crm_call_ready(call=call)
    bumped, release = threading.Event(), threading.Event()

    def store_words() -> None:
        try:
            with transaction.atomic():
                SegmentFactory(call=call, speaker="summary", text="late words")
                assert crm.crm_call_ready(call=call) is None
                bumped.set()
                release.wait(10)  # the send's end blocks on the row meanwhile
        finally:
            bumped.set()
            connection.close()

    real_finish = crm._finish

    def finish_beside_the_words(*args, **kwargs):
        storing = threading.Thread(target=store_words)
        storing.start()
        assert bumped.wait(10)
        threading.Timer(0.5, release.set).start()
        try:
            return real_finish(*args, **kwargs)
        finally:
            storing.join(10)

    with (
        mock.patch.object(crm, "_finish", side_effect=finish_beside_the_words),
        mock.patch.object(crm, "_enqueue") as enqueue,
    ):
        assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    row = CrmDelivery.objects.get(pk=delivery.pk)
    assert (row.status, row.version, row.attempts) == ("pending", 2, 0)
    enqueue.assert_called_once_with(delivery.pk, countdown=0)


def test_writes_share_one_connection_and_one_the_crm_timed_out_on_is_replaced(webhook_crm):
    """A connection set up once (TCP and, against a real CRM, TLS), not once a write."""
    first, second, third = (completed_call_delivery() for _ in range(3))
    webhook_crm.scripted = [(0, 0.0), (0, 0.0), (0, 1.0)]  # the third slower than the read timeout

    assert [crm.crm_deliver(delivery_id=row.pk) for row in (first, second, third)] == [
        "delivered",
        "delivered",
        "pending",
    ]
    CrmDelivery.objects.filter(pk=third.pk).update(available_at=timezone.now())
    assert crm.crm_deliver(delivery_id=third.pk) == "delivered"

    peers = [request.peer for request in webhook_crm.requests]
    assert peers[0] == peers[1] == peers[2], "one connection for the writes in a row"
    assert peers[3] != peers[2], "the connection the timeout left behind is not used again"


def test_an_erasure_is_forwarded_as_a_delete_and_cancels_what_was_not_sent(webhook_crm):
    call = CallFactory(from_number=CALLER, status=Call.Status.COMPLETED)
    pending = crm.crm_call_ready(call=call)

    subject_erase(subject=subject_hash(CALLER))

    pending.refresh_from_db()
    assert pending.status == "cancelled"
    erasure = CrmDelivery.objects.get(kind="erasure")
    assert crm.crm_deliver(delivery_id=erasure.pk) == "delivered"
    (sent,) = webhook_crm.requests
    assert sent.json == {"type": "subject.erased", "data": {"subject_id": identifier_hash(CALLER)}}
    erasure.refresh_from_db()
    assert erasure.subject_hash == "", "whom to delete is forgotten once the CRM has deleted them"
    assert AuditEvent.objects.filter(action="crm.delivered", object_id=str(erasure.pk)).exists()


def test_hubspot_erasure_is_a_gdpr_delete_by_pseudonym(hubspot_crm):
    CallFactory(from_number=CALLER)
    subject_erase(subject=subject_hash(CALLER))

    crm.crm_deliver(delivery_id=CrmDelivery.objects.get(kind="erasure").pk)

    (sent,) = hubspot_crm.requests
    assert sent.path == "/crm/v3/objects/contacts/gdpr-delete"
    assert sent.json == {"objectId": identifier_hash(CALLER), "idProperty": "cc_subject_id"}


def test_the_sweep_reclaims_a_dead_workers_delivery_and_enqueues_lost_ones(webhook_crm):
    """A claim is trusted until the task's hard time limit has surely
    passed, and not a moment longer."""
    stuck, busy, lost = completed_call_delivery(), completed_call_delivery(), completed_call_delivery()
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    now = timezone.now()
    CrmDelivery.objects.filter(pk=stuck.pk).update(status="delivering", claimed_at=now - outbox.stale_claim_age())
    CrmDelivery.objects.filter(pk=busy.pk).update(status="delivering", claimed_at=now - limit, attempts=1)
    CrmDelivery.objects.filter(pk=lost.pk).update(available_at=now - timedelta(hours=1))

    reclaimed, enqueued = crm.crm_sweep()

    assert reclaimed == 1 and enqueued >= 1
    assert CrmDelivery.objects.get(pk=stuck.pk).status == "pending"
    assert CrmDelivery.objects.get(pk=busy.pk).status == "delivering"


@pytest.mark.parametrize("late_outcome", ["delivered", "transient failure", "permanent failure"])
def test_a_worker_that_outlived_its_claim_records_nothing(webhook_crm, late_outcome):
    """While a worker is still on a delivery, the sweep takes the row back
    and another worker claims it: the first one's outcome is not recorded."""
    delivery = completed_call_delivery()
    expired = dataclasses.replace(crm.OUTBOX, stale_after=lambda: timedelta(0))

    def late_sync(adapter, record, *, idempotency_key):
        with mock.patch.object(crm, "OUTBOX", expired):
            assert crm.crm_sweep()[0] == 1
        assert outbox.outbox_claim(crm.OUTBOX, row_id=delivery.pk)
        if late_outcome == "transient failure":
            raise crm_api.CrmTransientError("CRM webhook failed: ReadTimeout")
        if late_outcome == "permanent failure":
            raise crm_api.CrmPermanentError("CRM webhook failed: HTTP 400", status=400)

    with mock.patch.object(crm_api.WebhookAdapter, "sync_call", autospec=True, side_effect=late_sync):
        assert crm.crm_deliver(delivery_id=delivery.pk) == "claim lost"

    held = CrmDelivery.objects.get(pk=delivery.pk)
    assert (held.status, held.attempts, held.last_error, held.delivered_at) == ("delivering", 2, "", None)
    assert not AuditEvent.objects.filter(action__startswith="crm.").exists()


def test_admin_lists_failed_deliveries_and_retries_them(webhook_crm, client):
    delivery = completed_call_delivery()
    webhook_crm.scripted = [(400, 0.0)]
    crm.crm_deliver(delivery_id=delivery.pk)
    client.force_login(staff_member("olivia", COMPLIANCE_OFFICER))
    url = reverse("admin:calls_crmdelivery_changelist")

    listing = client.get(url, {"status__exact": "dead"})
    assert delivery.key in listing.content.decode() and "HTTP 400" in listing.content.decode()

    client.post(url, {"action": "retry", "_selected_action": [delivery.pk]})

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert crm.crm_deliver(delivery_id=delivery.pk) == "delivered"
    assert AuditEvent.objects.get(action="crm.retried").actor_name == "olivia"


@pytest.mark.django_db(transaction=True)
def test_a_call_ending_while_its_last_words_settle_elsewhere_is_queued_once(webhook_crm):
    """The call's status and its last segment settle in two transactions at
    once. Each asks whether the call is ready; the one that locks the call
    second must see both, even though neither had committed when it began."""
    call = CallFactory(status=Call.Status.IN_PROGRESS)
    segment = SegmentFactory(call=call, status=TranscriptSegment.Status.PENDING, text="")
    asked, outcome = threading.Event(), {}

    def end_the_call() -> None:
        try:
            with transaction.atomic():
                Call.objects.select_for_update().filter(pk=call.pk).update(status=Call.Status.COMPLETED)
                outcome["ended"] = crm.crm_call_ready(call=call)  # the last words still pending
                asked.set()
                time.sleep(0.5)  # the other transaction reaches the call's lock meanwhile
        finally:
            asked.set()
            connection.close()

    with mock.patch.object(crm, "_enqueue") as enqueue:  # sent once each commits; no broker is read here
        ending = threading.Thread(target=end_the_call)
        ending.start()
        assert asked.wait(10)
        with transaction.atomic():
            TranscriptSegment.objects.filter(pk=segment.pk).update(status=TranscriptSegment.Status.REDACTED, text="x")
            outcome["settled"] = crm.crm_call_ready(call=call)  # waits for the call's lock, then sees it ended
        ending.join(10)

    assert outcome["ended"] is None and outcome["settled"] is not None
    enqueue.assert_called_once_with(outcome["settled"].pk, countdown=settings.CRM_SETTLE_SECONDS)
    assert list(CrmDelivery.objects.values_list("key", "status", "version")) == [(call.call_sid, "pending", 1)]
