"""Write a compliance report for auditors, with its manifest.

    python manage.py export_compliance_report --kind consent \\
        --from 2026-10-01 --to 2026-10-31 --format csv --out exports/consent-2026-10

The directory gets the report and ``manifest.json`` (row counts, parameters,
generator version, each file's SHA-256); the export is recorded in the audit
trail. Check it later with ``verify_export``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.audit import cli_actor
from compliance.reports.exports import FORMATS, ExportError, export_create
from compliance.reports.kinds import KINDS, Period


class Command(BaseCommand):
    help = "Export a compliance report (consent, access, destruction or calls) as CSV, JSON or a PDF summary."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--kind", required=True, choices=sorted(KINDS))
        parser.add_argument("--from", dest="first_day", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument(
            "--to", dest="last_day", required=True, type=date.fromisoformat, help="YYYY-MM-DD, included"
        )
        parser.add_argument("--format", dest="fmt", required=True, choices=FORMATS)
        parser.add_argument("--out", required=True, type=Path, help="A new or empty directory.")

    def handle(
        self, *args: object, kind: str, first_day: date, last_day: date, fmt: str, out: Path, **options: object
    ) -> None:
        try:
            period = Period(first_day, last_day)
            export = export_create(kind=kind, period=period, fmt=fmt, out_dir=out, actor=cli_actor())
        except (ValueError, ExportError) as error:
            raise CommandError(str(error)) from None
        for entry in export.manifest["files"]:
            self.stdout.write(f"{entry['name']}  {entry['rows']} rows  sha256 {entry['sha256']}")
        self.stdout.write(f"export {export.export_id}: manifest.json sha256 {export.manifest_sha256}")
