"""Check a compliance export: each file against manifest.json, and the
manifest against the audit trail. Exits non-zero if anything fails."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.reports.exports import export_verify


class Command(BaseCommand):
    help = "Verify an export directory against its manifest and the audit trail."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--offline",
            action="store_true",
            help="Check the files against the manifest only, without the database.",
        )

    def handle(self, *args: object, directory: Path, offline: bool = False, **options: object) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        checks = export_verify(directory=directory, against_audit_trail=not offline)
        for check in checks:
            mark = self.style.SUCCESS("ok    ") if check.ok else self.style.ERROR("FAILED")
            self.stdout.write(f"{mark} {check.subject}: {check.detail}")
        failed = sum(not check.ok for check in checks)
        if failed:
            raise CommandError(f"export does not verify: {failed} check(s) failed")
        self.stdout.write("export verified")
