"""Check a compliance export: each file against manifest.json, the
checkpoint embedded in it against its signature (with the public key
alone, for an auditor away from the database), and the manifest against
the audit trail, the checkpoint store and the ledgers. Exits non-zero if
anything fails."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from compliance.reports.exports import export_verify


class Command(BaseCommand):
    help = "Verify an export directory against its manifest and the audit trail."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--offline",
            action="store_true",
            help="Check the files and the embedded checkpoint's signature only, without the database.",
        )
        parser.add_argument(
            "--public-key",
            action="append",
            dest="public_keys",
            help="A public key (base64) the checkpoint may be signed with, instead of the configured ones; "
            "repeat for several. `manage.py checkpoint_key` prints it.",
        )

    def handle(
        self,
        *args: object,
        directory: Path,
        offline: bool = False,
        public_keys: list[str] | None = None,
        **options: object,
    ) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        try:
            checks = export_verify(directory=directory, against_audit_trail=not offline, public_keys=public_keys)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        for check in checks:
            mark = self.style.SUCCESS("ok    ") if check.ok else self.style.ERROR("FAILED")
            self.stdout.write(f"{mark} {check.subject}: {check.detail}")
        failed = sum(not check.ok for check in checks)
        if failed:
            raise CommandError(f"export does not verify: {failed} check(s) failed")
        self.stdout.write("export verified")
