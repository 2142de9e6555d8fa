"""Chain the consent events already recorded, in the order they were
appended (their ids), exactly as new ones are chained."""

from django.db import migrations

from compliance.chain import CONSENT, GENESIS, row_hash

BATCH = 1000


def chain(apps, schema_editor):
    ConsentEvent = apps.get_model("compliance", "ConsentEvent")
    previous, batch = GENESIS, []
    for sequence, event in enumerate(ConsentEvent.objects.order_by("id").iterator(chunk_size=BATCH), start=1):
        event.sequence, event.previous_hash = sequence, previous
        event.hash = previous = row_hash(CONSENT, event)
        batch.append(event)
        if len(batch) == BATCH:
            ConsentEvent.objects.bulk_update(batch, ["sequence", "previous_hash", "hash"])
            batch = []
    ConsentEvent.objects.bulk_update(batch, ["sequence", "previous_hash", "hash"])


class Migration(migrations.Migration):
    dependencies = [("compliance", "0008_consent_chain_fields")]

    operations = [migrations.RunPython(chain, migrations.RunPython.noop)]
