"""What a full run of Python's cyclic collector costs a served process,
with what it loaded kept out of the collector's scans (as served:
``contactcenter.processes.settle``) and without (as before).

    .venv/bin/python bench/collector.py [--repeat 5]

Each process is started as a server starts one: a web process imports
``contactcenter.wsgi`` (which settles); a worker loads the redaction engine
and settles as its first task's end does. In each, a full collection
(``gc.collect()``) is timed ``--repeat`` times, in CPU time; then the
objects are given back to the collector (``gc.unfreeze()``) and it is
timed again, in the same process. A full collection holds the interpreter
lock throughout: every thread of the process waits for it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MEASURE = """
import gc, json, statistics, time

def full_collection(repeat):
    times = []
    for _ in range(repeat):
        started = time.thread_time()
        gc.collect()
        times.append(time.thread_time() - started)
    return statistics.median(times) * 1000

repeat = {repeat}
settled = {{"walked": len(gc.get_objects()), "ms": full_collection(repeat)}}
gc.unfreeze()
unsettled = {{"walked": len(gc.get_objects()), "ms": full_collection(repeat)}}
print(json.dumps({{"settled": settled, "unsettled": unsettled}}))
"""

PROCESSES = {
    "web (contactcenter.wsgi)": "import contactcenter.wsgi\n",
    "worker (the redaction engine loaded)": (
        "import django\ndjango.setup()\n"
        "from celery import signals\nimport contactcenter.celery\n"
        "from compliance.redaction import get_redactor\n"
        "get_redactor().redact('warm up: Dana Whitfield, 4111 1111 1111 1111')\n"
        "signals.task_postrun.send(sender=None, task_id='t', task=None, args=(), kwargs={}, state='SUCCESS')\n"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings.test",
        "CELERY_BROKER_URL": "memory://",
        "PYTHONPATH": str(ROOT),
    }
    print("| process | settled: objects walked | full collection ms | not settled: objects walked | ms |")
    print("|---|---:|---:|---:|---:|")
    for name, start in PROCESSES.items():
        script = start + MEASURE.format(repeat=args.repeat)
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        settled, unsettled = figures["settled"], figures["unsettled"]
        cells = [f"{settled['walked']:,}", f"{settled['ms']:.2f}", f"{unsettled['walked']:,}", f"{unsettled['ms']:.1f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
