"""Tool results told to the live call through Vapi's Live Call Control.

A tool whose answer went out before its work was done (an async tool, or
one that missed VAPI_TOOL_BUDGET_SECONDS) has its result POSTed by the
worker to the call's control URL, as a system message that makes the
assistant respond. The control URL is a loopback stand-in for Vapi
(tests/calls/vapi_control_api.py), allow-listed here; the deliveries are
real signed Vapi messages applied through the inbox.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from vapi.types import ClientInboundMessageAddMessage, ClientInboundMessageMessage_AddMessage

from calls import tasks
from calls.integrations import vapi as vapi_api
from calls.models import Call, InboundEvent, ScheduledCallback, VapiControlMessage
from calls.serializers.vapi import MonitorSerializer
from calls.services import inbox, vapi_control, vapi_tools
from calls.services.handoff import handoff_reference
from calls.services.outbox import CLAIM_LOST, SWEEP_GRACE, outbox_claim
from compliance.models import AuditEvent
from tests.calls import vapi_messages as vapi
from tests.calls.vapi_control_api import FakeCallControl, TricklingControl
from tests.contactcenter.test_settings import PRODUCTION, load_production
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db

STATUS = VapiControlMessage.Status


@pytest.fixture
def control(settings):
    """Vapi's call control on loopback, on the allow-list beside Vapi's own hosts."""
    server = FakeCallControl().start()
    settings.VAPI_CONTROL_HOSTS = [*settings.VAPI_CONTROL_HOSTS, "127.0.0.1"]
    settings.VAPI_HTTP_TIMEOUT_SECONDS = 0.5
    settings.VAPI_CONTROL_MAX_ATTEMPTS = 3
    yield server
    server.stop()


def process() -> None:
    """What the inbox worker does: apply every pending delivery."""
    for event_id in InboundEvent.objects.filter(status="pending").order_by("id").values_list("pk", flat=True):
        assert inbox.inbox_process(event_id=event_id), InboundEvent.objects.get(pk=event_id).last_error


def send_all() -> list[str]:
    """What the send task does, for every row due."""
    due = VapiControlMessage.objects.filter(status=STATUS.PENDING).values_list("pk", flat=True)
    return [vapi_control.control_message_send(message_id=pk) for pk in due]


def callback_when(hours: float = 2) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def ask_callback(client, call: dict) -> dict:
    body = vapi.tool_calls(call, ("schedule_callback", {"when": callback_when()}))
    response = vapi.post(client, body)
    assert response.status_code == 200
    return body


def slow(name: str, seconds: float) -> vapi_tools.Tool:
    """The tool ``name`` with a reply that takes ``seconds``."""
    tool = vapi_tools.TOOLS[name]

    def slow_reply(values):
        time.sleep(seconds)
        return tool.reply(values)

    return dataclasses.replace(tool, reply=slow_reply)


# --- Told once, while the call is live --------------------------------------------------


def test_an_async_tool_is_answered_at_once_and_its_result_told_to_the_live_call_once(
    client, control, django_capture_on_commit_callbacks
):
    call = vapi.new_call(control_origin=control.url)
    body = ask_callback(client, call)
    (answer,) = vapi.post(client, body).json()["results"]  # redelivered: the same answer, no more work

    with mock.patch.object(tasks.vapi_control_send, "apply_async", autospec=True) as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            process()

    assert answer == {"name": "schedule_callback", "toolCallId": answer["toolCallId"], "result": vapi_tools.ACCEPTED}
    message = VapiControlMessage.objects.get()
    enqueue.assert_called_once_with((message.pk,), countdown=0)
    assert (message.tool, message.tool_call_id) == ("schedule_callback", answer["toolCallId"])
    assert message.status == "pending"
    assert ScheduledCallback.objects.count() == 1

    assert send_all() == ["sent"]
    assert vapi_control.control_message_send(message_id=message.pk) == "not due", "told once"

    (post,) = control.posts
    assert post.path == f"/{call['id']}/control"
    told = ClientInboundMessageMessage_AddMessage.model_validate(post.json)
    ClientInboundMessageAddMessage.model_validate(post.json)
    assert told.type == "add-message" and told.trigger_response_enabled is True
    assert told.message.role == "system"
    assert told.message.content.startswith("Result of schedule_callback: Callback scheduled for ")
    assert vapi.CUSTOMER_PHONE not in post.body.decode(), "the result, never the arguments"
    message.refresh_from_db()
    assert (message.status, message.content, message.attempts) == ("sent", "", 1)
    audited = AuditEvent.objects.get(action="vapi.tool_result_sent")
    assert audited.object_repr == Call.objects.get().call_sid
    assert audited.details["tool"] == "schedule_callback" and audited.details["tool_call_id"] == answer["toolCallId"]
    assert "Callback" not in str(audited.details) and control.url not in str(audited.details)


def test_a_slow_tools_result_arrives_after_its_processing_answer_and_a_quick_one_needs_none(client, control, settings):
    settings.VAPI_TOOL_BUDGET_SECONDS = 0.05
    call = vapi.new_call(control_origin=control.url)
    with mock.patch.dict(vapi_tools.TOOLS, {"transfer_to_human": slow("transfer_to_human", 0.3)}):
        slow_body = vapi.tool_calls(call, ("transfer_to_human", {"department": "billing"}))
        (answer,) = vapi.post(client, slow_body).json()["results"]
    quick = vapi.tool_calls(call, ("record_consent", {"decision": "granted"}))
    (quick_answer,) = vapi.post(client, quick).json()["results"]
    process()

    assert answer["result"] == vapi_tools.PROCESSING
    assert quick_answer["result"].startswith("Consent recorded")
    assert list(VapiControlMessage.objects.values_list("tool", flat=True)) == ["transfer_to_human"]
    assert send_all() == ["sent"]
    (post,) = control.posts
    assert post.json["message"]["content"] == "Result of transfer_to_human: Transferring the caller to billing."
    assert Call.objects.get().department == "billing"


def test_an_async_tool_called_with_bad_arguments_is_told_why(client, control):
    call = vapi.new_call(control_origin=control.url)
    vapi.post(client, vapi.tool_calls(call, ("schedule_callback", {"when": "tomorrow-ish"})))
    process()

    assert send_all() == ["sent"]
    assert not ScheduledCallback.objects.exists()
    content = control.posts[0].json["message"]["content"]
    assert content.startswith("Result of schedule_callback: when must be an ISO 8601 date-time")
    assert "tomorrow-ish" not in content


@pytest.mark.parametrize(
    "arguments, reason",
    [
        ({"when": "past"}, "when must be in the future."),
        ({"when": "far"}, "when must be within {days} days."),
        ({"when": "soon", "phone": "call me maybe"}, "phone is not a phone number."),
        ({"when": "soon", "phone": "+1 415 000 0000"}, "phone is not a valid phone number."),
    ],
)
def test_a_callbacks_arguments_are_checked_where_the_worker_reads_them_and_only_the_reason_is_told(
    client, control, settings, arguments, reason
):
    """schedule_callback is answered unread: its arguments are judged when
    the worker applies it, against the time the call asked."""
    settings.CALLBACK_MAX_DAYS_AHEAD = 7
    times = {"past": callback_when(hours=-1), "far": callback_when(hours=24 * 8), "soon": callback_when()}
    arguments = {**arguments, "when": times[arguments["when"]]}
    call = vapi.new_call(control_origin=control.url)
    (answer,) = vapi.post(client, vapi.tool_calls(call, ("schedule_callback", arguments))).json()["results"]
    process()

    assert answer["result"] == vapi_tools.ACCEPTED, "answered before anything was read"
    assert not ScheduledCallback.objects.exists()
    assert send_all() == ["sent"]
    content = control.posts[0].json["message"]["content"]
    assert content == f"Result of schedule_callback: {reason.format(days=7)}"
    for value in arguments.values():
        assert value not in content


@pytest.mark.parametrize("ending", ["status-update", "end-of-call-report"])
def test_a_call_that_ended_first_gets_nothing(client, control, ending):
    call = vapi.new_call(control_origin=control.url)
    ask_callback(client, call)
    if ending == "status-update":
        vapi.post(client, vapi.status_update(call, "ended", endedReason="customer-ended-call"))
    else:
        vapi.post(client, vapi.end_of_call_report(call, [("user", "bye")], recording=False))
    process()

    assert send_all() == ["skipped"]
    assert control.requests == []
    call_row = Call.objects.get()
    assert call_row.vapi_control_url is None and call_row.vapi_ended_at is not None
    message = VapiControlMessage.objects.get()
    assert (message.status, message.content, message.last_error) == ("skipped", "", "call ended")
    assert AuditEvent.objects.get(action="vapi.tool_result_skipped").details["reason"] == "call ended"
    # A delivery applied late names the URL again: an ended conversation keeps nothing.
    vapi.post(client, vapi.transcript(call, "one more thing"))
    process()
    assert Call.objects.get().vapi_control_url is None


def test_a_call_handed_off_from_the_ivr_is_told_while_the_assistant_is_on_it_and_not_after(
    client, control, twilio_post, settings
):
    """The caller's call goes on (put through to a person) after the
    assistant's conversation on it ended: what is told stops with the latter."""
    settings.VAPI_SIP_URI = "sip:contactcenter@sip.vapi.ai"
    params = twilio_call_params(CallStatus="in-progress")
    twilio_post("/webhooks/twilio/voice/", params)
    call = vapi.sip_call(handoff_reference(call_sid=params["CallSid"]), control_origin=control.url)
    assert vapi.post(client, vapi.assistant_request(call)).json()["assistant"]["metadata"]["handoff"] == "valid"
    ask_callback(client, call)
    process()

    assert send_all() == ["sent"]
    joined = Call.objects.get(call_sid=params["CallSid"])
    assert joined.vapi_call_id == call["id"] and Call.objects.count() == 1

    ask_callback(client, call)
    vapi.post(client, vapi.status_update(call, "ended", endedReason="assistant-forwarded-call"))
    process()

    assert send_all() == ["skipped"]
    assert len(control.posts) == 1
    joined.refresh_from_db()
    assert joined.status not in Call.TERMINAL_STATUSES and joined.vapi_ended_at is not None


@pytest.mark.parametrize("status", [404, 410])
def test_a_control_url_that_is_gone_means_the_call_ended_and_is_not_tried_again(client, control, status):
    ask_callback(client, vapi.new_call(control_origin=control.url))
    process()
    control.scripted = [(status, 0.0)]

    assert send_all() == ["skipped"]
    assert len(control.posts) == 1
    message = VapiControlMessage.objects.get()
    assert (message.last_status, message.attempts) == (status, 1)


# --- Failures: transient ones retried, others not ----------------------------------------


def test_a_5xx_or_429_is_retried_with_backoff_and_then_told(client, control):
    ask_callback(client, vapi.new_call(control_origin=control.url))
    process()
    control.scripted = [(503, 0.0), (429, 0.0)]

    assert send_all() == ["pending"]
    message = VapiControlMessage.objects.get()
    assert message.last_status == 503 and message.available_at > timezone.now() + timedelta(seconds=0.9)
    assert message.content, "kept until it is told"
    for expected in ("pending", "sent"):
        VapiControlMessage.objects.update(available_at=timezone.now())
        assert send_all() == [expected]
    assert len(control.posts) == 3
    assert AuditEvent.objects.filter(action="vapi.tool_result_sent").count() == 1


def test_timeouts_and_refused_connections_are_transient(client, control, settings):
    call = vapi.new_call(control_origin=control.url)
    ask_callback(client, call)
    process()
    control.scripted = [(0, 1.0)]  # slower than the 0.5 s timeout

    assert send_all() == ["pending"]
    assert VapiControlMessage.objects.get().last_error == "Vapi call control failed: ReadTimeout"

    control.stop()  # nothing listens there any more
    VapiControlMessage.objects.update(available_at=timezone.now())
    assert send_all() == ["pending"]
    assert VapiControlMessage.objects.get().last_error == "Vapi call control failed: ConnectionError"
    control.start()  # on another port: the URL the call named still goes nowhere


def test_attempts_run_out_into_a_failure(client, control):
    ask_callback(client, vapi.new_call(control_origin=control.url))
    process()
    control.scripted = [(500, 0.0)] * 3

    for _ in range(3):
        VapiControlMessage.objects.update(available_at=timezone.now())
        outcome = send_all()

    assert outcome == ["failed"]
    audited = AuditEvent.objects.get(action="vapi.tool_result_failed")
    assert (audited.details["attempts"], audited.details["status"]) == (3, 500)
    assert VapiControlMessage.objects.get().content == ""


@pytest.mark.parametrize("status", [400, 401, 422, 302, 307])
def test_a_4xx_or_a_redirect_is_final_and_a_redirect_is_never_followed(client, control, status):
    ask_callback(client, vapi.new_call(control_origin=control.url))
    process()
    control.scripted = [(status, 0.0)]

    assert send_all() == ["failed"]
    assert [request.path for request in control.requests] == [control.posts[0].path], "one request, not followed"
    message = VapiControlMessage.objects.get()
    assert (message.last_status, message.last_error) == (status, f"Vapi call control failed: HTTP {status}")


# --- Exactly once, whoever runs it -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_result_at_once_tell_it_once(client, control):
    ask_callback(client, vapi.new_call(control_origin=control.url))
    process()
    message = VapiControlMessage.objects.get()
    control.scripted = [(0, 0.3)]  # the first send is still under way when the second one tries
    start = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.append(vapi_control.control_message_send(message_id=message.pk))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert sorted(outcomes) == ["not due", "sent"]
    assert len(control.posts) == 1
    assert AuditEvent.objects.filter(action="vapi.tool_result_sent").count() == 1


def swept_and_claimed_again(message_id: int) -> None:
    """What happens while a worker is still on a send it outlived: the sweep
    takes the row back, and another worker claims it."""
    expired = dataclasses.replace(vapi_control.OUTBOX, stale_after=lambda: timedelta(0))
    with mock.patch.object(vapi_control, "OUTBOX", expired):
        assert vapi_control.control_sweep()[0] == 1
    assert outbox_claim(vapi_control.OUTBOX, row_id=message_id)


@pytest.mark.parametrize("late_outcome", ["told", "transient failure"])
def test_a_worker_that_outlived_its_claim_records_nothing(client, control, late_outcome):
    ask_callback(client, vapi.new_call(control_origin=control.url))
    process()
    message = VapiControlMessage.objects.get()

    def late_send(*, control_url, vapi_call_id, content):
        swept_and_claimed_again(message.pk)
        if late_outcome == "transient failure":
            raise vapi_api.VapiTransientError("Vapi call control failed: ReadTimeout")

    with mock.patch.object(vapi_api, "control_add_message", autospec=True, side_effect=late_send):
        assert vapi_control.control_message_send(message_id=message.pk) == CLAIM_LOST

    held = VapiControlMessage.objects.get()
    assert (held.status, held.attempts, held.last_error) == ("sending", 2, ""), "the second claim's, untouched"
    assert held.content, "still to be told by the worker holding it"
    assert not AuditEvent.objects.filter(action__startswith="vapi.tool_result_").exists()


@pytest.mark.parametrize("head", [True, False], ids=["dripped headers", "dripped body"])
def test_a_send_ends_by_its_deadline_however_slowly_the_host_answers(client, settings, head):
    """Each byte comes well within the read timeout; the answer as a whole
    would take many deadlines."""
    settings.VAPI_HTTP_TIMEOUT_SECONDS = 0.5
    host = TricklingControl(head=head)
    settings.VAPI_CONTROL_HOSTS = [*settings.VAPI_CONTROL_HOSTS, "127.0.0.1"]
    try:
        ask_callback(client, vapi.new_call(control_origin=host.url))
        process()

        outcome = send_all()

        assert host.posts == 1 and host.finished == 0, "cut off, not waited out"
        message = VapiControlMessage.objects.get()
        if head:
            assert outcome == ["pending"], "no answer within the deadline: retried as a timeout"
            assert message.last_error == "Vapi call control failed: deadline passed"
        else:
            assert outcome == ["sent"], "the status came at once: the body is never read"
    finally:
        host.stop()


def test_a_claim_is_trusted_for_the_sends_deadline_and_a_margin_not_the_task_time_limit(client, control, settings):
    settings.CELERY_TASK_TIME_LIMIT = 3600
    ask_callback(client, vapi.new_call(control_origin=control.url))
    process()
    age = vapi_control.control_stale_claim_age()
    assert age == timedelta(seconds=vapi_api.control_deadline_seconds()) + vapi_control.CLAIM_MARGIN
    assert vapi_api.control_deadline_seconds() == 2 * settings.VAPI_HTTP_TIMEOUT_SECONDS

    VapiControlMessage.objects.update(status=STATUS.SENDING, claimed_at=timezone.now() - age + timedelta(seconds=5))
    assert vapi_control.control_sweep()[0] == 0, "its send may still be running"
    VapiControlMessage.objects.update(claimed_at=timezone.now() - age - timedelta(seconds=1))
    assert vapi_control.control_sweep()[0] == 1


def test_results_are_sent_from_the_default_queue_not_the_capture_workers(settings):
    from contactcenter.celery import app

    queue = app.amqp.router.route({}, tasks.vapi_control_send.name)["queue"].name
    assert queue == app.conf.task_default_queue != settings.CAPTURE_QUEUE
    assert app.amqp.router.route({}, tasks.capture_apply.name)["queue"].name == settings.CAPTURE_QUEUE


def test_one_row_per_tool_call_however_often_its_work_is_applied(client, control):
    call = vapi.new_call(control_origin=control.url)
    body = ask_callback(client, call)
    process()
    # The same tool call id, delivered again with other arguments: other work, but the same result slot.
    again = vapi.tool_calls(call, ("schedule_callback", {"when": callback_when(hours=3)}))
    again["message"]["toolCallList"][0]["id"] = body["message"]["toolCallList"][0]["id"]
    vapi.post(client, again)
    process()

    assert VapiControlMessage.objects.count() == 1
    assert send_all() == ["sent"]
    assert len(control.posts) == 1


def test_the_sweep_puts_back_a_dead_workers_send_and_enqueues_a_lost_one(
    client, control, django_capture_on_commit_callbacks
):
    ask_callback(client, vapi.new_call(control_origin=control.url))
    process()
    message = VapiControlMessage.objects.get()
    long_ago = timezone.now() - vapi_control.control_stale_claim_age() - timedelta(seconds=1)
    VapiControlMessage.objects.update(status=STATUS.SENDING, claimed_at=long_ago, attempts=1)

    with (
        mock.patch.object(tasks.vapi_control_send, "apply_async", autospec=True) as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert vapi_control.control_sweep() == (1, 0, 0)
        VapiControlMessage.objects.update(available_at=timezone.now() - SWEEP_GRACE)
        assert vapi_control.control_sweep() == (0, 1, 0)
    enqueue.assert_called_once_with((message.pk,), countdown=0)
    assert send_all() == ["sent"]

    # A worker that died on its last attempt: the sender gives it up, audited, without sending.
    ask_callback(client, vapi.new_call(control_origin=control.url))
    process()
    spent = VapiControlMessage.objects.get(status=STATUS.PENDING)
    VapiControlMessage.objects.filter(pk=spent.pk).update(attempts=3)
    assert send_all() == ["failed"]
    assert len(control.posts) == 1
    assert AuditEvent.objects.get(action="vapi.tool_result_failed").details["reason"] == "attempts spent"


def test_the_sweep_drops_control_urls_no_call_can_still_use(client, control):
    vapi.post(client, vapi.status_update(vapi.new_call(control_origin=control.url), "in-progress"))
    process()
    assert Call.objects.get().vapi_control_url

    assert vapi_control.control_sweep() == (0, 0, 0), "a live call keeps it"
    Call.objects.update(created_at=timezone.now() - vapi_control.CONTROL_URL_MAX_AGE - timedelta(minutes=1))
    assert vapi_control.control_sweep() == (0, 0, 1)
    assert Call.objects.get().vapi_control_url is None


# --- The control URL: a capability from a payload ----------------------------------------


def test_a_control_url_on_another_host_is_refused_audited_once_and_never_sent_to(client, control, settings):
    settings.VAPI_CONTROL_HOSTS = [host for host in settings.VAPI_CONTROL_HOSTS if host != "127.0.0.1"]
    call = vapi.new_call(control_origin=control.url)
    vapi.post(client, vapi.status_update(call, "in-progress"))
    ask_callback(client, call)
    vapi.post(client, vapi.transcript(call, "thank you"))
    process()

    assert Call.objects.get().vapi_control_url is None
    refused = AuditEvent.objects.get(action="vapi.control_url_refused")
    assert refused.details == {"reason": "host", "vapi_call_id": call["id"]}
    assert send_all() == ["refused"]
    assert control.requests == []
    assert AuditEvent.objects.get(action="vapi.tool_result_refused").details["reason"] == "control URL refused"
    # The stored one is checked again when used: an allow-list narrowed since refuses it too.
    with pytest.raises(vapi_api.VapiControlRefusedError, match="refused: host$"):
        vapi_api.control_add_message(control_url=control.control_url(call["id"]), vapi_call_id=call["id"], content="x")
    assert control.requests == []


def test_a_call_whose_messages_name_no_control_url_gets_its_results_refused(client, control):
    call = vapi.new_call(control_origin=control.url)
    del call["monitor"]  # the assistant's monitorPlan turned live control off
    ask_callback(client, call)
    process()

    assert send_all() == ["refused"]
    assert VapiControlMessage.objects.get().last_error == "no control URL"
    assert not AuditEvent.objects.filter(action="vapi.control_url_refused").exists()


CALL_ID = "7420f27a-30fd-4f49-a995-5549ae7cc00d"


@pytest.mark.parametrize(
    "url, reason",
    [
        (f"https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/{CALL_ID}/control", ""),
        (f"https://aws-us-west-2-production1-phone-call-websocket.vapi.ai/{CALL_ID}/control", ""),
        (f"https://phone-call-websocket.aws-us-west-2-backend-production2.vapi.ai/{CALL_ID}/control", ""),
        (f"https://PHONE-CALL-WEBSOCKET.aws-us-west-2-backend-production1.vapi.ai/{CALL_ID}/control", ""),
        # Vapi's other hosts, and hosts that only look like its control hosts.
        (f"https://api.vapi.ai/{CALL_ID}/control", "host"),
        (f"https://storage.vapi.ai/{CALL_ID}/control", "host"),
        (f"https://phone-call-websocket.a.b.vapi.ai/{CALL_ID}/control", "host"),
        (f"https://phone-call-websocket.aws.vapi.ai.evil.test/{CALL_ID}/control", "host"),
        (f"https://evil.test/phone-call-websocket.aws.vapi.ai/{CALL_ID}/control", "host"),
        (f"https://xphone-call-websocket.vapi.ai/{CALL_ID}/control", "host"),
        (f"https://127.0.0.1/{CALL_ID}/control", "host"),
        (f"https://169.254.169.254/{CALL_ID}/control", "host"),
        # Vapi's host, but not as Vapi sends it.
        (f"http://phone-call-websocket.aws.vapi.ai/{CALL_ID}/control", "scheme"),
        (f"https://phone-call-websocket.aws.vapi.ai:8443/{CALL_ID}/control", "port"),
        (f"https://phone-call-websocket.aws.vapi.ai/{CALL_ID[:-1]}0/control", "path"),
        (f"https://phone-call-websocket.aws.vapi.ai/{CALL_ID}/listen", "path"),
        (f"https://phone-call-websocket.aws.vapi.ai/api/v1/../../call/{CALL_ID}/control", "path"),
        (f"https://phone-call-websocket.aws.vapi.ai/x/y/z/{CALL_ID}/control", "path"),
        (f"https://phone-call-websocket.aws.vapi.ai/{CALL_ID}/control/", "malformed"),
        (f"https://phone-call-websocket.aws.vapi.ai/{CALL_ID}{CALL_ID}/control", "path"),
        (f"https://evil.test@phone-call-websocket.aws.vapi.ai/{CALL_ID}/control", "malformed"),
        (f"https://phone-call-websocket.aws.vapi.ai/{CALL_ID}/control?to=evil.test", "malformed"),
        (f"https://phone-call-websocket.aws.vapi.ai\\@evil.test/{CALL_ID}/control", "malformed"),
        (f"https://phone-call-websocket.aws.vapi.ai/%2e%2e/{CALL_ID}/control", "malformed"),
        (f"wss://phone-call-websocket.aws.vapi.ai/{CALL_ID}/control", "scheme"),
        ("", "malformed"),
        (None, "malformed"),
        (vapi_api.CONTROL_URL_UNUSABLE, "malformed"),
        ("https://phone-call-websocket.aws.vapi.ai/" + "a/" * 300 + f"{CALL_ID}/control", "malformed"),
    ],
)
def test_only_vapis_documented_control_hosts_are_allowed_by_default(url, reason):
    assert vapi_api.control_url_refusal(url, vapi_call_id=CALL_ID) == reason


@pytest.mark.parametrize(
    "url",
    ["https://phone-call-websocket.x.vapi.ai/" + "a" * 3000, {"nested": 1}, ["x"], True, 12345],
    ids=["too long", "an object", "a list", "a boolean", "a number"],
)
@pytest.mark.parametrize("kind", ["tool-calls", "status-update", "end-of-call-report"])
def test_a_control_url_that_is_no_url_never_costs_the_message_and_is_refused_once_as_malformed(
    client, control, url, kind
):
    call = vapi.new_call(control_origin=control.url)
    call["monitor"]["controlUrl"] = url
    bodies = {
        "tool-calls": lambda: vapi.tool_calls(call, ("record_consent", {"decision": "granted"})),
        "status-update": lambda: vapi.status_update(call, "in-progress"),
        "end-of-call-report": lambda: vapi.end_of_call_report(call, [("user", "bye")], recording=False),
    }
    assert vapi.post(client, bodies[kind]()).status_code == 200
    assert vapi.post(client, vapi.transcript(call, "hello")).status_code == 200
    process()

    row = Call.objects.get()
    assert row.vapi_control_url is None
    if kind != "end-of-call-report":  # an ended conversation keeps and refuses nothing
        refused = AuditEvent.objects.get(action="vapi.control_url_refused")
        assert refused.details == {"reason": "malformed", "vapi_call_id": call["id"]}
    if kind == "tool-calls":
        assert row.consent_decision == "granted"


def test_the_webhook_holds_a_control_url_to_the_length_the_integration_allows():
    field = MonitorSerializer._declared_fields["controlUrl"]
    assert field.max_length == vapi_api.CONTROL_URL_MAX_LENGTH
    longest = "https://phone-call-websocket.x.vapi.ai/" + "a" * (vapi_api.CONTROL_URL_MAX_LENGTH - 39)
    assert MonitorSerializer(data={"controlUrl": longest}).is_valid()
    assert len(longest) == vapi_api.CONTROL_URL_MAX_LENGTH
    for value in (longest, longest + "a"):
        serializer = MonitorSerializer(data={"controlUrl": value})
        assert serializer.is_valid()
        kept = serializer.validated_data["controlUrl"]
        assert kept == (value if value == longest else vapi_api.CONTROL_URL_UNUSABLE)


def test_a_star_is_a_pattern_among_the_control_hosts_only(settings):
    settings.VAPI_RECORDING_HOSTS = ["*", "*.vapi.ai", "storage.example.com"]
    settings.VAPI_CONTROL_HOSTS = ["*", "phone-call-websocket.*.vapi.ai"]

    for host in ("intranet", "storage.vapi.ai", "api.vapi.ai"):
        assert not vapi_api.recording_host_allowed(host), host
    assert vapi_api.recording_host_allowed("storage.example.com")
    for host in ("intranet", "phone-call-websocket.a.vapi.ai"):
        assert vapi_api.control_url_refusal(f"https://{host}/{CALL_ID}/control", vapi_call_id=CALL_ID) == "", host


def test_plain_http_goes_only_to_a_loopback_stand_in_the_allow_list_names(settings):
    stand_in = f"http://127.0.0.1:8081/{CALL_ID}/control"
    assert vapi_api.control_url_refusal(stand_in, vapi_call_id=CALL_ID) == "host"

    settings.VAPI_CONTROL_HOSTS = ["127.0.0.1", "control.example.com"]
    assert vapi_api.control_url_refusal(stand_in, vapi_call_id=CALL_ID) == ""
    assert vapi_api.control_url_refusal(f"http://control.example.com/{CALL_ID}/control", vapi_call_id=CALL_ID) == (
        "scheme"
    )


def test_the_control_url_is_kept_encrypted_and_never_logged_shown_or_audited(client, control, caplog, admin_client):
    call = vapi.new_call(control_origin=control.url)
    url = control.control_url(call["id"])
    ask_callback(client, call)
    with caplog.at_level("DEBUG"):
        process()
        send_all()

    row = Call.objects.get()
    assert row.vapi_control_url == url
    with connection.cursor() as cursor:
        cursor.execute("SELECT vapi_control_url FROM calls_call WHERE id = %s", [row.pk])
        (stored,) = cursor.fetchone()
    assert stored and call["id"] not in stored and "control" not in stored
    logged = " ".join(str(value) for record in caplog.records for value in vars(record).values())
    assert call["id"] + "/control" not in logged and "Callback scheduled" not in logged
    for event in AuditEvent.objects.all():
        assert "/control" not in str(event.details) and "/control" not in event.object_repr
    assert all(event.payload is None for event in InboundEvent.objects.all()), "the payload holding it is scrubbed"
    page = admin_client.get(reverse("admin:calls_call_change", args=[row.pk])).content.decode()
    assert "held (not shown)" in page and "/control" not in page
    assert "tool result" in page and "schedule_callback: told to the call" in page
    listing = admin_client.get(reverse("admin:calls_vapicontrolmessage_changelist")).content.decode()
    assert "schedule_callback" in listing and "Callback scheduled" not in listing


# --- Production's allow-list ------------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        "127.0.0.1", "[::1]", "::1", "localhost", "10.0.0.7", "127.1", "2130706433", "0x7f000001",
        "localhost.localdomain", "foo.localhost", "*.ai", "*", ".co.uk", ".vapi.ai", "vapi.*", "*.co.uk",
        "*.herokuapp.com", "*.github.io", "phone-call-websocket.*.co.uk",
    ],
)  # fmt: skip
def test_production_refuses_a_control_host_that_is_an_address_or_too_wide(entry):
    result = load_production({**PRODUCTION, "VAPI_CONTROL_HOSTS": f"*-phone-call-websocket.vapi.ai,{entry}"})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "VAPI_CONTROL_HOSTS" in result.stderr


def test_production_starts_with_vapis_control_hosts():
    result = load_production(
        {
            **PRODUCTION,
            "VAPI_CONTROL_HOSTS": "*-phone-call-websocket.vapi.ai,phone-call-websocket.*.vapi.ai,"
            "phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai",
        },
        probe="print(settings.VAPI_CONTROL_HOSTS)",
    )

    assert result.returncode == 0, result.stderr
