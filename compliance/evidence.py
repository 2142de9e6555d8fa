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

A restore checkpoint (``restore_acknowledge``, signed like any checkpoint,
so only the key's holder can write one) acknowledges a restore of the
database to an earlier point: the checkpoints before it vouch for each
ledger's events up to the point it names and no further, what they
anchored beyond it is reported as lost on every verification
(``Verification.notes``) instead of failing it, and the events now
numbered past that point are checked against the restore checkpoint and
later ones, as strictly as any. An ``audit.restored`` event in the audit
trail alone changes nothing: verification reads restores from the store.

What it can't see, by design: rows appended after the last checkpoint and
removed before the next one (the next checkpoint anchors what is left),
and anything done by someone holding the signing key.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connections, transaction

from . import signing
from .chain import AUDIT, CHAINS, Chain, Gap, Walk, chain_seal_all, chain_walk, sealed
from .checkpoints import (
    RECORDED,
    Checkpoint,
    checkpoint_store,
    checkpoint_write,
    checkpoints_read,
    parse,
    signature_valid,
)

if TYPE_CHECKING:
    from .audit import Actor

logger = logging.getLogger(__name__)

TOMBSTONE_FIELDS = ("ledger", "from_sequence", "to_sequence", "count", "last_hash", "previous_hash", "next_hash")
RESTORED = "audit.restored"


@dataclass(frozen=True)
class Verification:
    """The outcome. ``ok``, ``checked``, ``first_broken`` and ``reason``
    describe the first thing found wrong (``ledger`` says which chain, or
    ``checkpoints``); ``problems`` lists everything found. ``notes`` are
    shown whatever the outcome: each acknowledged restore and what it lost."""

    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str = ""
    ledger: str = "audit"
    consent_checked: int = 0
    checkpoints: int = 0
    problems: tuple[str, ...] = ()
    whole: bool = True
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "\n".join([self._outcome(), *(f"  note: {note}" for note in self.notes)])

    def _outcome(self) -> str:
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
        """For the audit event that records a check: ids and counts only,
        and ``notes`` (numbers and dates) once a restore was acknowledged."""
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_broken": self.first_broken,
            "reason": self.reason,
            "ledger": self.ledger,
            "consent_checked": self.consent_checked,
            "checkpoints": self.checkpoints,
            "problems": list(self.problems[:20]),
            **({"notes": list(self.notes)} if self.notes else {}),
        }


@dataclass(frozen=True)
class Problem:
    """``depends`` names the anchors the problem rests on, as (ledger,
    sequence, checkpoint number): a restore checkpoint that takes one of
    them back (``_dropped``) makes the problem part of what it lost."""

    ledger: str
    sequence: int | None
    reason: str
    depends: tuple[tuple[str, int, int], ...] = ()

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
    unsigned: list[int] = field(default_factory=list)  # audit sequences of those accepted as legacy


def valid_tombstones(using: str, legacy_up_to: int) -> Tombstones:
    """Every purge tombstone in the audit trail, checked: the valid ones as
    gaps, the rest as problems. Unsigned tombstones up to audit sequence
    ``legacy_up_to`` predate signing and are accepted."""
    found = Tombstones()
    keys = signing.trusted_keys()
    actions = {chain.tombstone_action: chain for chain in CHAINS.values()}
    events = sealed(AUDIT, using).filter(action__in=actions).order_by("sequence")
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
        if not signed:
            found.unsigned.append(sequence)
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
    chain's anchors (sequence -> hash and checkpoint number) that no restore
    took back, each checkpoint's digest, the latest checkpoint, the restore
    checkpoints, and what is wrong."""

    anchors: dict[str, dict[int, tuple[str, int]]] = field(default_factory=lambda: {name: {} for name in CHAINS})
    digests: dict[int, str] = field(default_factory=dict)
    latest: Checkpoint | None = None
    count: int = 0
    problems: list[Problem] = field(default_factory=list)
    restores: list[Checkpoint] = field(default_factory=list)


def _dropped(restores: list[Checkpoint], ledger: str, sequence: int, number: int) -> bool:
    """Whether a restore checkpoint written after checkpoint ``number`` took
    back its anchor at ``ledger`` event ``sequence``: every checkpoint
    before a restore vouches for the events up to the restore's point, and
    for none after it."""
    for restore in restores:
        run = restore.restore["lost"].get(ledger)
        if restore.number > number and run is not None and sequence > int(run["after"]):
            return True
    return False


def _between(previous: Checkpoint, checkpoint: Checkpoint, tombstones: Tombstones) -> list[Problem]:
    """From one checkpoint to the next: no head went back, and the counts add up."""
    problems = []
    for name in CHAINS:
        state, before = checkpoint.state(name), previous.state(name)
        if state is None or before is None:
            continue
        head, count = int(state["head_sequence"]), int(state["count"])
        # A restore acknowledged later explains a head that went back from
        # an anchor it took back; and the purges counted between them are
        # audit events, which such a restore may have replaced.
        behind = ((name, int(before["head_sequence"]), previous.number),)
        if head < int(before["head_sequence"]):
            problems.append(
                Problem(
                    name, head,
                    f"head went back from #{before['head_sequence']} at {previous.name()} "
                    f"to #{head} at {checkpoint.name()}: truncated or rolled back",
                    behind,
                )
            )  # fmt: skip
            continue
        purged = _purged_between(tombstones, name, previous.head("audit"), checkpoint.head("audit"))
        expected = int(before["count"]) + head - int(before["head_sequence"]) - purged
        if count != expected:
            depends = (
                *behind,
                (name, head, checkpoint.number),
                ("audit", previous.head("audit"), previous.number),
                ("audit", checkpoint.head("audit"), checkpoint.number),
            )
            problems.append(
                Problem(
                    name, None,
                    f"{checkpoint.name()} counts {count} rows where {previous.name()} and the signed purges "
                    f"between them make {expected}: rows removed without a purge",
                    depends,
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
        if checkpoint.restore is not None:
            # Every anchor so far is from an earlier checkpoint: past the
            # restore's point they name events that are gone, and the
            # numbers may be taken again.
            found.restores.append(checkpoint)
            for name, run in checkpoint.restore["lost"].items():
                after = int(run["after"])
                found.anchors[name] = {
                    sequence: at for sequence, at in found.anchors[name].items() if sequence <= after
                }
        for name in CHAINS:
            state = checkpoint.state(name)
            head = int(state["head_sequence"]) if state else 0
            if not head:
                continue
            known = found.anchors[name].get(head)
            if known is not None and known[0] != state["head_hash"]:
                reason = f"{checkpoint.name()} and checkpoint #{known[1]} disagree on its hash"
                found.problems.append(Problem(name, head, reason, ((name, head, known[1]),)))
            found.anchors[name].setdefault(head, (str(state["head_hash"]), checkpoint.number))
        if previous is not None:
            found.problems += _between(previous, checkpoint, tombstones)
        previous = found.latest = checkpoint
    # Only now are the restores known that take back what a problem rested on.
    found.problems = [
        problem
        for problem in found.problems
        if not any(_dropped(found.restores, *anchor) for anchor in problem.depends)
    ]
    return found


def _legacy_capped(horizon: int, restores: list[Checkpoint]) -> int:
    """Unsigned tombstones are accepted up to checkpoint #1's audit head;
    a restore that took that head back leaves the licence only up to the
    point it still vouches for: the numbers after it were given out again."""
    afters = [
        int(restore.restore["lost"]["audit"]["after"]) for restore in restores if "audit" in restore.restore["lost"]
    ]
    return min([horizon, *afters])


def _restore_note(checkpoint: Checkpoint) -> str:
    """What an acknowledged restore lost, in numbers: shown by every verification."""
    restore = checkpoint.restore
    created = str(checkpoint.content.get("created_at") or "?")
    when = f"{created[:10]} {created[11:16]} UTC" if len(created) >= 16 else created
    runs = []
    for name, run in restore["lost"].items():
        first, last = int(run["after"]) + 1, int(run["up_to"])
        runs.append(f"{name} event #{last}" if first == last else f"{name} events #{first}–#{last}")
    superseded = restore["superseded"]
    anchoring = (
        f"checkpoint #{superseded['from']}"
        if superseded["from"] == superseded["to"]
        else f"checkpoints #{superseded['from']}–#{superseded['to']}"
    )
    return (
        f"restore acknowledged at checkpoint #{checkpoint.number} on {when}: {' and '.join(runs)} were lost "
        f"(as {anchoring} anchored them; reason sha256 {restore['reason_sha256'][:16]}…)"
    )


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
    # Whatever has committed is checked, not left waiting for the sealer.
    chain_seal_all(AUDIT, using=using)
    store = checkpoint_store()
    # Listed before the snapshot below is taken: every checkpoint listed
    # anchors rows already committed, so visible in the snapshot.
    numbers = store.numbers()
    walks: dict[str, Walk] = {}
    with _snapshot(using):
        horizon = legacy_horizon(store, numbers)
        tombstones = valid_tombstones(using, legacy_up_to=horizon)
        anchored = _anchored(store, numbers, tombstones)
        capped = _legacy_capped(horizon, anchored.restores)
        if any(sequence > capped for sequence in tombstones.unsigned):
            tombstones = valid_tombstones(using, legacy_up_to=capped)
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
    notes = tuple(_restore_note(restore) for restore in anchored.restores)
    if not problems:
        return Verification(
            True,
            audit_walk.checked,
            consent_checked=consent_checked,
            checkpoints=anchored.count,
            whole=whole,
            notes=notes,
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
        notes=notes,
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


class RestoreRefused(Exception):
    """The ledgers are not those of a restore to an earlier point, or the
    restore lost nothing a checkpoint anchored: no restore checkpoint is
    written. The message holds sequence and checkpoint numbers only."""


@dataclass(frozen=True)
class Restore:
    """An acknowledged restore: its checkpoint, the checkpoints it
    superseded (first and last), and per ledger that lost events the
    last one still vouched for and the highest one anchored."""

    checkpoint: Checkpoint
    superseded: tuple[int, int]
    lost: dict[str, tuple[int, int]]


def _held_hashes(chain: Chain, sequences: set[int], using: str) -> dict[int, str]:
    rows = chain.model.objects.using(using)
    ordered, held = sorted(sequences), {}
    for start in range(0, len(ordered), 5000):
        held.update(rows.filter(sequence__in=ordered[start : start + 5000]).values_list("sequence", "hash"))
    return held


def _holds(
    sequence: int, digest: str, held: dict[int, str], gaps: dict[int, Gap], runs: list[tuple[int, int]]
) -> bool | None:
    """Whether the ledger still holds what a checkpoint anchored at
    ``sequence``: True, False (gone, or another event under that number),
    or None when a signed purge removed it from inside a run, leaving
    nothing to compare."""
    if sequence in held:
        return held[sequence] == digest
    if sequence in gaps:
        return gaps[sequence].last_hash == digest
    index = bisect.bisect_right(runs, (sequence, sequence)) - 1
    inside = index >= 0 and runs[index][0] <= sequence <= runs[index][1]
    return None if inside else False


def _losses(
    store: Any, numbers: list[int], tombstones: Tombstones, using: str
) -> tuple[list[int], dict[str, tuple[int, int]]]:
    """Compare every anchor no restore took back with the ledgers: the
    checkpoints that anchored something no longer there, and per ledger
    the last event the checkpoints before them still vouch for and the
    highest they anchored. Reads the store twice, one checkpoint at a time."""
    restores, anchored = [], {name: set() for name in CHAINS}
    for checkpoint, _ in checkpoints_read(store, numbers):
        if checkpoint is None:
            continue
        if checkpoint.restore is not None:
            restores.append(checkpoint)
        for name in CHAINS:
            if checkpoint.head(name):
                anchored[name].add(checkpoint.head(name))
    held = {name: _held_hashes(chain, anchored[name], using) for name, chain in CHAINS.items()}
    runs = {
        name: sorted((gap.from_sequence, gap.to_sequence) for gap in tombstones.gaps[name].values()) for name in CHAINS
    }
    superseded: list[int] = []
    gone: dict[str, list[int]] = {name: [] for name in CHAINS}
    kept: dict[str, list[tuple[int, int]]] = {name: [] for name in CHAINS}
    for checkpoint, _ in checkpoints_read(store, numbers):
        if checkpoint is None:
            continue
        lost_here = False
        for name in CHAINS:
            head = checkpoint.head(name)
            if not head or _dropped(restores, name, head, checkpoint.number):
                continue
            digest = str(checkpoint.state(name)["head_hash"])
            holds = _holds(head, digest, held[name], tombstones.gaps[name], runs[name])
            if holds is False:
                gone[name].append(head)
                lost_here = True
            elif holds:
                kept[name].append((checkpoint.number, head))
        if lost_here:
            superseded.append(checkpoint.number)
    if not superseded:
        return [], {}
    lost = {}
    for name in CHAINS:
        if not gone[name]:
            continue
        first_gone = min(gone[name])
        # Checkpoints written after the restore (before it was acknowledged)
        # anchor the new events; those before it must stop at one point.
        before = [(number, sequence) for number, sequence in kept[name] if number <= superseded[-1]]
        beyond = [(number, sequence) for number, sequence in before if sequence >= first_gone]
        if beyond:
            number, sequence = beyond[0]
            raise RestoreRefused(
                f"checkpoint #{number} still vouches for {name} event #{sequence}, at or after event "
                f"#{first_gone} that a checkpoint anchored and is gone: not a restore to an earlier point"
            )
        lost[name] = (max((sequence for _, sequence in before), default=0), max(gone[name]))
    return superseded, lost


def restore_acknowledge(*, reason: str, actor: Actor | None = None, using: str = "default") -> Restore:
    """Acknowledge that the database was restored to an earlier point: write
    a restore checkpoint (signed: only the key's holder can) naming, per
    ledger, the point the earlier checkpoints still vouch for and the
    highest event they anchored past it, and record ``audit.restored`` with
    those numbers, under ``actor``. Verification then reports the loss on
    every check instead of failing, and checks what follows against this
    checkpoint and later ones.

    Refuses (``RestoreRefused``, nothing written) when a chain is broken
    (a restore leaves every link intact; an edit or a deletion doesn't),
    when the checkpoints before the restore don't stop at one point, when
    an unsigned tombstone lies past it, and when nothing a checkpoint
    anchored is gone. ``reason`` (an incident ticket, a few words) is kept
    only as its SHA-256: it is free text. Run it once per restore; a second
    run finds nothing lost and is refused."""
    from .audit import SYSTEM, audit_record  # audit imports this module

    if not reason.strip():
        raise RestoreRefused("give the reason: the incident ticket, or a few words")
    chain_seal_all(AUDIT, using=using)
    store = checkpoint_store()
    numbers = store.numbers()
    with _snapshot(using):
        horizon = legacy_horizon(store, numbers)
        tombstones = valid_tombstones(using, legacy_up_to=horizon)
        for name, chain in CHAINS.items():
            walk = chain_walk(chain, gaps=tombstones.gaps[name], using=using)
            if not walk.ok:
                raise RestoreRefused(
                    f"{name} chain broken at event #{walk.first_broken}: {walk.reason}. A restore leaves every "
                    "link intact: this is an edit or a deletion, for verify_audit_chain to report"
                )
        superseded, lost = _losses(store, numbers, tombstones, using)
    if not superseded:
        raise RestoreRefused(
            "nothing to acknowledge: every event a checkpoint anchored is in the ledgers as it was anchored "
            "(if verification fails, it is for another reason: see verify_audit_chain)"
        )
    if "audit" in lost and any(sequence > lost["audit"][0] for sequence in tombstones.unsigned):
        raise RestoreRefused(
            f"an unsigned tombstone lies after audit event #{lost['audit'][0]}, the restore's point: only purges "
            "from before the first checkpoint are unsigned"
        )
    runs = {name: {"after": after, "up_to": up_to} for name, (after, up_to) in lost.items()}
    span = {"from": superseded[0], "to": superseded[-1]}
    restore = {"reason_sha256": hashlib.sha256(reason.encode()).hexdigest(), "superseded": span, "lost": runs}
    with transaction.atomic(using=using):
        checkpoint = checkpoint_write(reason="restore", restore=restore, using=using)
        audit_record(
            RESTORED,
            actor=actor or SYSTEM,
            object_type="checkpoint",
            object_id=checkpoint.number,
            details={"checkpoint": checkpoint.number, "superseded": span, "lost": runs},
            using=using,
        )
    logger.warning(
        RESTORED,
        extra={
            "checkpoint": checkpoint.number,
            **{f"{name}_lost": [run["after"] + 1, run["up_to"]] for name, run in runs.items()},
        },
    )
    return Restore(checkpoint, (superseded[0], superseded[-1]), lost)
