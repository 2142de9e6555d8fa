"""Audit events are appended unsealed and linked into the chain by the
sealer (``compliance.chain.chain_seal``): the chain columns may be empty
(all three or none), and the append-only trigger lets them be filled once."""

from django.conf import settings
from django.db import migrations, models

from compliance import ledger

CHAIN_COLUMNS = ("sequence", "previous_hash", "hash")


def lift_trigger(apps, schema_editor):
    # SQLite rebuilds the table to change a column, and refuses while triggers name it.
    ledger.uninstall(schema_editor, apps.get_model("compliance", "AuditEvent"))


def install(apps, schema_editor):
    ledger.install(schema_editor, apps.get_model("compliance", "AuditEvent"), purgeable=True, sealable=CHAIN_COLUMNS)


def install_unsealable(apps, schema_editor):
    ledger.install(schema_editor, apps.get_model("compliance", "AuditEvent"), purgeable=True)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0014_attention_review"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(lift_trigger, install_unsealable),
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["-id"],
                "permissions": [
                    ("view_compliance_dashboard", "Can view the compliance dashboard"),
                    ("run_export", "Can run compliance exports"),
                    ("place_legal_hold", "Can place legal holds"),
                    ("erase_subject", "Can erase a data subject's personal data"),
                ],
            },
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("sequence__isnull", True)), fields=["id"], name="compliance_audit_unsealed"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(sequence__isnull=True, previous_hash__isnull=True, hash__isnull=True)
                | models.Q(sequence__isnull=False, previous_hash__isnull=False, hash__isnull=False),
                name="compliance_audit_sealed_whole",
            ),
        ),
        migrations.RunPython(install, lift_trigger),
    ]
