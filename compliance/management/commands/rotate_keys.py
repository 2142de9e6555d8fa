"""Bring stored data under the newest keys, in resumable, audited batches.

``--fields`` re-encrypts every encrypted column under the first
FIELD_ENCRYPTION_KEYS key, then counts the values each key still protects.
``--identifier-hashes`` recomputes the stored lookup hashes under
IDENTIFIER_HASH_KEY, then counts the hashes that can't be recomputed. Each
says which older keys nothing needs any more. A run that stops (``--max-batches``,
an interrupt, a crash) is resumed by the next; one after a complete pass
checks everything again, rewriting only what an older key made since.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from compliance import keys
from compliance.audit import cli_actor


class Command(BaseCommand):
    help = "Re-encrypt stored values under the newest field key, or recompute lookup hashes under the newest hash key."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--fields", action="store_true", help="Re-encrypt under the newest FIELD_ENCRYPTION_KEYS key."
        )
        parser.add_argument(
            "--identifier-hashes", action="store_true", help="Recompute lookup hashes under IDENTIFIER_HASH_KEY."
        )
        parser.add_argument("--batch", type=int, default=keys.BATCH_SIZE, help="Rows per batch (default %(default)s).")
        parser.add_argument("--max-batches", type=int, help="Stop after this many batches; the next run resumes.")

    def handle(
        self,
        *args: object,
        fields: bool = False,
        identifier_hashes: bool = False,
        batch: int = keys.BATCH_SIZE,
        max_batches: int | None = None,
        **options: object,
    ) -> None:
        if not (fields or identifier_hashes):
            raise CommandError("Say what to rotate: --fields, --identifier-hashes, or both.")
        if batch < 1 or (max_batches is not None and max_batches < 1):
            raise CommandError("--batch and --max-batches must be at least 1.")
        if fields:
            run = keys.field_keys_rotate(batch_size=batch, max_batches=max_batches, actor=cli_actor())
            self._report(run, "FIELD_ENCRYPTION_KEYS")
        if identifier_hashes:
            run = keys.identifier_hashes_recompute(batch_size=batch, max_batches=max_batches, actor=cli_actor())
            self._report(run, "IDENTIFIER_HASH_KEY_FALLBACKS")

    def _report(self, run: keys.RotationRun | None, setting: str) -> None:
        if run is None:
            raise CommandError("Another key rotation, or a retention purge, is running; nothing was done.")
        what = "re-encrypted" if run.rotation == keys.Rotation.FIELDS else "recomputed"
        self.stdout.write(f"{run.rotation}: newest key {run.newest_key}, run {run.run_id}")
        self.stdout.write(f"{'column':<40}{what:>13}{'current':>10}{'changed':>9}{'unreadable':>12}{'unmatched':>11}")
        for label, counts in run.columns.items():
            self.stdout.write(
                f"{label:<40}{counts.updated:>13,}{counts.current:>10,}{counts.changed:>9,}"
                f"{counts.unreadable:>12,}{counts.unmatched:>11,}"
            )
        if not run.complete:
            self.stdout.write(f"Stopped after {run.batches} batch(es); run the same command again to go on.")
            return
        if run.resumed:
            self.stdout.write("This run finished a pass an earlier run started.")
        if run.values_per_key:
            self.stdout.write("Values each key protects:")
            for key in run.keys:
                note = " (newest)" if key == run.newest_key else ""
                self.stdout.write(f"  {key}{note:<10}{run.values_per_key.get(key, 0):>12,}")
            if run.values_per_key.get("unreadable"):
                unreadable = run.values_per_key["unreadable"]
                self.stdout.write(f"  {'unreadable':<18}{unreadable:>12,}  no configured key decrypts them")
        for label, ids in run.unmatched.items():
            if not ids:
                continue
            self.stdout.write(f"{label}: {len(ids):,} hash(es) can't be recomputed: no number is stored with them.")
            looked_up = run.looked_up.get(label)
            if looked_up:
                shown = ", ".join(str(pk) for pk in looked_up[:20]) + (" …" if len(looked_up) > 20 else "")
                self.stdout.write(
                    f"  {len(looked_up):,} of them still looked up, matching through the fallbacks only: ids {shown}"
                )
        older = run.keys[1:]
        if not older:
            self.stdout.write(f"Nothing to drop: {setting} holds no older key.")
        elif run.droppable == older:
            self.stdout.write(f"Nothing stored needs the older key(s) {', '.join(older)}: drop them from {setting}.")
        else:
            if run.droppable:
                self.stdout.write(f"Nothing stored needs {', '.join(run.droppable)}: drop it from {setting}.")
            kept = [key for key in older if key not in run.droppable]
            self.stdout.write(
                f"Keep {', '.join(kept)} in {setting}: stored data still needs it. "
                "Run again once whatever is counted above is dealt with."
            )
