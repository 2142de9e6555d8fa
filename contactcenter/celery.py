"""The Celery application. Configuration lives in Django settings under the
``CELERY_`` prefix; the beat schedule is declared there too.

The worker and beat run with production settings unless
``DJANGO_SETTINGS_MODULE`` (in the environment or in ``.env``) names another
module. The choice is made before the app is created: Celery installs its
Django fixup only when the variable is set by then.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler
from celery.signals import task_postrun, task_prerun, worker_init

from contactcenter import broker
from contactcenter.environment import PRODUCTION, use_settings_module

use_settings_module(PRODUCTION)
broker.install()
logger = logging.getLogger(__name__)

app = Celery("contactcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _database_connections_as_for_a_request(**kwargs: object) -> None:
    """Each task starts and ends as a web request does: a connection that
    has failed, or outlived CONN_MAX_AGE, is closed, and the next query
    checks the connection's health first (CONN_HEALTH_CHECKS). A task cut
    short mid-query leaves its connection busy, which that check refuses."""
    from django.db import close_old_connections

    close_old_connections()


@task_prerun.connect
def _task_started(task_id: str, **kwargs: object) -> None:
    # Imported here, after the settings have read .env: prometheus_client
    # reads PROMETHEUS_MULTIPROC_DIR when it is first imported.
    from contactcenter.metrics.instruments import task_started

    task_started(task_id=task_id)


@task_postrun.connect
def _task_finished(task_id: str, task: object, state: str | None = None, **kwargs: object) -> None:
    from contactcenter.metrics.instruments import task_finished

    task_finished(task_id=task_id, task_name=getattr(task, "name", ""), state=state)


@worker_init.connect
def _warm(**kwargs: object) -> None:
    """Read the redaction rules (and the place names they use) once, before
    the pool forks: a recording's pause must not wait on first imports.
    What is loaded by then is kept out of the collector's scans. A worker
    started with a lower priority keeps it against other sessions."""
    from compliance.redaction.recognizers import types_in
    from contactcenter.processes import keep_niceness, settle

    types_in("warm up: 4111 1111 1111 1111, Springfield, 62704")
    settle()  # before the fork: the pool's processes inherit it
    if keep_niceness():  # the Procfile's nice, against the web tier's session too
        logger.info("worker.niceness_kept", extra={"niceness": os.getpriority(os.PRIO_PROCESS, 0)})


_engines_settled = 0


@task_postrun.connect
def _settle_a_loaded_engine(**kwargs: object) -> None:
    """The redaction engine loads in a pool's process on its first use, too
    slowly for the pool's start (several seconds): once the task that loaded
    it has ended, it is kept out of the collector's scans like the rest."""
    global _engines_settled
    from compliance.redaction import engines_loaded
    from contactcenter.processes import settle

    if (loaded := engines_loaded()) != _engines_settled:
        settle()
        _engines_settled = loaded


class Scheduler(PersistentScheduler):
    """Celery's scheduler, keeping its record in a file whose directory a
    fresh checkout or container lacks (``var/``): made rather than failing
    to start."""

    def setup_schedule(self) -> None:
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
