from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0004_crm_delivery"),
    ]

    operations = [
        migrations.CreateModel(
            name="WebhookRejectionCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("provider", models.CharField(choices=[("twilio", "Twilio"), ("vapi", "Vapi")], max_length=16)),
                (
                    "route",
                    models.CharField(help_text="The URL pattern refused, never the path sent.", max_length=100),
                ),
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
                "ordering": ["-window_start", "route", "reason"],
                "indexes": [models.Index(fields=["window_end"], name="webhook_rejection_window_end")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("route", "reason", "window_start"), name="webhook_rejection_one_per_window"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(reported__lte=models.F("count")),
                        name="webhook_rejection_reported_le_count",
                    ),
                ],
            },
        ),
    ]
