"""Refused webhook requests leave bounded evidence: counted per route,
reason and window, with two audit events per window however many arrive,
and no lock on the audit chain per request."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import InboundEvent
from calls.services.webhook_rejections import webhook_rejection_count
from compliance import refusals
from compliance.audit import audit_chain_verify
from compliance.models import AuditEvent, JobLock, RefusalCount
from compliance.refusals import REPORT_GRACE, WEBHOOK, refusals_report, window_of
from tests.calls import vapi_messages as vapi
from tests.compliance.test_sqlite_default import run_on_sqlite
from tests.factories import twilio_call_params

pytestmark = pytest.mark.django_db

OPENED, COUNTED = WEBHOOK.opened, WEBHOOK.counted

WINDOW_SECONDS = 86400


@pytest.fixture
def one_window(settings):
    """A day's window, entered afresh if this one ends within a minute,
    so that every request of a test falls in the same window."""
    settings.REFUSAL_WINDOW_SECONDS = WINDOW_SECONDS
    _, end = window_of(timezone.now())
    if (end - timezone.now()).total_seconds() < 60:
        time.sleep((end - timezone.now()).total_seconds() + 0.1)
    return window_of(timezone.now())


def after(window: tuple) -> object:
    """A moment at which ``window`` is closed and due for its report."""
    return window[1] + REPORT_GRACE + timedelta(seconds=1)


def refuse(client: Client, twilio_post, kind: str, serial: int):
    """One refused request of the given kind; the query string varies, as
    an attacker's would."""
    query = {"noise": f"{serial}-{'x' * (serial % 50)}"}
    if kind == "voice-signature":
        return twilio_post("/webhooks/twilio/voice/", twilio_call_params(), query=query, signature="bad")
    if kind == "status-signature":
        return twilio_post("/webhooks/twilio/status/", twilio_call_params(), query=query, signature="")
    if kind == "gather-signature":
        return twilio_post("/webhooks/twilio/gather/", twilio_call_params(), query=query, signature="bad")
    if kind == "vapi-credential":
        envelope = vapi.hang(vapi.new_call())
        return vapi.post(client, envelope, HTTP_X_SIGNATURE="0" * 64, HTTP_X_TIMESTAMP=str(int(time.time())))
    if kind == "voice-invalid":
        return twilio_post("/webhooks/twilio/voice/", {**twilio_call_params(), "CallSid": "nope"}, query=query)
    if kind == "vapi-unparsable":
        return vapi.post(client, b'{"message": ')
    if kind == "status-too-large":
        return twilio_post("/webhooks/twilio/status/", twilio_call_params(CallerName="x" * 10_000), query=query)
    raise AssertionError(kind)


# kind: (requests, status, route, reason)
ATTACKS = {
    "voice-signature": (60, 403, "webhooks/twilio/voice/", "credential"),
    "status-signature": (40, 403, "webhooks/twilio/status/", "credential"),
    "gather-signature": (30, 403, "webhooks/twilio/gather/", "credential"),
    "vapi-credential": (25, 401, "webhooks/vapi/", "credential"),
    "voice-invalid": (20, 400, "webhooks/twilio/voice/", "invalid"),
    "vapi-unparsable": (15, 400, "webhooks/vapi/", "parse_error"),
    "status-too-large": (10, 413, "webhooks/twilio/status/", "too_large"),
}


def advisory_locks(queries: CaptureQueriesContext) -> int:
    return sum("pg_advisory_xact_lock" in query["sql"] for query in queries.captured_queries)


def test_refused_requests_are_counted_and_audited_per_window_not_per_request(client, twilio_post, settings, one_window):
    settings.WEBHOOK_MAX_BODY_BYTES = 8000
    sent = Counter()
    first_of_each, rest = [], []
    for kind, (requests, *_) in ATTACKS.items():
        first_of_each.append(kind)
        rest.extend([kind] * (requests - 1))
    random.Random(7).shuffle(rest)

    with CaptureQueriesContext(connection) as opening:
        for serial, kind in enumerate(first_of_each):
            response = refuse(client, twilio_post, kind, serial)
            sent[kind] += 1
            assert response.status_code == ATTACKS[kind][1], kind
    with CaptureQueriesContext(connection) as counting:
        for serial, kind in enumerate(rest):
            response = refuse(client, twilio_post, kind, serial)
            sent[kind] += 1
            _, status, _, reason = ATTACKS[kind]
            assert response.status_code == status, kind
            if status in (401, 403):
                assert response.content == b""
            else:
                assert json.loads(response.content)["error"] == ("invalid_request" if reason == "invalid" else reason)
    assert sum(sent.values()) == 200

    # One audit event per key, when its window opens, and never a lock: a flood waits on no one.
    appended = [query for query in opening.captured_queries if query["sql"].startswith('INSERT INTO "compliance_audit')]
    assert len(appended) == len(ATTACKS)
    assert advisory_locks(opening) == advisory_locks(counting) == 0
    statements = [query["sql"] for query in counting.captured_queries]
    assert len(statements) == len(rest), "one statement per refusal"
    assert all(sql.startswith('INSERT INTO "compliance_refusalcount"') for sql in statements)
    opened = list(AuditEvent.objects.order_by("id"))
    assert [(event.action, event.object_repr, event.details) for event in opened] == [
        (OPENED, f"/{route}", {"reason": reason}) for _, _, route, reason in ATTACKS.values()
    ]
    assert not InboundEvent.objects.exists()

    assert refusals_report(now=after(one_window)) == 200
    assert refusals_report(now=after(one_window)) == 0, "a second run reports nothing again"
    counted = AuditEvent.objects.filter(action=COUNTED)
    assert counted.count() == len(ATTACKS)
    by_key = {(event.object_repr, event.details["reason"]): event.details["count"] for event in counted}
    assert by_key == {(f"/{route}", reason): sent[kind] for kind, (_, _, route, reason) in ATTACKS.items()}
    assert sum(by_key.values()) == 200
    for event in counted:
        assert set(event.details) == {"reason", "count", "window_start", "window_end"}
        assert event.details["window_start"] == one_window[0].isoformat()
    assert AuditEvent.objects.count() == 2 * len(ATTACKS)
    assert audit_chain_verify().ok


def test_a_refusal_counted_after_its_window_was_reported_is_reported_once_more(twilio_post, one_window):
    for _ in range(3):
        twilio_post("/webhooks/twilio/voice/", twilio_call_params(), signature="bad")
    assert refusals_report(now=after(one_window)) == 3

    # A request that was still in flight when the window was reported.
    twilio_post("/webhooks/twilio/voice/", twilio_call_params(), signature="bad")

    assert refusals_report(now=after(one_window)) == 1
    assert refusals_report(now=after(one_window)) == 0
    counts = list(AuditEvent.objects.filter(action=COUNTED).order_by("id").values_list("details", flat=True))
    assert [details["count"] for details in counts] == [3, 1]
    assert AuditEvent.objects.filter(action=OPENED).count() == 1
    assert RefusalCount.objects.get().count == 4


def test_nothing_the_sender_controls_adds_keys(client, twilio_post, one_window):
    """Query strings, headers, content and the trailing slash vary freely;
    only the route and a reason from a closed list make a key. A path no
    route matches is a 404 and not a webhook refusal at all."""
    for serial in range(30):
        twilio_post(
            "/webhooks/twilio/voice/" if serial % 2 else "/webhooks/twilio/voice",
            {f"field{serial}": "x" * serial},
            query={f"q{serial}": serial},
            signature=str(serial),
            HTTP_USER_AGENT=f"agent/{serial}",
        )
        assert client.post(f"/webhooks/twilio/voice/{serial}/", {"a": 1}).status_code == 404
    webhook_rejection_count(provider="twilio", route="webhooks/twilio/voice/", reason="x" * 500)
    webhook_rejection_count(provider="twilio", route="r" * 500, reason="credential")

    keys = list(RefusalCount.objects.order_by("id").values_list("key", "reason", "count"))
    assert keys == [
        ("webhooks/twilio/voice/", "credential", 30),
        ("webhooks/twilio/voice/", "other", 1),
        ("r" * RefusalCount._meta.get_field("key").max_length, "credential", 1),
    ]
    assert AuditEvent.objects.count() == 3


def test_a_refusal_is_answered_the_same_when_it_cannot_be_counted(twilio_post, one_window):
    with mock.patch.object(refusals, "_upsert", autospec=True, side_effect=OperationalError("down")):
        response = twilio_post("/webhooks/twilio/voice/", twilio_call_params(), signature="bad")

    assert (response.status_code, response.content) == (403, b"")
    assert not AuditEvent.objects.exists()


def test_a_failed_opening_event_loses_no_count(twilio_post, one_window):
    with mock.patch.object(refusals, "audit_record", autospec=True, side_effect=OperationalError("down")):
        response = twilio_post("/webhooks/twilio/voice/", twilio_call_params(), signature="bad")
    twilio_post("/webhooks/twilio/voice/", twilio_call_params(), signature="bad")

    assert response.status_code == 403
    assert refusals_report(now=after(one_window)) == 2
    assert AuditEvent.objects.get(action=COUNTED).details["count"] == 2


@pytest.mark.django_db(transaction=True)
def test_reports_running_concurrently_with_refusals_report_each_refusal_once(settings):
    """Refusals keep arriving while several reports run at once; afterwards
    the counted events add up to exactly the refusals sent."""
    settings.REFUSAL_WINDOW_SECONDS = WINDOW_SECONDS
    window = window_of(timezone.now())
    senders, reporters, per_sender = 4, 3, 25
    start = threading.Barrier(senders + reporters)
    errors: list[BaseException] = []

    def send(serial: int) -> None:
        try:
            start.wait()
            client = Client()
            for _ in range(per_sender):
                path = ("/webhooks/twilio/voice/", "/webhooks/twilio/status/")[serial % 2]
                assert client.post(path, twilio_call_params(), HTTP_X_TWILIO_SIGNATURE="bad").status_code == 403
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    def report() -> None:
        try:
            start.wait()
            for _ in range(5):
                # As if each window had closed: reports race the refusals.
                refusals_report(now=after(window_of(timezone.now())))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(serial,)) for serial in range(senders)]
    threads += [threading.Thread(target=report) for _ in range(reporters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    refusals_report(now=after(window_of(timezone.now())) + timedelta(seconds=WINDOW_SECONDS))

    counted = AuditEvent.objects.filter(action=COUNTED).values_list("details", flat=True)
    assert sum(details["count"] for details in counted) == senders * per_sender
    rows = RefusalCount.objects.all()
    assert sum(row.count for row in rows) == sum(row.reported for row in rows) == senders * per_sender
    assert AuditEvent.objects.filter(action=OPENED).count() == rows.count() <= 2 * 2  # two routes, at most two windows
    assert window[0] <= min(row.window_start for row in rows)
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("named_lock", ["held", "expired"])
def test_a_report_that_overlaps_another_reports_nothing_twice(settings, named_lock):
    """A second report starts while the first is writing its events: it
    reports nothing, whether the first still holds the job's named lock or
    has outlived it (the second takes the lock over, and the rows the
    first is reporting stay locked)."""
    settings.REFUSAL_WINDOW_SECONDS = WINDOW_SECONDS
    for route in ("webhooks/twilio/voice/", "webhooks/twilio/status/"):
        for _ in range(5):
            webhook_rejection_count(provider="twilio", route=route, reason="credential")
    now = after(window_of(timezone.now()))
    writing, finish = threading.Event(), threading.Event()
    real_audit_record = refusals.audit_record
    results: list[int] = []

    def slow_audit_record(*args, **kwargs):
        if not writing.is_set():
            writing.set()
            finish.wait(timeout=30)
        return real_audit_record(*args, **kwargs)

    def first_report() -> None:
        try:
            results.append(refusals_report(now=now))
        finally:
            connection.close()

    with mock.patch.object(refusals, "audit_record", side_effect=slow_audit_record):
        first = threading.Thread(target=first_report)
        first.start()
        assert writing.wait(timeout=30)
        if named_lock == "expired":
            JobLock.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        second = refusals_report(now=now)
        finish.set()
        first.join(timeout=30)

    assert (results, second) == ([10], 0)
    assert refusals_report(now=now) == 0
    assert sorted(AuditEvent.objects.filter(action=COUNTED).values_list("details__count", flat=True)) == [5, 5]


def test_counted_reported_and_pruned_on_sqlite(tmp_path):
    """The embedded default counts with the same single upsert."""
    script = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
from calls.services.webhook_rejections import webhook_rejection_count
from compliance.models import RefusalCount
from compliance.refusals import refusals_report
from compliance.models import AuditEvent, JobLock
call_command("migrate", verbosity=0)
firsts = [webhook_rejection_count(provider="twilio", route="webhooks/twilio/voice/", reason="credential")
          for _ in range(5)]
print("FIRSTS", firsts.count(True))
later = timezone.now() + timedelta(days=1)
print("REPORTED", refusals_report(now=later), refusals_report(now=later))
print("EVENTS", sorted(AuditEvent.objects.values_list("action", flat=True)))
refusals_report(now=later + timedelta(days=8))
print("PRUNED", RefusalCount.objects.count())
"""
    lines = dict(line.split(" ", 1) for line in run_on_sqlite(tmp_path, script))

    assert lines["FIRSTS"] == "1"
    assert lines["REPORTED"] == "5 0"
    assert lines["EVENTS"] == str(sorted([OPENED, COUNTED]))
    assert lines["PRUNED"] == "0"
