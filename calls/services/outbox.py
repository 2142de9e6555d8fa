"""What the outboxes share (``crm``, ``vapi_control``): a row made due in the
transaction of the change that calls for it, sent by a task enqueued on
commit, claimed by a conditional update so only one worker sends it,
retried after a backoff with jitter, and swept when a worker died holding
it or its enqueue was lost.

An outbox model has ``status``, ``attempts``, ``available_at`` and
``claimed_at``; each names its own statuses for waiting and for being sent.
A claim is its ``claimed_at``: every update that ends or puts back a
claimed row is made through ``outbox_update``, so a worker that outlived
its claim (swept, and claimed again by another) changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import Task
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from compliance.database import rows_changed, rows_updated

# A row made due "now" by another clock is still claimed.
CLAIM_SLACK = timedelta(seconds=1)
SWEEP_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 500
# What a send returns when the sweep took its row back before it ended:
# whoever holds the row now records its outcome.
CLAIM_LOST = "claim lost"


def stale_claim_age() -> timedelta:
    """A claim older than this belonged to a worker that died: the task's
    hard time limit has passed, with the inbox's margin. Only where that
    limit holds (a prefork worker); an outbox whose sends have a deadline
    of their own names a shorter age (``Outbox.stale_after``)."""
    from calls.services.inbox import CLAIM_MARGIN  # the inbox imports the outboxes' callers

    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + CLAIM_MARGIN


@dataclass(frozen=True)
class Outbox:
    model: type[models.Model]
    pending: str  # waiting to be sent
    working: str  # claimed by a worker
    backoff_base_seconds: float  # the first retry's delay; doubled each time
    backoff_max_seconds: float
    # How old a claim must be before the sweep may put its row back: long
    # enough that the send holding it can no longer be running.
    stale_after: Callable[[], timedelta] = stale_claim_age


def outbox_enqueue(task: Task, row_id: int, *, countdown: float = 0) -> None:
    """Send ``row_id`` to ``task`` once the caller's transaction commits.
    Robust: a broker that is down loses the enqueue, never the row; the
    sweep enqueues it later."""
    transaction.on_commit(lambda: task.apply_async((row_id,), countdown=countdown), robust=True)


def outbox_claim(outbox: Outbox, *, row_id: int) -> models.Model | None:
    """Move a due, waiting row to ``working`` and count the attempt: the
    conditional update only one worker wins. Returns the row as claimed if
    this one did, loaded by the same statement (its ``claimed_at`` is the
    claim, for ``outbox_update``); else None."""
    now = timezone.now()
    claimed = rows_updated(
        outbox.model, _CLAIM, "id = %s AND status = %s AND available_at <= %s",
        [outbox.working, now, row_id, outbox.pending, now + CLAIM_SLACK],
    )  # fmt: skip
    return claimed[0] if claimed else None


_CLAIM = "status = %s, claimed_at = %s, attempts = attempts + 1"


def outbox_update(
    outbox: Outbox, *, row_id: int, claim: datetime, changes: Mapping[str, Any], version: int | None = None
) -> int:
    """Make ``changes`` to the row, only while ``claim`` still holds it (and
    only at ``version``, where one is given): what a worker ends or puts
    back its row through. Once the sweep has put the row back, or another
    worker claimed it again, this matches nothing, and the late worker
    changes nothing. Returns how many rows changed (1 or 0)."""
    where, params = _CLAIMED, [row_id, outbox.working, claim]
    if version is not None:
        where, params = f"{where} AND version = %s", [*params, version]
    return rows_changed(outbox.model, changes, where, params)


_CLAIMED = "id = %s AND status = %s AND claimed_at = %s"


def outbox_retry(
    outbox: Outbox,
    *,
    row_id: int,
    claim: datetime,
    attempts: int,
    error: str,
    status: int | None,
    enqueue: Callable[..., None],
) -> float | None:
    """Put a claimed row back to be tried again after the outbox's backoff
    for ``attempts``, with the error kept, and enqueue it for then, if the
    claim still holds it. Returns the delay, or None when the row was
    claimed again since and nothing was written."""
    delay = _backoff(attempts, base=outbox.backoff_base_seconds, maximum=outbox.backoff_max_seconds)
    with transaction.atomic():
        changes = {
            "status": outbox.pending,
            "available_at": timezone.now() + timedelta(seconds=delay),
            "last_error": error[:200],
            "last_status": status,
        }
        put_back = outbox_update(outbox, row_id=row_id, claim=claim, changes=changes)
        if put_back:
            enqueue(row_id, countdown=delay)
    return delay if put_back else None


def _backoff(attempts: int, *, base: float, maximum: float) -> float:
    """Seconds before the next attempt: doubling from ``base`` up to
    ``maximum``, with jitter (between half and the whole)."""
    delay = min(base * 2 ** (attempts - 1), maximum)
    return random.uniform(delay / 2, delay)


def outbox_sweep(
    outbox: Outbox,
    *,
    enqueue: Callable[[int], None],
    spent: tuple[int, str, str] | None = None,
) -> tuple[int, int]:
    """Put back rows claimed by workers that died, and enqueue waiting rows
    whose enqueue was lost; one bounded batch of each. With ``spent``
    (``(max attempts, status, error)``), a dead worker's row whose attempts
    are spent is given that status instead. Returns ``(reclaimed,
    enqueued)``. Safe to run concurrently: rows are taken with SKIP LOCKED,
    and the enqueued ones are moved forward, so an overlapping sweep does
    not send them twice."""
    now = timezone.now()
    rows = outbox.model.objects
    with transaction.atomic():
        stale_ids = list(
            rows.select_for_update(skip_locked=True)
            .filter(status=outbox.working, claimed_at__lt=now - outbox.stale_after())
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if spent is not None:
            max_attempts, status, error = spent
            rows.filter(pk__in=stale_ids, attempts__gte=max_attempts).update(status=status, last_error=error)
        reclaimed = rows.filter(pk__in=stale_ids, status=outbox.working).update(status=outbox.pending, available_at=now)
        due = list(
            rows.select_for_update(skip_locked=True)
            .filter(status=outbox.pending, available_at__lte=now - SWEEP_GRACE)
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        rows.filter(pk__in=due).update(available_at=now)
        for pk in due:
            enqueue(pk)
    return reclaimed, len(due)
