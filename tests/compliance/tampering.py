"""Changing the ledgers as an attacker with full access to the database
would: as the tables' owner (the ``owner`` connection where the suite has
one), with the append-only triggers switched off for the statements."""

from __future__ import annotations

from django.conf import settings
from django.db import connections, transaction

LEDGERS = ("compliance_auditevent", "compliance_consentevent")


def owner() -> str:
    return "owner" if "owner" in settings.DATABASES else "default"


def tamper(*statements: str | tuple[str, list]) -> None:
    """Run ``statements`` (SQL, or SQL and parameters) with the ledgers'
    triggers off, in one transaction on the owner's connection."""
    alias = owner()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        for table in LEDGERS:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        for statement in statements:
            sql, params = (statement, []) if isinstance(statement, str) else statement
            cursor.execute(sql, params)
        for table in LEDGERS:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
