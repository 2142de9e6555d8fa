"""Writes to the consent ledger."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from .audit import audit_record
from .chain import CONSENT, chain_link, chain_lock
from .models import ConsentDecision, ConsentEvent, ConsentMethod

logger = logging.getLogger(__name__)


def _within(moment: datetime, earliest: datetime, latest: datetime) -> datetime:
    return min(max(moment, earliest), latest)


def consent_record(
    *,
    call: object,
    decision: ConsentDecision,
    method: ConsentMethod,
    prompt_version: str,
    utterance: object | None = None,
    confidence: float | None = None,
    source: str,
    occurred_at: datetime | None = None,
    reported_at: datetime | None = None,
) -> tuple[ConsentEvent, bool]:
    """Append a consent decision for ``call`` to the ledger, as the next
    link of its chain, and audit it.

    ``occurred_at`` is when we received the answer (our clock; now if not
    given). ``reported_at`` is a time a provider reports for the decision:
    it is kept as evidence of what the provider said, and the event's
    ``occurred_at`` becomes that time held within the call's lifetime as we
    saw it (from the call's first delivery to our receipt). Neither ever
    orders the ledger: its order is the order of appending.

    A decision the provider reports after the fact (``PROVIDER_REPORT``)
    fills a gap and never overrides one the caller gave us: with a decision
    on the ledger already, it is not appended, the refusal is audited, and
    the call's latest decision is returned with ``False``.

    Safe to repeat: a second call with the same ``source`` returns the event
    already recorded and ``False``. ``utterance`` is the transcript segment
    holding what the caller said (stored redacted), if they spoke. Returns
    ``(event, created)``.
    """
    received = (occurred_at or timezone.now()).astimezone(UTC)
    moment = received
    if reported_at is not None:
        reported_at = reported_at.astimezone(UTC)
        moment = _within(reported_at, min(call.created_at, received), received)
    # No savepoint inside a caller's transaction: nothing is meant to survive
    # a failed append, and a savepoint costs two round trips.
    with transaction.atomic(savepoint=False):
        # Under the chain's lock, so a concurrent delivery of the same answer
        # either committed before (and is found) or waits for this one.
        chain_lock(CONSENT, using="default")
        existing = ConsentEvent.objects.filter(source=source).first()
        if existing is not None:
            return existing, False
        if method == ConsentMethod.PROVIDER_REPORT:
            latest = call.consent_events.order_by("-sequence").first()
            if latest is not None and latest.method != ConsentMethod.PROVIDER_REPORT:
                audit_record(
                    "consent.report_not_applied",
                    object_type="consent_event",
                    object_id=latest.pk,
                    object_repr=call.call_sid,
                    details={"reported": decision, "standing": latest.decision, "method": method},
                )
                logger.info("consent.report_not_applied", extra={"call_id": call.pk, "consent_event_id": latest.pk})
                return latest, False
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
            occurred_at=moment,
            reported_at=reported_at,
            recorded_at=timezone.now(),
        )
        chain_link(CONSENT, event, using="default")
        event.save(force_insert=True)
        audit_record(
            "consent.recorded",
            object_type="consent_event",
            object_id=event.pk,
            object_repr=event.call_sid,
            details={
                "decision": event.decision,
                "method": event.method,
                "requirement": event.requirement,
                "sequence": event.sequence,
            },
        )
    logger.info("consent.recorded", extra={"call_id": call.pk, "consent_event_id": event.pk, "decision": decision})
    return event, True
