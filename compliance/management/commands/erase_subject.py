"""Erase a data subject's personal data, on their request (GDPR Art. 17, CCPA).

Finds every call by the keyed hash of the number and erases its transcripts,
recordings (at the provider too) and the subject's identifiers; consent and
audit evidence stay. A legal hold refuses the whole erasure. Prints what was
erased and the certificates issued.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from compliance.audit import cli_actor
from compliance.subjects import ErasureBlocked, InvalidPhoneNumber, subject_calls, subject_erase, subject_hash


class Command(BaseCommand):
    help = "Erase a caller's personal data, everywhere it is held, with destruction certificates."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--phone", required=True, help="The subject's number, with its country code.")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="Don't ask for confirmation."
        )

    def handle(self, *args: object, phone: str, interactive: bool = True, **options: object) -> None:
        try:
            subject = subject_hash(phone)
        except InvalidPhoneNumber as error:
            raise CommandError(f"--phone: {error}") from None
        found = subject_calls(subject=subject).count()
        if interactive:
            answer = input(f"Erase the personal data of {found} call(s) of this subject? Type 'yes' to continue: ")
            if answer.strip() != "yes":
                raise CommandError("Erasure cancelled; nothing was changed.")
        try:
            erasure = subject_erase(subject=subject, actor=cli_actor())
        except ErasureBlocked as blocked:
            raise CommandError(str(blocked)) from None
        self.stdout.write(f"erasure {erasure.erasure_id}")
        self.stdout.write(f"calls                {erasure.calls:>6}  identifiers erased")
        self.stdout.write(f"transcript segments  {erasure.transcripts:>6}  destroyed")
        self.stdout.write(f"raw payloads         {erasure.raw_payloads:>6}  destroyed")
        self.stdout.write(f"scheduled callbacks  {erasure.callbacks:>6}  number erased")
        self.stdout.write(f"recordings           {erasure.recordings_deleted:>6}  deleted at the provider")
        if erasure.recordings_pending:
            self.stdout.write(
                f"recordings           {len(erasure.recordings_pending):>6}  not yet confirmed by the provider; "
                "marked for deletion and retried"
            )
        certificates = ", ".join(f"#{pk}" for pk in erasure.certificate_ids) or "none (nothing was held)"
        self.stdout.write(f"certificates: {certificates}")
