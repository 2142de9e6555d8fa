"""Writes to the consent ledger."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import connections, transaction
from django.utils import timezone

from .audit import RETURNED, audit_record, audit_record_returning
from .chain import CONSENT, chain_head_columns, chain_link, chain_lock
from .database import commit_waits, insert_statement
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
    unless_decided_since: bool = False,
) -> tuple[ConsentEvent, bool]:
    """Append a consent decision for ``call`` to the ledger, as the next
    link of its chain, and audit it.

    ``occurred_at`` is when we received the answer (our clock; now if not
    given). ``reported_at`` is a time a provider reports for the decision:
    it is kept as evidence of what the provider said, and the event's
    ``occurred_at`` becomes that time held within the call's lifetime as we
    saw it (from the call's first delivery to our receipt). Neither ever
    orders the ledger: its order is the order of appending.

    With ``unless_decided_since``, an answer given before a decision already
    on the ledger (applied late: the worker was behind, and the caller was
    asked again meanwhile) is not appended, so that what the caller said
    last stands; the refusal is audited (``consent.answer_superseded``).
    Otherwise the decision appended last stands, whatever time it carries.
    A decision the provider reports after the fact (``PROVIDER_REPORT``)
    fills a gap and never overrides one the caller gave us: with a decision
    on the ledger already, it is not appended, and the refusal is audited
    (``consent.report_not_applied``). Either way the standing decision is
    returned with ``False``.

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
    reported = method == ConsentMethod.PROVIDER_REPORT
    # No savepoint inside a caller's transaction: nothing is meant to survive
    # a failed append, and a savepoint costs two round trips.
    with transaction.atomic(savepoint=False):
        # Under the chain's lock, so a concurrent delivery of the same answer
        # either committed before (and is found) or waits for this one.
        chain_lock(CONSENT, using="default")
        checked = reported or unless_decided_since
        after = moment if unless_decided_since and not reported else None
        existing, standing, head = _ledger_state(call=call, source=source, after=after, decided=checked)
        if existing is not None:
            return ConsentEvent.objects.get(pk=existing), False
        standing = None if standing is None else ConsentEvent.objects.get(pk=standing)
        if standing is not None and not (reported and standing.method == ConsentMethod.PROVIDER_REPORT):
            if reported:
                action, details = "consent.report_not_applied", {"reported": decision, "method": method}
            else:
                action, details = "consent.answer_superseded", {"answered": decision, "method": standing.method}
            audit_record(
                action,
                object_type="consent_event",
                object_id=standing.pk,
                object_repr=call.call_sid,
                details={**details, "standing": standing.decision, "source": source},
            )
            logger.info(action, extra={"call_id": call.pk, "consent_event_id": standing.pk})
            return standing, False
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
        chain_link(CONSENT, event, using="default", head=head)
        # The row and its audit event in one statement (a WITH on PostgreSQL).
        insert, values = insert_statement(event)
        event.pk = audit_record_returning(
            f"{insert} RETURNING id",
            values,
            "consent.recorded",
            returned="id",
            object_type="consent_event",
            object_id=RETURNED,
            object_repr=event.call_sid,
            details={
                "decision": event.decision,
                "method": event.method,
                "requirement": event.requirement,
                "sequence": event.sequence,
            },
        )
        event._state.adding = False
    logger.info("consent.recorded", extra={"call_id": call.pk, "consent_event_id": event.pk, "decision": decision})
    return event, True


def _ledger_state(
    *, call: object, source: str, after: datetime | None, decided: bool
) -> tuple[int | None, int | None, tuple[int | None, str | None]]:
    """In one statement, under the chain's lock: the event already recorded
    from ``source``; if ``decided``, the call's latest decision (occurred
    after ``after``, if given), else None; and the chain's head. The same
    statement has its transaction commit only once its WAL is on disk,
    whatever the inbox chose for it (``calls.services.inbox``): a consent
    decision is evidence, and recordings start on it."""
    connection = connections["default"]
    table = connection.ops.quote_name(ConsentEvent._meta.db_table)
    params: list[object] = [source]
    standing = "NULL"
    if decided:
        # Names from the models' metadata; every value is a parameter.
        standing = f"(SELECT id FROM {table} WHERE call_id = %s"  # noqa: S608
        params.append(call.pk)
        if after is not None:
            standing += " AND occurred_at > %s"
            params.append(connection.ops.adapt_datetimefield_value(after))
        standing += " ORDER BY sequence DESC LIMIT 1)"
    head_sequence, head_hash = chain_head_columns(CONSENT, using="default")
    durable = commit_waits(True)
    sql = f"SELECT (SELECT id FROM {table} WHERE source = %s), {standing}, {head_sequence}, {head_hash}, {durable}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        existing, standing_id, sequence, digest, _ = cursor.fetchone()
    return existing, standing_id, (sequence, digest)
