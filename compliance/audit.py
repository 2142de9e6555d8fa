"""The audit trail: appending, verifying, and the one privileged purge.

Appends are serialised so that two writers can never give two events the
same predecessor: on PostgreSQL by a transaction-scoped advisory lock, on
SQLite by its single writer. Each event's hash covers its own fields and
the previous hash, so the chain can be checked from any point.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent, LedgerPurgePermit

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
# pg_advisory_xact_lock key for audit appends: any 64-bit constant of our own.
AUDIT_LOCK_KEY = 0x5A0D17_C4A1
PURGED = "audit.purged"


class Actor:
    """Who did it: a user, the system, or a provider (for webhooks)."""

    def __init__(self, *, user: Any = None, name: str = "") -> None:
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.name = name or (self.user.get_username() if self.user else "system")


SYSTEM = Actor()


def cli_actor() -> Actor:
    """A management command's actor: the operating-system account running it."""
    return Actor(name=f"cli:{getpass.getuser()}")


def _canonical(event: AuditEvent) -> bytes:
    fields = {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "details": event.details,
        "previous_hash": event.previous_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def audit_record(
    action: str,
    *,
    actor: Actor = SYSTEM,
    object_type: str = "",
    object_id: object = "",
    object_repr: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    Call it as the transaction's last write: it holds the chain's lock until
    commit. ``details`` must hold ids, types and counts only. The event is final
    once the transaction commits; if it rolls back, so does the event, and
    the sequence has no gap.
    """
    # No savepoint: nothing is meant to survive a failed append, and inside
    # the caller's transaction a savepoint would cost two round trips more.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Foreign keys are checked at commit by default, which would
                # take row locks after this lock: a transaction holding it
                # could then wait on a call row held by one waiting for it.
                # Checking them now keeps every row lock before the lock.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])
        last = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
        event = AuditEvent(
            sequence=(last.sequence + 1) if last else 1,
            occurred_at=timezone.now(),
            action=action,
            actor=actor.user,
            actor_name=actor.name[:150],
            object_type=object_type,
            object_id=str(object_id)[:64],
            object_repr=object_repr[:200],
            details=json.loads(json.dumps(details or {}, default=str)),
            previous_hash=last.hash if last else GENESIS,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.checked} events checked"
        return f"audit chain broken at event #{self.first_broken}: {self.reason} ({self.checked} events checked)"


def _events(start: int | None, end: int | None) -> Iterator[AuditEvent]:
    events = AuditEvent.objects.order_by("sequence")
    if start is not None:
        events = events.filter(sequence__gte=start)
    if end is not None:
        events = events.filter(sequence__lte=end)
    return events.iterator(chunk_size=2000)


def audit_chain_verify(*, start: int | None = None, end: int | None = None) -> Verification:
    """Recompute every hash in order and check each link. A gap is allowed
    only where a purge tombstone names it and its last hash. Reads in
    batches, so memory stays flat on long chains. Safe to run at any time."""
    tombstones = {
        tombstone.details.get("to_sequence"): tombstone.details
        for tombstone in AuditEvent.objects.filter(action=PURGED).only("details")
    }
    checked, previous_hash, expected = 0, None, None
    for event in _events(start, end):
        if previous_hash is not None and event.sequence == expected:
            anchor = previous_hash
        elif event.sequence == 1:
            anchor = GENESIS
        elif previous_hash is None and start is not None and event.sequence == start:
            anchor = AuditEvent.objects.filter(sequence=start - 1).values_list("hash", flat=True).first()
            anchor = anchor or (tombstones.get(start - 1) or {}).get("last_hash")
        else:
            purge = tombstones.get(event.sequence - 1) or {}
            covers = previous_hash is None or purge.get("from_sequence") == expected
            anchor = purge.get("last_hash") if covers else None
        if anchor is None:
            missing = expected if expected is not None else event.sequence - 1
            return Verification(False, checked, missing, "event missing from the sequence")
        if event.previous_hash != anchor:
            return Verification(False, checked, event.sequence, "link to the previous event does not match")
        if event_hash(event) != event.hash:
            return Verification(False, checked, event.sequence, "contents do not match the hash")
        checked += 1
        previous_hash, expected = event.hash, event.sequence + 1
    return Verification(True, checked)


def audit_chain_check() -> Verification:
    """The scheduled check: verify everything and record the result."""
    result = audit_chain_verify()
    audit_record(
        "audit.chain_verified",
        details={
            "ok": result.ok,
            "checked": result.checked,
            "first_broken": result.first_broken,
            "reason": result.reason,
        },
    )
    (logger.info if result.ok else logger.error)(
        "audit.chain_verified", extra={"ok": result.ok, "checked": result.checked}
    )
    return result


def audit_purge_before(*, cutoff: datetime, batch_size: int = 10_000) -> list[tuple[int, datetime]]:
    """The privileged path: delete audit events older than ``cutoff``, oldest
    first, and append one tombstone per contiguous run deleted, naming the
    range and its last hash, from which verification continues. Tombstones
    themselves are kept.

    The triggers allow the delete only while this transaction's permit row
    exists. Returns the ids and times of the events deleted, oldest first.
    """
    deleted: list[tuple[int, datetime]] = []
    with transaction.atomic():
        victims = list(
            AuditEvent.objects.filter(occurred_at__lt=cutoff)
            .exclude(action=PURGED)
            .order_by("sequence")
            .values_list("sequence", "hash", "pk", "occurred_at")[:batch_size]
        )
        runs: list[list[tuple[int, str]]] = []
        for sequence, digest, pk, occurred_at in victims:
            deleted.append((pk, occurred_at))
            if runs and runs[-1][-1][0] == sequence - 1:
                runs[-1].append((sequence, digest))
            else:
                runs.append([(sequence, digest)])
        for run in runs:
            first, last = run[0][0], run[-1][0]
            permit = LedgerPurgePermit.objects.create(reason="audit retention")
            count, _ = AuditEvent.objects.filter(sequence__gte=first, sequence__lte=last).delete()
            permit.delete()
            audit_record(
                PURGED,
                details={
                    "from_sequence": first,
                    "to_sequence": last,
                    "count": count,
                    "last_hash": run[-1][1],
                    "cutoff": cutoff.isoformat(),
                },
            )
    if deleted:
        logger.warning("audit.purged", extra={"count": len(deleted), "runs": len(runs)})
    return deleted
