"""GET /metrics: off without a token, 401 without the right one, and with it
every metric the README lists, each moving when what it describes changes.

The exposition is read back with prometheus_client's own parser.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from calls.models import Call, CrmDelivery, InboundEvent, Recording, TranscriptSegment, VapiControlMessage
from calls.services.recordings import NO_CONSENT, call_request_recording, recording_request_deletion
from calls.tasks import recording_delete
from compliance import audit, checkpoints
from compliance.refusals import window_of
from compliance.tasks import refusals_report
from contactcenter.metrics.state import StoredStateCollector
from tests.calls import vapi_messages as vapi
from tests.factories import CallFactory, SegmentFactory, recording_sid, twilio_call_params
from tests.loopback import free_port

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VOICE = "/webhooks/twilio/voice/"


def documented_metrics() -> dict[str, str]:
    """Each metric of the README's "Metrics" table, with its type."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("\n## Metrics\n") :]
    section = section[: section.index("\n## ", 1)]
    rows = re.finditer(r"^\| `(contactcenter_\w+)`( \(histogram\))? \|", section, re.MULTILINE)
    return {row[1]: "histogram" if row[2] else "gauge" for row in rows}


Samples = dict[tuple[str, frozenset], float]


@pytest.fixture
def token(settings) -> str:
    settings.METRICS_TOKEN = secrets.token_urlsafe(32)
    return settings.METRICS_TOKEN


def parse(text: str) -> tuple[dict[str, str], Samples]:
    """The exposition's metric types by name, and every sample's value."""
    types, samples = {}, {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for sample in family.samples:
            samples[sample.name, frozenset(sample.labels.items())] = sample.value
    return types, samples


def scrape(client, token: str) -> Samples:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.status_code
    return parse(response.content.decode())[1]


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[name, frozenset(labels.items())]


def observed(samples: Samples, name: str, **labels: str) -> float:
    """A histogram's count for one label set; 0 if it has none yet (the
    histograms live as long as the process, so tests compare before and after)."""
    return samples.get((f"{name}_count", frozenset(labels.items())), 0.0)


# --- The endpoint --------------------------------------------------------------------------


def test_metrics_are_off_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""

    for authorization in ({}, {"HTTP_AUTHORIZATION": "Bearer "}, {"HTTP_AUTHORIZATION": "Bearer anything"}):
        assert client.get("/metrics", **authorization).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer wrong", "Bearer {token}x", "Bearer {short}", "Basic {token}", "{token}", "Token {token}"],
)
def test_a_missing_or_wrong_token_is_refused_with_401_and_nothing_else(client, token, authorization):
    header = authorization.format(token=token, short=token[:-1])

    response = client.get("/metrics", HTTP_AUTHORIZATION=header) if header else client.get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.content == b""


def test_the_token_opens_an_exposition_of_every_listed_metric(client, token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    types, samples = parse(response.content.decode())
    # The README's table and the exposition name the same metrics, each of its type.
    exposed = {name: kind for name, kind in types.items() if name.startswith("contactcenter_")}
    assert exposed == documented_metrics()
    assert len(exposed) == 18
    assert value(samples, "contactcenter_state_collected") == 1


def test_events_waiting_for_the_sealer_are_counted_until_they_are_sealed(client, token):
    audit.audit_seal()
    audit.audit_record("test.waiting")

    def scrape() -> dict:
        return parse(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").content.decode())[1]

    waiting = scrape()
    assert value(waiting, "contactcenter_audit_unsealed_events") == 1
    assert value(waiting, "contactcenter_audit_oldest_unsealed_age_seconds") >= 0
    audit.audit_seal()
    sealed = scrape()
    assert value(sealed, "contactcenter_audit_unsealed_events") == 0
    assert value(sealed, "contactcenter_audit_oldest_unsealed_age_seconds") == 0


def test_the_scheme_is_read_in_any_case_and_only_get_is_answered(client, token):
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"bearer {token}").status_code == 200
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405
    assert client.post("/metrics").status_code == 401


# --- Stored state: each figure moves with its rows ----------------------------------------


def inbox_event(status: str, *, received: timedelta = timedelta(0)) -> InboundEvent:
    return InboundEvent.objects.create(
        provider="twilio", kind="twilio.voice", dedup_key=secrets.token_hex(8), payload_sha256="0",
        status=status, received_at=timezone.now() - received,
    )  # fmt: skip


def test_inbox_events_by_status_and_the_age_of_the_oldest_not_yet_applied(client, token):
    empty = scrape(client, token)
    assert [value(empty, "contactcenter_inbox_events", status=s) for s in ("pending", "processing", "failed")] == [
        0,
        0,
        0,
    ]
    assert value(empty, "contactcenter_inbox_oldest_pending_age_seconds") == 0

    inbox_event("pending", received=timedelta(minutes=5))
    inbox_event("pending")
    inbox_event("processing", received=timedelta(hours=1))
    inbox_event("failed", received=timedelta(days=2))
    inbox_event("done", received=timedelta(days=3))
    samples = scrape(client, token)

    assert value(samples, "contactcenter_inbox_events", status="pending") == 2
    assert value(samples, "contactcenter_inbox_events", status="processing") == 1
    assert value(samples, "contactcenter_inbox_events", status="failed") == 1
    assert ("contactcenter_inbox_events", frozenset({("status", "done")})) not in samples
    # The event held by a worker for an hour, not the failed one.
    assert 3600 <= value(samples, "contactcenter_inbox_oldest_pending_age_seconds") < 3600 + 60

    InboundEvent.objects.filter(status__in=["pending", "processing"]).update(status="done")
    samples = scrape(client, token)
    assert value(samples, "contactcenter_inbox_events", status="pending") == 0
    assert value(samples, "contactcenter_inbox_oldest_pending_age_seconds") == 0


def test_segments_awaiting_redaction_and_the_oldest_ones_age(client, token):
    SegmentFactory()
    waiting = SegmentFactory(status=TranscriptSegment.Status.PENDING, text="", spoken_at=timezone.now())
    TranscriptSegment.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    SegmentFactory(status=TranscriptSegment.Status.PENDING, text="")

    samples = scrape(client, token)

    assert value(samples, "contactcenter_transcript_segments_awaiting_redaction") == 2
    assert 600 <= value(samples, "contactcenter_transcript_oldest_awaiting_redaction_age_seconds") < 660

    TranscriptSegment.objects.update(status=TranscriptSegment.Status.REDACTED)
    samples = scrape(client, token)
    assert value(samples, "contactcenter_transcript_segments_awaiting_redaction") == 0
    assert value(samples, "contactcenter_transcript_oldest_awaiting_redaction_age_seconds") == 0


def test_recordings_awaiting_start_or_deletion(client, token):
    call_request_recording(call=CallFactory())
    call_request_recording(call=CallFactory())
    recording = Recording.objects.create(call=CallFactory(), recording_sid=recording_sid(), status="completed")
    recording_request_deletion(recording=recording, reason=NO_CONSENT)
    Recording.objects.filter(pk=recording.pk).update(deletion_requested_at=timezone.now() - timedelta(minutes=30))
    Recording.objects.create(call=CallFactory(), recording_sid=recording_sid(), status="completed")

    samples = scrape(client, token)

    assert value(samples, "contactcenter_recordings_awaiting", action="start") == 2
    assert value(samples, "contactcenter_recordings_awaiting", action="deletion") == 1
    assert 1800 <= value(samples, "contactcenter_recordings_oldest_awaiting_deletion_age_seconds") < 1860

    Call.objects.update(recording_state=Call.RecordingState.STARTED)
    Recording.objects.filter(pk=recording.pk).update(deleted_at=timezone.now(), status="deleted")
    samples = scrape(client, token)
    assert value(samples, "contactcenter_recordings_awaiting", action="start") == 0
    assert value(samples, "contactcenter_recordings_awaiting", action="deletion") == 0
    assert value(samples, "contactcenter_recordings_oldest_awaiting_deletion_age_seconds") == 0


def make_crm_delivery(status: str) -> None:
    CrmDelivery.objects.create(kind=CrmDelivery.Kind.CALL, key=secrets.token_hex(8), status=status)


def make_control_message(status: str) -> None:
    VapiControlMessage.objects.create(
        call=CallFactory(), tool_call_id=secrets.token_hex(8), tool="lookup", status=status
    )


@pytest.mark.parametrize(
    "metric, model, make, in_hand, given_up, settled",
    [
        ("contactcenter_crm_deliveries", CrmDelivery, make_crm_delivery, ("pending", "delivering"), "dead",
         ("delivered", "cancelled")),
        ("contactcenter_vapi_control_messages", VapiControlMessage, make_control_message, ("pending", "sending"),
         "failed", ("sent", "skipped", "refused")),
    ],
)  # fmt: skip
def test_an_outbox_counts_what_is_in_hand_and_what_was_given_up(
    client, token, metric, model, make, in_hand, given_up, settled
):
    for status in (in_hand[0], *in_hand, given_up, *settled):
        make(status)

    samples = scrape(client, token)

    assert value(samples, metric, status=in_hand[0]) == 2
    assert value(samples, metric, status=in_hand[1]) == 1
    assert value(samples, metric, status=given_up) == 1

    model.objects.filter(status=in_hand[0]).update(status=given_up)
    samples = scrape(client, token)
    assert value(samples, metric, status=in_hand[0]) == 0
    assert value(samples, metric, status=given_up) == 3


@pytest.fixture
def one_window(settings):
    """A day's refusal window, entered afresh if this one ends within a
    minute, so that every refusal of the test falls in the same window."""
    settings.REFUSAL_WINDOW_SECONDS = 86400
    _, end = window_of(timezone.now())
    if (end - timezone.now()).total_seconds() < 60:
        time.sleep((end - timezone.now()).total_seconds() + 0.1)
    return window_of(timezone.now())


def test_refused_webhooks_are_read_by_reason_from_the_refusal_counts(client, token, twilio_post, one_window):
    before = scrape(client, token)
    assert value(before, "contactcenter_webhook_refusals", reason="credential", window="current") == 0

    for _ in range(3):
        assert twilio_post(VOICE, twilio_call_params(), signature="forged").status_code == 403
    assert vapi.post(client, b'{"message": ').status_code == 400

    samples = scrape(client, token)
    assert value(samples, "contactcenter_webhook_refusals", reason="credential", window="current") == 3
    assert value(samples, "contactcenter_webhook_refusals", reason="parse_error", window="current") == 1
    assert value(samples, "contactcenter_webhook_refusals", reason="too_large", window="current") == 0
    assert value(samples, "contactcenter_webhook_refusals", reason="credential", window="previous") == 0

    # Once the window has closed, the same counts are the previous window's.
    registry = CollectorRegistry()
    registry.register(StoredStateCollector(at=one_window[1] + timedelta(seconds=1)))
    later = parse(generate_latest(registry).decode())[1]
    assert value(later, "contactcenter_webhook_refusals", reason="credential", window="previous") == 3
    assert value(later, "contactcenter_webhook_refusals", reason="credential", window="current") == 0


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_evidence_last_verification_and_checkpoint(client, token, checkpoint_directory):
    samples = scrape(client, token)
    assert value(samples, "contactcenter_audit_last_verification_ok") == 0
    assert value(samples, "contactcenter_audit_last_verification_timestamp_seconds") == 0

    first = checkpoints.checkpoint_write(reason="manual")
    audit.audit_chain_check()
    samples = scrape(client, token)

    assert value(samples, "contactcenter_audit_last_checkpoint_number") == first.number
    checkpointed_at = value(samples, "contactcenter_audit_last_checkpoint_timestamp_seconds")
    assert abs(checkpointed_at - time.time()) < 60
    assert value(samples, "contactcenter_audit_last_verification_ok") == 1
    verified_at = value(samples, "contactcenter_audit_last_verification_timestamp_seconds")
    assert checkpointed_at <= verified_at

    second = checkpoints.checkpoint_write(reason="manual")
    # Something planted in the store: the next verification fails, and says so.
    (Path(checkpoint_directory) / "notes.txt").write_bytes(b"{}")
    assert not audit.audit_chain_check().ok
    samples = scrape(client, token)

    assert value(samples, "contactcenter_audit_last_checkpoint_number") == second.number == first.number + 1
    assert value(samples, "contactcenter_audit_last_verification_ok") == 0
    assert value(samples, "contactcenter_audit_last_verification_timestamp_seconds") >= verified_at


# --- Measured in the process ----------------------------------------------------------------


def test_a_webhook_answer_is_observed_under_its_route_and_status_class(client, token, twilio_post):
    name = "contactcenter_webhook_acknowledgement_seconds"
    before = scrape(client, token)

    assert twilio_post(VOICE, twilio_call_params()).status_code == 200
    assert twilio_post(VOICE.rstrip("/"), twilio_call_params()).status_code == 200
    assert twilio_post(VOICE, twilio_call_params(), signature="forged").status_code == 403
    assert vapi.post(client, vapi.status_update(vapi.new_call(), "ringing")).status_code == 200
    after = scrape(client, token)

    # Both spellings of a route are one kind; the label never comes from the body.
    assert (
        observed(after, name, kind="twilio.voice", status="2xx")
        == observed(before, name, kind="twilio.voice", status="2xx") + 2
    )
    assert (
        observed(after, name, kind="twilio.voice", status="4xx")
        == observed(before, name, kind="twilio.voice", status="4xx") + 1
    )
    assert observed(after, name, kind="vapi", status="2xx") == observed(before, name, kind="vapi", status="2xx") + 1
    kinds = {dict(labels)["kind"] for sample, labels in after if sample == f"{name}_count"}
    assert kinds <= {"twilio.voice", "twilio.gather", "twilio.status", "twilio.recording", "twilio.pay",
                     "twilio.handoff", "twilio.refer", "vapi"}  # fmt: skip
    # Each answer lands in a bucket: the largest finite one holds them all.
    assert value(after, f"{name}_bucket", kind="vapi", status="2xx", le="+Inf") == observed(
        after, name, kind="vapi", status="2xx"
    )


@pytest.mark.django_db(transaction=True)
def test_a_task_run_is_observed_under_its_name_and_the_state_it_ended_in(client, token):
    name = "contactcenter_task_duration_seconds"
    before = scrape(client, token)

    assert refusals_report.apply().successful()
    assert recording_delete.apply(args=[0]).failed()  # no such recording
    after = scrape(client, token)

    succeeded = {"task": "compliance.tasks.refusals_report", "state": "success"}
    failed = {"task": "calls.tasks.recording_delete", "state": "failure"}
    assert observed(after, name, **succeeded) == observed(before, name, **succeeded) + 1
    assert observed(after, name, **failed) == observed(before, name, **failed) + 1


# --- Several processes, and a scrape without the database -------------------------------

PROCESS = r"""
import sys
import django
django.setup()
from prometheus_client import generate_latest
from contactcenter.metrics import instruments
from contactcenter.metrics.views import metrics_registry

instruments.acknowledgement_observe(route="webhooks/twilio/status/", status=204, seconds=0.02)
instruments.task_started(task_id="one")
instruments.task_finished(task_id="one", task_name="calls.tasks.inbox_sweep", state="SUCCESS")
if sys.argv[1] == "sqlite":
    from django.core.management import call_command
    from compliance import audit
    call_command("migrate", verbosity=0)
    audit.audit_chain_check()
sys.stdout.write(generate_latest(metrics_registry()).decode())
"""


def run_process(tmp_path: Path, database: str, **environment: str) -> Samples:
    result = subprocess.run(
        [sys.executable, "-c", PROCESS, database],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "contactcenter.settings.local",
            "DJANGO_READ_DOT_ENV": "0",
            "CELERY_BROKER_URL": "memory://",
            "AUDIT_CHECKPOINT_SIGNING_KEY": settings.AUDIT_CHECKPOINT_SIGNING_KEY,
            "AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
            **environment,
        },
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return parse(result.stdout)[1]


def test_with_a_multiprocess_directory_every_process_is_counted_and_the_database_is_optional(tmp_path):
    """As `make run` serves: the measurements of separate processes add up in
    one scrape. A scrape that can't reach the database still answers with
    them, and says the stored state is missing."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    webhook = {"kind": "twilio.status", "status": "2xx"}
    task = {"task": "calls.tasks.inbox_sweep", "state": "success"}

    unreachable = f"postgres://app@127.0.0.1:{free_port()}/app"
    first = run_process(tmp_path, "none", PROMETHEUS_MULTIPROC_DIR=str(shared), DATABASE_URL=unreachable)
    second = run_process(
        tmp_path, "sqlite", PROMETHEUS_MULTIPROC_DIR=str(shared), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )

    assert observed(first, "contactcenter_webhook_acknowledgement_seconds", **webhook) == 1
    assert value(first, "contactcenter_state_collected") == 0
    assert ("contactcenter_inbox_events", frozenset({("status", "pending")})) not in first
    assert observed(second, "contactcenter_webhook_acknowledgement_seconds", **webhook) == 2
    assert observed(second, "contactcenter_task_duration_seconds", **task) == 2
    assert value(second, "contactcenter_state_collected") == 1
    assert value(second, "contactcenter_inbox_events", status="pending") == 0
    # On SQLite too, the verification's outcome reads back as intact.
    assert value(second, "contactcenter_audit_last_verification_ok") == 1


@pytest.mark.parametrize("directory", ["", "missing"])
def test_a_multiprocess_directory_that_does_not_exist_is_refused(tmp_path, directory):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "contactcenter.settings.test",
            "DJANGO_READ_DOT_ENV": "0",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / directory) if directory else "",
        },
    )  # fmt: skip

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "PROMETHEUS_MULTIPROC_DIR" in result.stderr
