"""The real stack for the end-to-end tests: gunicorn, a Celery worker
(serving the inbox and the capture queue) and beat in their own processes,
on the test PostgreSQL database and Redis. Twilio's REST API is the
loopback stand-in, so recording starts, pauses and deletions travel over
real HTTP too."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.loopback import free_port, wait_for
from tests.twilio_api import FakeTwilioApi

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def twilio_api(settings) -> Iterator[FakeTwilioApi]:  # noqa: ANN001
    """Twilio's REST API on loopback, with the REST client pointed at it."""
    api = FakeTwilioApi().start()
    settings.TWILIO_API_BASE_URL = api.url
    settings.TWILIO_HTTP_TIMEOUT_SECONDS = 2
    yield api
    api.stop()


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
        # Keypad payments on the menu; recordings reviewed a second after their call ends.
        "PAY_ENABLED": "1",
        "RECORDING_REVIEW_GRACE_SECONDS": "1",
        "CAPTURE_QUIET_SECONDS": "3",
        # The IVR hands callers to the Vapi assistant over SIP; calls to this number go there right after consent.
        "VAPI_SIP_URI": "sip:contactcenter@sip.vapi.ai",
        "HANDOFF_NUMBERS": "+18005550177",
        # Vapi's call control may be a stand-in on loopback too (simulate_call --callback serves one).
        "VAPI_CONTROL_HOSTS": ",".join([*settings.VAPI_CONTROL_HOSTS, "127.0.0.1"]),
    }
    port = free_port()
    bin_dir = Path(sys.executable).parent
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    logs = {name: (artifacts / f"e2e-{name}.log").open("w") for name in ("web", "worker", "beat", "sealer")}
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
        subprocess.Popen(
            [sys.executable, "manage.py", "audit_seal", "--follow"],
            cwd=ROOT, env=environment, stdout=logs["sealer"], stderr=subprocess.STDOUT,
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
