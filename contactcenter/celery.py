"""The Celery application. Configuration lives in Django settings under the
``CELERY_`` prefix; the beat schedule is declared there too."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings.local")

app = Celery("contactcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
