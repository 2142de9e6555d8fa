"""What applying a delivery costs, by kind: queries and the worker's CPU.

Plays realistic calls (``traffic.Play``: half Twilio, half Vapi, as
``load.py`` plays them) in-process through the whole Django stack, with the
broker in memory and nobody consuming it, so every delivery waits in the
inbox. Then applies each one as the worker does (``inbox_process``), in
arrival order, counting its SQL statements and its CPU time, the redaction
of the words it holds included. With ``--capture``, each delivery the
webhook handed to the capture fast path is first run through it
(``capture_apply``, as the capture worker would), timed apart as
``capture <kind>``. Prints, per kind, the median and largest
statement count and the median CPU, and the functions where the time went
(cProfile, cumulative). PostgreSQL's own CPU
is not in these figures: ``load.py`` measures it.

    .venv/bin/python bench/apply.py [--calls 200] [--profile 25]

PostgreSQL: DATABASE_URL if set, else a throwaway cluster (durability off).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import statistics
import time
from collections import defaultdict
from pathlib import Path

from common import postgres


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="Calls to play, half Twilio and half Vapi.")
    parser.add_argument("--show", default="", help="Print the statements of the first delivery of this kind.")
    parser.add_argument("--profile", type=int, default=25, help="Functions to list from a profiled run (0: none).")
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"], help="The profile's order.")
    parser.add_argument("--callees", default="", help="Also print what the functions matching this name called.")
    parser.add_argument("--durable", action="store_true", help="The throwaway cluster keeps fsync and sync commit.")
    parser.add_argument("--capture", action="store_true", help="Also time the capture fast path's deliveries.")
    args = parser.parse_args()
    with postgres(durable=args.durable):
        run(args)


def run(args: argparse.Namespace) -> None:
    # The calls are played by asyncio coroutines that call Django's test
    # client directly, one at a time: synchronous ORM calls inside the loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from traffic import Play

    from calls.models import InboundEvent
    from calls.services import twilio_webhooks, vapi_webhooks
    from calls.services.capture import capture_apply
    from calls.services.inbox import inbox_process
    from compliance.redaction import get_redactor

    call_command("migrate", verbosity=0)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # deliveries wait in the inbox
    client = Client()

    async def in_process(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        extra.pop("HTTP_CONTENT_TYPE", None)
        response = client.post(
            path, data=body, content_type=headers["Content-Type"], HTTP_X_FORWARDED_PROTO="https", **extra
        )
        return response.status_code, response.content

    play = Play(
        port=0,
        public_base_url=settings.PUBLIC_BASE_URL,
        twilio_account_sid=settings.TWILIO_ACCOUNT_SID,
        twilio_auth_token=settings.TWILIO_AUTH_TOKEN,
        vapi_secret=settings.VAPI_WEBHOOK_SECRET,
        pause=0,
        transport=in_process,
    )
    # What the webhooks hand to the capture queue, noted instead of published.
    for_capture: set[int] = set()
    if args.capture:
        for module in (twilio_webhooks, vapi_webhooks):
            module.capture_publish = lambda event_id: for_capture.add(event_id)
    asyncio.run(play.calls(concurrency=1, total=args.calls))
    refused = [delivery for delivery in play.deliveries if delivery.status not in (200, 204)]
    assert not refused, f"{len(refused)} deliveries refused, first {refused[0]}"
    get_redactor().redact("warm up: Dana Whitfield, 4111 1111 1111 1111")  # loaded before timing, as in a worker

    queries: dict[str, list[int]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    database_cpu: dict[str, list[float]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")

    def backend_time() -> float:
        """The backend's time on a CPU, in seconds (the scheduler's, to the
        nanosecond); nothing when PostgreSQL runs on another machine."""
        return int(backend.read_text().split()[0]) / 1e9 if backend.exists() else float("nan")

    # CPU time, as the figures: wall time would charge the worker for the
    # moments PostgreSQL runs the statement it just sent on the same core.
    profile = cProfile.Profile(time.thread_time)

    def measured(label: str, work) -> None:  # noqa: ANN001
        connection.queries_log.clear()  # bounded: a full log would count nothing
        with CaptureQueriesContext(connection) as captured:
            started, started_database = time.thread_time(), backend_time()
            work()
            cpu[label].append(time.thread_time() - started)
            database_cpu[label].append(backend_time() - started_database)
        queries[label].append(len(captured.captured_queries))
        if label == args.show and len(queries[label]) == 1:
            for query in captured.captured_queries:
                print(query["sql"][:300])

    def apply_all(apply) -> None:  # noqa: ANN001
        pending = InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).order_by("id")
        for event_id, kind in list(pending.values_list("id", "kind")):
            if event_id in for_capture:
                apply(f"capture {kind}", lambda event_id=event_id: capture_apply(event_id=event_id))
            apply(kind, lambda event_id=event_id: inbox_process(event_id=event_id))

    apply_all(measured)
    left = InboundEvent.objects.exclude(status=InboundEvent.Status.DONE).count()

    inbox = [label for label in queries if not label.startswith("capture ")]
    applied = sum(len(queries[label]) for label in inbox)
    print(f"{args.calls} calls played in-process, {applied} deliveries applied, {left} not done")
    print(
        f"{'kind':<34}{'count':>7}{'queries p50':>13}{'max':>6}{'CPU ms p50':>12}{'CPU ms mean':>13}"
        f"{'PostgreSQL ms mean':>20}"
    )
    for label in sorted(queries):
        counts, times = queries[label], cpu[label]
        print(
            f"{label:<34}{len(counts):>7}{statistics.median(counts):>13.0f}{max(counts):>6}"
            f"{statistics.median(times) * 1000:>12.2f}{statistics.mean(times) * 1000:>13.2f}"
            f"{statistics.mean(database_cpu[label]) * 1000:>20.2f}"
        )
    total = sum(sum(cpu[label]) for label in inbox)
    total_database = sum(sum(database_cpu[label]) for label in inbox)
    print(f"worker CPU per applied delivery (redaction included): {total / applied * 1000:.2f} ms")
    print(f"its PostgreSQL backend's CPU per applied delivery: {total_database / applied * 1000:.2f} ms")
    if args.capture:
        fast = [label for label in queries if label not in inbox]
        spent = sum(sum(cpu[label]) + sum(database_cpu[label]) for label in fast)
        print(f"the capture fast path (worker and PostgreSQL) per applied delivery: {spent / applied * 1000:.2f} ms")
    if args.profile:
        # Profiled apart, on a quarter as many calls again: the profiler's
        # own cost is not in the figures above.
        asyncio.run(play.calls(concurrency=1, total=max(2, args.calls // 4)))
        apply_all(lambda label, work: profile.runcall(work))
        report = io.StringIO()
        stats = pstats.Stats(profile, stream=report).sort_stats(args.sort)
        stats.print_stats(args.profile)
        if args.callees:
            stats.print_callees(args.callees)
        print(report.getvalue())


if __name__ == "__main__":
    main()
