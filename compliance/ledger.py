"""Append-only ledgers, enforced by the database.

Triggers refuse UPDATE, DELETE and (on PostgreSQL) TRUNCATE on a ledger
table, whoever issues them: the ORM, raw SQL or a console. Two things are
let through:

- detaching a reference: setting a listed foreign-key column to NULL, and
  nothing else, when the referenced row is deleted (a call purged after its
  retention period leaves its consent evidence behind);
- a DELETE inside the transaction of the privileged retention purge, while
  its ``compliance_ledgerpurgepermit`` row exists (only where ``purgeable``).

On PostgreSQL a TRUNCATE passes only in a session that has deliberately set
``compliance.maintenance = 'on'``: the test harness sets it on its throwaway
database to reset tables between tests. Production never sets it; someone
able to set it could as well drop the triggers, and the hash chain would
still show what they did.

Migrations call ``install``; a migration that adds columns to a ledger calls
it again, so SQLite's column-by-column comparison stays complete.
"""

from __future__ import annotations

from typing import Any

PERMIT_TABLE = "compliance_ledgerpurgepermit"

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION compliance_append_only() RETURNS trigger AS $$
DECLARE
    detachable text[] := TG_ARGV[0]::text[];
    purgeable boolean := TG_ARGV[1]::boolean;
    old_row jsonb;
    new_row jsonb;
    column_name text;
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('compliance.maintenance', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF purgeable AND EXISTS (SELECT 1 FROM compliance_ledgerpurgepermit) THEN
            RETURN OLD;
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
        IF old_row = new_row THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% on % is not allowed: it is an append-only ledger', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _postgres(table: str, detachable: tuple[str, ...], purgeable: bool) -> list[str]:
    columns = "{" + ",".join(detachable) + "}"
    return [
        _POSTGRES_FUNCTION,
        f'DROP TRIGGER IF EXISTS {table}_append_only ON "{table}"',
        f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{table}" FOR EACH ROW '
        f"EXECUTE FUNCTION compliance_append_only('{columns}', '{str(purgeable).lower()}')",
        f'DROP TRIGGER IF EXISTS {table}_no_truncate ON "{table}"',
        f'CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT '
        f"EXECUTE FUNCTION compliance_append_only('{{}}', 'false')",
    ]


def _sqlite(table: str, columns: list[str], detachable: tuple[str, ...], purgeable: bool) -> list[str]:
    unchanged = " AND ".join(
        f'(NEW."{column}" IS OLD."{column}" OR NEW."{column}" IS NULL)'
        if column in detachable
        else f'NEW."{column}" IS OLD."{column}"'
        for column in columns
    )
    # Table and column names come from model metadata, never from input.
    permit = f" WHEN NOT EXISTS (SELECT 1 FROM {PERMIT_TABLE})" if purgeable else ""  # noqa: S608
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f'CREATE TRIGGER {table}_no_update BEFORE UPDATE ON "{table}" WHEN NOT ({unchanged}) '
        f"BEGIN SELECT RAISE(ABORT, 'UPDATE on {table} is not allowed: it is an append-only ledger'); END",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
        f'CREATE TRIGGER {table}_no_delete BEFORE DELETE ON "{table}"{permit} '
        f"BEGIN SELECT RAISE(ABORT, 'DELETE on {table} is not allowed: it is an append-only ledger'); END",
    ]


def install(schema_editor: Any, model: Any, *, detachable: tuple[str, ...] = (), purgeable: bool = False) -> None:
    """Make ``model``'s table append-only (see the module's docstring)."""
    table = model._meta.db_table
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = _postgres(table, detachable, purgeable)
    elif vendor == "sqlite":
        columns = [field.column for field in model._meta.concrete_fields]
        statements = _sqlite(table, columns, detachable, purgeable)
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
