"""Check a compliance export: each file against manifest.json, the
checkpoint embedded in it against its signature (with the public key
alone, for an auditor away from the database), and the manifest against
the audit trail, the checkpoint store and the ledgers. Exits non-zero if
anything fails. The export is a directory, or the ZIP the admin and the
API download."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from compliance.reports.exports import export_verify

# An export is a report and its manifest: an archive far beyond that is not one.
MAX_MEMBERS = 16
MAX_UNPACKED_BYTES = 8 * 1024**3


def unpack(archive: Path, into: Path) -> None:
    """The export a downloaded ZIP holds, as the flat directory it was made
    from. A member with a path, or an archive too large to be an export, is
    refused before anything is written."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            if len(members) > MAX_MEMBERS or sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise CommandError(f"{archive} is too large to be an export")
            for member in members:
                name = member.filename
                if member.is_dir() or not name or "/" in name or "\\" in name or name in (".", ".."):
                    raise CommandError(f"{archive} holds a member that is not a file of an export")
                (into / name).write_bytes(bundle.read(member))
    except zipfile.BadZipFile:
        raise CommandError(f"{archive} is not a ZIP archive") from None


class Command(BaseCommand):
    help = "Verify an export (a directory, or the ZIP the admin downloads) against its manifest and the audit trail."

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
        if directory.is_file():
            with tempfile.TemporaryDirectory(prefix="export-") as unpacked:
                unpack(directory, Path(unpacked))
                self._verify(Path(unpacked), offline=offline, public_keys=public_keys)
            return
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory or a ZIP archive")
        self._verify(directory, offline=offline, public_keys=public_keys)

    def _verify(self, directory: Path, *, offline: bool, public_keys: list[str] | None) -> None:
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
