"""Liveness and readiness for the platform's health checks."""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from contactcenter.celery import app as celery_app

logger = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2


@transaction.non_atomic_requests
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as error:  # noqa: BLE001  (any failure means not ready)
        logger.warning("readyz.database_unreachable", extra={"error": type(error).__name__})
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        return True
    except Exception as error:  # noqa: BLE001
        logger.warning("readyz.broker_unreachable", extra={"error": type(error).__name__})
        return False


@transaction.non_atomic_requests
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the broker are both reachable; 503 naming which is not."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    failing = [name for name, ok in checks.items() if not ok]
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ok"})
