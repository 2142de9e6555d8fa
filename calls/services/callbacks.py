"""Scheduled callbacks: placed through Twilio when due, by a periodic job.

A periodic job rather than a task with a countdown: a countdown of hours
would sit in a worker's memory and be redelivered by Redis after its
visibility timeout; a row that is due is there for whichever run comes next.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from calls.integrations import twilio
from calls.models import Call, ScheduledCallback
from calls.twiml import public_url
from compliance.crypto import identifier_hash

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BATCH = 50


def callback_schedule(*, call: Call | None, source: str, phone: str, due_at: datetime) -> ScheduledCallback | None:
    """Record a callback to place at ``due_at``. Safe to repeat: one per
    source. A call whose caller's data was erased gets none: the number
    would be kept again, and the caller called, after the erasure. Returns
    the callback, or None when none is scheduled."""
    if call is not None and call.erased_at is not None:
        logger.warning("callback.refused_erased", extra={"call_id": call.pk})
        return None
    callback, created = ScheduledCallback.objects.get_or_create(
        source=source, defaults={"call": call, "phone": phone, "phone_hash": identifier_hash(phone), "due_at": due_at}
    )
    if created:
        logger.info("callback.scheduled", extra={"callback_id": callback.pk, "call_id": call.pk if call else None})
    return callback


def callbacks_place_due() -> int:
    """Place every due callback, each claimed by a conditional update so two
    runs never place the same one. Returns how many were placed."""
    due = list(
        ScheduledCallback.objects.filter(status=ScheduledCallback.Status.PENDING, due_at__lte=timezone.now())
        .order_by("due_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    return sum(1 for callback_id in due if _place(callback_id))


def _place(callback_id: int) -> bool:
    claimed = ScheduledCallback.objects.filter(pk=callback_id, status=ScheduledCallback.Status.PENDING).update(
        status=ScheduledCallback.Status.PLACING, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    callback = ScheduledCallback.objects.get(pk=callback_id)
    try:
        sid = twilio.call_create(
            to=callback.phone,
            from_=settings.TWILIO_CALLER_ID,
            url=public_url("twilio-voice"),
            status_callback_url=public_url("twilio-status"),
        )
    except twilio.TwilioError as error:
        retry = not error.permanent and callback.attempts < MAX_ATTEMPTS
        with transaction.atomic():
            ScheduledCallback.objects.filter(pk=callback_id).update(
                status=ScheduledCallback.Status.PENDING if retry else ScheduledCallback.Status.FAILED,
                last_error=str(error)[:200],
            )
        logger.warning("callback.failed", extra={"callback_id": callback_id, "retry": retry, "status": error.status})
        return False
    ScheduledCallback.objects.filter(pk=callback_id).update(status=ScheduledCallback.Status.PLACED, placed_call_sid=sid)
    logger.info("callback.placed", extra={"callback_id": callback_id})
    return True
