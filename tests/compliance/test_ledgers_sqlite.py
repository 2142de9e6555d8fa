"""The embedded default (SQLite) enforces the same append-only ledgers.

The suite runs on PostgreSQL; this test migrates a real SQLite database in
a subprocess with the local settings and tries to edit both ledgers there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from compliance import audit
from compliance.models import ConsentDecision, ConsentMethod
from compliance.services import consent_record
from calls.models import Call

call_command("migrate", verbosity=0)
call = Call.objects.create(call_sid="CA" + "1" * 32)
consent_record(call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="v",
               source="s", occurred_at=timezone.now())
audit.audit_record("test.thing")  # with the consent's own audit event, two in the chain
for statement in (
    "UPDATE compliance_consentevent SET decision = 'declined'",
    "DELETE FROM compliance_consentevent",
    "UPDATE compliance_auditevent SET action = 'x'",
    "DELETE FROM compliance_auditevent",
):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        print("ALLOWED", statement)
    except DatabaseError as error:
        print("REFUSED", "append-only" in str(error))
call.delete()
from compliance.models import ConsentEvent
print("DETACHED", ConsentEvent.objects.get().call_id is None)
print("PURGED", len(audit.audit_purge_before(cutoff=timezone.now())))
print("VERIFIED", audit.audit_chain_verify().ok)
"""


def test_sqlite_ledgers_are_append_only(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings.local",
        "DJANGO_READ_DOT_ENV": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
    }

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    lines = [
        line
        for line in result.stdout.splitlines()
        if line.split(" ")[0] in {"ALLOWED", "REFUSED", "DETACHED", "PURGED", "VERIFIED"}
    ]
    assert lines == ["REFUSED True"] * 4 + ["DETACHED True", "PURGED 2", "VERIFIED True"]
