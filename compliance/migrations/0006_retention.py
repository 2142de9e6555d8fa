"""Retention: consent evidence becomes purgeable through the privileged path
(after its six years), certificates are append-only, and the policies start
from the configured defaults."""

from django.conf import settings
from django.db import migrations

from compliance import ledger


def install(apps, schema_editor):
    ledger.install(schema_editor, apps.get_model("compliance", "ConsentEvent"), detachable=("call_id", "utterance_id"), purgeable=True)
    ledger.install(schema_editor, apps.get_model("compliance", "DestructionCertificate"))
    RetentionPolicy = apps.get_model("compliance", "RetentionPolicy")
    for data_class, days in settings.RETENTION_DEFAULT_DAYS.items():
        RetentionPolicy.objects.get_or_create(data_class=data_class, defaults={"keep_days": days})


class Migration(migrations.Migration):
    dependencies = [("compliance", "0005_destructioncertificate_joblock_retentionpolicy_and_more")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
