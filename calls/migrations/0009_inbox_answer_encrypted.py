"""The answers kept with the inbox's deliveries are encrypted: an answer can
hold a SIP password and the hand-off reference. Existing answers are
encrypted in place first, in batches, while the column is still plain text."""

from django.db import migrations

import compliance.fields

BATCH = 1000


def encrypt_answers(apps, schema_editor):
    from compliance import crypto

    events = apps.get_model("calls", "InboundEvent")
    last = 0
    while True:
        batch = list(
            events.objects.filter(pk__gt=last)
            .exclude(response_body="")
            .order_by("pk")
            .values_list("pk", "response_body")[:BATCH]
        )
        if not batch:
            return
        for pk, answer in batch:
            events.objects.filter(pk=pk).update(response_body=crypto.encrypt(answer.encode("utf-8")))
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0008_handoff"),
    ]

    operations = [
        migrations.RunPython(encrypt_answers, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="inboundevent",
            name="response_body",
            field=compliance.fields.EncryptedTextField(
                blank=True, help_text="What the provider was answered; replayed to duplicates."
            ),
        ),
    ]
