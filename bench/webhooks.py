"""Acknowledgement cost of the Twilio and Vapi webhooks, one request at a time.

Runs signed requests through the whole Django stack in-process (middleware,
signature check, serializer, inbox write on PostgreSQL, commit, enqueue) and
prints latency percentiles beside two baselines measured in the same run,
so the ratio holds on a noisy machine: /healthz, a trivial view, and the
minimal correct webhook, a plain view written here for the benchmark only
that checks the Twilio signature and inserts the encrypted payload once.

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
    settings.ROOT_URLCONF = __name__  # the product's routes, and the minimal webhook's
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
        "minimal webhook (status)": lambda: signed_post(
            MINIMAL_PATH, {**call_params(), "CallStatus": "completed", "SequenceNumber": "3"}
        ),
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
    print(f"{'scenario':<28}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'p50 / floor':>13}{'req/s / minimal':>17}")
    # Interleaved, one request of each scenario in turn: whatever slows the
    # machine during the run slows every scenario alike, and the ratios hold.
    timings: dict[str, list[float]] = {name: [] for name in scenarios}
    for _ in range(count):
        for name, scenario in scenarios.items():
            timings[name].append(scenario())
    floor_p50 = minimal_mean = None
    for name, samples in timings.items():
        p50, p95, p99 = percentiles(samples)
        floor_p50 = floor_p50 or p50
        mean = sum(samples) / len(samples)
        if name.startswith("minimal"):
            minimal_mean = mean
        # Throughput of one process sending one request at a time: one over the mean time.
        versus = f"{minimal_mean / mean:>17.2f}" if minimal_mean else ""
        print(f"{name:<28}{p50 * 1000:>9.2f}{p95 * 1000:>9.2f}{p99 * 1000:>9.2f}{p50 / floor_p50:>13.1f}{versus}")


MINIMAL_PATH = "/bench/minimal-webhook/"


def minimal_webhook(request):  # noqa: ANN001, ANN201
    """The least a correct webhook does: check the Twilio signature on the
    URL and form, then store the delivery durably, encrypted, once, and
    answer. For the benchmark only: no serializer, no bounds, no dedup
    answer, no enqueue."""
    import hashlib
    import json
    import uuid

    from django.conf import settings
    from django.http import HttpResponse
    from twilio.request_validator import RequestValidator

    from calls.models import InboundEvent

    params = request.POST.dict()
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(
        url, params, request.headers.get("X-Twilio-Signature")
    ):
        return HttpResponse(status=403)
    InboundEvent.objects.create(
        provider="bench", kind=InboundEvent.Kind.TWILIO_STATUS, dedup_key=str(uuid.uuid4()), payload=params,
        payload_sha256=hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest(),
    )  # fmt: skip
    return HttpResponse(status=204)


def _urlpatterns() -> list:
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from contactcenter.urls import urlpatterns

    return [path(MINIMAL_PATH.strip("/") + "/", csrf_exempt(minimal_webhook)), *urlpatterns]


def __getattr__(name: str) -> list:
    # Django reads the URLconf after setup: built then, from the product's own.
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


if __name__ == "__main__":
    main()
