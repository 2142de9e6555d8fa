"""Consent and audit ledgers become append-only in the database."""

from django.db import migrations

from compliance import ledger


def install(apps, schema_editor):
    ledger.install(schema_editor, apps.get_model("compliance", "ConsentEvent"), detachable=("call_id", "utterance_id"))
    ledger.install(schema_editor, apps.get_model("compliance", "AuditEvent"), detachable=("actor_id",), purgeable=True)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_ledgerpurgepermit_auditevent")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
