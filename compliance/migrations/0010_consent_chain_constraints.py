"""The consent chain's columns become required and unique, and both ledgers
get their triggers back: the consent ledger's call link may no longer be
cleared (only the link to a purged transcript segment), and the audit
trail's actor no longer either."""

from django.db import migrations, models

from compliance import ledger


def install(apps, schema_editor):
    ledger.install(schema_editor, apps.get_model("compliance", "ConsentEvent"), detachable=("utterance_id",), purgeable=True)
    ledger.install(schema_editor, apps.get_model("compliance", "AuditEvent"), purgeable=True)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0009_chain_consent_events")]

    operations = [
        migrations.AlterField(
            model_name="consentevent", name="sequence", field=models.BigIntegerField(unique=True),
        ),
        migrations.AlterField(
            model_name="consentevent", name="previous_hash", field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="consentevent", name="hash", field=models.CharField(max_length=64, unique=True),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
