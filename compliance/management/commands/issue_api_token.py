"""Issue an API token for a compliance officer's tool, and print it once.

Only its hash is stored; it expires after API_TOKEN_TTL_DAYS (or ``--days``)
and is revoked by deleting it in the admin (Knox › Auth tokens). The token
acts as the user, with exactly the user's permissions.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken
from knox.settings import knox_settings

from compliance.audit import audit_record, cli_actor


class Command(BaseCommand):
    help = "Issue an API token for a user and print it once."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("username")
        parser.add_argument("--days", type=int, help="Expiry in days (default: API_TOKEN_TTL_DAYS).")

    def handle(self, *args: object, username: str, days: int | None = None, **options: object) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        if not user.has_perm("compliance.run_export"):
            raise CommandError(f"{username!r} may not run exports; give them the compliance officer role first.")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        ttl = timedelta(days=days) if days else knox_settings.TOKEN_TTL
        instance, token = AuthToken.objects.create(user=user, expiry=ttl)
        audit_record(
            "api_token.issued", actor=cli_actor(), object_type="user", object_id=user.pk,
            object_repr=username, details={"token_key": instance.token_key, "expires_at": instance.expiry},
        )  # fmt: skip
        self.stdout.write(token)
        self.stdout.write(
            self.style.SUCCESS(f"Token for {username}, expiring {instance.expiry:%Y-%m-%d %H:%M} UTC; shown only once.")
        )
