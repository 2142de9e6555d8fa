from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("calls", "0004_crm_delivery")]

    operations = [
        migrations.AlterField(
            model_name="call",
            name="end_reason",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AlterField(
            model_name="recording",
            name="media_url",
            field=models.URLField(blank=True, max_length=2048),
        ),
    ]
