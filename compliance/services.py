"""Writes to the consent ledger."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction

from .audit import audit_record
from .models import ConsentDecision, ConsentEvent, ConsentMethod

logger = logging.getLogger(__name__)


def consent_record(
    *,
    call: object,
    decision: ConsentDecision,
    method: ConsentMethod,
    prompt_version: str,
    utterance: object | None = None,
    confidence: float | None = None,
    source: str,
    occurred_at: datetime,
) -> tuple[ConsentEvent, bool]:
    """Append a consent decision for ``call`` to the ledger.

    Safe to repeat: a second call with the same ``source`` returns the event
    already recorded and ``False``. ``utterance`` is the transcript segment
    holding what the caller said (stored redacted), if they spoke. Returns
    ``(event, created)``.
    """
    existing = ConsentEvent.objects.filter(source=source).first()
    if existing is not None:
        return existing, False
    event = ConsentEvent(
        call=call,
        call_sid=call.call_sid,
        decision=decision,
        method=method,
        requirement=call.consent_requirement,
        jurisdiction=call.consent_jurisdiction,
        prompt_version=prompt_version,
        utterance=utterance,
        confidence=confidence,
        source=source,
        occurred_at=occurred_at,
    )
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        # A concurrent delivery of the same answer won the race.
        return ConsentEvent.objects.get(source=source), False
    audit_record(
        "consent.recorded",
        object_type="consent_event",
        object_id=event.pk,
        object_repr=event.call_sid,
        details={"decision": event.decision, "method": event.method, "requirement": event.requirement},
    )
    logger.info("consent.recorded", extra={"call_id": call.pk, "consent_event_id": event.pk, "decision": decision})
    return event, True
