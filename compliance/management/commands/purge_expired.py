"""Destroy every class of data its retention policy says is due, now.

The same job beat runs daily. ``--dry-run`` counts what is due and changes
nothing. Prints a line per data class, and the certificate issued.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from compliance.retention import retention_purge


class Command(BaseCommand):
    help = "Purge data past its retention (skipping legal holds), with destruction certificates."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--dry-run", action="store_true", help="Count what is due; change nothing.")

    def handle(self, *args: object, dry_run: bool = False, **options: object) -> None:
        results = retention_purge(dry_run=dry_run)
        if results is None:
            raise CommandError("Another purge is running; nothing was done.")
        verb = "due" if dry_run else "destroyed"
        for result in results:
            line = f"{result.data_class:<15} {result.count:>9} {verb}  (before {result.cutoff:%Y-%m-%d})"
            if result.failures:
                line += f"  {len(result.failures)} failed"
            if result.certificate_id:
                line += f"  certificate #{result.certificate_id}"
            self.stdout.write(line)
