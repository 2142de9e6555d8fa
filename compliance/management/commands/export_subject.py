"""Give a data subject their data (GDPR Art. 15, CCPA "right to know"), as JSON.

Their calls, each with its consent history, redacted transcript and
recordings, and callbacks scheduled to them. Writes to standard output, or
to ``--out``. The export itself is audited.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.audit import cli_actor
from compliance.subjects import InvalidPhoneNumber, subject_data, subject_hash


class Command(BaseCommand):
    help = "Export everything held on a caller, as JSON."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--phone", required=True, help="The subject's number, with its country code.")
        parser.add_argument("--out", type=Path, help="Write to this file (created readable by its owner only).")

    def handle(self, *args: object, phone: str, out: Path | None = None, **options: object) -> None:
        try:
            subject = subject_hash(phone)
        except InvalidPhoneNumber as error:
            raise CommandError(f"--phone: {error}") from None
        document = subject_data(subject=subject, phone=phone, actor=cli_actor())
        text = json.dumps(document, indent=2, ensure_ascii=False)
        if out is None:
            self.stdout.write(text)
            return
        # The file holds personal data in the clear: owner-only from the start.
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        self.stdout.write(f"{len(document['calls'])} call(s) written to {out}", self.style.SUCCESS)
