"""Sustained capacity: the most simultaneous realistic calls the whole stack
on one machine carries with the drain under 5 s and acknowledgement p99 at
most 25 ms.

    .venv/bin/python bench/capacity.py [--levels 50,100,200,400,700,1000] [--pause 5.0] [--calls-per-level 2]

Starts the product as production runs it (bench/stack.py, as load.py does),
then, for each level in turn, plays ``level × --calls-per-level`` realistic
calls (traffic.py: half Twilio, half Vapi, ``--pause`` seconds mean between
a call's steps), ``level`` at a time, and measures every delivery's
acknowledgement, the drain after the last one (every delivery applied,
every segment redacted, every CRM write delivered), and where the machine's
CPU went. A level passes when the drain is under ``--drain-target`` seconds
and p99 is at most ``--p99-target`` ms; the run stops after the first level
that misses both by more than twice, since every higher level would too.
The baseline in the same run is the web tier alone: the same level with the
Celery worker paused (its drain is not counted), which shows how much of
the acknowledgement's latency is the worker's competition for the cores.
"""

from __future__ import annotations

import argparse
import asyncio

from common import percentiles
from stack import Stack
from traffic import play_against, tally, warm_up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="50,100,200,400,700,1000", help="Simultaneous calls, in order.")
    parser.add_argument("--calls-per-level", type=float, default=2.0, help="Calls played per simultaneous call.")
    parser.add_argument("--pause", type=float, default=5.0, help="Mean seconds between a call's steps.")
    parser.add_argument("--drain-target", type=float, default=5.0, help="Seconds.")
    parser.add_argument("--p99-target", type=float, default=25.0, help="Milliseconds.")
    args = parser.parse_args()
    with Stack() as stack:
        run(stack, args)


def run(stack: Stack, args: argparse.Namespace) -> None:
    warm_up(stack)
    expected = []
    rows = []
    capacity = 0
    for level in (int(value) for value in args.levels.split(",")):
        total = max(level, int(level * args.calls_per_level))
        with stack.workers_paused():
            alone = play_against(stack, pause=args.pause)
            asyncio.run(alone.calls(concurrency=level, total=total))
        stack.drain(1800)
        play = play_against(stack, pause=args.pause)
        before = stack.cpu_seconds()
        elapsed = asyncio.run(play.calls(concurrency=level, total=total))
        drain = stack.drain(1800)
        after = stack.cpu_seconds()
        expected += alone.expected + play.expected
        latencies = [delivery.latency for delivery in play.deliveries]
        errors = sum(not 200 <= delivery.status < 300 for delivery in play.deliveries)
        _, _, alone_p99 = percentiles([delivery.latency for delivery in alone.deliveries])
        p50, _, p99 = percentiles(latencies)
        busy = (after["machine"] - before["machine"]) / (elapsed + drain)
        passed = drain < args.drain_target and p99 * 1000 <= args.p99_target and not errors
        capacity = level if passed else capacity
        rows.append(
            f"| {level} | {total} | {len(latencies) / elapsed:.0f} | {p50 * 1000:.1f} | {p99 * 1000:.1f} | "
            f"{alone_p99 * 1000:.1f} | {errors} | {drain:.1f} | {busy:.2f} | {'yes' if passed else 'no'} |"
        )
        print(rows[-1], flush=True)
        if drain > 2 * args.drain_target and p99 * 1000 > 2 * args.p99_target:
            break
    effects = tally(stack, expected)
    print()
    print(f"mean pause {args.pause}s; targets: drain < {args.drain_target}s, p99 <= {args.p99_target} ms")
    print()
    print(
        "| simultaneous calls | calls | deliveries/s | p50 ms | p99 ms | p99 ms, worker paused | errors | drain s "
        "| cores busy | passes |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(rows))
    print()
    print(f"sustained capacity: {capacity} simultaneous calls")
    print(
        f"effects: {effects['calls']} calls, {effects['calls missing']} missing, {effects['lost']} lost, "
        f"{effects['duplicated']} duplicated"
    )


if __name__ == "__main__":
    main()
