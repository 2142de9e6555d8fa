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
from compliance.audit import audit_record
from compliance.crypto import identifier_hash

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BATCH = 50


def callback_schedule(
    *, call: Call | None, source: str, phone: str, due_at: datetime, requested_at: datetime
) -> ScheduledCallback | None:
    """Record a callback to place at ``due_at``, with who asked for it (the
    caller's number, as its hash), when, and whether it is their own number;
    audited. Safe to repeat: one per source. A call whose caller's data was erased gets none: the number
    would be kept again, and the caller called, after the erasure. Returns
    the callback, or None when none is scheduled."""
    if call is not None and call.erased_at is not None:
        logger.warning("callback.refused_erased", extra={"call_id": call.pk})
        return None
    phone_hash = identifier_hash(phone)
    requester_hash = call.from_hash if call is not None else ""
    callback, created = ScheduledCallback.objects.get_or_create(
        source=source,
        defaults={
            "call": call, "phone": phone, "phone_hash": phone_hash, "due_at": due_at, "requested_at": requested_at,
            "requester_hash": requester_hash,
            "number_is_requesters": phone_hash == requester_hash if requester_hash else None,
        },
    )  # fmt: skip
    if created:
        # The caller's request is the consent for the call we place: kept as
        # evidence by ids and times (the numbers stay on the callback, until erased).
        audit_record(
            "callback.requested", object_type="scheduled_callback", object_id=callback.pk,
            object_repr=call.call_sid if call else "",
            details={
                "requested_at": requested_at.isoformat(), "due_at": due_at.isoformat(),
                "number_is_requesters": callback.number_is_requesters,
            },
        )  # fmt: skip
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
    audit_record(
        "callback.placed", object_type="scheduled_callback", object_id=callback_id, object_repr=sid,
        details={"requested_on": callback.call.call_sid if callback.call else ""},
    )  # fmt: skip
    logger.info("callback.placed", extra={"callback_id": callback_id})
    return True
