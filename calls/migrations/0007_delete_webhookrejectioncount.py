from django.db import migrations


class Migration(migrations.Migration):
    """Refused webhooks are counted with every other refusal, in
    compliance.RefusalCount (its migration copies the rows first)."""

    dependencies = [
        ("calls", "0006_longer_end_reason_and_media_url"),
        ("compliance", "0012_refusal_count"),
    ]

    operations = [migrations.DeleteModel(name="WebhookRejectionCount")]
