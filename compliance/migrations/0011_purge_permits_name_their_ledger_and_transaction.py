"""A purge permit names the ledger table it opens and, on PostgreSQL, the
transaction it was made in; the ledgers' triggers are reinstalled to check
both, and to look the permit up by schema-qualified name. The runtime role
loses the right to make permits when ``migrate`` next grants it its
privileges (``compliance.database``)."""

from django.db import migrations, models

from compliance import ledger


def lift_triggers(apps, schema_editor):
    # SQLite rebuilds the permit table to add a column, and refuses while triggers name it.
    for model in ("ConsentEvent", "AuditEvent"):
        ledger.uninstall(schema_editor, apps.get_model("compliance", model))


def install(apps, schema_editor):
    ledger.install(schema_editor, apps.get_model("compliance", "ConsentEvent"), detachable=("utterance_id",), purgeable=True)
    ledger.install(schema_editor, apps.get_model("compliance", "AuditEvent"), purgeable=True)
    ledger.install(schema_editor, apps.get_model("compliance", "DestructionCertificate"))


class Migration(migrations.Migration):
    dependencies = [("compliance", "0010_consent_chain_constraints")]

    operations = [
        migrations.RunPython(lift_triggers, migrations.RunPython.noop),
        migrations.AddField(
            model_name="ledgerpurgepermit",
            name="ledger",
            field=models.CharField(default="", help_text="The table the permit opens.", max_length=64),
        ),
        migrations.AddField(
            model_name="ledgerpurgepermit",
            name="transaction_id",
            field=models.BigIntegerField(blank=True, help_text="PostgreSQL's id of the purge's transaction (txid_current()).", null=True),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
