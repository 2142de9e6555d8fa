"""The application runs as a runtime role that can read and append to the
ledgers and nothing more; only the owner role can purge them.

The suite itself runs as that role (tests/conftest.py), so every other test
proves the application works with it. These prove what it can't do: the
review's attack (a purge permit, events deleted under it, a forged
tombstone to cover them) and every other way round the ledgers' guard."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction

from compliance import audit, checkpoints
from compliance.database import MIGRATIONS_TABLE, PERMIT_TABLE, ledger_tables, runtime_role_grant
from compliance.models import AuditEvent, ConsentDecision, ConsentMethod
from compliance.services import consent_record
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def one(sql: str, params: list | tuple = (), *, alias: str = "default"):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def refused(statement: str, params: list | tuple = ()) -> str:
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(raised.value)


def test_the_application_connects_as_a_role_that_owns_nothing_and_is_no_superuser():
    user, superuser, create_role, create_db, owned = one(
        "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, "
        "(SELECT count(*) FROM pg_class WHERE pg_get_userbyid(relowner) = current_user) "
        "FROM pg_roles WHERE rolname = current_user"
    )

    assert user == settings.DATABASES["default"]["USER"] != settings.DATABASES["owner"]["USER"]
    assert (superuser, create_role, create_db, owned) == (False, False, False, 0)
    assert (
        one("SELECT current_user", alias="owner")[0]
        == one("SELECT tableowner FROM pg_tables WHERE tablename = %s", [PERMIT_TABLE])[0]
    )


def test_the_reviews_attack_fails_at_every_step_as_the_runtime_role():
    for number in range(4):
        audit.audit_record("test.thing", object_id=number)
    audit.audit_seal()
    before = list(AuditEvent.objects.order_by("sequence").values_list("sequence", "hash"))
    victim = before[1]

    assert "permission denied" in refused(
        f"INSERT INTO {PERMIT_TABLE} (created_at, reason, ledger, transaction_id) "
        "VALUES (now(), 'x', 'compliance_auditevent', txid_current())"
    )
    assert "permission denied" in refused("DELETE FROM compliance_auditevent WHERE sequence = %s", [victim[0]])
    assert list(AuditEvent.objects.order_by("sequence").values_list("sequence", "hash")) == before

    # Appending is what the role is for, so a forged tombstone can be written,
    # but it covers nothing and verification names it.
    audit.audit_record(
        audit.PURGED, details={"from_sequence": victim[0], "to_sequence": victim[0], "count": 1, "last_hash": victim[1]}
    )
    result = audit.audit_chain_verify()
    assert not result.ok and "without a valid signature: forged" in result.reason, result


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE compliance_auditevent SET action = 'x'",
        "UPDATE compliance_consentevent SET decision = 'granted'",
        "UPDATE compliance_consentevent SET call_id = NULL",
        "DELETE FROM compliance_consentevent",
        "DELETE FROM compliance_destructioncertificate",
        "TRUNCATE compliance_auditevent",
        "TRUNCATE compliance_consentevent CASCADE",
        "ALTER TABLE compliance_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER compliance_auditevent_append_only ON compliance_auditevent",
        "DROP TABLE compliance_auditevent",
        "SET session_replication_role = replica",
        "CREATE OR REPLACE FUNCTION compliance_append_only() RETURNS trigger AS $$ BEGIN RETURN OLD; END $$ "
        "LANGUAGE plpgsql",
        f"UPDATE {PERMIT_TABLE} SET transaction_id = txid_current()",
        f"INSERT INTO {MIGRATIONS_TABLE} (app, name, applied) VALUES ('compliance', '9999_x', now())",
        "CREATE TABLE public.compliance_shadow (id int)",
    ],
)
def test_every_way_round_the_ledgers_guard_is_refused_to_the_runtime_role(statement):
    consent_record(
        call=CallFactory(), decision=ConsentDecision.DECLINED, method=ConsentMethod.DTMF, prompt_version="v",
        source="kept",
    )  # fmt: skip

    message = refused(statement)

    assert "permission denied" in message or "must be owner" in message, message
    assert audit.audit_chain_verify().ok


def test_the_owner_doing_it_anyway_is_found_by_the_checkpoints():
    """Someone with the owner's credentials (full access to the database)
    can make a permit and delete; the signed checkpoints still show it."""
    for number in range(4):
        audit.audit_record("test.thing", object_id=number)
    checkpoints.checkpoint_write(reason="manual")
    victim = AuditEvent.objects.order_by("sequence").values_list("sequence", "hash")[1]

    with transaction.atomic(using="owner"):
        with connections["owner"].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {PERMIT_TABLE} (created_at, reason, ledger, transaction_id) "
                "VALUES (now(), 'x', 'compliance_auditevent', txid_current())"
            )
            cursor.execute("DELETE FROM compliance_auditevent WHERE sequence = %s", [victim[0]])
        audit.audit_record(
            audit.PURGED,
            details={"from_sequence": victim[0], "to_sequence": victim[0], "count": 1, "last_hash": victim[1]},
            using="owner",
        )

    result = audit.audit_chain_verify()
    assert not result.ok and "forged" in result.reason, result


def test_the_runtime_role_has_exactly_the_privileges_the_ledgers_triggers_imply():
    """Read from the database itself: every table made append-only by its
    triggers is read and append only for the runtime role (clearing only
    the columns its trigger lets be cleared); every other table is fully
    writable except the purge permits and the migration record."""
    role = settings.DATABASES["default"]["USER"]
    ledgers = ledger_tables(connections["owner"])
    assert set(ledgers) == {"compliance_auditevent", "compliance_consentevent", "compliance_destructioncertificate"}
    assert ledgers["compliance_consentevent"] == ("utterance_id",)
    assert ledgers["compliance_auditevent"] == ("sequence", "previous_hash", "hash")
    with connections["owner"].cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [name for (name,) in cursor.fetchall()]

    def may(table: str, privilege: str) -> bool:
        return one("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege], alias="owner")[0]

    for table in tables:
        granted = {
            privilege for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE") if may(table, privilege)
        }
        if table in ledgers:
            expected = {"SELECT", "INSERT"}
            for column in ("id", *ledgers[table]):
                can_update = one(
                    "SELECT has_column_privilege(%s, %s, %s, 'UPDATE')", [role, table, column], alias="owner"
                )[0]
                assert can_update == (column in ledgers[table]), (table, column)
        elif table in (PERMIT_TABLE, MIGRATIONS_TABLE):
            expected = {"SELECT"}
        else:
            expected = {"SELECT", "INSERT", "UPDATE", "DELETE"}
        assert granted == expected, (table, granted)


def test_a_table_made_later_gets_the_ordinary_privileges_and_migrate_restricts_a_new_ledger():
    role = settings.DATABASES["default"]["USER"]
    with connections["owner"].cursor() as cursor:
        cursor.execute("CREATE TABLE compliance_later (id bigint PRIMARY KEY, note text)")
        try:
            assert one("SELECT has_table_privilege(%s, 'compliance_later', 'DELETE')", [role], alias="owner")[0]
            # Made append-only, as a migration would, then granted as migrate does.
            cursor.execute(
                "CREATE TRIGGER compliance_later_append_only BEFORE UPDATE OR DELETE ON compliance_later "
                "FOR EACH ROW EXECUTE FUNCTION compliance_append_only('{}', 'false')"
            )
            runtime_role_grant(role=role, using="owner")
            assert not one("SELECT has_table_privilege(%s, 'compliance_later', 'DELETE')", [role], alias="owner")[0]
            assert one("SELECT has_table_privilege(%s, 'compliance_later', 'INSERT')", [role], alias="owner")[0]
        finally:
            cursor.execute("DROP TABLE compliance_later")
