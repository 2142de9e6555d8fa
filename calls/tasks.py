"""Celery entry points. Each takes primary keys, calls one service, and is
safe to run twice (acks_late is on, so a killed worker's task runs again)."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from calls.integrations.twilio import TwilioTransientError
from calls.integrations.vapi import VapiTransientError
from calls.services import callbacks, capture, crm, inbox, recordings, transcripts, vapi_control

logger = logging.getLogger(__name__)

PROVIDER_RETRY = {
    "autoretry_for": (TwilioTransientError, VapiTransientError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": settings.RECORDING_TASK_MAX_RETRIES,
}


@shared_task
def process_inbound_events(event_ids: list[int]) -> None:
    # In turn, each in its own transaction: one event's failure is its own.
    for event_id in event_ids:
        inbox.inbox_process(event_id=event_id)


@shared_task
def inbox_sweep() -> None:
    inbox.inbox_sweep()


@shared_task
def recording_sweep() -> None:
    recordings.recording_sweep()


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def transcript_redact(segment_id: int) -> None:
    transcripts.transcript_redact(segment_id=segment_id)


@shared_task
def transcript_sweep() -> None:
    transcripts.transcript_sweep()


@shared_task
def callbacks_place_due() -> None:
    callbacks.callbacks_place_due()


@shared_task
def crm_deliver(delivery_id: int) -> None:
    # Retries are the outbox row's own (attempts, backoff), not Celery's.
    crm.crm_deliver(delivery_id=delivery_id)


@shared_task
def crm_sweep() -> None:
    crm.crm_sweep()


@shared_task
def vapi_control_send(message_id: int) -> None:
    # Retries are the outbox row's own (attempts, backoff), not Celery's.
    vapi_control.control_message_send(message_id=message_id)


@shared_task
def vapi_control_sweep() -> None:
    vapi_control.control_sweep()


class RecordingStartTask(Task):
    def on_failure(self, exc: Exception, task_id: str, args: tuple, kwargs: dict, einfo: object) -> None:
        # Retries are spent: say so on the call, by error class only.
        recordings.call_recording_failed(call_id=args[0], reason=f"gave up: {type(exc).__name__}")


@shared_task(base=RecordingStartTask, **PROVIDER_RETRY)
def recording_start(call_id: int) -> None:
    recordings.call_start_recording(call_id=call_id)


class AwaitingStop(TwilioTransientError):
    """The recording was asked to stop; delete it once it has."""


@shared_task(**PROVIDER_RETRY)
def recording_delete(recording_id: int) -> None:
    outcome = recordings.recording_delete_at_provider(recording_id=recording_id)
    if outcome is recordings.DeletionOutcome.AWAITING_STOP:
        raise AwaitingStop("recording stop requested")


# Pausing a recording can't wait: retried within seconds, not minutes.
CAPTURE_RETRY = {
    "autoretry_for": (TwilioTransientError, OperationalError, InterfaceError),
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(**CAPTURE_RETRY)
def capture_apply(event_id: int) -> None:
    capture.capture_apply(event_id=event_id)


@shared_task(**CAPTURE_RETRY)
def capture_reconcile(call_id: int) -> None:
    capture.capture_reconcile(call_id=call_id)


@shared_task
def capture_sweep() -> None:
    capture.capture_sweep()
