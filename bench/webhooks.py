"""Acknowledgement cost of the Twilio and Vapi webhooks, one request at a time.

Runs signed requests through the whole Django stack in-process (middleware,
signature check, serializer, inbox write on PostgreSQL, commit, enqueue) and
prints latency percentiles beside a floor: /healthz, a trivial view, measured
in the same run, so the ratio holds on a noisy machine.

    .venv/bin/python bench/webhooks.py [--requests 1000]

PostgreSQL: DATABASE_URL if set, else a throwaway cluster from the local
binaries. Broker: CELERY_BROKER_URL if set (e.g. Redis), else in-memory.
"""

from __future__ import annotations

import argparse
import secrets
import time

from common import percentiles, postgres


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()

    with postgres():
        run(args.requests)


def run(count: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from twilio.request_validator import RequestValidator

    from tests.calls import vapi_messages as vapi

    call_command("migrate", verbosity=0)
    client = Client()
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)

    def signed_post(path: str, params: dict[str, str]) -> float:
        signature = validator.compute_signature(settings.PUBLIC_BASE_URL + path, params)
        started = time.perf_counter()
        response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
        elapsed = time.perf_counter() - started
        assert response.status_code in (200, 204), response.status_code
        return elapsed

    def call_params() -> dict[str, str]:
        return {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": settings.TWILIO_ACCOUNT_SID,
            "From": "+14155550100",
            "To": "+18005550199",
            "FromState": "CA",
            "FromCountry": "US",
            "ToState": "NY",
            "ToCountry": "US",
            "CallStatus": "ringing",
            "Direction": "inbound",
        }

    def vapi_post(body: dict) -> float:
        started = time.perf_counter()
        response = vapi.post(client, body)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return elapsed

    def floor() -> float:
        started = time.perf_counter()
        response = client.get("/healthz")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return elapsed

    scenarios = {
        "floor: GET /healthz": floor,
        "POST voice (new call)": lambda: signed_post("/webhooks/twilio/voice/", call_params()),
        "POST gather (consent)": lambda: signed_post(
            "/webhooks/twilio/gather/?step=consent&attempt=1&prompt=2026-11-v1", {**call_params(), "Digits": "1"}
        ),
        "POST status (completed)": lambda: signed_post(
            "/webhooks/twilio/status/", {**call_params(), "CallStatus": "completed", "SequenceNumber": "3"}
        ),
        "Vapi assistant-request": lambda: vapi_post(vapi.assistant_request(vapi.new_call())),
        "Vapi tool-calls (consent)": lambda: vapi_post(
            vapi.tool_calls(vapi.new_call(), ("record_consent", {"decision": "granted"}))
        ),
        "Vapi transcript (final)": lambda: vapi_post(
            vapi.transcript(vapi.new_call(), "my card is 4111 1111 1111 1111")
        ),
    }
    for scenario in scenarios.values():  # warm up connections and caches
        for _ in range(20):
            scenario()

    broker = settings.CELERY_BROKER_URL.split(":")[0]
    print(f"{count} sequential requests each, in-process WSGI, PostgreSQL, broker {broker}")
    print(f"{'scenario':<28}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'p50 / floor':>13}")
    floor_p50 = None
    for name, scenario in scenarios.items():
        p50, p95, p99 = percentiles([scenario() for _ in range(count)])
        floor_p50 = floor_p50 or p50
        print(f"{name:<28}{p50 * 1000:>9.2f}{p95 * 1000:>9.2f}{p99 * 1000:>9.2f}{p50 / floor_p50:>13.1f}")


if __name__ == "__main__":
    main()
