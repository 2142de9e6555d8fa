"""A served process keeps what it loaded out of the cyclic collector's scans,
and a worker started with a lower priority keeps it against other sessions.

A full collection walks every object the collector tracks, with the whole
process stalled: in a web process that had loaded the URLconf and the
geocoder's tables it took 40 ms of CPU at rest and 129 ms under load. Each check runs in a process
of its own, as a server starts one, since freezing is for the process's
whole life.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What the collector still walks, against what it no longer does: after a
# settle, the first is what the process made since, a small part.
REPORT = """
import gc, json
print(json.dumps({"frozen": gc.get_freeze_count(), "walked": len(gc.get_objects())}))
"""

WEB = "import contactcenter.wsgi\n"

WORKER = """
import django
django.setup()
import gc
from celery import signals
import contactcenter.celery
from compliance.redaction import get_redactor
before = gc.get_freeze_count()
get_redactor().redact("warm up: Dana Whitfield, 4111 1111 1111 1111")
assert gc.get_freeze_count() == before, "frozen before the task ended"
signals.task_postrun.send(sender=None, task_id="task", task=None, args=(), kwargs={}, state="SUCCESS")
"""


def run(script: str) -> dict[str, int]:
    result = subprocess.run(
        [sys.executable, "-c", script + REPORT],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "contactcenter.settings.test", "CELERY_BROKER_URL": "memory://"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_web_process_keeps_its_urlconf_and_tables_out_of_the_collectors_scans():
    counts = run(WEB)
    assert counts["frozen"] > 50_000
    assert counts["walked"] < counts["frozen"] / 20


def test_a_worker_keeps_the_redaction_engine_out_of_the_collectors_scans_once_the_task_that_loaded_it_ends():
    counts = run(WORKER)
    assert counts["frozen"] > 100_000
    assert counts["walked"] < counts["frozen"] / 20


# Started in a session of its own, as a process manager starts it: what
# the process's session group's niceness is once it has run.
NICENESS = """
import django
django.setup()
{body}
print(open("/proc/self/autogroup").read().split()[-1])
"""
KEEP = "from contactcenter.processes import keep_niceness\nassert keep_niceness() is {kept}"
WORKER_STARTS = "from celery import signals\nimport contactcenter.celery\nsignals.worker_init.send(sender=None)"

autogroups = pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="no autogroup scheduling here")


def session_niceness(body: str, *, shell: str) -> int:
    """``shell`` runs ``{python}``, the script, in a new session."""
    python = shlex.join([sys.executable, "-c", NICENESS.format(body=body)])
    result = subprocess.run(
        ["sh", "-c", shell.format(python=python)], cwd=ROOT, capture_output=True, text=True, timeout=300,
        start_new_session=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "contactcenter.settings.test", "CELERY_BROKER_URL": "memory://"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return int(result.stdout.strip().splitlines()[-1])


@autogroups
@pytest.mark.parametrize("shell", ["exec nice -n 7 {python}", "nice -n 7 {python}; exit $?"], ids=["leads", "under sh"])
def test_a_niced_process_gives_its_session_group_its_niceness(shell):
    assert session_niceness(KEEP.format(kept=True), shell=shell) == 7


@autogroups
def test_a_niced_worker_gives_its_session_group_its_niceness_as_it_starts():
    assert session_niceness(WORKER_STARTS, shell="exec nice -n 7 {python}") == 7


@autogroups
def test_a_session_shared_with_another_process_keeps_its_niceness():
    # The sleep is no ancestor of the worker's: lowering the group would lower it too.
    shell = "sleep 60 & nice -n 7 {python}; status=$?; kill $!; exit $status"
    assert session_niceness(KEEP.format(kept=False), shell=shell) == 0


@autogroups
def test_a_process_started_without_nice_changes_nothing():
    assert session_niceness(KEEP.format(kept=False), shell="exec {python}") == 0
