"""The realistic pace under two or more configurations, in turn: what a
delivery costs the whole machine, acknowledged and applied.

    .venv/bin/python bench/paced.py --set INBOX_GATHER_SECONDS=0.05 --set INBOX_GATHER_SECONDS=0.2 [--rounds 2]

Each ``--set`` is one configuration: environment variables (``NAME=VALUE``,
several joined by commas) for a stack of its own (bench/stack.py, as
``load.py`` starts it). Round by round, each configuration in turn plays the
same realistic calls (traffic.py; ``--concurrency``, ``--calls``,
``--pause`` as ``load.py``'s) and waits for the drain, so that both see the
machine at the same moments of its day. Per delivery, it prints the CPU of
each part of the stack from the first delivery to the end of the drain (as
``load.py``'s paced row), the broker messages published (Redis ``LPUSH``
and ``RPUSH`` commands), and the acknowledgement's p50 and p99; and the
floor, ``GET /healthz``'s whole-machine CPU, measured in the same stack just
before, to say how fast the machine was.
"""

from __future__ import annotations

import argparse
import asyncio

import redis
from common import cpu_per_request, percentiles
from stack import Stack
from traffic import call_options, healthz_floor, play_against, tally, warm_up

PARTS = ("web", "worker", "capture", "postgres", "redis", "machine")


def main() -> None:
    parser = call_options(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.set_defaults(calls=300)
    parser.add_argument("--set", action="append", required=True, help="NAME=VALUE[,NAME=VALUE…]: one configuration.")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    configurations = [dict(item.split("=", 1) for item in value.split(",")) for value in args.set]
    print(
        "| configuration | round | floor ms | "
        + " | ".join(PARTS)
        + " | messages per delivery | p50 ms | p99 ms | drain s | lost, duplicated |"
    )
    print("|---|---:|---:|" + "---:|" * (len(PARTS) + 5))
    for round_ in range(1, args.rounds + 1):
        for environment in configurations:
            with Stack(environment=environment) as stack:
                print(row(stack, args, environment, round_), flush=True)


def row(stack: Stack, args: argparse.Namespace, environment: dict[str, str], round_: int) -> str:
    warm_up(stack)
    before = stack.cpu_seconds()
    floor_count, _, _ = healthz_floor(stack, concurrency=50, seconds=5)
    floor = cpu_per_request(before, stack.cpu_seconds(), floor_count)["machine"]

    broker = redis.Redis(port=stack.redis_port)
    pushes_before = pushes(broker)
    paced = play_against(stack, pause=args.pause)
    before = stack.cpu_seconds()
    asyncio.run(paced.calls(concurrency=args.concurrency, total=args.calls))
    drain = stack.drain(600)
    count = len(paced.deliveries)
    cpu = cpu_per_request(before, stack.cpu_seconds(), count)
    messages = (pushes(broker) - pushes_before) / count
    p50, _, p99 = percentiles([delivery.latency for delivery in paced.deliveries])
    effects = tally(stack, paced.expected)
    cells = [
        ",".join(f"{name}={value}" for name, value in environment.items()),
        round_,
        f"{floor * 1000:.2f}",
        *(f"{cpu[part] * 1000:.2f}" for part in PARTS),
        f"{messages:.2f}",
        f"{p50 * 1000:.1f}",
        f"{p99 * 1000:.1f}",
        f"{drain:.1f}",
        f"{effects['lost']}, {effects['duplicated']}",
    ]
    return "| " + " | ".join(map(str, cells)) + " |"


def pushes(broker: redis.Redis) -> int:
    stats = broker.info("commandstats")
    return sum(stats.get(f"cmdstat_{command}", {}).get("calls", 0) for command in ("lpush", "rpush"))


if __name__ == "__main__":
    main()
