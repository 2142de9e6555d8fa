"""Append-only ledgers, enforced by the database.

Triggers refuse UPDATE, DELETE and (on PostgreSQL) TRUNCATE on a ledger
table, whoever issues them: the ORM, raw SQL or a console. Two things are
let through:

- clearing a listed column (``detachable``), and nothing else, when what it
  points to is deleted (a consent event's link to a transcript segment that
  was purged); such columns are never part of the row's hash;
- filling a listed column that is still empty (``sealable``), once: the
  audit trail's chain link (sequence, previous hash, hash), which the sealer
  gives a row after it was appended (``compliance.chain``). A sealed value
  can never change again;
- a DELETE, on a ``purgeable`` ledger, inside the transaction of the
  privileged retention purge, while that transaction's permit row for this
  table exists in ``compliance_ledgerpurgepermit``.

On PostgreSQL that is one layer of two: the runtime role has no UPDATE,
DELETE or TRUNCATE privilege on a ledger and can't insert a permit
(``compliance.database``), so the triggers stop what the owner does by
mistake, and privileges stop the runtime role. The permit must name this
table and the current transaction id, and is looked up by schema-qualified
name, so neither a permit left committed nor a temporary table of the same
name opens a ledger. A TRUNCATE passes only for the table's owner in a
session that has set ``compliance.maintenance = 'on'`` (the test harness
resets tables between tests that way); the owner could as well drop the
triggers, and the checkpoints would show what was lost.

On SQLite (``make run``) there are no roles: anyone who can write the file
can add a permit. The signed checkpoints and tombstones are what catch it.

Migrations call ``install``; a migration that changes a ledger's columns
calls it again, so SQLite's column-by-column comparison stays complete.
"""

from __future__ import annotations

from typing import Any

from .database import PERMIT_TABLE

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION compliance_append_only() RETURNS trigger
SET search_path = pg_catalog AS $$
DECLARE
    detachable text[] := TG_ARGV[0]::text[];
    purgeable boolean := TG_ARGV[1]::boolean;
    -- Triggers installed before sealing existed pass two arguments; a third past them reads as NULL.
    sealable text[] := coalesce(TG_ARGV[2], '{}')::text[];
    permitted boolean;
    old_row jsonb;
    new_row jsonb;
    column_name text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF current_setting('compliance.maintenance', true) = 'on' AND pg_has_role(
            current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'
        ) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF purgeable THEN
            EXECUTE format(
                'SELECT EXISTS (SELECT 1 FROM %I.%I WHERE ledger = $1 AND transaction_id = txid_current())',
                TG_TABLE_SCHEMA, 'compliance_ledgerpurgepermit'
            ) INTO permitted USING TG_TABLE_NAME::text;
            IF permitted THEN
                RETURN OLD;
            END IF;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        old_row := to_jsonb(OLD);
        new_row := to_jsonb(NEW);
        FOREACH column_name IN ARRAY detachable LOOP
            IF new_row -> column_name = 'null'::jsonb OR new_row -> column_name = old_row -> column_name THEN
                old_row := old_row - column_name;
                new_row := new_row - column_name;
            END IF;
        END LOOP;
        FOREACH column_name IN ARRAY sealable LOOP
            IF old_row -> column_name = 'null'::jsonb THEN
                old_row := old_row - column_name;
                new_row := new_row - column_name;
            END IF;
        END LOOP;
        IF old_row = new_row THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% on % is not allowed: it is an append-only ledger', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _postgres(table: str, detachable: tuple[str, ...], purgeable: bool, sealable: tuple[str, ...]) -> list[str]:
    columns = "{" + ",".join(detachable) + "}"
    sealed = "{" + ",".join(sealable) + "}"
    return [
        _POSTGRES_FUNCTION,
        f'DROP TRIGGER IF EXISTS {table}_append_only ON "{table}"',
        f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{table}" FOR EACH ROW '
        f"EXECUTE FUNCTION compliance_append_only('{columns}', '{str(purgeable).lower()}', '{sealed}')",
        f'DROP TRIGGER IF EXISTS {table}_no_truncate ON "{table}"',
        f'CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT '
        f"EXECUTE FUNCTION compliance_append_only('{{}}', 'false')",
    ]


def _sqlite(
    table: str,
    columns: list[str],
    detachable: tuple[str, ...],
    purgeable: bool,
    permit_columns: set[str],
    sealable: tuple[str, ...],
) -> list[str]:
    def unchanged_clause(column: str) -> str:
        if column in detachable:
            return f'(NEW."{column}" IS OLD."{column}" OR NEW."{column}" IS NULL)'
        if column in sealable:
            return f'(NEW."{column}" IS OLD."{column}" OR OLD."{column}" IS NULL)'
        return f'NEW."{column}" IS OLD."{column}"'

    unchanged = " AND ".join(unchanged_clause(column) for column in columns)
    # Table and column names come from model metadata, never from input.
    # Migrations written before permits named their ledger install the older form.
    which = f" WHERE ledger = '{table}'" if "ledger" in permit_columns else ""
    permit = f" WHEN NOT EXISTS (SELECT 1 FROM {PERMIT_TABLE}{which})" if purgeable else ""  # noqa: S608
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f'CREATE TRIGGER {table}_no_update BEFORE UPDATE ON "{table}" WHEN NOT ({unchanged}) '
        f"BEGIN SELECT RAISE(ABORT, 'UPDATE on {table} is not allowed: it is an append-only ledger'); END",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
        f'CREATE TRIGGER {table}_no_delete BEFORE DELETE ON "{table}"{permit} '
        f"BEGIN SELECT RAISE(ABORT, 'DELETE on {table} is not allowed: it is an append-only ledger'); END",
    ]


def install(
    schema_editor: Any,
    model: Any,
    *,
    detachable: tuple[str, ...] = (),
    purgeable: bool = False,
    sealable: tuple[str, ...] = (),
) -> None:
    """Make ``model``'s table append-only (see the module's docstring)."""
    table = model._meta.db_table
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = _postgres(table, detachable, purgeable, sealable)
    elif vendor == "sqlite":
        columns = [field.column for field in model._meta.concrete_fields]
        with schema_editor.connection.cursor() as cursor:
            permit_columns = {
                column.name
                for column in schema_editor.connection.introspection.get_table_description(cursor, PERMIT_TABLE)
            }
        statements = _sqlite(table, columns, detachable, purgeable, permit_columns, sealable)
    else:
        raise RuntimeError(f"append-only ledgers need PostgreSQL or SQLite, not {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor: Any, model: Any) -> None:
    """Lift ``model``'s triggers, for a migration that must rewrite its rows
    (as the owner, inside the migration); ``install`` them again after."""
    table = model._meta.db_table
    if schema_editor.connection.vendor == "postgresql":
        statements = [f'DROP TRIGGER IF EXISTS {table}_{name} ON "{table}"' for name in ("append_only", "no_truncate")]
    else:
        statements = [f"DROP TRIGGER IF EXISTS {table}_{name}" for name in ("no_update", "no_delete")]
    for statement in statements:
        schema_editor.execute(statement, params=None)
