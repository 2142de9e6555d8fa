"""Write a signed checkpoint of the ledgers now (beat writes one every
AUDIT_CHECKPOINT_SECONDS), and print it. Run it after deploying, so the
ledgers are anchored from the start.

With ``--after-restore --reason "<ticket>"``, after the database was
restored to an earlier point: check that both chains are intact and that
the checkpoints before the restore stop at one point, then write a restore
checkpoint that acknowledges what they anchored past it as lost (see
``compliance.evidence.restore_acknowledge``). It needs the signing key, as
every checkpoint does. Exits 1, writing nothing, when the ledgers don't look
restored (a broken link is an edit, not a restore) or nothing was lost.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from compliance.audit import cli_actor
from compliance.checkpoints import Checkpoint, checkpoint_store, checkpoint_write
from compliance.evidence import RestoreRefused, restore_acknowledge


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit and consent ledgers to the checkpoint store; "
        "with --after-restore, acknowledge a restore of the database to an earlier point."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--after-restore",
            action="store_true",
            help="Acknowledge a restore to an earlier point: what the checkpoints since anchored is recorded as lost.",
        )
        parser.add_argument(
            "--reason",
            default="",
            help="With --after-restore: the incident ticket or a few words. Only its SHA-256 is stored.",
        )

    def handle(self, *args: object, after_restore: bool = False, reason: str = "", **options: object) -> None:
        if reason and not after_restore:
            raise CommandError("--reason goes with --after-restore")
        if not after_restore:
            self._describe(checkpoint_write(reason="manual"))
            return
        if not reason.strip():
            raise CommandError('--after-restore needs --reason "<incident ticket or a few words>"')
        try:
            restore = restore_acknowledge(reason=reason, actor=cli_actor())
        except RestoreRefused as refusal:
            self.stderr.write(self.style.ERROR(f"restore not acknowledged, nothing written: {refusal}"))
            raise SystemExit(1) from None
        first, last = restore.superseded
        superseded = f"checkpoint #{first}" if first == last else f"checkpoints #{first} to #{last}"
        self._describe(restore.checkpoint)
        for name, (after, up_to) in sorted(restore.lost.items()):
            self.stdout.write(
                f"{name}: events #{after + 1} to #{up_to}, as {superseded} anchored them, recorded as lost; "
                f"events from #{after + 1} on are checked against checkpoint #{restore.checkpoint.number} and later"
            )
        self.stdout.write(
            f"reason sha256 {restore.checkpoint.restore['reason_sha256']} (keep the reason with the incident record)"
        )
        self.stdout.write("Now run verify_audit_chain: it records the check, and reports the loss on every run.")

    def _describe(self, checkpoint: Checkpoint) -> None:
        ledgers = ", ".join(
            f"{name} head #{state['head_sequence']} ({state['count']} rows)"
            for name, state in sorted(checkpoint.content["ledgers"].items())
        )
        kind = "restore checkpoint" if checkpoint.restore is not None else "checkpoint"
        self.stdout.write(f"{kind} #{checkpoint.number} in {checkpoint_store().describe()}: {ledgers}")
        self.stdout.write(f"sha256 {checkpoint.digest}, signed by key {checkpoint.document['key_id']}")
