"""Key rotation: every stored value brought under the newest key, in batches.

Two passes, each run by ``manage.py rotate_keys``:

- ``field_keys_rotate`` re-encrypts every value of every encrypted column
  (found by walking the models for ``EncryptedTextField`` and
  ``EncryptedJSONField``) that the newest FIELD_ENCRYPTION_KEYS key did not
  make. ``field_keys_census`` then counts the values each key still
  protects: an older key that protects none can be dropped.
- ``identifier_hashes_recompute`` recomputes the stored lookup hashes under
  IDENTIFIER_HASH_KEY from the numbers stored beside them, and brings the
  hashes copied onto other rows (legal holds, erasures queued for the CRM,
  callback requesters) along, from a row that still holds the number. A
  copy no stored number matches any more can't be recomputed: it keeps
  matching through IDENTIFIER_HASH_KEY_FALLBACKS, and is reported.

The ORM hands back plaintext, so the ciphertext is read and written with SQL
built from the models' own table and column names (quoted), never from
input. Every write is a conditional UPDATE: a row whose value changed since
it was read is left as the other writer left it, and counted. Each batch
commits together with its progress (``KeyRotationProgress``), so a run that
stops, for whatever reason, resumes after its last committed batch; a pass
towards a newer key starts over. A run holds a lock, so two never overlap,
and is audited when it starts and when it ends, with counts and key
fingerprints only.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from calls.models import Call, CrmDelivery, ScheduledCallback

from . import crypto
from .audit import SYSTEM, Actor, audit_record
from .fields import EncryptedTextField
from .locks import job_lock
from .models import JobLock, KeyRotationProgress, LegalHold

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
LOCK = "key-rotation"
# The retention purge finds held calls by comparing stored hashes, which
# disagree while they are recomputed: no purge runs meanwhile.
PURGE_LOCK = "retention-purge"
# Renewed after every batch: a run that died frees the lock this long after its last batch.
LOCK_TTL = timedelta(minutes=10)
# Rows per UPDATE statement, whatever the batch size: bounded parameters on every backend.
UPDATE_CHUNK = 1000

Rotation = KeyRotationProgress.Rotation


@dataclass(frozen=True)
class Column:
    """A model's column, named as its table names it."""

    model: type[models.Model]
    field_name: str

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def column(self) -> str:
        return self.model._meta.get_field(self.field_name).column

    @property
    def label(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class HashColumn:
    """A stored identifier hash, and the encrypted number it is made from
    when that is on the same row (None: a copy of another row's hash). For
    a copy, ``looked_up`` selects the rows a lookup still matches by their
    hash (an active hold, an erasure not yet delivered): only those need an
    older key kept when they can't be recomputed. None: it is never looked up."""

    column: Column
    number: Column | None
    looked_up: Callable[[], Q] | None = None


def encrypted_columns() -> list[Column]:
    """Every encrypted column of every installed model, in a stable order."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for model_field in model._meta.local_concrete_fields:
            if isinstance(model_field, EncryptedTextField):
                _require_integer_key(model)
                found.append(Column(model, model_field.name))
    return sorted(found, key=lambda column: column.label)


def identifier_hash_columns() -> list[HashColumn]:
    """Every stored identifier hash: the recomputable ones first (the number
    is beside them), then the copies, which take the hash of another row."""
    return [
        HashColumn(Column(Call, "from_hash"), Column(Call, "from_number")),
        HashColumn(Column(Call, "to_hash"), Column(Call, "to_number")),
        HashColumn(Column(ScheduledCallback, "phone_hash"), Column(ScheduledCallback, "phone")),
        # Evidence of who asked, copied from its call's from_hash; never searched by.
        HashColumn(Column(ScheduledCallback, "requester_hash"), None),
        # The subject's, from their number: held calls are found by it.
        HashColumn(Column(LegalHold, "subject_hash"), None, _active_holds),
        # The erased subject's, until the CRM has it: sent as the subject's id.
        HashColumn(Column(CrmDelivery, "subject_hash"), None, lambda: ~Q(status=CrmDelivery.Status.DELIVERED)),
    ]


def _active_holds() -> Q:
    now = timezone.now()
    return Q(released_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _require_integer_key(model: type[models.Model]) -> None:
    # Progress is kept as the last primary key done, so the key must be ordered and whole.
    if not isinstance(model._meta.pk, models.IntegerField):
        raise ImproperlyConfigured(f"{model._meta.label} has encrypted fields but no integer primary key to resume by.")


# --- What a run reports --------------------------------------------------------------


@dataclass
class ColumnCounts:
    updated: int = 0  # re-encrypted, or its hash recomputed
    current: int = 0  # already under the newest key
    changed: int = 0  # changed by another writer between read and write: left as that writer left it
    unreadable: int = 0  # no configured field key decrypts it
    unmatched: int = 0  # a copied hash that no stored number matches under any configured key

    def add(self, other: ColumnCounts | dict[str, int]) -> None:
        values = other if isinstance(other, dict) else asdict(other)
        for name, value in values.items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class RotationRun:
    """One run of a pass. ``columns``: what this run did; ``pass_columns``:
    what the whole pass did so far, resumed runs included. ``droppable``:
    fingerprints of the older keys nothing stored needs any more (only
    said once the pass is complete)."""

    run_id: str
    rotation: str
    newest_key: str
    keys: list[str]
    resumed: bool = False
    complete: bool = False
    batches: int = 0
    columns: dict[str, ColumnCounts] = field(default_factory=dict)
    pass_columns: dict[str, ColumnCounts] = field(default_factory=dict)
    values_per_key: dict[str, int] = field(default_factory=dict)
    unmatched: dict[str, list[int]] = field(default_factory=dict)
    # Of those, the ones lookups still match by their hash (through the fallbacks).
    looked_up: dict[str, list[int]] = field(default_factory=dict)
    droppable: list[str] = field(default_factory=list)

    def counts(self, label: str) -> ColumnCounts:
        return self.columns.setdefault(label, ColumnCounts())


# --- SQL on the models' own names -----------------------------------------------------


def _select_batch(column: Column, others: Sequence[Column], after: int | None, limit: int) -> list[tuple]:
    """Up to ``limit`` rows after primary key ``after`` whose ``column`` is
    neither NULL nor empty: (pk, column, *others), raw, in key order."""
    quote = connection.ops.quote_name
    pk = quote(column.model._meta.pk.column)
    name = quote(column.column)
    selected = ", ".join([pk, name, *(quote(other.column) for other in others)])
    # Every name comes from the models' _meta, quoted; values are parameters.
    sql = f"SELECT {selected} FROM {quote(column.table)} WHERE {name} IS NOT NULL AND {name} <> ''"  # noqa: S608
    params: list[object] = []
    if after is not None:
        sql += f" AND {pk} > %s"
        params.append(after)
    sql += f" ORDER BY {pk} LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _update_unchanged(column: Column, expected: Sequence[Column], rows: Sequence[tuple]) -> int:
    """For each ``(pk, new, *expected_values)``: set ``column`` to ``new``
    where the row still holds each expected value in ``expected``; a row
    another writer changed meanwhile is left alone. Returns how many rows
    were written. One statement per chunk of rows, joined to a VALUES list:
    ``WHERE t.id = %s AND t.col = %s`` for each row, in one round trip."""
    quote = connection.ops.quote_name
    model = column.model
    pk_type = model._meta.pk.rel_db_type(connection)
    # VALUES columns are column1, column2, ... on PostgreSQL and SQLite alike.
    conditions = " AND ".join(
        [f"t.{quote(model._meta.pk.column)} = v.column1"]
        + [f"t.{quote(other.column)} = v.column{position}" for position, other in enumerate(expected, start=3)]
    )
    row_sql = "(" + ", ".join([f"CAST(%s AS {pk_type})", *["%s"] * (1 + len(expected))]) + ")"
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPDATE_CHUNK):
            chunk = rows[start : start + UPDATE_CHUNK]
            sql = (
                f"UPDATE {quote(column.table)} AS t SET {quote(column.column)} = v.column2 "  # noqa: S608  (names from _meta)
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v WHERE {conditions}"
            )
            cursor.execute(sql, [value for row in chunk for value in row])
            written += cursor.rowcount
    return written


# --- Runs: lock, progress, audit ------------------------------------------------------


def _renew_locks() -> None:
    # This run holds its locks (taken before the first batch); renewing them
    # by name keeps them from being taken over while batches go on.
    JobLock.objects.filter(name__in=[LOCK, PURGE_LOCK]).update(expires_at=timezone.now() + LOCK_TTL)


def _pass_progress(
    rotation: str, columns: Sequence[Column], fingerprint: str
) -> tuple[dict[str, KeyRotationProgress], bool]:
    """The progress row of each column, and whether this run resumes a pass.

    A pass towards ``fingerprint`` with a column not yet finished is
    resumed: finished columns stay finished, the others continue after their
    last id. Otherwise (no pass yet, the last one finished, or it worked
    towards another key) every column starts again from the first row."""
    existing = {(row.table, row.column): row for row in KeyRotationProgress.objects.filter(rotation=rotation)}
    wanted = {(column.table, column.column) for column in columns}
    for key, row in existing.items():
        if key not in wanted:  # a column that is no longer encrypted, or no longer exists
            row.delete()
    resumed = any(
        row.key_fingerprint == fingerprint and row.finished_at is None for key, row in existing.items() if key in wanted
    )
    now = timezone.now()
    progress = {}
    for column in columns:
        row = existing.get((column.table, column.column))
        if row is None:
            row = KeyRotationProgress.objects.create(
                rotation=rotation, table=column.table, column=column.column, key_fingerprint=fingerprint
            )
        elif not resumed or row.key_fingerprint != fingerprint:
            row.key_fingerprint, row.last_id, row.counts = fingerprint, None, {}
            row.started_at, row.finished_at = now, None
            row.save()
        progress[column.label] = row
    return progress, resumed


@dataclass
class Batch:
    """What one batch read, and the conditional writes it wants committed."""

    last_id: int | None
    counts: ColumnCounts = field(default_factory=ColumnCounts)
    # (column written, columns whose values must be unchanged, rows (pk, new, *expected))
    writes: list[tuple[Column, list[Column], list[tuple]]] = field(default_factory=list)


def _commit(run: RotationRun, label: str, batch: Batch, progress: KeyRotationProgress | None) -> None:
    """Write a batch and, in the same transaction, its progress."""
    with transaction.atomic():
        for column, expected, rows in batch.writes:
            written = _update_unchanged(column, expected, rows)
            counts = batch.counts if column.label == label else run.counts(column.label)
            counts.updated += written
            counts.changed += len(rows) - written
        if progress is not None:
            progress.last_id = batch.last_id
            totals = ColumnCounts(**progress.counts)
            totals.add(batch.counts)
            progress.counts = totals.as_dict()
            progress.save(update_fields=["last_id", "counts", "updated_at"])
    run.counts(label).add(batch.counts)


def _work_through(
    run: RotationRun,
    column: Column,
    progress: KeyRotationProgress,
    read: Callable[[int | None], Batch],
    max_batches: int | None,
) -> bool:
    """Batches on one column until it is done (True) or the run's allowance
    of batches is spent (False)."""
    run.counts(column.label)
    while progress.finished_at is None:
        if max_batches is not None and run.batches >= max_batches:
            return False
        batch = read(progress.last_id)
        if batch.last_id is None:
            progress.finished_at = timezone.now()
            progress.save(update_fields=["finished_at", "updated_at"])
            logger.info("keys.column_done", extra={"rotation": run.rotation, "column": column.label})
            break
        _commit(run, column.label, batch, progress)
        run.batches += 1
        _renew_locks()
    return True


def _audited(run: RotationRun, actor: Actor, details: dict[str, object], work: Callable[[], None]) -> None:
    """Run ``work`` between an event saying the run started and one saying
    how it ended: complete, stopped (its batches spent), or failed."""
    with transaction.atomic():
        audit_record(
            "keys.rotation_started", actor=actor, object_type="key_rotation", object_id=run.run_id,
            object_repr=run.rotation,
            details={"rotation": run.rotation, "newest_key": run.newest_key, "keys": run.keys,
                     "resumed": run.resumed, **details},
        )  # fmt: skip
    outcome, error_class = "failed", ""
    try:
        work()
        outcome = "complete" if run.complete else "stopped"
    except BaseException as error:  # an interrupt too: the trail says the run ended, and how
        error_class = type(error).__name__
        raise
    finally:
        finished = {
            "rotation": run.rotation, "newest_key": run.newest_key, "outcome": outcome, "batches": run.batches,
            "columns": {label: counts.as_dict() for label, counts in run.columns.items()},
        }  # fmt: skip
        if error_class:
            finished["error"] = error_class
        if run.values_per_key:
            finished["values_per_key"] = run.values_per_key
        if run.complete:
            finished["unmatched"] = {label: len(ids) for label, ids in run.unmatched.items()}
            finished["unmatched_looked_up"] = {label: len(ids) for label, ids in run.looked_up.items()}
            finished["droppable"] = run.droppable
        with transaction.atomic():
            audit_record(
                "keys.rotation_finished", actor=actor, object_type="key_rotation", object_id=run.run_id,
                object_repr=run.rotation, details=finished,
            )  # fmt: skip
        logger.info(
            "keys.rotation_finished",
            extra={"rotation": run.rotation, "run_id": run.run_id, "outcome": outcome, "batches": run.batches},
        )


# --- Field encryption keys ------------------------------------------------------------


def _field_batch(column: Column, after: int | None, limit: int) -> Batch:
    rows = _select_batch(column, [], after, limit)
    batch = Batch(last_id=rows[-1][0] if rows else None)
    rotated = []
    for pk, token in rows:
        if crypto.made_by_newest_key(token):
            batch.counts.current += 1
            continue
        try:
            rotated.append((pk, crypto.rotate(token), token))
        except crypto.DecryptionError:
            batch.counts.unreadable += 1
    if rotated:
        batch.writes.append((column, [column], rotated))
    return batch


def field_keys_rotate(
    *, batch_size: int = BATCH_SIZE, max_batches: int | None = None, actor: Actor = SYSTEM
) -> RotationRun | None:
    """Re-encrypt, column by column in batches of ``batch_size`` rows, every
    stored value the newest FIELD_ENCRYPTION_KEYS key did not make; a value
    it made is only read. Stops after ``max_batches`` batches if given; the
    next run resumes there. Once the pass is complete, counts the values each
    key protects (``field_keys_census``). Audited at start and end. Returns
    None, changing nothing, when another run holds the lock. Safe to repeat
    and to interrupt: a run after a complete pass reads everything again and
    rewrites only what an older key made since."""
    keys = [crypto.key_fingerprint(key) for key in crypto.field_keys()]
    columns = encrypted_columns()
    with job_lock(LOCK, ttl=LOCK_TTL) as acquired:
        if not acquired:
            return None
        run = RotationRun(run_id=str(uuid.uuid4()), rotation=Rotation.FIELDS, newest_key=keys[0], keys=keys)
        progress, run.resumed = _pass_progress(Rotation.FIELDS, columns, run.newest_key)

        def work() -> None:
            done = [
                _work_through(
                    run,
                    column,
                    progress[column.label],
                    lambda after, column=column: _field_batch(column, after, batch_size),
                    max_batches,
                )
                for column in columns
            ]
            run.pass_columns = {label: ColumnCounts(**row.counts) for label, row in progress.items()}
            run.complete = all(done)
            if run.complete:
                census = field_keys_census(batch_size=batch_size)
                run.values_per_key = _totals(census)
                run.droppable = [key for key in keys[1:] if not run.values_per_key.get(key)]

        _audited(run, actor, {"columns": [column.label for column in columns], "batch_size": batch_size}, work)
    return run


def field_keys_census(*, batch_size: int = BATCH_SIZE) -> dict[str, dict[str, int]]:
    """How many stored values each configured key protects, per encrypted
    column: ``{column: {key fingerprint: count, "unreadable": count}}``,
    every configured key listed. Reads only; checks each value's MAC, never
    decrypts it."""
    keys = [crypto.key_fingerprint(key) for key in crypto.field_keys()]
    census = {}
    for column in encrypted_columns():
        counts = dict.fromkeys([*keys, "unreadable"], 0)
        after = None
        while rows := _select_batch(column, [], after, batch_size):
            after = rows[-1][0]
            for _, token in rows:
                index = crypto.token_key_index(token)
                counts["unreadable" if index is None else keys[index]] += 1
        census[column.label] = counts
    return census


def _totals(census: dict[str, dict[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for counts in census.values():
        for key, count in counts.items():
            totals[key] = totals.get(key, 0) + count
    return totals


# --- Identifier hash key --------------------------------------------------------------


def _numbers_for(values: set[str], sources: Sequence[HashColumn]) -> dict[str, str]:
    """For each hash in ``values``, a number stored beside that same hash
    (decrypted), where one still is."""
    quote = connection.ops.quote_name
    numbers: dict[str, str] = {}
    for source in sources:
        wanted = sorted(values - set(numbers))
        if not wanted:
            break
        hash_name, number_name = quote(source.column.column), quote(source.number.column)
        sql = (
            f"SELECT {hash_name}, MIN({number_name}) FROM {quote(source.column.table)} "  # noqa: S608  (names from _meta)
            f"WHERE {hash_name} IN ({', '.join(['%s'] * len(wanted))}) AND {number_name} <> '' GROUP BY {hash_name}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, wanted)
            found = cursor.fetchall()
        for stored_hash, token in found:
            try:
                numbers[stored_hash] = crypto.decrypt(token).decode("utf-8")
            except crypto.DecryptionError:
                continue
    return numbers


def _copies_check(
    copy: HashColumn, sources: Sequence[HashColumn], batch_size: int
) -> tuple[ColumnCounts, dict[str, list[int]]]:
    """Bring each stored copy of a hash under the newest key, from a number
    stored beside the same hash. Returns the counts, and the copies no stored
    number matches under any configured key: {hash: [ids]}."""
    counts = ColumnCounts()
    unmatched: dict[str, list[int]] = {}
    after = None
    while rows := _select_batch(copy.column, [], after, batch_size):
        after = rows[-1][0]
        numbers = _numbers_for({value for _, value in rows}, sources)
        recomputed = []
        for pk, value in rows:
            number = numbers.get(value)
            hashes = crypto.identifier_hashes(number) if number is not None else []
            if hashes and value == hashes[0]:
                counts.current += 1
            elif value in hashes:
                recomputed.append((pk, hashes[0], value))
            else:
                unmatched.setdefault(value, []).append(pk)
        if recomputed:
            with transaction.atomic():
                written = _update_unchanged(copy.column, [copy.column], recomputed)
            counts.updated += written
            counts.changed += len(recomputed) - written
    return counts, unmatched


def _hash_batch(
    source: HashColumn, after: int | None, limit: int, pending: dict[str, list[tuple[Column, int]]]
) -> Batch:
    """Recompute one batch of a hash from the numbers beside it. A copy in
    ``pending`` that one of these numbers makes under an older key is
    brought along (and leaves ``pending``)."""
    rows = _select_batch(source.number, [source.column], after, limit)
    batch = Batch(last_id=rows[-1][0] if rows else None)
    recomputed, copies = [], {}
    for pk, token, stored in rows:
        try:
            number = crypto.decrypt(token).decode("utf-8")
        except crypto.DecryptionError:
            batch.counts.unreadable += 1
            continue
        newest = crypto.identifier_hash(number)
        if stored == newest:
            batch.counts.current += 1
        else:
            recomputed.append((pk, newest, stored, token))
        if pending:
            for older in crypto.identifier_hashes(number)[1:]:
                for column, copy_id in pending.pop(older, []):
                    copies.setdefault(column, []).append((copy_id, newest, older))
    if recomputed:
        # Unchanged hash and number: an erasure or a new number meanwhile wins.
        batch.writes.append((source.column, [source.column, source.number], recomputed))
    batch.writes += [(column, [column], rows) for column, rows in copies.items()]
    return batch


def identifier_hashes_recompute(
    *, batch_size: int = BATCH_SIZE, max_batches: int | None = None, actor: Actor = SYSTEM
) -> RotationRun | None:
    """Recompute every stored identifier hash under IDENTIFIER_HASH_KEY.

    First the copies (holds, queued erasures, callback requesters), from a
    number still stored under the same hash; then, in batches of
    ``batch_size`` rows, each hash with its number beside it, bringing along
    any copy one of these numbers makes under an older key. Stops after
    ``max_batches`` batches if given; the next run resumes there. Once the
    pass is complete, lists the copies no stored number matches (they keep
    matching through the fallbacks) and says whether the fallbacks can be
    dropped. Holds the retention purge's lock throughout: a hold and its
    calls are recomputed at different moments, and the purge, which matches
    them by their stored hashes, would not see the hold meanwhile. Audited
    at start and end. Returns None, changing nothing, when another run or a
    purge holds a lock. Safe to repeat and to interrupt."""
    keys = [crypto.key_fingerprint(key) for key in crypto.identifier_keys()]
    hash_columns = identifier_hash_columns()
    sources = [column for column in hash_columns if column.number is not None]
    copies = [column for column in hash_columns if column.number is None]
    with job_lock(LOCK, ttl=LOCK_TTL) as acquired, job_lock(PURGE_LOCK, ttl=LOCK_TTL) as purge_excluded:
        if not (acquired and purge_excluded):
            return None
        run = RotationRun(run_id=str(uuid.uuid4()), rotation=Rotation.IDENTIFIER_HASHES, newest_key=keys[0], keys=keys)
        progress, run.resumed = _pass_progress(
            Rotation.IDENTIFIER_HASHES, [source.column for source in sources], run.newest_key
        )

        def work() -> None:
            # While the numbers' rows still hold the older hashes, a copy is found through them.
            pending: dict[str, list[tuple[Column, int]]] = {}
            for copy in copies:
                counts, unmatched = _copies_check(copy, sources, batch_size)
                run.counts(copy.column.label).add(counts)
                for value, ids in unmatched.items():
                    pending.setdefault(value, []).extend((copy.column, pk) for pk in ids)
            done = [
                _work_through(
                    run,
                    source.column,
                    progress[source.column.label],
                    lambda after, source=source: _hash_batch(source, after, batch_size, pending),
                    max_batches,
                )
                for source in sources
            ]
            run.pass_columns = {label: ColumnCounts(**row.counts) for label, row in progress.items()}
            run.complete = all(done)
            if not run.complete:
                return
            # What is left: copies no stored number makes under any configured
            # key. Those still looked up match only through the fallbacks.
            leftover = ColumnCounts()
            for copy in copies:
                counts, unmatched = _copies_check(copy, sources, batch_size)
                ids = sorted(pk for pks in unmatched.values() for pk in pks)
                label = copy.column.label
                run.counts(label).add({"updated": counts.updated, "changed": counts.changed})
                run.counts(label).unmatched = len(ids)
                run.unmatched[label] = ids
                model = copy.column.model
                run.looked_up[label] = (
                    sorted(model.objects.filter(copy.looked_up(), pk__in=ids).values_list("pk", flat=True))
                    if copy.looked_up and ids
                    else []
                )
                leftover.unmatched += len(run.looked_up[label])
            for counts in run.pass_columns.values():
                leftover.add(counts)
            if not (leftover.unmatched or leftover.unreadable or leftover.changed):
                run.droppable = keys[1:]

        _audited(
            run, actor,
            {"columns": [column.column.label for column in hash_columns], "batch_size": batch_size},
            work,
        )  # fmt: skip
    return run
