"""Write a signed checkpoint of the ledgers now (beat writes one every
AUDIT_CHECKPOINT_SECONDS), and print it. Run it after deploying, so the
ledgers are anchored from the start."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from compliance.checkpoints import checkpoint_store, checkpoint_write


class Command(BaseCommand):
    help = "Write a signed checkpoint of the audit and consent ledgers to the checkpoint store."

    def handle(self, *args: object, **options: object) -> None:
        checkpoint = checkpoint_write(reason="manual")
        ledgers = ", ".join(
            f"{name} head #{state['head_sequence']} ({state['count']} rows)"
            for name, state in sorted(checkpoint.content["ledgers"].items())
        )
        self.stdout.write(f"checkpoint #{checkpoint.number} in {checkpoint_store().describe()}: {ledgers}")
        self.stdout.write(f"sha256 {checkpoint.digest}, signed by key {checkpoint.document['key_id']}")
