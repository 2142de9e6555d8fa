"""The whole stack under simultaneous calls: acknowledgement latency,
throughput and drain time, beside a trivial view on the same server.

    .venv/bin/python bench/load.py [--concurrency 200] [--calls 1000] [--pause 1.0]

Starts the product as production runs it (bench/stack.py: gunicorn, Celery
worker and beat from the Procfile, production settings, a durable
PostgreSQL and Redis), then:

1. the floor: ``GET /healthz``, a Django view that returns 200 without
   touching the database or the broker, kept ``--concurrency`` requests in
   flight for ``--seconds``;
2. the calls: ``--calls`` realistic calls, ``--concurrency`` at a time, with
   ``--pause`` seconds (mean) between a call's steps, as callers pause;
   every delivery's acknowledgement latency is recorded;
3. the drain: seconds from the last acknowledgement until every delivery
   is applied, every segment redacted and every CRM write delivered;
4. the saturated throughput: the same calls with no pauses at all, against
   the floor's;
5. the check: every call left exactly the consent events and transcript
   segments its script implies.
"""

from __future__ import annotations

import argparse
import asyncio

from common import percentiles
from stack import Stack, procfile
from traffic import call_options, http_get, play_against, saturate, tally


def main() -> None:
    parser = call_options(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--seconds", type=float, default=20.0, help="Duration of the floor's saturation run.")
    args = parser.parse_args()

    stack = Stack().start()
    try:
        run(stack, args)
    finally:
        stack.stop()


def run(stack: Stack, args: argparse.Namespace) -> None:
    commands = procfile()
    print(f"web: {commands['web'].split(' --access-log')[0]}\nworker: {commands['worker']}")
    warm = play_against(stack, pause=0.05)
    asyncio.run(warm.calls(concurrency=10, total=20))
    stack.drain(120)

    async def floor_request() -> bool:
        return await http_get(stack.port, "/healthz") == 200

    floor_count, floor_latencies, floor_errors = asyncio.run(
        saturate(floor_request, concurrency=args.concurrency, seconds=args.seconds)
    )
    floor_rate = floor_count / args.seconds

    paced = play_against(stack, pause=args.pause)
    elapsed = asyncio.run(paced.calls(concurrency=args.concurrency, total=args.calls))
    drain = stack.drain(600)
    ok = [delivery for delivery in paced.deliveries if 200 <= delivery.status < 300]
    errors = len(paced.deliveries) - len(ok)
    p50, p95, p99 = percentiles([delivery.latency for delivery in paced.deliveries])

    flat_out = play_against(stack, pause=0)
    flat_elapsed = asyncio.run(flat_out.calls(concurrency=args.concurrency, total=args.calls))
    flat_drain = stack.drain(600)
    flat_rate = len(flat_out.deliveries) / flat_elapsed
    flat_p50, flat_p95, flat_p99 = percentiles([delivery.latency for delivery in flat_out.deliveries])
    flat_errors = sum(not 200 <= delivery.status < 300 for delivery in flat_out.deliveries)

    effects = tally(stack, paced.expected + flat_out.expected)
    f50, f95, f99 = percentiles(floor_latencies)
    ms = lambda seconds: f"{seconds * 1000:.1f}"  # noqa: E731

    print()
    print(f"{args.concurrency} simultaneous calls, {args.calls} calls per run, mean pause {args.pause}s")
    print()
    print("| run | requests | req/s | p50 ms | p95 ms | p99 ms | errors | drain s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| floor: GET /healthz, saturated | {floor_count} | {floor_rate:.0f} | {ms(f50)} | {ms(f95)} | {ms(f99)} "
        f"| {floor_errors} | — |"
    )
    print(
        f"| calls, paced | {len(paced.deliveries)} | {len(paced.deliveries) / elapsed:.0f} | {ms(p50)} | {ms(p95)} "
        f"| {ms(p99)} | {errors} | {drain:.1f} |"
    )
    print(
        f"| calls, saturated | {len(flat_out.deliveries)} | {flat_rate:.0f} | {ms(flat_p50)} | {ms(flat_p95)} "
        f"| {ms(flat_p99)} | {flat_errors} | {flat_drain:.1f} |"
    )
    print()
    print(f"webhook throughput / floor: {flat_rate / floor_rate:.2f}")
    print(
        f"effects: {effects['calls']} calls, {effects['calls missing']} missing, {effects['lost']} lost, "
        f"{effects['duplicated']} duplicated"
    )
    by_label: dict[str, list[float]] = {}
    for delivery in paced.deliveries:
        by_label.setdefault(delivery.label, []).append(delivery.latency)
    print()
    print("| paced delivery | n | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    for label, latencies in sorted(by_label.items()):
        l50, _, l99 = percentiles(latencies)
        print(f"| {label} | {len(latencies)} | {ms(l50)} | {ms(l99)} |")


if __name__ == "__main__":
    main()
