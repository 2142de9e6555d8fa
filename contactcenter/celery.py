"""The Celery application. Configuration lives in Django settings under the
``CELERY_`` prefix; the beat schedule is declared there too."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings.local")

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
