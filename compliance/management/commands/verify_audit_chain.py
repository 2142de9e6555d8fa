"""Verify the evidence: the audit trail's hash chain, the consent ledger's,
and both against the signed checkpoints outside the database.

The result is recorded in the audit trail under the operator's name, as
the daily check's is, so the dashboard shows the latest of either.
Exits 0 when everything holds; otherwise exits 1 and names what failed,
first the first broken link or checkpoint, then every other problem found.
With ``--from``/``--to`` only that range of the audit chain is walked.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from compliance.audit import audit_chain_check, cli_actor


class Command(BaseCommand):
    help = "Verify the audit and consent chains against the signed checkpoints; exit 1 and name what is broken."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--from", dest="start", type=int, help="First audit sequence number to check.")
        parser.add_argument("--to", dest="end", type=int, help="Last audit sequence number to check.")

    def handle(self, *args: object, start: int | None = None, end: int | None = None, **options: object) -> None:
        result = audit_chain_check(actor=cli_actor(), start=start, end=end)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(str(result)))
            return
        self.stderr.write(self.style.ERROR(str(result)))
        raise SystemExit(1)
