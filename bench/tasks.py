"""What a Celery worker spends on a task message itself, beside its task.

    .venv/bin/python bench/tasks.py [--messages 4000] [--rounds 2]

Starts the product as production runs it (bench/stack.py), then puts
``--messages`` messages of a task that does nothing
(``process_inbound_events`` with no ids) on the queue while the worker is
stopped, lets it go, and times its CPU (the main process and its pool,
user and system, from ``/proc``) until the queue and Redis's unacknowledged
set are empty. Three workers, in turn, ``--rounds`` times:

- the Procfile's worker, as it runs in production;
- the same worker writing Celery's own line for every task received and
  every task succeeded, as it did before they were dropped
  (``contactcenter.logging.WithoutTaskChatter`` switched off);
- the same worker at ``--loglevel WARNING``: nothing logged at INFO, the
  floor for this Celery, broker and pool.

Every delivery the inbox applies costs one such message at least (the web
tier publishes its ids alone when it is quiet), so these are milliseconds
of every applied delivery's CPU that ``apply.py`` doesn't see.
"""

from __future__ import annotations

import argparse
import statistics
import time

import redis
from celery import Celery
from stack import Stack, procfile

from tests.loopback import wait_for

QUEUE = "celery"
WARM_UP = 50
# The worker with Celery's per-task lines back: the filter that drops them
# passes everything, patched in before the worker starts (its pool processes
# are forked from it).
WITH_TASK_LINES = (
    "python -c 'import contactcenter.logging as logs; logs.WithoutTaskChatter.filter = lambda self, record: True; "
    "from celery.__main__ import main; main()'"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=4000, help="Task messages per measurement.")
    parser.add_argument("--rounds", type=int, default=2, help="Measurements of each worker, taken in turn.")
    args = parser.parse_args()
    with Stack() as stack:
        run(stack, args)


def run(stack: Stack, args: argparse.Namespace) -> None:
    worker = procfile()["worker"]
    assert " celery -A " in worker and "--loglevel INFO" in worker, worker
    workers = {
        "the Procfile's worker": worker,
        "with Celery's line for each task received and succeeded (before)": worker.replace(
            " celery -A ", f" {WITH_TASK_LINES} -A "
        ),
        "at --loglevel WARNING (the floor)": worker.replace("--loglevel INFO", "--loglevel WARNING"),
    }
    broker_url = stack.env["CELERY_BROKER_URL"]
    broker = redis.Redis.from_url(broker_url)
    sender = Celery(broker=broker_url)

    def send(messages: int) -> None:
        for _ in range(messages):
            sender.send_task("calls.tasks.process_inbound_events", args=[[]], queue=QUEUE)

    def emptied() -> float:
        """Seconds until the worker has taken and acknowledged every message queued."""
        started = time.monotonic()
        wait_for(lambda: broker.llen(QUEUE) == 0 and broker.hlen("unacked") == 0, 300, "the queue to empty")
        return time.monotonic() - started

    print(f"worker: {worker}\n{args.messages} messages of a task that does nothing, per measurement\n")
    measured: dict[str, list[float]] = {label: [] for label in workers}
    for _ in range(args.rounds):
        for label, command in workers.items():
            stack.replace_worker(command)
            send(WARM_UP)  # started, its pool forked and warm
            emptied()
            with stack.workers_paused():
                send(args.messages)
                before = stack.cpu_seconds()["worker"]
            seconds = emptied()
            used = stack.cpu_seconds()["worker"] - before
            measured[label].append(used / args.messages * 1000)
            print(f"  {label}: {used:.2f} s of CPU in {seconds:.1f} s, {used / args.messages * 1000:.3f} ms a message")
    print("\n| worker | CPU ms per task message (each round) | median |\n|---|---:|---:|")
    for label, values in measured.items():
        print(f"| {label} | {', '.join(f'{value:.3f}' for value in values)} | {statistics.median(values):.3f} |")


if __name__ == "__main__":
    main()
