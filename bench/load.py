"""The whole stack under simultaneous calls: acknowledgement latency,
throughput and drain time, beside a trivial view on the same server.

    .venv/bin/python bench/load.py [--concurrency 200] [--calls 1000] [--pause 5.0]

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
   the floor's; then again with the Celery worker paused, which is the web
   tier's own ceiling with the machine to itself;
5. the check: every call left exactly the consent events and transcript
   segments its script implies;
6. where the CPU went: milliseconds of CPU per request in each process of
   the stack, the generator and the whole machine, for the floor, the paced
   calls from their first delivery to the end of their drain (a delivery's
   whole cost, acknowledged and applied, at the realistic pace), both
   saturated runs, and the drain after the paused one (the worker's whole
   cost per delivery when it works off a backlog).
"""

from __future__ import annotations

import argparse
import asyncio

from common import cpu_per_request, percentiles
from stack import Stack, procfile
from traffic import Play, call_options, healthz_floor, play_against, tally, warm_up


def main() -> None:
    parser = call_options(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--seconds", type=float, default=20.0, help="Duration of the floor's saturation run.")
    args = parser.parse_args()

    with Stack() as stack:
        run(stack, args)


def run(stack: Stack, args: argparse.Namespace) -> None:
    commands = procfile()
    print(f"web: {commands['web'].split(' --access-log')[0]}\nworker: {commands['worker']}")
    warm_up(stack)
    before = stack.cpu_seconds()
    floor_count, floor_latencies, floor_errors = healthz_floor(
        stack, concurrency=args.concurrency, seconds=args.seconds
    )
    floor_cpu = cpu_per_request(before, stack.cpu_seconds(), floor_count)
    floor_rate = floor_count / args.seconds

    paced = play_against(stack, pause=args.pause)
    before = stack.cpu_seconds()
    elapsed = asyncio.run(paced.calls(concurrency=args.concurrency, total=args.calls))
    drain = stack.drain(600)
    # Acknowledged and applied, at the realistic pace: every part's whole cost.
    paced_cpu = cpu_per_request(before, stack.cpu_seconds(), len(paced.deliveries))

    flat_out, flat_rate, flat_cpu = saturated(stack, args)
    flat_drain = stack.drain(600)
    with stack.workers_paused():
        alone, alone_rate, alone_cpu = saturated(stack, args)
    before = stack.cpu_seconds()
    alone_drain = stack.drain(600)
    # Everything the worker did for those deliveries, it did in this drain.
    drain_cpu = cpu_per_request(before, stack.cpu_seconds(), len(alone.deliveries))

    effects = tally(stack, paced.expected + flat_out.expected + alone.expected)
    ms = lambda seconds: f"{seconds * 1000:.1f}"  # noqa: E731

    def row(label: str, latencies: list[float], errors: int, rate: float, drained: float | None) -> str:
        p50, p95, p99 = percentiles(latencies)
        cells = [label, len(latencies), f"{rate:.0f}", ms(p50), ms(p95), ms(p99), errors]
        return "| " + " | ".join(map(str, cells)) + (" | — |" if drained is None else f" | {drained:.1f} |")

    def calls_row(label: str, play: Play, rate: float, drained: float) -> str:
        errors = sum(not 200 <= delivery.status < 300 for delivery in play.deliveries)
        return row(label, [delivery.latency for delivery in play.deliveries], errors, rate, drained)

    print()
    print(f"{args.concurrency} simultaneous calls, {args.calls} calls per run, mean pause {args.pause}s")
    print()
    print("| run | requests | req/s | p50 ms | p95 ms | p99 ms | errors | drain s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(row("floor: GET /healthz, saturated", floor_latencies, floor_errors, floor_rate, None))
    print(calls_row("calls, paced", paced, len(paced.deliveries) / elapsed, drain))
    print(calls_row("calls, saturated", flat_out, flat_rate, flat_drain))
    print(calls_row("calls, saturated, worker paused", alone, alone_rate, alone_drain))
    print()
    print(f"webhook throughput / floor: {flat_rate / floor_rate:.2f} (worker paused: {alone_rate / floor_rate:.2f})")
    print(
        f"effects: {effects['calls']} calls, {effects['calls missing']} missing, {effects['lost']} lost, "
        f"{effects['duplicated']} duplicated"
    )
    parts = list(floor_cpu)
    print()
    print("CPU per request, ms (user and system, from /proc):")
    print()
    print("| run | " + " | ".join(parts) + " |")
    print("|---|" + "---:|" * len(parts))
    for label, cpu in (
        ("floor", floor_cpu),
        ("calls, paced, acknowledged and applied (per delivery)", paced_cpu),
        ("calls, saturated", flat_cpu),
        ("calls, saturated, worker paused", alone_cpu),
        ("the drain after it (per delivery)", drain_cpu),
    ):
        print(f"| {label} | " + " | ".join(f"{cpu[part] * 1000:.2f}" for part in parts) + " |")
    by_label: dict[str, list[float]] = {}
    for delivery in paced.deliveries:
        by_label.setdefault(delivery.label, []).append(delivery.latency)
    print()
    print("| paced delivery | n | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    for label, latencies in sorted(by_label.items()):
        l50, _, l99 = percentiles(latencies)
        print(f"| {label} | {len(latencies)} | {ms(l50)} | {ms(l99)} |")


def saturated(stack: Stack, args: argparse.Namespace) -> tuple[Play, float, dict[str, float]]:
    """The calls with no pauses at all: the deliveries, their rate, and the
    CPU each took."""
    play = play_against(stack, pause=0)
    before = stack.cpu_seconds()
    elapsed = asyncio.run(play.calls(concurrency=args.concurrency, total=args.calls))
    return play, len(play.deliveries) / elapsed, cpu_per_request(before, stack.cpu_seconds(), len(play.deliveries))


if __name__ == "__main__":
    main()
