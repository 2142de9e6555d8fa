"""Named locks for periodic jobs, on any database: a row per held lock."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobLock

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def job_lock(name: str, *, ttl: timedelta) -> Iterator[bool]:
    """Yield True while holding ``name``, or False if another run holds it.
    A lock past its expiry (a run that died) is taken over."""
    holder = f"{socket.gethostname()}:{os.getpid()}"
    acquired = _acquire(name, holder, ttl)
    try:
        yield acquired
    finally:
        if acquired:
            JobLock.objects.filter(name=name, holder=holder).delete()


def _acquire(name: str, holder: str, ttl: timedelta) -> bool:
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                JobLock.objects.create(name=name, holder=holder, taken_at=now, expires_at=now + ttl)
            return True
        except IntegrityError:
            abandoned = JobLock.objects.filter(name=name, expires_at__lt=now).delete()[0]
            if not abandoned:
                logger.info("job.locked", extra={"job": name})
                return False
            logger.warning("job.lock_taken_over", extra={"job": name})
    return False
