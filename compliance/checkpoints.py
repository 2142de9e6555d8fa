"""Checkpoints: the ledgers anchored outside the database.

A checkpoint records, for the audit trail and the consent ledger, the head
of the chain (its last sequence number and hash) and how many rows the
table held, at a moment, signed with the evidence key (``compliance.signing``),
which the database never holds. Checkpoints are numbered 1, 2, 3, … and each
names the SHA-256 of the one before it, so removing one from the middle of
the store is seen. They are written every ``AUDIT_CHECKPOINT_SECONDS`` (beat),
on every compliance export (the manifest embeds it) and after every ledger
purge, and each is also recorded in the audit trail (``audit.checkpointed``).

Someone able to rewrite the database can then no longer hide it: events a
checkpoint anchored must still be there with the same hash, unless a signed
purge tombstone accounts for them; the head may not fall below a
checkpoint's; and the counts must add up. ``compliance.evidence`` does the
checking.

A restore of the database to an earlier point loses rows the checkpoints
written since it anchored. The holder of the signing key acknowledges it
with a *restore checkpoint* (``restore_acknowledge`` in
``compliance.evidence``): an ordinary checkpoint whose content also holds
``"restore"``, naming per ledger the last sequence earlier checkpoints
still vouch for and the highest they anchored (see ``RESTORE``).

The store is append-only: a checkpoint is written once, under its number,
and never replaced. ``DirectoryStore`` (the default) writes one file per
checkpoint, created once, into ``AUDIT_CHECKPOINT_DIR``; production should put
that directory on storage the application can add to but not change, or
plug in another store (``AUDIT_CHECKPOINT_STORE``): see ``CheckpointStore``.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string

from . import signing
from .chain import AUDIT, CHAINS, GENESIS, canonical_json, chain_seal_committed
from .database import commit_waits

logger = logging.getLogger(__name__)

FORMAT = 1
RECORDED = "audit.checkpointed"
# A restore checkpoint's content holds, under "restore":
#   "reason_sha256": SHA-256 of the operator's reason (UTF-8). The text
#       itself is free and may name a person, and the store is kept for
#       good: only its digest goes there, the text into the incident record.
#   "superseded": {"from": a, "to": b}, the checkpoints whose anchored heads
#       the restore lost. For the record: the rule below applies to every
#       checkpoint numbered below this one.
#   "lost": {ledger: {"after": m, "up_to": h}}, for each ledger that lost
#       anything: checkpoints numbered below this one vouch for its events up
#       to #m only; #m+1 to #h, which they anchored, are gone, and rows now
#       numbered past #m are checked against this checkpoint and later ones.
RESTORE = "restore"
# How many times a writer that lost the race for a number tries the next one:
# each loss is another writer's success, so this bounds concurrent writers.
ATTEMPTS = 100


class CheckpointExists(Exception):
    """Another checkpoint already has this number; the store never replaces one."""


class CheckpointStore(abc.ABC):
    """Where checkpoints live, outside the database. A store must never
    replace or delete a checkpoint: ``append`` creates one under a number not
    yet taken, or raises ``CheckpointExists``.

    To keep checkpoints in object storage, subclass this with the three
    methods below and name the class in ``AUDIT_CHECKPOINT_STORE``. With S3,
    write each checkpoint as ``<prefix>/<number>.json`` with ``PutObject``
    and ``If-None-Match: *`` (create-only), into a bucket with Object Lock
    in compliance mode and a retention period at least as long as the audit
    retention; list with ``ListObjectsV2``. The application's credentials
    then need ``s3:PutObject``, ``s3:GetObject`` and ``s3:ListBucket`` only.
    """

    @abc.abstractmethod
    def append(self, number: int, body: bytes) -> None: ...

    @abc.abstractmethod
    def numbers(self) -> list[int]:
        """Every checkpoint number held, ascending."""

    @abc.abstractmethod
    def read(self, number: int) -> bytes: ...

    def describe(self) -> str:
        return type(self).__name__


# A checkpoint's file name: twelve ASCII digits (str.isdigit would also take
# "¹" or "٣", which int() then refuses or reads as another number).
_NAME = re.compile(r"[0-9]{12}\.json")


class DirectoryStore(CheckpointStore):
    """One read-only file per checkpoint, ``000000000042.json``, created once
    (a hard link that fails if the name is taken, so never overwritten) and
    synced to disk with its directory."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory if directory is not None else settings.AUDIT_CHECKPOINT_DIR)

    def _path(self, number: int) -> Path:
        return self.directory / f"{number:012d}.json"

    def append(self, number: int, body: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name, then linked into place: the
        # link fails if the number is taken, and nobody ever reads half a file.
        descriptor, temporary = tempfile.mkstemp(prefix=".incoming-", dir=self.directory)
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fchmod(descriptor, 0o444)
            os.fsync(descriptor)
            os.close(descriptor)
            descriptor = -1
            try:
                os.link(temporary, self._path(number))
            except FileExistsError:
                raise CheckpointExists(number) from None
        finally:
            if descriptor != -1:
                os.close(descriptor)
            os.unlink(temporary)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def numbers(self) -> list[int]:
        # Every name a checkpoint could have is taken, whatever it is: one
        # that is not a readable checkpoint is reported as unreadable.
        return sorted(int(path.stem) for path in self._entries() if _NAME.fullmatch(path.name))

    def strays(self) -> list[str]:
        """Entries no checkpoint is named like (a planted file): never read,
        reported by verification. A write in progress is not a stray."""
        return sorted(
            path.name
            for path in self._entries()
            if not _NAME.fullmatch(path.name) and not path.name.startswith(".incoming-")
        )

    def _entries(self) -> list[Path]:
        return list(self.directory.iterdir()) if self.directory.is_dir() else []

    def read(self, number: int) -> bytes:
        return self._path(number).read_bytes()

    def describe(self) -> str:
        return str(self.directory)


def checkpoint_store() -> CheckpointStore:
    return import_string(settings.AUDIT_CHECKPOINT_STORE)()


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint: ``body`` is the exact bytes stored (empty once read
    and checked, to keep memory flat over many), ``document`` the parsed
    ``{"checkpoint": {...}, "key_id", "signature"}``, ``digest`` the body's
    SHA-256, which the next checkpoint names."""

    number: int
    body: bytes
    document: dict[str, Any]
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            object.__setattr__(self, "digest", hashlib.sha256(self.body).hexdigest())

    @property
    def content(self) -> dict[str, Any]:
        return self.document["checkpoint"]

    def state(self, ledger: str) -> dict[str, Any] | None:
        """The ledger's head and count, or None if the checkpoint predates the ledger's chain."""
        return self.content["ledgers"].get(ledger)

    def head(self, ledger: str) -> int:
        state = self.state(ledger)
        return int(state["head_sequence"]) if state else 0

    @property
    def restore(self) -> dict[str, Any] | None:
        """What a restore checkpoint acknowledges (see ``RESTORE``), or None."""
        return self.content.get(RESTORE)

    def name(self) -> str:
        return f"checkpoint #{self.number} ({self.content.get('created_at', '?')})"

    def slim(self) -> Checkpoint:
        """What verification keeps of it: number, time, states, what it
        acknowledges, and digest."""
        content = {key: self.content.get(key) for key in ("number", "created_at", "ledgers")}
        if self.restore is not None:
            content[RESTORE] = self.restore
        return Checkpoint(self.number, b"", {"checkpoint": content}, self.digest)


def document_bytes(document: dict[str, Any]) -> bytes:
    """A checkpoint document's stored form: canonical JSON and a newline."""
    return canonical_json(document) + b"\n"


def parse(number: int, body: bytes) -> Checkpoint:
    """Raises ValueError when ``body`` is not a checkpoint document."""
    document = json.loads(body)
    content = document["checkpoint"]
    if content.get("format") != FORMAT or content.get("number") != number:
        raise ValueError("not a checkpoint of this format and number")
    ledgers = content["ledgers"]
    if "audit" not in ledgers:
        raise ValueError("a checkpoint without the audit trail")
    for ledger in CHAINS:
        state = ledgers.get(ledger)
        if state is not None:
            int(state["head_sequence"]), int(state["count"]), str(state["head_hash"])
    checkpoint = Checkpoint(number, body, document)
    if RESTORE in content:
        _restore_check(checkpoint)
    return checkpoint


_DIGEST = re.compile(r"[0-9a-f]{64}")


def _restore_check(checkpoint: Checkpoint) -> None:
    """Raises ValueError unless ``checkpoint``'s restore names, for at least
    one ledger, a lost run beyond a point at or below its own head, and
    earlier checkpoints as the ones superseded."""
    restore = checkpoint.restore
    if not isinstance(restore, dict) or not _DIGEST.fullmatch(str(restore.get("reason_sha256"))):
        raise ValueError("a restore without the digest of its reason")
    superseded, lost = restore.get("superseded"), restore.get("lost")
    if (
        not isinstance(superseded, dict)
        or not 1 <= int(superseded["from"]) <= int(superseded["to"]) < checkpoint.number
    ):
        raise ValueError("a restore that supersedes no earlier checkpoint")
    if not isinstance(lost, dict) or not lost or not set(lost) <= set(CHAINS):
        raise ValueError("a restore that names no ledger's loss")
    for ledger, run in lost.items():
        after, up_to = int(run["after"]), int(run["up_to"])
        if not 0 <= after < up_to or after > checkpoint.head(ledger):
            raise ValueError("a restore whose lost run does not add up")


def signature_valid(document: dict[str, Any], keys: dict | None = None) -> bool:
    return signing.verify(
        document.get("checkpoint"), key=document.get("key_id"), signature=document.get("signature"), keys=keys
    )


@contextlib.contextmanager
def _committed(using: str) -> Iterator[Any]:
    """A connection of its own: it sees only committed rows, whatever
    transaction the caller is in (a checkpoint must never anchor a row that
    may yet roll back)."""
    connection = connections.create_connection(using)
    try:
        yield connection
    finally:
        connection.close()


def ledger_state(*, using: str = "default") -> dict[str, dict[str, Any]]:
    """Each ledger's head and row count, committed rows only, read in one
    statement so all of them come from one snapshot. On PostgreSQL the
    statement's transaction also writes to the WAL and commits once that is
    on disk, and with it all the WAL before it: the inbox's transactions commit
    without waiting for the disk (``calls.services.inbox``), and a row they
    wrote is on disk before a checkpoint anchors it, or an export that read
    it is handed out."""
    quote = connections[using].ops.quote_name
    parts = []
    for chain in CHAINS.values():
        # Sealed rows only: an audit event waiting for the sealer is not in the chain yet.
        table = f"{quote(chain.model._meta.db_table)} WHERE sequence IS NOT NULL"
        parts += [
            f"(SELECT sequence FROM {table} ORDER BY sequence DESC LIMIT 1)",  # noqa: S608  (names from metadata)
            f"(SELECT hash FROM {table} ORDER BY sequence DESC LIMIT 1)",  # noqa: S608
            f"(SELECT count(*) FROM {table})",  # noqa: S608
        ]
    with _committed(using) as connection, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A message in the WAL (for nothing but to have written some: a
            # transaction that wrote none does not wait at its commit).
            parts += [
                "pg_logical_emit_message(true, 'contactcenter', 'ledger state read')",
                commit_waits(True, using=using),
            ]
        cursor.execute("SELECT " + ", ".join(parts))
        values = cursor.fetchone()
    state = {}
    for index, name in enumerate(CHAINS):
        head, digest, count = values[index * 3 : index * 3 + 3]
        state[name] = {"head_sequence": head or 0, "head_hash": digest or GENESIS, "count": count}
    return state


def _digest_of(store: CheckpointStore, number: int) -> str:
    """The digest a new checkpoint names as its predecessor. One that can't
    be read (planted in the store) is chained past as empty: verification
    reports it, and checkpoints go on being written."""
    try:
        return hashlib.sha256(store.read(number)).hexdigest()
    except OSError:
        return hashlib.sha256(b"").hexdigest()


def checkpoint_write(*, reason: str, restore: dict[str, Any] | None = None, using: str = "default") -> Checkpoint:
    """Sign the ledgers' committed state and append it to the store as the
    next checkpoint, then record it in the audit trail (in the caller's
    transaction). ``reason`` says what asked for it (schedule, export,
    purge, manual, restore); ``restore`` makes it a restore checkpoint
    (``RESTORE``; only ``restore_acknowledge`` passes one). Safe to run
    concurrently: a writer that loses the race for a number reads the
    state again and takes the next."""
    from .audit import audit_record  # audit's verification reads this module

    # What has committed is anchored, not left waiting for the sealer.
    chain_seal_committed(AUDIT, using=using)
    store = checkpoint_store()
    for _ in range(ATTEMPTS):
        numbers = store.numbers()
        previous = _digest_of(store, numbers[-1]) if numbers else GENESIS
        number = numbers[-1] + 1 if numbers else 1
        # Read after the store's listing: a later number never anchors an earlier state.
        content = {
            "format": FORMAT,
            "number": number,
            "previous": previous,
            "created_at": timezone.now().isoformat(timespec="microseconds"),
            "reason": reason,
            "ledgers": ledger_state(using=using),
        }
        if restore is not None:
            content[RESTORE] = restore
        document = {"checkpoint": content, **signing.sign(content)}
        body = document_bytes(document)
        if restore is not None:
            _restore_check(Checkpoint(number, body, document))  # never store one verification would refuse
        try:
            store.append(number, body)
        except CheckpointExists:
            continue
        break
    else:
        raise RuntimeError(f"could not take a checkpoint number after {ATTEMPTS} attempts")
    checkpoint = Checkpoint(number, body, document)
    audit_record(
        RECORDED,
        object_type="checkpoint",
        object_id=number,
        details={
            "digest": checkpoint.digest,
            "reason": reason,
            **{f"{ledger}_head": checkpoint.head(ledger) for ledger in CHAINS},
        },
        using=using,
    )
    logger.info("audit.checkpointed", extra={"checkpoint": number, "reason": reason})
    return checkpoint


def checkpoints_read(
    store: CheckpointStore, numbers: list[int], keys: dict | None = None
) -> Iterator[tuple[Checkpoint | None, str | None]]:
    """Read the checkpoints ``numbers`` (ascending) one at a time, checking
    each signature and each link to the one before: yields each checkpoint
    that verifies (slim) or None, with what is wrong, if anything (a number
    missing before it, an unreadable, unsigned or replaced checkpoint).
    Holds one checkpoint at a time. Changes nothing."""
    keys = keys if keys is not None else signing.trusted_keys()
    previous: Checkpoint | None = None
    expected = 1
    for number in numbers:
        if number != expected:
            missing = f"#{expected}" if number == expected + 1 else f"#{expected} to #{number - 1}"
            yield None, f"checkpoint {missing} missing from the store (deleted?)"
        expected = number + 1
        try:
            checkpoint = parse(number, store.read(number))
        except (OSError, ValueError, KeyError, TypeError) as error:
            previous = None
            yield None, f"checkpoint #{number} is unreadable ({type(error).__name__})"
            continue
        if not signature_valid(checkpoint.document, keys):
            previous = None
            yield None, f"checkpoint #{number} is not signed by a trusted key"
            continue
        problem = None
        if previous is not None and previous.number == number - 1 and checkpoint.content["previous"] != previous.digest:
            problem = f"checkpoint #{number} does not follow checkpoint #{previous.number}: replaced"
        elif number == 1 and checkpoint.content["previous"] != GENESIS:
            problem = "checkpoint #1 names a predecessor: earlier checkpoints were removed"
        previous = checkpoint.slim()
        yield previous, problem
