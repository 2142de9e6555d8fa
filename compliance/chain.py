"""Hash chains: the mechanics both ledgers share.

The audit trail and the consent ledger are each a chain. Every row carries a
sequence number (its place in the order rows were appended, 1, 2, 3, …), the
previous row's hash, and ``hash``: SHA-256 over the canonical JSON of its own
fields and that previous hash. Editing a row breaks its own hash; removing
or re-hashing one breaks the link of the row after it.

Two rows must never get the same predecessor, so linking is serialised,
on PostgreSQL by a transaction-scoped advisory lock (one key per chain), on
SQLite by its single writer. The two chains do it at different moments:

- The consent ledger links a row as it is appended, under the lock, which
  is held until the appending transaction ends (a consent decision is rare,
  and its idempotency check needs the lock anyway).
- The audit trail is written by every applied delivery, so a lock held
  through each writer's commit would make the whole fleet commit one audit-
  bearing transaction at a time. Its rows are appended unsealed instead (a
  plain INSERT, no lock), and ``chain_seal`` links the committed ones in
  batches: the next sequence numbers in the order they were appended (by
  id), each row's predecessor and hash, filled in once (the append-only
  trigger lets these three columns go from empty to a value, never change).
  Only sealers take the lock, for the length of one batch. The chain's
  order is the order of sealing; a row whose transaction commits after a
  seal simply joins the next one, after everything already sealed, so no
  sealed link ever has to change. Verification, checkpoints and purges
  read the sealed rows only, and seal first. On SQLite an append seals
  itself in its own transaction.

Rows may leave a chain only through a purge that a signed tombstone names
(see ``compliance.audit``); verification accepts a gap in the sequence only
where such a tombstone covers it exactly.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.apps import apps
from django.db import connections, models, transaction

from .database import first_row, rows_where

GENESIS = "0" * 64
MISSING = "event missing from the sequence, with no valid tombstone"


@dataclass(frozen=True)
class Chain:
    """One ledger's chain: which model, which fields are evidence (hashed),
    its append lock, and the audit action of its purge tombstones."""

    name: str
    model_label: str
    lock_key: int
    fields: tuple[str, ...]
    tombstone_action: str
    # Appended unsealed and linked later by ``chain_seal`` (see the module's docstring).
    sealed_later: bool = False

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)


# The audit trail's hashed fields are those it has always hashed, so chains
# written before this module existed still verify. ``details`` holds ids,
# types and counts; ``actor_id`` is a plain copy that never changes.
AUDIT = Chain(
    name="audit",
    model_label="compliance.AuditEvent",
    lock_key=0x5A0D17_C4A1,
    fields=("occurred_at", "action", "actor_id", "actor_name", "object_type", "object_id", "object_repr", "details"),
    tombstone_action="audit.purged",
    sealed_later=True,
)
# A consent event's link to the caller's words (``utterance_id``) is left
# out: the transcript segment is data with its own, shorter retention, and
# the link is cleared when the segment goes. Everything else is evidence.
CONSENT = Chain(
    name="consent",
    model_label="compliance.ConsentEvent",
    lock_key=0x5A0D17_C0E5,
    fields=(
        "call_id",
        "call_sid",
        "decision",
        "method",
        "requirement",
        "jurisdiction",
        "prompt_version",
        "confidence",
        "source",
        "occurred_at",
        "reported_at",
        "recorded_at",
    ),
    tombstone_action="consent.purged",
)
CHAINS: dict[str, Chain] = {chain.name: chain for chain in (AUDIT, CONSENT)}


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that hashes and signatures cover."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        # Always UTC: the database hands times back in UTC, whatever offset they were written with.
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def row_hash(chain: Chain, row: Any) -> str:
    """SHA-256 over the canonical JSON of ``row``'s evidence fields, its
    sequence and its previous hash. ``row`` may be a model instance of any
    version of the model (migrations pass historical ones)."""
    fields = {name: _plain(getattr(row, name)) for name in chain.fields}
    fields["sequence"] = row.sequence
    fields["previous_hash"] = row.previous_hash
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def chain_lock(chain: Chain, *, using: str) -> None:
    """Take ``chain``'s append lock until the current transaction ends
    (PostgreSQL; SQLite has one writer at a time anyway). Call inside
    ``transaction.atomic(using=using)``."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Foreign keys are checked at commit by default, which would take row
        # locks after this lock: a transaction holding it could then wait on
        # a row held by one waiting for it. Checking them now keeps every
        # row lock before the chain's lock.
        # One round trip for both: without parameters, psycopg sends them as
        # one simple query (the key is this module's constant, not input).
        cursor.execute(f"SET CONSTRAINTS ALL IMMEDIATE; SELECT pg_advisory_xact_lock({int(chain.lock_key)})")


def sealed(chain: Chain, using: str) -> models.QuerySet:
    """``chain``'s rows that are linked into it: all of them, but for the
    audit trail's rows still waiting for the sealer."""
    rows = chain.model.objects.using(using)
    return rows.filter(sequence__isnull=False) if chain.sealed_later else rows


def chain_head(chain: Chain, *, using: str) -> tuple[int, str]:
    """The last linked row's sequence and hash; (0, GENESIS) for an empty chain."""
    sequence, digest = chain_head_columns(chain, using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {sequence}, {digest}")
        return _head(cursor.fetchone())


def _head(row: tuple[int | None, str | None]) -> tuple[int, str]:
    return (row[0], row[1]) if row[0] is not None else (0, GENESIS)


def chain_head_columns(chain: Chain, *, using: str) -> tuple[str, str]:
    """Two scalar subqueries reading ``chain_head``'s sequence and hash (NULL
    for an empty chain), for a caller that reads the head in the same
    statement as other state."""
    table = connections[using].ops.quote_name(chain.model._meta.db_table)
    last = f"FROM {table} WHERE sequence IS NOT NULL ORDER BY sequence DESC LIMIT 1"  # noqa: S608  (metadata)
    return f"(SELECT sequence {last})", f"(SELECT hash {last})"


def chain_link(chain: Chain, row: Any, *, using: str, head: tuple[int | None, str | None] | None = None) -> None:
    """Give ``row`` the next sequence number, its predecessor's hash and its
    own hash. The caller holds the chain's lock and inserts the row next;
    ``head`` is the chain's head if the caller read it under that lock
    (``chain_head_columns``)."""
    sequence, digest = chain_head(chain, using=using) if head is None else _head(head)
    row.sequence = sequence + 1
    row.previous_hash = digest
    row.hash = row_hash(chain, row)


SEAL_BATCH = 2000


def chain_seal(chain: Chain, *, using: str = "default", wait: bool = True, batch: int = SEAL_BATCH) -> int:
    """Link ``chain``'s unsealed rows that this transaction can see (those
    committed, and its own) into the chain, in the order they were appended,
    at most ``batch`` of them, and return how many. Takes the chain's lock
    for that batch only, and none when nothing visible is unsealed; with
    ``wait`` False, returns 0 at once if another sealer holds it (that one
    will seal them). Inside a caller's transaction, the lock is held until
    it ends. Safe to run at any time, from any number of processes: a row
    is sealed once."""
    connection = connections[using]
    table = connection.ops.quote_name(chain.model._meta.db_table)
    # Nothing visible to seal (the sealer's rounds, mostly, between bursts):
    # one statement on the partial index, no transaction and no lock.
    if first_row(f"SELECT 1 FROM {table} WHERE sequence IS NULL LIMIT 1", [], using=using) is None:  # noqa: S608  (metadata)
        return 0
    with transaction.atomic(using=using, savepoint=False):
        if connection.vendor == "postgresql":
            function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
            if first_row(f"SELECT {function}({int(chain.lock_key)})", [], using=using)[0] is False:
                return 0
        # Read after the lock is held: its snapshot sees every seal committed before.
        rows = rows_where(chain.model, "sequence IS NULL ORDER BY id LIMIT %s", [batch], using=using)
        if not rows:
            return 0
        sequence, digest = chain_head(chain, using=using)
        for row in rows:
            sequence += 1
            row.sequence, row.previous_hash = sequence, digest
            row.hash = digest = row_hash(chain, row)
        stored = _store_seals(chain, rows, connection)
        if stored != len(rows):
            # Only a sealer that ignored the lock could have got there first.
            raise RuntimeError(f"{chain.name}: {len(rows) - stored} rows were sealed by another writer meanwhile")
    return len(rows)


def chain_seal_all(chain: Chain, *, using: str = "default", wait: bool = True) -> int:
    """Seal batch after batch until none is left, each batch its own
    transaction (outside a caller's). Returns how many rows were sealed."""
    total = 0
    while True:
        count = chain_seal(chain, using=using, wait=wait)
        total += count
        if count < SEAL_BATCH:
            return total


def chain_seal_committed(chain: Chain, *, using: str = "default") -> int:
    """Seal what has committed so that the seals are committed too, whatever
    transaction the caller is in. Outside one, this is ``chain_seal_all``.
    Inside one (a request's, under ATOMIC_REQUESTS), seals made there would
    stay invisible to readers of committed rows (``ledger_state``) and hold
    the chain's lock until the caller ends; so they are made on a connection
    of its own (another thread's), without waiting: if the lock is held, by
    a sealer or by the caller's own transaction, nothing is sealed here."""
    connection = connections[using]
    if not connection.in_atomic_block or connection.vendor != "postgresql":
        return chain_seal_all(chain, using=using)
    outcome: list[Any] = []

    def seal() -> None:
        try:
            outcome.append(chain_seal_all(chain, using=using, wait=False))
        except Exception as error:  # noqa: BLE001  (raised again in the caller's thread)
            outcome.append(error)
        finally:
            connections[using].close()

    thread = threading.Thread(target=seal, name=f"{chain.name}-seal")
    thread.start()
    thread.join()
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


def _store_seals(chain: Chain, rows: list[Any], connection: Any) -> int:
    table = connection.ops.quote_name(chain.model._meta.db_table)
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s::bigint, %s::bigint, %s, %s)"] * len(rows))
        sql = (
            f"UPDATE {table} AS e SET sequence = v.sequence, previous_hash = v.previous_hash, hash = v.hash "  # noqa: S608  (names from metadata)
            f"FROM (VALUES {values}) AS v(id, sequence, previous_hash, hash) "
            "WHERE e.id = v.id AND e.sequence IS NULL"
        )
        params = [value for row in rows for value in (row.pk, row.sequence, row.previous_hash, row.hash)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    manager = chain.model.objects.using(connection.alias)
    return sum(
        manager.filter(pk=row.pk, sequence__isnull=True).update(
            sequence=row.sequence, previous_hash=row.previous_hash, hash=row.hash
        )
        for row in rows
    )


@dataclass(frozen=True)
class Gap:
    """A purged run of a chain, ``from_sequence`` to ``to_sequence``, as a
    valid tombstone (audit event ``tombstone``) names it: the last hash
    purged, and the hashes of the rows on either side of the run when it
    was purged (None on tombstones written before they were recorded).

    The neighbours' hashes matter because after a purge nothing links to
    the row before the run, and the row after it links to a row that is
    gone: without them, a row kept between two purged runs (under a legal
    hold, say) would be an island anyone could rewrite with its own hash."""

    from_sequence: int
    to_sequence: int
    last_hash: str
    tombstone: int
    previous_hash: str | None = None
    next_hash: str | None = None


@dataclass(frozen=True)
class Walk:
    """What walking a chain found. ``ok`` is False at the first broken link,
    named by ``first_broken`` and ``reason``; ``head`` is the last sequence
    read and ``checked`` the rows read."""

    ok: bool
    checked: int
    head: int = 0
    first_broken: int | None = None
    reason: str = ""


def _covered(low: int, high: int, gaps: Mapping[int, Gap], *, down_to_low: bool) -> list[Gap]:
    """The gaps, last first, if tombstones cover ``low`` to ``high`` exactly
    (several purges may have left adjacent runs); with ``down_to_low``
    False, only the run ending at ``high`` is required. Empty if not."""
    last = gaps.get(high)
    if last is None or not down_to_low:
        return [last] if last else []
    covering, position = [], high
    while position >= low:
        gap = gaps.get(position)
        if gap is None:
            return []
        covering.append(gap)
        position = gap.from_sequence - 1
    return covering if position == low - 1 else []


def _across(covering: list[Gap], *, before: str | None, after: Any, anchors: Mapping[int, tuple[str, int]]) -> str:
    """Why crossing ``covering`` (last first) from a row hashed ``before``
    to the row ``after`` fails, or "" when it holds: each tombstone's record
    of its neighbours and every hash a checkpoint anchored must agree."""
    first, last = covering[-1], covering[0]
    if before is not None and first.previous_hash is not None and first.previous_hash != before:
        return f"the row before the run purged by tombstone #{first.tombstone} was rewritten"
    if last.next_hash is not None and last.next_hash != after.hash:
        return f"the row after the run purged by tombstone #{last.tombstone} was rewritten"
    for gap in covering:
        anchored = anchors.get(gap.to_sequence)
        if anchored and anchored[0] != gap.last_hash:
            return f"rewritten before tombstone #{gap.tombstone} purged it (differs from checkpoint #{anchored[1]})"
    return ""


def _rows(chain: Chain, using: str, start: int | None, end: int | None) -> Iterator[Any]:
    rows = sealed(chain, using).order_by("sequence")
    if start is not None:
        rows = rows.filter(sequence__gte=start)
    if end is not None:
        rows = rows.filter(sequence__lte=end)
    return rows.iterator(chunk_size=2000)


def chain_walk(
    chain: Chain,
    *,
    gaps: Mapping[int, Gap],
    anchors: Mapping[int, tuple[str, int]] | None = None,
    start: int | None = None,
    end: int | None = None,
    using: str = "default",
) -> Walk:
    """Recompute every hash in sequence order and check every link. A gap
    passes only where ``gaps`` (keyed by their last sequence) cover it; from
    the first row of a chain, they must cover it back to sequence 1.
    ``anchors`` maps sequences to the hash a checkpoint recorded there and
    the checkpoint's number: a row that differs is reported as rewritten.
    Reads in batches, so memory stays flat. Changes nothing."""
    anchors = anchors or {}
    checked, previous, previous_hash = 0, None, None
    for row in _rows(chain, using, start, end):
        sequence = row.sequence
        if previous is not None and sequence == previous + 1:
            anchor = previous_hash
        elif previous is None and sequence == 1:
            anchor = GENESIS
        elif previous is None and start is not None and sequence == start:
            before = chain.model.objects.using(using).filter(sequence=start - 1).values_list("hash", flat=True)
            gap = gaps.get(start - 1)
            anchor = before.first() or (gap.last_hash if gap else None)
        else:
            low = previous + 1 if previous is not None else 1
            whole = previous is not None or start is None
            covering = _covered(low, sequence - 1, gaps, down_to_low=whole)
            if not covering:
                missing = low if whole else sequence - 1
                return Walk(False, checked, previous or 0, missing, MISSING)
            anchor = covering[0].last_hash
            before = previous_hash if previous is not None else (GENESIS if whole else None)
            crossing = _across(covering if whole else covering[:1], before=before, after=row, anchors=anchors)
            if crossing:
                return Walk(False, checked, previous or 0, sequence, crossing)
        if anchor is None:
            return Walk(False, checked, previous or 0, sequence - 1, MISSING)
        if row.previous_hash != anchor:
            return Walk(False, checked, previous or 0, sequence, "link to the previous event does not match")
        if row_hash(chain, row) != row.hash:
            return Walk(False, checked, previous or 0, sequence, "contents do not match the hash")
        if sequence in anchors and anchors[sequence][0] != row.hash:
            reason = f"differs from checkpoint #{anchors[sequence][1]}: rewritten after it was anchored"
            return Walk(False, checked, previous or 0, sequence, reason)
        checked += 1
        previous, previous_hash = sequence, row.hash
    return Walk(True, checked, previous or 0)
