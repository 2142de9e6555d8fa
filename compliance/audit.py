"""The audit trail: appending, verifying, and the one privileged purge.

The trail is a hash chain (``compliance.chain``): events are appended
unsealed, without a lock, and the sealer (``audit_seal``) links them into
the chain in the order they were appended; each event's hash covers its
own fields and the previous hash, so the chain can be checked from any point. Checkpoints signed outside the
database (``compliance.checkpoints``) anchor it, and ``audit_chain_verify``
checks the chain, the consent ledger and both against the checkpoints
(``compliance.evidence``).
"""

from __future__ import annotations

import getpass
import json
import logging
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import signing
from .chain import AUDIT, CHAINS, GENESIS, Chain, chain_head, chain_seal, chain_seal_all, chain_walk, row_hash
from .database import current_transaction_id, insert_row, insert_rows, owner_alias
from .evidence import Verification
from .models import AuditEvent, LedgerPurgePermit

logger = logging.getLogger(__name__)

__all__ = [
    "GENESIS",
    "PURGED",
    "RETURNED",
    "SYSTEM",
    "Actor",
    "PurgeRefused",
    "Verification",
    "audit_chain_check",
    "audit_chain_verify",
    "audit_purge_before",
    "audit_record",
    "audit_record_many",
    "audit_record_returning",
    "audit_seal",
    "cli_actor",
    "event_hash",
    "ledger_purge_runs",
]

PURGED = AUDIT.tombstone_action
TOMBSTONES = tuple(chain.tombstone_action for chain in CHAINS.values())


class Actor:
    """Who did it: a user, the system, or a provider (for webhooks)."""

    def __init__(self, *, user: Any = None, name: str = "") -> None:
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.name = name or (self.user.get_username() if self.user else "system")


SYSTEM = Actor()


def cli_actor() -> Actor:
    """A management command's actor: the operating-system account running it."""
    return Actor(name=f"cli:{getpass.getuser()}")


def event_hash(event: AuditEvent) -> str:
    return row_hash(AUDIT, event)


def audit_record(
    action: str,
    *,
    actor: Actor = SYSTEM,
    object_type: str = "",
    object_id: object = "",
    object_repr: str = "",
    details: dict[str, Any] | None = None,
    using: str = "default",
) -> AuditEvent:
    """Append one event, in the caller's transaction on ``using``: one
    INSERT and no lock, so appends from any number of writers never wait on
    each other. ``details`` must hold ids, types and counts only. The event
    is final once the transaction commits, and the sealer then links it into
    the chain (``audit_seal``); if the transaction rolls back, so does the
    event, and the chain never knew it. On SQLite, the append seals itself.
    """
    return _append(_event(action, actor, object_type, object_id, object_repr, details), using)


def audit_record_many(records: list[dict[str, Any]], *, using: str = "default") -> list[AuditEvent]:
    """``audit_record`` for each of ``records`` (its keyword arguments,
    ``action`` included), in order, as one INSERT on PostgreSQL. The same
    contract as ``audit_record``."""
    events = [
        _event(
            record["action"], record.get("actor", SYSTEM), record.get("object_type", ""), record.get("object_id", ""),
            record.get("object_repr", ""), record.get("details"),
        )
        for record in records
    ]  # fmt: skip
    if connections[using].vendor == "postgresql":
        return insert_rows(events, using=using)
    return [_append(event, using) for event in events]


# ``object_id`` for ``audit_record_returning``: the event is about the row
# the statement wrote, whose id it returns.
RETURNED = "(returned)"


def audit_record_returning(
    statement: str,
    params: list[Any],
    action: str,
    *,
    returned: str,
    actor: Actor = SYSTEM,
    object_type: str = "",
    object_id: object = "",
    object_repr: str = "",
    details: dict[str, Any] | None = None,
    using: str = "default",
) -> Any:
    """Run ``statement``, a write ending in ``RETURNING <returned>`` that
    touches one row, and append the event ``audit_record`` would, with that
    column's value added to its details under the same name, or, with
    ``object_id=RETURNED``, as the event's object id. On PostgreSQL both
    are one round trip (the write in a ``WITH``); elsewhere, two. Returns
    the value, or None if no row was touched, and then nothing is appended.
    The same contract as ``audit_record`` otherwise."""
    connection = connections[using]
    event = _event(action, actor, object_type, object_id, object_repr, details)
    about_it = object_id == RETURNED
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if about_it:
            event.object_id = str(row[0])
        else:
            event.details[returned] = row[0]
        _append(event, using)
        return row[0]
    quote = connection.ops.quote_name
    value = f"changed.{quote(returned)}"
    columns = ("occurred_at", "action", "actor_id", "actor_name", "object_type", "object_id", "object_repr")
    chosen = [f"{value}::text" if about_it and column == "object_id" else "%s" for column in columns]
    merged = "" if about_it else f" || jsonb_build_object(%s, {value})"
    sql = (
        f"WITH changed AS ({statement}) INSERT INTO {quote(AuditEvent._meta.db_table)} "  # noqa: S608  (names from metadata)
        f"({', '.join(columns)}, details) SELECT {', '.join(chosen)}, %s::jsonb{merged} FROM changed "
        f"RETURNING (SELECT {value} FROM changed)"
    )
    values = [getattr(event, column) for column in columns if not (about_it and column == "object_id")]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *values, json.dumps(event.details), *([] if about_it else [returned])])
        row = cursor.fetchone()
    return None if row is None else row[0]


def _event(
    action: str, actor: Actor, object_type: str, object_id: object, object_repr: str, details: dict[str, Any] | None
) -> AuditEvent:
    return AuditEvent(
        occurred_at=timezone.now(),
        action=action,
        actor_id=actor.user.pk if actor.user else None,
        actor_name=actor.name[:150],
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_repr=object_repr[:200],
        details=_plain_json(details or {}),
    )


def _append(event: AuditEvent, using: str) -> AuditEvent:
    if connections[using].vendor == "postgresql":
        return insert_row(event, using=using)
    # SQLite has one writer at a time: sealing at once costs no one a wait.
    with transaction.atomic(using=using, savepoint=False):
        event.save(using=using, force_insert=True)
        chain_seal(AUDIT, using=using)
    event.refresh_from_db(using=using, fields=["sequence", "previous_hash", "hash"])
    return event


def audit_seal(*, using: str = "default", wait: bool = True) -> int:
    """Link every committed unsealed event into the chain, in batches, and
    return how many (see ``compliance.chain.chain_seal``). The sealer
    process runs it in a loop; verification, checkpoints and purges run it
    before they read the chain. Safe to run anywhere, any number of times."""
    count = chain_seal_all(AUDIT, using=using, wait=wait)
    if count:
        logger.debug("audit.sealed", extra={"count": count})
    return count


def _plain_json(value: dict[str, Any]) -> dict[str, Any]:
    """As the database will hand it back, so the hash computed now is the hash verified later."""
    return json.loads(json.dumps(value, default=str))


def audit_chain_verify(*, start: int | None = None, end: int | None = None) -> Verification:
    """Verify the evidence: the audit chain (whole, or ``start`` to ``end``),
    and, for the whole chain, the consent ledger and both against the signed
    checkpoints. See ``compliance.evidence``. Safe to run at any time."""
    from .evidence import evidence_verify

    return evidence_verify(start=start, end=end)


def audit_chain_check(*, actor: Actor = SYSTEM, start: int | None = None, end: int | None = None) -> Verification:
    """Verify and record the result, as the schedule does and as
    ``verify_audit_chain`` does (under the operator's name), so the
    dashboard's "last verification" is whichever ran last. A verification
    that fails outright is recorded as a failed check, so the dashboard
    never shows an old success in its place. A range found intact says
    nothing of the rest, so it is recorded apart (``audit.range_verified``);
    a range found broken is the chain found broken, and recorded as such
    (with the range), so the dashboard shows it.
    """
    whole = start is None and end is None
    range_details = {} if whole else {"from": start, "to": end}
    try:
        result = audit_chain_verify(start=start, end=end)
    except Exception as error:  # noqa: BLE001  (recorded by class, then raised)
        result = Verification(False, 0, reason=f"verification could not complete: {type(error).__name__}")
        audit_record("audit.chain_verified", actor=actor, details={**result.details(), **range_details})
        logger.error("audit.chain_verified", extra={"ok": False, "error": type(error).__name__})
        raise
    action = "audit.chain_verified" if whole or not result.ok else "audit.range_verified"
    audit_record(action, actor=actor, details={**result.details(), **range_details})
    (logger.info if result.ok else logger.error)(
        action,
        extra={
            "ok": result.ok,
            "checked": result.checked,
            "consent_checked": result.consent_checked,
            "checkpoints": result.checkpoints,
        },
    )
    return result


class PurgeRefused(Exception):
    """The rows a purge was about to delete don't verify: they are kept as
    the evidence of what happened to them."""


def purge_candidates(rows: QuerySet, *, cutoff: datetime, batch: int) -> list[tuple[int, str, int, datetime]]:
    """Of ``rows`` (a ledger's purgeable rows), those older than ``cutoff``,
    oldest first, at most ``batch``: their sequence, hash, id and time. The
    ledger's newest row is never among them: it stays as the chain's head,
    so no sequence number is ever given out twice."""
    chain = next(chain for chain in CHAINS.values() if chain.model is rows.model)
    head, _ = chain_head(chain, using=rows.db)
    return list(
        rows.filter(occurred_at__lt=cutoff, sequence__isnull=False)
        .exclude(sequence=head)
        .order_by("sequence")
        .values_list("sequence", "hash", "pk", "occurred_at")[:batch]
    )


def ledger_purge_runs(
    chain: Chain, victims: list[tuple[int, str]], *, cutoff: datetime, using: str
) -> list[AuditEvent]:
    """Delete ``victims`` (sequence and hash, ascending) from ``chain`` on the
    owner's connection ``using``, inside the caller's transaction, and append
    one signed tombstone per contiguous run: its range, count and last hash,
    from which verification continues. The triggers allow the delete only
    while this transaction's permit for the table exists. The tombstones are
    sealed in the same transaction, so no reader ever sees the runs gone
    without the tombstones that account for them in the chain.

    Before deleting, the rows are checked against the chain, so a purge never
    destroys the evidence of tampering: ``PurgeRefused`` then, and nothing
    is deleted."""
    if not victims:
        return []
    from .evidence import legacy_horizon, valid_tombstones

    gaps = valid_tombstones(using, legacy_up_to=legacy_horizon()).gaps[chain.name]
    walk = chain_walk(chain, gaps=gaps, start=victims[0][0], end=victims[-1][0] + 1, using=using)
    if not walk.ok:
        raise PurgeRefused(f"{chain.name} chain broken at #{walk.first_broken}: {walk.reason}")
    runs: list[list[tuple[int, str]]] = []
    for sequence, digest in victims:
        if runs and runs[-1][-1][0] == sequence - 1:
            runs[-1].append((sequence, digest))
        else:
            runs.append([(sequence, digest)])
    table = chain.model._meta.db_table
    transaction_id = current_transaction_id(using)
    edges = {run[0][0] - 1 for run in runs} | {run[-1][0] + 1 for run in runs}
    neighbours = dict(chain.model.objects.using(using).filter(sequence__in=edges).values_list("sequence", "hash"))
    neighbours.setdefault(0, GENESIS)
    written = []
    for run in runs:
        first, last = run[0][0], run[-1][0]
        permit = LedgerPurgePermit.objects.using(using).create(
            reason=f"{chain.name} retention", ledger=table, transaction_id=transaction_id
        )
        count, _ = chain.model.objects.using(using).filter(sequence__gte=first, sequence__lte=last).delete()
        permit.delete(using=using)
        if count != len(run):
            raise PurgeRefused(f"{chain.name} run #{first} to #{last}: {count} rows deleted, {len(run)} expected")
        payload = {
            "ledger": chain.name,
            "from_sequence": first,
            "to_sequence": last,
            "count": count,
            "last_hash": run[-1][1],
            # The rows on either side, which nothing links to once the run
            # is gone (see chain.Gap): the row after may itself have been
            # purged before, and the gap after it then records its own.
            "previous_hash": neighbours.get(first - 1),
            "next_hash": neighbours.get(last + 1),
        }
        written.append(
            audit_record(
                chain.tombstone_action,
                details={**payload, "cutoff": cutoff.isoformat(), **signing.sign(payload)},
                using=using,
            )
        )
    chain_seal_all(AUDIT, using=using)
    return written


def audit_purge_before(*, cutoff: datetime, batch_size: int = 10_000) -> list[tuple[int, datetime]]:
    """The privileged path: delete audit events older than ``cutoff``,
    oldest first, up to ``batch_size`` in one transaction on the owner
    role's connection, leaving a signed tombstone per contiguous run (see
    ``ledger_purge_runs``). Tombstones themselves are kept.

    Raises ``OwnerConnectionMissing`` in a process without the owner's
    connection, and ``PurgeRefused`` if the events don't verify. Returns
    the ids and times of the events deleted, oldest first."""
    using = owner_alias()
    deleted: list[tuple[int, datetime]] = []
    with transaction.atomic(using=using):
        chain_seal_all(AUDIT, using=using)
        events = AuditEvent.objects.using(using).exclude(action__in=TOMBSTONES)
        victims = purge_candidates(events, cutoff=cutoff, batch=batch_size)
        deleted = [(pk, occurred_at) for _, _, pk, occurred_at in victims]
        tombstones = ledger_purge_runs(
            AUDIT, [(sequence, digest) for sequence, digest, _, _ in victims], cutoff=cutoff, using=using
        )
    if deleted:
        logger.warning("audit.purged", extra={"count": len(deleted), "runs": len(tombstones)})
    return deleted
