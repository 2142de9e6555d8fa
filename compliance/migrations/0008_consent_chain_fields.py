"""The consent ledger becomes a hash chain of its own, and the links from
the ledgers to calls and users become plain, immutable copies of their ids.

This step lifts the consent ledger's triggers and adds the chain's columns,
empty; 0009 chains the existing events in the order they were appended,
and 0010 makes the columns required and puts the triggers back."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from compliance import ledger


def lift_triggers(apps, schema_editor):
    ledger.uninstall(schema_editor, apps.get_model("compliance", "ConsentEvent"))


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0007_erase_subject_permission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(lift_triggers, migrations.RunPython.noop),
        migrations.AlterModelOptions(name="consentevent", options={"ordering": ["sequence"]}),
        migrations.AddField(
            model_name="consentevent", name="sequence", field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="consentevent", name="previous_hash", field=models.CharField(max_length=64, default=""),
        ),
        migrations.AddField(
            model_name="consentevent", name="hash", field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="consentevent",
            name="reported_at",
            field=models.DateTimeField(blank=True, help_text="The time the provider reported for the decision, exactly as it said.", null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="consentevent",
            name="call",
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="consent_events", to="calls.call"),
        ),
        migrations.AlterField(
            model_name="consentevent",
            name="occurred_at",
            field=models.DateTimeField(help_text="When the caller answered: when we received the answer, or the time the provider reported, held within the call's lifetime as we saw it."),
        ),
        migrations.AlterField(
            model_name="consentevent",
            name="recorded_at",
            field=models.DateTimeField(default=django.utils.timezone.now, help_text="When it was appended to the ledger."),
        ),
        migrations.AlterField(
            model_name="consentevent",
            name="utterance",
            field=models.ForeignKey(blank=True, help_text="What the caller said, stored redacted as a transcript segment (cleared when it is purged).", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="calls.transcriptsegment"),
        ),
    ]
