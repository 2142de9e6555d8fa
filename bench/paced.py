"""The realistic pace under two or more configurations, in turn: what a
delivery costs the whole machine, acknowledged and applied.

    .venv/bin/python bench/paced.py --set INBOX_GATHER_SECONDS=0.05 --set INBOX_GATHER_SECONDS=0.2 [--rounds 2]
    .venv/bin/python bench/paced.py --set CHECKOUT=/tmp/before --set CHECKOUT=.   # two commits

Each ``--set`` is one configuration: environment variables (``NAME=VALUE``,
several joined by commas) for a stack of its own (bench/stack.py, as
``load.py`` starts it); ``CHECKOUT`` names the tree it runs instead of this
one (``git worktree add /tmp/before <commit>``), to compare two commits on
the same machine at the same moments. Round by round, each configuration in turn plays the
same realistic calls (traffic.py; ``--concurrency``, ``--calls``,
``--pause`` as ``load.py``'s) and waits for the drain, so that both see the
machine at the same moments of its day. Per delivery, it prints the CPU of
each part of the stack from the first delivery to the end of the drain (as
``load.py``'s paced row), with each part's PostgreSQL backends (its
connections' ``application_name``) beside it; the whole machine (the load
generator and the stand-in CRM and Twilio included); acknowledging (the web
tier and its backends) and applying (the worker, the capture worker, the
sealer and the beat, with their backends); the broker messages published (Redis ``LPUSH``
and ``RPUSH`` commands), and the acknowledgement's p50 and p99; and the
floor, ``GET /healthz``'s whole-machine CPU, measured in the same stack just
before, to say how fast the machine was.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import redis
from common import ROOT, cpu_per_request, percentiles
from stack import Stack
from traffic import call_options, healthz_floor, play_against, tally, warm_up

ACKNOWLEDGING = ("web",)
APPLYING = ("worker", "capture", "sealer", "beat")
PARTS = (
    "web", "postgres web", "worker", "postgres worker", "capture", "postgres capture", "sealer", "postgres sealer",
    "beat", "postgres beat", "postgres", "redis", "generator", "machine",
)  # fmt: skip


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
        + " | acknowledging | applying | messages per delivery | p50 ms | p99 ms | drain s | lost, duplicated |"
    )
    print("|---|---:|---:|" + "---:|" * (len(PARTS) + 7))
    for round_ in range(1, args.rounds + 1):
        for environment in configurations:
            checkout = Path(environment.get("CHECKOUT", ROOT)).resolve()
            settings = {name: value for name, value in environment.items() if name != "CHECKOUT"}
            with Stack(environment=settings, checkout=checkout) as stack:
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
        *(f"{cpu.get(part, 0.0) * 1000:.2f}" for part in PARTS),
        f"{total(cpu, ACKNOWLEDGING) * 1000:.2f}",
        f"{total(cpu, APPLYING) * 1000:.2f}",
        f"{messages:.2f}",
        f"{p50 * 1000:.1f}",
        f"{p99 * 1000:.1f}",
        f"{drain:.1f}",
        f"{effects['lost']}, {effects['duplicated']}",
    ]
    return "| " + " | ".join(map(str, cells)) + " |"


def total(cpu: dict[str, float], processes: tuple[str, ...]) -> float:
    """The CPU of these processes and of their PostgreSQL backends."""
    return sum(cpu.get(name, 0.0) + cpu.get(f"postgres {name}", 0.0) for name in processes)


def pushes(broker: redis.Redis) -> int:
    stats = broker.info("commandstats")
    return sum(stats.get(f"cmdstat_{command}", {}).get("calls", 0) for command in ("lpush", "rpush"))


if __name__ == "__main__":
    main()
