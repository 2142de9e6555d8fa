"""What each process measures as it works: how long a webhook takes to be
answered, and how long a task runs.

Every label value comes from a bounded set the code defines (the URL
pattern a request reached, a registered task's name, a Celery state),
never from what a request carried.

prometheus_client chooses how values are kept when it is first imported:
in this process's memory, or, with ``PROMETHEUS_MULTIPROC_DIR`` set, in a
file per process in that directory, which the scrape adds up (gunicorn's
workers and Celery's children are separate processes). The settings have
read ``.env`` by the time this module is imported, so the variable may be
set there too.
"""

from __future__ import annotations

import logging
import os
import time

from celery import states
from prometheus_client import CollectorRegistry, Histogram, disable_created_metrics
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# A histogram's "_created" series (when each label set was first seen) is a
# per-process start time: a single process would expose it and several would
# not, so the metrics would differ with the deployment. It is left out.
disable_created_metrics()

UNKNOWN = "unknown"
OTHER = "other"

# This process's own measurements, exposed as they are when there is one
# process. With PROMETHEUS_MULTIPROC_DIR the files are read instead.
PROCESS_REGISTRY = CollectorRegistry()

# Twilio gives up on a webhook after 15 seconds; the answer is meant to take milliseconds.
WEBHOOK_ACKNOWLEDGEMENT = Histogram(
    "contactcenter_webhook_acknowledgement_seconds",
    "Time a webhook view took to answer, from dispatch to its response, by route and status class.",
    ["kind", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0),
    registry=PROCESS_REGISTRY,
)
# Up to the hard time limit (CELERY_TASK_TIME_LIMIT, 120 s by default), and
# past it for the daily purge, which has hours.
TASK_DURATION = Histogram(
    "contactcenter_task_duration_seconds",
    "Time a Celery task ran, by task name and the state it ended in.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 90.0, 120.0, 600.0, 3600.0, 21600.0),
    registry=PROCESS_REGISTRY,
)

_TASK_STATES = {state: state.lower() for state in states.ALL_STATES | {states.IGNORED, states.REJECTED}}
# task_id -> when it started. Tasks of the threads pool run side by side in
# one process; a dict's single operations are atomic there.
_task_started: dict[str, float] = {}


def webhook_kind(route: str) -> str:
    """The label of the URL pattern a webhook reached, read as the inbox
    names kinds: ``webhooks/twilio/voice/`` is ``twilio.voice``,
    ``webhooks/vapi`` is ``vapi``."""
    return route.strip("/").removeprefix("webhooks/").replace("/", ".") or UNKNOWN


def acknowledgement_observe(*, route: str, status: int, seconds: float) -> None:
    """Record one webhook answer: ``route`` is the URL pattern it resolved
    to, ``status`` the HTTP status it answered (500 when the view raised).
    Never raises: the answer goes out whatever becomes of its measurement."""
    try:
        WEBHOOK_ACKNOWLEDGEMENT.labels(kind=webhook_kind(route), status=f"{status // 100}xx").observe(seconds)
    except Exception as error:  # noqa: BLE001  (a full disk under PROMETHEUS_MULTIPROC_DIR, say)
        logger.warning(
            "metrics.not_observed", extra={"metric": "webhook_acknowledgement", "error": type(error).__name__}
        )


def task_started(*, task_id: str) -> None:
    _task_started[task_id] = time.perf_counter()


def task_finished(*, task_id: str, task_name: str, state: str | None) -> None:
    """Record a task's run, if this process saw it start. A task killed by
    the hard time limit takes its process with it and is not recorded
    (Celery logs it)."""
    started = _task_started.pop(task_id, None)
    if started is None:
        return
    label = _TASK_STATES.get(state or "", OTHER)
    TASK_DURATION.labels(task=task_name or UNKNOWN, state=label).observe(time.perf_counter() - started)


def process_collector() -> Collector:
    """Every process's measurements when they are kept in files
    (``PROMETHEUS_MULTIPROC_DIR``), else this process's own."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        return MultiProcessCollector(None, path=directory)
    return PROCESS_REGISTRY
