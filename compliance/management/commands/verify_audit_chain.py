"""Verify the audit trail's hash chain, whole or a range of sequence numbers.

Exits 0 when every link holds; otherwise exits 1 and names the first
broken link.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from compliance.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit 1 and name the first broken link if it is broken."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--from", dest="start", type=int, help="First sequence number to check.")
        parser.add_argument("--to", dest="end", type=int, help="Last sequence number to check.")

    def handle(self, *args: object, start: int | None = None, end: int | None = None, **options: object) -> None:
        result = audit_chain_verify(start=start, end=end)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(str(result)))
            return
        self.stderr.write(self.style.ERROR(str(result)))
        raise SystemExit(1)
