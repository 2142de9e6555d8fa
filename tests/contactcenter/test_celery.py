"""A worker's tasks keep their database connection, as web requests do, and
a connection the server dropped is replaced before a task uses it.

The worker's own Django fixup (the code a Celery worker installs at start)
runs with the project's settings; the task signals are sent as a worker
sends them around each task.
"""

from __future__ import annotations

import select
from collections.abc import Callable, Iterator

import psycopg
import pytest
from celery import signals
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from calls.models import InboundEvent
from calls.tasks import inbox_sweep
from contactcenter.celery import app
from tests.loopback import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run_task(monkeypatch) -> Iterator[Callable[[], int]]:
    """Run one worker-side task that reads the database; returns the
    PostgreSQL backend that served it."""
    # Production's connection settings (the suite closes every connection at once).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()
    fixup = DjangoWorkerFixup(app).install()
    task = inbox_sweep

    def run() -> int:
        signals.task_prerun.send(sender=task, task_id="task", task=task, args=(), kwargs={})
        InboundEvent.objects.exists()
        backend = connection.connection.info.backend_pid
        signals.task_postrun.send(
            sender=task, task_id="task", task=task, args=(), kwargs={}, retval=None, state="SUCCESS"
        )
        return backend

    yield run
    signals.task_prerun.disconnect(fixup.on_task_prerun)
    signals.task_postrun.disconnect(fixup.on_task_postrun)
    signals.worker_process_init.disconnect(fixup.on_worker_process_init)
    signals.beat_embedded_init.disconnect(fixup.close_database)
    connection.close()


def test_tasks_reuse_the_database_connection(run_task):
    first = run_task()

    assert [run_task() for _ in range(5)] == [first] * 5


def test_a_connection_the_server_dropped_between_tasks_is_replaced(run_task):
    first = run_task()
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"], autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [first])
    wait_for(lambda: select.select([connection.connection.fileno()], [], [], 0)[0], 5, "the server to hang up")

    second = run_task()

    assert second != first
    assert run_task() == second


def test_beat_makes_the_directory_its_schedule_is_kept_in(tmp_path):
    from contactcenter.celery import Scheduler

    schedule = tmp_path / "var" / "celerybeat-schedule"  # a fresh checkout has no var/
    scheduler = Scheduler(app=app, schedule_filename=str(schedule))
    scheduler.close()

    assert app.conf.beat_scheduler == "contactcenter.celery:Scheduler"
    assert list(schedule.parent.iterdir())
