from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0011_purge_permits_name_their_ledger_and_transaction"),
    ]

    operations = [
        migrations.CreateModel(
            name="RefusalCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(help_text="webhook or sign_in", max_length=16)),
                ("actor", models.CharField(help_text="Who sent it: a provider, or anonymous.", max_length=32)),
                (
                    "key",
                    models.CharField(
                        help_text="The URL pattern refused, or the user named; never what the sender wrote.",
                        max_length=150,
                    ),
                ),
                ("object_id", models.CharField(blank=True, max_length=64)),
                ("reason", models.CharField(max_length=32)),
                ("window_start", models.DateTimeField()),
                ("window_end", models.DateTimeField()),
                ("count", models.PositiveBigIntegerField(default=0)),
                (
                    "reported",
                    models.PositiveBigIntegerField(default=0, help_text="How many the audit trail already counts."),
                ),
                ("first_at", models.DateTimeField()),
                ("last_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["-window_start", "kind", "key", "reason"],
                "indexes": [models.Index(fields=["window_end"], name="refusal_window_end")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "key", "reason", "window_start"), name="refusal_one_per_window"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("reported__lte", models.F("count"))), name="refusal_reported_le_count"
                    ),
                ],
            },
        ),
    ]
