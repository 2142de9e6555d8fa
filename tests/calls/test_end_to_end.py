"""The real stack end to end: gunicorn, a Celery worker and beat in their
own processes, on the test PostgreSQL database and Redis, driven by
``simulate_call`` with signed requests. Twilio's REST API is the loopback
stand-in, so recording starts and deletions travel over real HTTP too."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import call_command

from calls.models import Call, InboundEvent, Recording
from compliance.models import ConsentDecision
from tests.loopback import free_port, wait_for
from tests.twilio_api import FakeTwilioApi

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL (.ci/run does)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def stack(transactional_db) -> Iterator[dict[str, object]]:
    database = settings.DATABASES["default"]
    twilio_api = FakeTwilioApi().start()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings.test",
        "DJANGO_READ_DOT_ENV": "0",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "TWILIO_API_BASE_URL": twilio_api.url,
        # Beat runs too, sweeping often, so recovery paths are part of the run.
        "INBOX_SWEEP_SECONDS": "2",
        "INBOX_SWEEP_GRACE_SECONDS": "1",
    }
    port = free_port()
    bin_dir = Path(sys.executable).parent
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    logs = {name: (artifacts / f"e2e-{name}.log").open("w") for name in ("web", "worker", "beat")}
    celery = [str(bin_dir / "celery"), "-A", "contactcenter"]
    # Messages left in Redis by an earlier run name rows that no longer exist.
    subprocess.run(
        [*celery, "purge", "--force"], cwd=ROOT, env=environment, check=True, capture_output=True, timeout=60
    )
    processes = [
        subprocess.Popen(
            [str(bin_dir / "gunicorn"), "contactcenter.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT, env=environment, stdout=logs["web"], stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [*celery, "worker", "-Q", "celery,capture", "--concurrency", "2", "--without-mingle", "--without-gossip",
             "--loglevel", "INFO"],
            cwd=ROOT, env=environment, stdout=logs["worker"], stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [*celery, "beat", "--loglevel", "INFO", "--schedule", str(artifacts / "e2e-beat-schedule")],
            cwd=ROOT, env=environment, stdout=logs["beat"], stderr=subprocess.STDOUT,
        ),
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"

    def web_is_up() -> bool:
        try:
            return requests.get(base_url + "/readyz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(web_is_up, 30, "gunicorn to serve /readyz")
        wait_for(lambda: "ready." in (artifacts / "e2e-worker.log").read_text(), 30, "the worker to be ready")
        yield {"base_url": base_url, "twilio_api": twilio_api}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        twilio_api.stop()
        for log in logs.values():
            log.close()


def simulate(base_url: str, *extra: str) -> str:
    output = StringIO()
    call_command("simulate_call", "--base-url", base_url, "--wait", "60", *extra, stdout=output)
    return output.getvalue()


def test_consented_call_is_processed_by_a_real_worker_and_recorded_at_twilio(stack):
    output = simulate(stack["base_url"])

    assert "Processed: call completed, 42s, consent granted (all_party, US-CA), department support" in output
    assert "Transcript (redacted): Support please, you can call me back on [PHONE]" in output
    call = Call.objects.get()
    # Two web processes and two worker processes may apply the callbacks in
    # any order; each is recorded once, and the last status always wins.
    assert sorted(call.status_events.values_list("status", flat=True)) == ["completed", "in-progress", "ringing"]
    assert call.status_events.get(status="completed").applied
    wait_for(lambda: Call.objects.get().recording_state == Call.RecordingState.STARTED, 30, "the recording to start")
    start_requests = [
        request
        for request in stack["twilio_api"].requests
        if request.path.endswith(f"/Calls/{call.call_sid}/Recordings.json")
    ]
    assert len(start_requests) == 1
    assert start_requests[0].form["RecordingStatusCallback"] == [
        f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/recording/"
    ]
    assert not InboundEvent.objects.exclude(status=InboundEvent.Status.DONE).exists()
    assert not InboundEvent.objects.filter(payload__isnull=False).exists(), "every raw payload was scrubbed"


def test_declined_call_is_never_recorded_and_a_stray_recording_is_deleted_at_twilio(stack):
    output = simulate(stack["base_url"], "--decline", "--from-state", "TX")

    assert "consent declined (one_party, US-TX)" in output
    call = Call.objects.get()
    assert call.consent_decision == ConsentDecision.DECLINED
    assert call.recording_state == Call.RecordingState.NOT_REQUESTED
    wait_for(lambda: Recording.objects.filter(deleted_at__isnull=False).exists(), 30, "the stray recording's deletion")
    recording = Recording.objects.get(deleted_at__isnull=False)
    assert recording.recording_sid in stack["twilio_api"].deleted
    assert not [
        request
        for request in stack["twilio_api"].requests
        if request.path.endswith("/Recordings.json") and request.method == "POST"
    ]
