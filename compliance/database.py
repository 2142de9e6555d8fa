"""The two database roles: the owner, and the role the application runs as.

On PostgreSQL the tables belong to an owner role, which runs migrations and
the one privileged path that may delete ledger rows (the retention purge of
consent and audit evidence). Web and worker processes connect as a runtime
role (``DATABASE_URL``) that may read and append to the ledgers and nothing
more: no UPDATE, DELETE or TRUNCATE on them, no INSERT into the purge
permits their triggers look for, and, owning nothing, no way to drop or
disable a trigger. The owner's connection is the ``owner`` alias, from
``DATABASE_OWNER_URL``; processes without it can't purge the ledgers.

SQLite (``make run``) has no roles: there the privileged path uses the one
connection, and only the checkpoints stand between a writer and the ledgers.

Also here: the statements the worker's hot paths write by hand, built from
the models' own metadata (``insert_statement``, ``insert_if_absent``,
``insert_row``, ``update_fields``, ``rows_where``, ``rows_updated``), where
compiling a query costs more than running it, and ``commit_waits``, which
lets such a statement say whether its transaction's commit waits for the disk.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

logger = logging.getLogger(__name__)

OWNER = "owner"
PERMIT_TABLE = "compliance_ledgerpurgepermit"
# Django's record of applied migrations: the runtime role may read it, not mark a migration applied.
MIGRATIONS_TABLE = "django_migrations"


class OwnerConnectionMissing(ImproperlyConfigured):
    """The privileged path was asked for in a process without the owner's connection."""


def owner_alias() -> str:
    """The connection the privileged purge uses."""
    if OWNER in settings.DATABASES:
        return OWNER
    if connections["default"].vendor == "sqlite":
        return "default"
    raise OwnerConnectionMissing(
        "Purging the consent and audit ledgers needs the owner role's connection: set DATABASE_OWNER_URL "
        "for this process (the scheduled purge job), not for web or worker."
    )


def owner_available() -> bool:
    try:
        owner_alias()
    except OwnerConnectionMissing:
        return False
    return True


@contextlib.contextmanager
def as_owner() -> Iterator[str | None]:
    """For ``migrate`` and ``flush``: the default connection connects as the
    owner's connection does while inside, when one is configured for the
    same database, since the runtime role may neither change the schema nor
    empty tables (and what runs on the default connection meanwhile, such as
    ``post_migrate`` receivers, needs the owner's rights too). Yields the
    runtime role's name if it did, None if not. For commands only: a
    connection another thread opened meanwhile would be the owner's too."""
    default = settings.DATABASES["default"]
    owner = settings.DATABASES.get(OWNER)
    # The same database, reached directly or through a pooler: the owner's connection is used as it is.
    same = owner is not None and all(default.get(key) == owner.get(key) for key in ("ENGINE", "NAME"))
    if not same or default.get("USER") == owner.get("USER"):
        yield None
        return
    swapped = ("HOST", "PORT", "USER", "PASSWORD", "OPTIONS")
    saved = {key: default.get(key) for key in swapped}
    connections["default"].close()
    default.update({key: owner.get(key) for key in swapped})
    try:
        yield saved["USER"]
    finally:
        connections["default"].close()
        default.update(saved)


def current_transaction_id(using: str) -> int | None:
    """PostgreSQL's id of the current transaction: a purge permit is valid
    only in the transaction that made it, even if it were ever committed."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        return cursor.fetchone()[0]


def ledger_tables(connection: BaseDatabaseWrapper) -> dict[str, tuple[str, ...]]:
    """The append-only tables, read from their triggers (``compliance.ledger``),
    with the columns each lets be cleared or sealed: whatever a future migration makes
    append-only is restricted here without a list to keep in step."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND t.tgname = c.relname || '_append_only'"
        )
        rows = cursor.fetchall()
    tables = {}
    for table, arguments in rows:
        # The arguments: detachable columns, purgeable, sealable columns (absent on older triggers).
        values = bytes(arguments).split(b"\x00")
        lists = [values[0], values[2] if len(values) > 2 else b""]
        tables[table] = tuple(column for listed in lists for column in listed.decode().strip("{}").split(",") if column)
    return tables


def runtime_role_grant(*, role: str, using: str = OWNER) -> None:
    """Give the runtime ``role`` what the application needs, and no more,
    on every table and sequence of the schema, as the owner. Safe to repeat;
    ``migrate`` runs it after every migration, so new tables are covered.

    The role reads and writes ordinary tables; reads and appends to the
    ledgers, and may update only the columns their triggers let be cleared
    or sealed;
    reads the purge permits; reads the migration record."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    grantee = quote(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema(), current_user")
        schema, owner = cursor.fetchone()
        if role == owner:
            return
        schema = quote(schema)
        statements = [
            f"REVOKE ALL ON SCHEMA {schema} FROM {grantee}",
            f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {grantee}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantee}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
            # Tables the owner creates outside ``migrate`` start with the ordinary grants;
            # a ledger among them is still guarded by its triggers until the next migrate.
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {grantee}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {grantee}",
            f"REVOKE INSERT, UPDATE, DELETE ON {quote(PERMIT_TABLE)} FROM {grantee}",
            f"REVOKE INSERT, UPDATE, DELETE ON {quote(MIGRATIONS_TABLE)} FROM {grantee}",
        ]
        for table, detachable in ledger_tables(connection).items():
            statements.append(f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {grantee}")
            if detachable:
                columns = ", ".join(quote(column) for column in detachable)
                statements.append(f"GRANT UPDATE ({columns}) ON {quote(table)} TO {grantee}")
        for statement in statements:
            cursor.execute(statement)
    logger.info("database.runtime_role_granted", extra={"role": role})


def insert_statement(row: Model, *more: Model, using: str = "default") -> tuple[str, list[Any]]:
    """The ``INSERT`` Django would write for ``row``, and for ``more`` rows of
    the same model in the same statement (every concrete field but the
    primary key, values prepared for ``using``: encrypted fields encrypted),
    for a caller that extends it (``ON CONFLICT``, ``RETURNING``) or runs it
    inside another statement (a ``WITH``)."""
    connection = connections[using]
    opts = row._meta
    quote = connection.ops.quote_name
    fields = [field for field in opts.concrete_fields if not field.primary_key]
    rows = (row, *more)
    values = [field.get_db_prep_save(field.pre_save(each, add=True), connection) for each in rows for field in fields]
    # Names come from the model's own metadata; every value is a parameter.
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    return f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES {placeholders}", values  # noqa: S608


def insert_if_absent(row: Model, *, conflict: str | tuple[str, ...], using: str = "default") -> bool:
    """Insert ``row`` unless a row with the same ``conflict`` field (or
    fields) exists (``ON CONFLICT DO NOTHING``, which waits for a concurrent
    insert of the same key to commit or roll back), in one statement, and
    set its primary key. No IntegrityError, so no savepoint is needed around
    it. The row inserted stays this transaction's until it ends, as if
    locked. Returns whether it was inserted."""
    quote = connections[using].ops.quote_name
    fields = (conflict,) if isinstance(conflict, str) else conflict
    columns = ", ".join(quote(row._meta.get_field(field).column) for field in fields)
    return _insert([row], f" ON CONFLICT ({columns}) DO NOTHING", using)


def insert_row(row: Model, *, using: str = "default") -> Model:
    """``row.save()`` for a new row, in one statement written from the
    model's metadata (``insert_statement``) rather than compiled; sets its
    primary key and returns it. For rows no signal listens to."""
    _insert([row], "", using)
    return row


def insert_rows(rows: Sequence[Model], *, using: str = "default") -> list[Model]:
    """``bulk_create`` of new rows of one model, as ``insert_row`` writes
    one: one statement, each row's primary key set (PostgreSQL returns the
    keys in the order of the rows, as ``bulk_create`` relies on too)."""
    if rows:
        _insert(rows, "", using)
    return list(rows)


def _insert(rows: Sequence[Model], conflict: str, using: str) -> bool:
    """Insert ``rows`` (``conflict`` is empty for more than one) and set the
    primary key of each inserted; whether any was."""
    connection = connections[using]
    insert, values = insert_statement(*rows, using=using)
    with connection.cursor() as cursor:
        cursor.execute(f"{insert}{conflict} RETURNING {connection.ops.quote_name(rows[0]._meta.pk.column)}", values)
        keys = cursor.fetchall()
    for row, (key,) in zip(rows, keys, strict=bool(keys)):
        row.pk = key
        row._state.adding, row._state.db = False, using
    return bool(keys)


def update_fields(row: Model, fields: Sequence[str], *, using: str = "default") -> None:
    """``row.save(update_fields=fields)``, but with the statement written
    from the model's metadata once per process rather than compiled: values
    prepared as Django prepares them (``auto_now`` set, encrypted fields
    encrypted). For rows no signal listens to. Raises DatabaseError, as
    ``save`` does, if the row is gone."""
    connection = connections[using]
    targets = [row._meta.get_field(name) for name in fields]
    values = [field.get_db_prep_save(field.pre_save(row, add=False), connection) for field in targets]
    with connection.cursor() as cursor:
        cursor.execute(_update_statement(type(row), tuple(fields), using), [*values, row.pk])
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")


def rows_changed(
    model: type[Model], changes: Mapping[str, Any], where: str, params: Sequence[Any], *, using: str = "default"
) -> int:
    """``QuerySet.update(**changes)`` on the rows matching ``where`` (SQL on
    the model's columns, filled by ``params``), with the statement written
    from the model's metadata rather than compiled: each value prepared as
    the ORM prepares it (encrypted fields encrypted; like ``update``, no
    ``auto_now``). Returns how many rows it changed."""
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in changes]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    values = [field.get_db_prep_save(value, connection) for field, value in zip(fields, changes.values(), strict=True)]
    statement = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {where}"  # noqa: S608  (metadata, callers' SQL)
    with connection.cursor() as cursor:
        cursor.execute(statement, [*values, *_as_written(params, connection)])
        return cursor.rowcount


@functools.cache
def _update_statement(model: type[Model], fields: tuple[str, ...], using: str) -> str:
    quote = connections[using].ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in fields)
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    return f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608  (names from metadata)


def commit_waits(wait: bool | str, *, using: str = "default") -> str:
    """An SQL expression, never NULL, for a statement of the current
    transaction to evaluate: on PostgreSQL it sets whether the transaction's
    commit waits until its WAL is on disk (``synchronous_commit``, for this
    transaction only; a later one in the same transaction overrides it), so
    a hot path chooses with no statement of its own. ``wait`` is True,
    False, or an SQL condition on the statement's row, which waits where it
    holds. Elsewhere a constant: SQLite commits as it always does."""
    if connections[using].vendor != "postgresql":
        return "'on'"
    if isinstance(wait, str):
        return f"set_config('synchronous_commit', CASE WHEN {wait} THEN 'on' ELSE 'off' END, true)"
    return f"set_config('synchronous_commit', '{'on' if wait else 'off'}', true)"


def first_row(statement: str, params: Sequence[Any], *, lock: str = "", using: str = "default") -> tuple | None:
    """The first row a hand-written statement returns, or None: a check or a
    few columns, with no query compiled and no model built. ``lock`` as
    ``rows_where``'s."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(statement + _lock(lock, connection), _as_written(params, connection))
        return cursor.fetchone()


def _lock(lock: str, connection: BaseDatabaseWrapper) -> str:
    """``lock`` (``FOR UPDATE`` and its kin) on PostgreSQL; nothing on
    SQLite, which has no row locks: its one writer at a time stands in for them."""
    return f" {lock}" if lock and connection.vendor == "postgresql" else ""


def _as_written(params: Sequence[Any], connection: BaseDatabaseWrapper) -> list[Any]:
    """A hand-written statement's parameters, times as the ORM writes and
    compares them (on SQLite, UTC text without an offset, so that a time
    written here matches one the ORM filters on)."""
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(value) if isinstance(value, datetime) else value for value in params]


def rows_where(model: type[Model], where: str, params: list[Any], *, lock: str = "", using: str = "default") -> list:
    """Instances of ``model`` for the rows matching ``where`` (SQL on its
    columns, and what may follow a WHERE clause: ORDER BY, LIMIT), loaded as
    a queryset loads them (every concrete field, converted: encrypted fields
    decrypted) but with no query compiled, which on a wide model costs
    several times running the statement. ``lock`` (``FOR UPDATE`` and its
    kin) applies on PostgreSQL only: SQLite has no row locks, and its one
    writer at a time stands in for them."""
    connection = connections[using]
    columns = _loader(model, using)[0]
    table = connection.ops.quote_name(model._meta.db_table)
    return _loaded(model, f"SELECT {columns} FROM {table} WHERE {where}{_lock(lock, connection)}", params, using)  # noqa: S608


def rows_updated(
    model: type[Model], assignments: str, where: str, params: list[Any], *, using: str = "default"
) -> list:
    """``rows_where`` for an UPDATE: the rows matching ``where`` that
    ``assignments`` (SQL, what follows SET) changed, as they are after it, in
    one statement (RETURNING: PostgreSQL, and SQLite from 3.35). ``params``
    fill the assignments, then the condition."""
    connection = connections[using]
    columns = _loader(model, using)[0]
    table = connection.ops.quote_name(model._meta.db_table)
    statement = f"UPDATE {table} SET {assignments} WHERE {where} RETURNING {columns}"  # noqa: S608  (metadata, callers' SQL)
    return _loaded(model, statement, params, using)


def rows_inserted(row: Model, conflict: str, params: list[Any], *, using: str = "default") -> list:
    """``rows_where`` for an ``INSERT`` of ``row`` (``insert_statement``)
    followed by ``conflict`` (``ON CONFLICT …``, filled by ``params``): the row
    inserted, or the row its ``DO UPDATE`` changed, as it is after it, in one
    statement; none where the conflict changed nothing."""
    insert, values = insert_statement(row, using=using)
    columns = _loader(type(row), using)[0]
    return _loaded(type(row), f"{insert} {conflict} RETURNING {columns}", [*values, *params], using)


def _loaded(model: type[Model], statement: str, params: list[Any], using: str) -> list:
    connection = connections[using]
    _, names, converters = _loader(model, using)
    with connection.cursor() as cursor:
        cursor.execute(statement, _as_written(params, connection))
        rows = cursor.fetchall()
    loaded = []
    for row in rows:
        values = list(row)
        for index, expression, functions in converters:
            for convert in functions:
                values[index] = convert(values[index], expression, connection)
        loaded.append(model.from_db(using, names, values))
    return loaded


@functools.cache
def _loader(model: type[Model], using: str) -> tuple[str, list[str], list[tuple[int, Any, list[Callable]]]]:
    """A model's columns as a statement names them, its fields' names, and
    the converters a queryset would apply to each column it loads."""
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(field.column) for field in fields)
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        functions = [*connection.ops.get_db_converters(column), *field.get_db_converters(connection)]
        if functions:
            converters.append((index, column, functions))
    return columns, [field.attname for field in fields], converters
