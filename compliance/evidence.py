"""Verifying the evidence: both ledgers' chains, against the checkpoints.

``evidence_verify`` checks, in order:

1. the checkpoint store: every checkpoint's signature, and that each names
   the digest of the one before it (none removed or replaced);
2. the purge tombstones in the audit trail: each must be signed with the
   evidence key, so only the privileged purge can make one (tombstones
   older than the first checkpoint were written before tombstones were
   signed and are accepted unsigned);
3. each chain, row by row: every hash, every link, and every gap in the
   sequence covered exactly by valid tombstones;
4. the chains against the checkpoints: each anchored row still has the hash
   its checkpoint recorded (or a signed purge removed it); no head has
   fallen below a checkpoint's (truncation, rollback); heads never went
   back from one checkpoint to the next; and the row counts add up, from
   checkpoint to checkpoint and from the last checkpoint to now, with only
   signed purges taking rows away;
5. every checkpoint the audit trail says was written is in the store.

What it can't see, by design: rows appended after the last checkpoint and
removed before the next one (the next checkpoint anchors what is left),
and anything done by someone holding the signing key.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction

from . import signing
from .chain import AUDIT, CHAINS, Chain, Gap, Walk, chain_walk
from .checkpoints import RECORDED, Checkpoint, checkpoint_store, checkpoints_read, parse, signature_valid

logger = logging.getLogger(__name__)

TOMBSTONE_FIELDS = ("ledger", "from_sequence", "to_sequence", "count", "last_hash", "previous_hash", "next_hash")


@dataclass(frozen=True)
class Verification:
    """The outcome. ``ok``, ``checked``, ``first_broken`` and ``reason``
    describe the first thing found wrong (``ledger`` says which chain, or
    ``checkpoints``); ``problems`` lists everything found."""

    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str = ""
    ledger: str = "audit"
    consent_checked: int = 0
    checkpoints: int = 0
    problems: tuple[str, ...] = ()
    whole: bool = True

    def __str__(self) -> str:
        anchored = (
            f"{self.checkpoints} checkpoints verified" if self.checkpoints else "not yet anchored by a checkpoint"
        )
        if self.ok and not self.whole:
            return f"audit chain intact: {self.checked} events checked in the range asked"
        if self.ok:
            return (
                f"audit chain intact: {self.checked} events checked; consent ledger intact: "
                f"{self.consent_checked} events checked; {anchored}"
            )
        where = f" at event #{self.first_broken}" if self.first_broken is not None else ""
        lines = [f"{self.ledger} {'chain' if self.ledger != 'checkpoints' else 'store'} broken{where}: {self.reason}"]
        lines += [f"  - {problem}" for problem in self.problems[1:]]
        lines.append(
            f"({self.checked} audit and {self.consent_checked} consent events checked; {self.checkpoints} checkpoints)"
        )
        return "\n".join(lines)

    def details(self) -> dict[str, Any]:
        """For the audit event that records a check: ids and counts only."""
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_broken": self.first_broken,
            "reason": self.reason,
            "ledger": self.ledger,
            "consent_checked": self.consent_checked,
            "checkpoints": self.checkpoints,
            "problems": list(self.problems[:20]),
        }


@dataclass(frozen=True)
class Problem:
    ledger: str
    sequence: int | None
    reason: str

    def __str__(self) -> str:
        where = f" #{self.sequence}" if self.sequence is not None else ""
        return f"{self.ledger}{where}: {self.reason}"


def tombstone_payload(details: dict[str, Any]) -> dict[str, Any]:
    """What a tombstone's signature covers."""
    return {name: details.get(name) for name in TOMBSTONE_FIELDS}


@dataclass
class Tombstones:
    """Valid tombstones as gaps, per chain, and the purges in audit order."""

    gaps: dict[str, dict[int, Gap]] = field(default_factory=lambda: {name: {} for name in CHAINS})
    purges: list[tuple[int, str, int]] = field(default_factory=list)  # (audit sequence, ledger, rows)
    problems: list[Problem] = field(default_factory=list)


def valid_tombstones(using: str, legacy_up_to: int) -> Tombstones:
    """Every purge tombstone in the audit trail, checked: the valid ones as
    gaps, the rest as problems. Unsigned tombstones up to audit sequence
    ``legacy_up_to`` predate signing and are accepted."""
    found = Tombstones()
    keys = signing.trusted_keys()
    actions = {chain.tombstone_action: chain for chain in CHAINS.values()}
    events = AUDIT.model.objects.using(using).filter(action__in=actions).order_by("sequence")
    for sequence, action, details in events.values_list("sequence", "action", "details").iterator():
        chain = actions[action]
        details = details if isinstance(details, dict) else {}
        try:
            first, last, count = int(details["from_sequence"]), int(details["to_sequence"]), int(details["count"])
        except (KeyError, TypeError, ValueError):
            found.problems.append(Problem("audit", sequence, "a tombstone that names no purged range"))
            continue
        signed = signing.verify(
            tombstone_payload(details), key=details.get("key_id"), signature=details.get("signature"), keys=keys
        )
        legacy = "signature" not in details and sequence <= legacy_up_to and "ledger" not in details
        if not (signed or legacy):
            found.problems.append(Problem("audit", sequence, f"tombstone {action} without a valid signature: forged"))
            continue
        if (details.get("ledger") or chain.name) != chain.name or count != last - first + 1 or first > last:
            found.problems.append(Problem("audit", sequence, "a tombstone whose range does not add up"))
            continue
        existing = found.gaps[chain.name].get(last)
        if existing is not None:
            if existing.from_sequence != first:
                found.problems.append(Problem("audit", sequence, f"a tombstone overlapping #{existing.tombstone}"))
            continue
        found.gaps[chain.name][last] = Gap(
            first, last, str(details.get("last_hash")), sequence, details.get("previous_hash"), details.get("next_hash")
        )
        found.purges.append((sequence, chain.name, count))
    return found


def legacy_horizon(store: Any = None, numbers: list[int] | None = None) -> int:
    """The audit head of the first checkpoint, if it verifies: unsigned
    tombstones up to there were written before tombstones were signed."""
    store = store or checkpoint_store()
    numbers = store.numbers() if numbers is None else numbers
    if not numbers or numbers[0] != 1:
        return 0
    try:
        first = parse(1, store.read(1))
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    return first.head("audit") if signature_valid(first.document) else 0


def _purged_between(tombstones: Tombstones, ledger: str, after: int, up_to: int | None) -> int:
    """Rows of ``ledger`` purged by tombstones appended after audit sequence
    ``after`` and up to ``up_to`` (None: up to now)."""
    return sum(
        rows
        for sequence, name, rows in tombstones.purges
        if name == ledger and sequence > after and (up_to is None or sequence <= up_to)
    )


@dataclass
class Anchored:
    """What the checkpoints say, gathered in one pass over the store: each
    chain's anchors (sequence -> hash and checkpoint number), each
    checkpoint's digest, the latest checkpoint, and what is wrong."""

    anchors: dict[str, dict[int, tuple[str, int]]] = field(default_factory=lambda: {name: {} for name in CHAINS})
    digests: dict[int, str] = field(default_factory=dict)
    latest: Checkpoint | None = None
    count: int = 0
    problems: list[Problem] = field(default_factory=list)


def _between(previous: Checkpoint, checkpoint: Checkpoint, tombstones: Tombstones) -> list[Problem]:
    """From one checkpoint to the next: no head went back, and the counts add up."""
    problems = []
    for name in CHAINS:
        state, before = checkpoint.state(name), previous.state(name)
        if state is None or before is None:
            continue
        head, count = int(state["head_sequence"]), int(state["count"])
        if head < int(before["head_sequence"]):
            problems.append(
                Problem(
                    name, head,
                    f"head went back from #{before['head_sequence']} at {previous.name()} "
                    f"to #{head} at {checkpoint.name()}: truncated or rolled back",
                )
            )  # fmt: skip
            continue
        purged = _purged_between(tombstones, name, previous.head("audit"), checkpoint.head("audit"))
        expected = int(before["count"]) + head - int(before["head_sequence"]) - purged
        if count != expected:
            problems.append(
                Problem(
                    name, None,
                    f"{checkpoint.name()} counts {count} rows where {previous.name()} and the signed purges "
                    f"between them make {expected}: rows removed without a purge",
                )
            )  # fmt: skip
    return problems


def _anchored(store: Any, numbers: list[int], tombstones: Tombstones) -> Anchored:
    """Read the listed checkpoints once, keeping only what verification needs."""
    found = Anchored()
    previous: Checkpoint | None = None
    for checkpoint, problem in checkpoints_read(store, numbers):
        if problem:
            found.problems.append(Problem("checkpoints", None, problem))
        if checkpoint is None:
            continue
        found.count += 1
        found.digests[checkpoint.number] = checkpoint.digest
        for name in CHAINS:
            state = checkpoint.state(name)
            head = int(state["head_sequence"]) if state else 0
            if not head:
                continue
            known = found.anchors[name].get(head)
            if known is not None and known[0] != state["head_hash"]:
                reason = f"{checkpoint.name()} and checkpoint #{known[1]} disagree on its hash"
                found.problems.append(Problem(name, head, reason))
            found.anchors[name].setdefault(head, (str(state["head_hash"]), checkpoint.number))
        if previous is not None:
            found.problems += _between(previous, checkpoint, tombstones)
        previous = found.latest = checkpoint
    return found


def _against_latest(chain: Chain, walk: Walk, latest: Checkpoint, tombstones: Tombstones) -> list[Problem]:
    state = latest.state(chain.name)
    if state is None:
        return []
    head, count = int(state["head_sequence"]), int(state["count"])
    anchored = {gap for gap in tombstones.gaps[chain.name].values() if gap.from_sequence <= head <= gap.to_sequence}
    if walk.head < head and not anchored:
        return [
            Problem(
                chain.name, head,
                f"missing: the chain ends at #{walk.head}, below {latest.name()}'s head: truncated or rolled back",
            )
        ]  # fmt: skip
    purged = _purged_between(tombstones, chain.name, latest.head("audit"), None)
    expected = count + walk.head - head - purged
    if walk.checked != expected:
        return [
            Problem(
                chain.name, None,
                f"the table holds {walk.checked} rows where {latest.name()} and the signed purges since make "
                f"{expected}: rows removed without a purge",
            )
        ]  # fmt: skip
    return []


@contextlib.contextmanager
def _snapshot(using: str) -> Iterator[None]:
    """Every read inside from one snapshot (REPEATABLE READ on PostgreSQL),
    so counts and the rows walked agree while events keep arriving. Inside
    a caller's transaction, its isolation is used instead."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def evidence_verify(*, start: int | None = None, end: int | None = None, using: str = "default") -> Verification:
    """Verify both ledgers against each other's tombstones and the
    checkpoints (see the module's docstring). With ``start`` or ``end``,
    only that range of the audit chain is walked, against the anchors in
    it. Reads rows in batches and checkpoints one at a time, so memory
    stays flat; changes nothing; safe to run at any time."""
    whole = start is None and end is None
    store = checkpoint_store()
    # Listed before the snapshot below is taken: every checkpoint listed
    # anchors rows already committed, so visible in the snapshot.
    numbers = store.numbers()
    walks: dict[str, Walk] = {}
    with _snapshot(using):
        tombstones = valid_tombstones(using, legacy_up_to=legacy_horizon(store, numbers))
        anchored = _anchored(store, numbers, tombstones)
        problems = [*tombstones.problems]
        for name, chain in CHAINS.items():
            if not whole and chain is not AUDIT:
                continue
            walk = chain_walk(
                chain, gaps=tombstones.gaps[name], anchors=anchored.anchors[name], start=start, end=end, using=using
            )
            walks[name] = walk
            if not walk.ok:
                problems.append(Problem(name, walk.first_broken, walk.reason))
            elif whole and anchored.latest is not None:
                problems += _against_latest(chain, walk, anchored.latest, tombstones)
        problems += anchored.problems
        strays = getattr(store, "strays", list)()
        problems += [Problem("checkpoints", None, f"{name!r} in the store is not a checkpoint") for name in strays]
        if whole:
            problems += _recorded_but_missing(store, anchored.digests, using)
    audit_walk = walks["audit"]
    consent_checked = walks["consent"].checked if "consent" in walks else 0
    if not problems:
        return Verification(
            True, audit_walk.checked, consent_checked=consent_checked, checkpoints=anchored.count, whole=whole
        )
    first = problems[0]
    return Verification(
        False,
        audit_walk.checked,
        first.sequence,
        first.reason,
        ledger=first.ledger,
        consent_checked=consent_checked,
        checkpoints=anchored.count,
        problems=tuple(str(problem) for problem in problems),
        whole=whole,
    )


def _recorded_but_missing(store: Any, digests: dict[int, str], using: str) -> list[Problem]:
    """Checkpoints the audit trail says were written but the store lacks
    (or holds with another digest): the store's tail was removed or replaced."""
    held = set(store.numbers())  # listed again: one written since the first listing counts
    problems = []
    recorded = AUDIT.model.objects.using(using).filter(action=RECORDED).values_list("object_id", "details")
    for object_id, details in recorded.iterator():
        try:
            number = int(object_id)
        except ValueError:
            continue
        if number not in held:
            problems.append(Problem("checkpoints", number, "recorded in the audit trail but missing from the store"))
            continue
        digest = digests.get(number)
        if digest is None:
            try:
                digest = hashlib.sha256(store.read(number)).hexdigest()
            except OSError:
                continue
        if isinstance(details, dict) and details.get("digest") not in (None, digest):
            problems.append(Problem("checkpoints", number, "differs from the one the audit trail recorded"))
    return problems
