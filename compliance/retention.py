"""Retention: destroying each class of data when its policy says, provably.

``retention_purge`` runs daily from beat and on demand (``manage.py
purge_expired``). It takes a named lock so two runs never overlap, and works
in bounded batches, each its own transaction, oldest first: memory and
transaction size stay flat whatever the volume, and a run that dies is
simply continued by the next. Anything under an active legal hold is left
alone (raw inbox payloads excepted: they never outlive 24 hours). Each class
destroyed gets a ``DestructionCertificate`` (count, time range, SHA-256
over the sorted ids, failures) and an audit event.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from calls.integrations.twilio import TwilioError
from calls.integrations.vapi import VapiError
from calls.models import Call, InboundEvent, Recording, TranscriptSegment
from calls.services import inbox, recordings

from .audit import TOMBSTONES, audit_purge_before, ledger_purge_runs, purge_candidates
from .certificates import Tally, certify
from .chain import AUDIT, CONSENT, chain_head
from .checkpoints import checkpoint_write
from .database import owner_alias, owner_available
from .locks import job_lock
from .models import (
    AuditEvent,
    ConsentEvent,
    DataClass,
    LegalHold,
    RetentionPolicy,
)

logger = logging.getLogger(__name__)
LOCK_TTL = timedelta(hours=6)
RETENTION = "retention"


def keep_days(data_class: str) -> int:
    """The policy in force: the admin's value, never below the minimum."""
    policy = RetentionPolicy.objects.filter(data_class=data_class).values_list("keep_days", flat=True).first()
    days = policy if policy is not None else settings.RETENTION_DEFAULT_DAYS[data_class]
    return max(days, settings.RETENTION_MINIMUM_DAYS.get(data_class, 0))


def active_holds(now: datetime | None = None) -> QuerySet[LegalHold]:
    now = now or timezone.now()
    return LegalHold.objects.filter(released_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def held_calls(now: datetime | None = None) -> QuerySet[Call]:
    """Calls under an active hold: named directly, or their caller's hash is.

    The holds are read now, as literal values (there are few), so the
    query this returns finds the calls through their indexes: a purge that
    excludes it from every batch would otherwise scan every call each time.
    Call it again for each batch to see holds placed meanwhile."""
    call_ids, call_sids, subjects = set(), set(), set()
    for call_id, call_sid, subject in active_holds(now).values_list("call", "call_sid", "subject_hash"):
        call_ids.add(call_id)
        call_sids.add(call_sid)
        subjects.add(subject)
    subjects.discard("")
    return Call.objects.filter(
        Q(pk__in=call_ids - {None})
        | Q(call_sid__in=call_sids - {""})
        | Q(from_hash__in=subjects)
        | Q(to_hash__in=subjects)
    )


@dataclass
class ClassResult:
    data_class: str
    cutoff: datetime
    count: int = 0
    failures: list[dict[str, object]] = field(default_factory=list)
    certificate_id: int | None = None


def _in_batches(
    due: Callable[[], QuerySet], moment_field: str, destroy: Callable[[list[int]], None], batch: int, tally: Tally
) -> None:
    """Take the next batch of what ``due()`` selects (asked afresh each
    time, so a hold placed meanwhile counts), destroy it in one transaction,
    repeat until none is left. Each batch starts after the last id of the
    one before, so it never rescans rows just deleted and not yet vacuumed."""
    after = 0
    while True:
        with transaction.atomic():
            rows = list(due().filter(pk__gt=after).order_by("pk").values_list("pk", moment_field)[:batch])
            if not rows:
                return
            destroy([pk for pk, _ in rows])
        tally.add(rows)
        after = rows[-1][0]


def _purge_raw_payloads(cutoff: datetime, batch: int, tally: Tally) -> None:
    while rows := inbox.inbox_scrub_expired(cutoff=cutoff, batch_size=batch):
        tally.add(rows)


def _purge_recordings(cutoff: datetime, batch: int, tally: Tally) -> None:
    """Deleted at the provider first; marked deleted only when it confirms
    (a 404 counts). Failures are certified and tried again next run."""
    failed: set[int] = set()
    while True:
        due = list(
            Recording.objects.filter(deleted_at__isnull=True, created_at__lt=cutoff)
            .exclude(call__in=held_calls())
            .exclude(pk__in=failed)
            .order_by("id")
            .values_list("pk", "created_at")[:batch]
        )
        if not due:
            return
        for pk, created_at in due:
            recording = Recording.objects.get(pk=pk)
            recordings.recording_request_deletion(recording=recording, reason=RETENTION)
            try:
                outcome = recordings.recording_delete_at_provider(recording_id=pk)
            except (TwilioError, VapiError) as error:
                failed.add(pk)
                tally.fail(pk, error)
                continue
            if outcome is recordings.DeletionOutcome.AWAITING_STOP:
                failed.add(pk)
                tally.fail(pk, RuntimeError("recording still in progress; stopped, delete next run"))
                continue
            tally.add([(pk, created_at)])


def _delete_returning(batch: QuerySet, moment_field: str) -> list[tuple[int, datetime | None]]:
    """Delete the rows ``batch`` selects in one statement, returning the id
    and ``moment_field`` of each. No cascade and no signals: the caller has
    already dealt with whatever refers to these rows. It skips the ORM's
    collector, which loads every row and names every id in the SQL, and
    costs five times more at millions of rows (bench/retention.py)."""
    model, quote = batch.model, connection.ops.quote_name
    select, params = batch.values("pk").query.sql_with_params()
    table, pk, moment = (
        quote(model._meta.db_table),
        quote(model._meta.pk.column),
        quote(model._meta.get_field(moment_field).column),
    )
    # Names come from model metadata and the subquery from the ORM, never from input.
    sql = f"DELETE FROM {table} WHERE {pk} IN ({select}) RETURNING {pk}, {moment}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # SQLite hands timestamps back as text.
    return sorted((pk, parse_datetime(moment) if isinstance(moment, str) else moment) for pk, moment in rows)


def _purge_transcripts(cutoff: datetime, batch: int, tally: Tally) -> None:
    after = 0  # as in _in_batches
    while True:
        with transaction.atomic():
            due = (
                TranscriptSegment.objects.filter(created_at__lt=cutoff, pk__gt=after)
                .exclude(call__in=held_calls())
                .order_by("pk")
                .values("pk")[:batch]
            )
            # Consent evidence quoting a segment outlives it (the ledger allows detaching).
            ConsentEvent.objects.filter(utterance__in=due).update(utterance=None)
            rows = _delete_returning(due, "spoken_at")
        if not rows:
            return
        tally.add(rows)
        after = rows[-1][0]


def _purge_calls(cutoff: datetime, batch: int, tally: Tally) -> None:
    """A call goes with everything hanging off it, once its recordings are
    gone at the provider; consent evidence stays as it was, naming the call
    by id and SID."""
    still_recorded = Recording.objects.filter(deleted_at__isnull=True).values("call")
    _in_batches(
        lambda: Call.objects.filter(created_at__lt=cutoff).exclude(pk__in=held_calls()).exclude(pk__in=still_recorded),
        "created_at",
        lambda ids: Call.objects.filter(pk__in=ids).delete(),
        batch,
        tally,
    )


def _purge_consent(cutoff: datetime, batch: int, tally: Tally) -> None:
    """Old consent evidence goes only through the privileged path: one
    transaction per batch, in ledger order, with a signed tombstone in the
    audit trail for each run of the chain removed. The chain's newest event
    is kept as its head, so a sequence number is never given out twice."""
    if not _due_count(DataClass.CONSENT_EVENTS, cutoff):
        return  # read as the runtime role: the owner's connection is opened only for work
    using = owner_alias()
    while True:
        with transaction.atomic(using=using):
            held = held_calls().using(using).values("call_sid")
            events = ConsentEvent.objects.using(using).exclude(call_sid__in=held)
            rows = purge_candidates(events, cutoff=cutoff, batch=batch)
            if not rows:
                return
            ledger_purge_runs(
                CONSENT, [(sequence, digest) for sequence, digest, _, _ in rows], cutoff=cutoff, using=using
            )
        tally.add(sorted((pk, moment) for _, _, pk, moment in rows))


def _purge_audit(cutoff: datetime, batch: int, tally: Tally) -> None:
    # Tombstones in the chain record each run as well.
    if not _due_count(DataClass.AUDIT_EVENTS, cutoff):
        return
    while deleted := audit_purge_before(cutoff=cutoff, batch_size=batch):
        tally.add(deleted)


LEDGER_CLASSES = (DataClass.CONSENT_EVENTS, DataClass.AUDIT_EVENTS)
PURGERS: list[tuple[str, Callable[[datetime, int, Tally], None]]] = [
    (DataClass.RAW_PAYLOADS, _purge_raw_payloads),
    (DataClass.RECORDINGS, _purge_recordings),
    (DataClass.TRANSCRIPTS, _purge_transcripts),
    (DataClass.CALL_METADATA, _purge_calls),
    (DataClass.CONSENT_EVENTS, _purge_consent),
    (DataClass.AUDIT_EVENTS, _purge_audit),
]


def _due_count(data_class: str, cutoff: datetime) -> int:
    held = held_calls()
    counts = {
        DataClass.RAW_PAYLOADS: lambda: InboundEvent.objects.filter(
            payload_scrubbed_at__isnull=True, received_at__lt=cutoff
        ),
        DataClass.RECORDINGS: lambda: Recording.objects.filter(deleted_at__isnull=True, created_at__lt=cutoff).exclude(
            call__in=held
        ),
        DataClass.TRANSCRIPTS: lambda: TranscriptSegment.objects.filter(created_at__lt=cutoff).exclude(call__in=held),
        DataClass.CALL_METADATA: lambda: Call.objects.filter(created_at__lt=cutoff).exclude(pk__in=held),
        DataClass.CONSENT_EVENTS: lambda: ConsentEvent.objects.filter(occurred_at__lt=cutoff)
        .exclude(call_sid__in=held.values("call_sid"))
        .exclude(sequence=ConsentEvent.objects.order_by("-sequence").values("sequence")[:1]),
        # Only sealed events are ever purged (``purge_candidates``).
        DataClass.AUDIT_EVENTS: lambda: AuditEvent.objects.filter(occurred_at__lt=cutoff, sequence__isnull=False)
        .exclude(action__in=TOMBSTONES)
        .exclude(sequence=chain_head(AUDIT, using="default")[0]),
    }
    return counts[data_class]().count()


def retention_purge(
    *, dry_run: bool = False, now: datetime | None = None, batch_size: int | None = None
) -> list[ClassResult] | None:
    """Destroy what every policy says is due. Returns one result per class,
    or None when another run holds the lock. With ``dry_run``, counts what
    is due and changes nothing. Safe to repeat and to interrupt.

    Consent and audit evidence is purged only in a process with the owner
    role's connection (``DATABASE_OWNER_URL``: the scheduled purge job);
    elsewhere those classes report what is due as a failure and wait."""
    now = now or timezone.now()
    batch = batch_size or settings.RETENTION_BATCH_SIZE
    with job_lock("retention-purge", ttl=LOCK_TTL) as acquired:
        if not acquired:
            return None
        run_id = uuid.uuid4().hex
        results = []
        anchor = False
        for data_class, purge in PURGERS:
            cutoff = now - timedelta(days=keep_days(data_class))
            result = ClassResult(data_class, cutoff)
            if data_class in LEDGER_CLASSES and not dry_run and not owner_available():
                # Only the owner role may purge evidence: this process (web or
                # worker) can't, and says so if any is due.
                due = _due_count(data_class, cutoff)
                if due:
                    result.failures = [{"id": None, "error": "OwnerConnectionMissing", "due": due}]
                    logger.warning("retention.needs_owner_connection", extra={"data_class": data_class, "due": due})
                results.append(result)
                continue
            if dry_run:
                result.count = _due_count(data_class, cutoff)
            else:
                tally = Tally()
                purge(cutoff, batch, tally)
                certificate = certify(data_class=data_class, reason=RETENTION, run_id=run_id, tally=tally)
                result.count, result.failures = tally.count, tally.failures
                result.certificate_id = certificate.pk if certificate else None
                if result.count and data_class in LEDGER_CLASSES:
                    anchor = True
            results.append(result)
            logger.info(
                "retention.class_done",
                extra={
                    "data_class": data_class,
                    "count": result.count,
                    "failures": len(result.failures),
                    "dry_run": dry_run,
                },
            )
        if anchor:
            # The ledgers lost rows: anchor what is left, tombstones included, at once.
            checkpoint_write(reason="purge")
    return results
