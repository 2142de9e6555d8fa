"""Create the local administrator if there is none.

Credentials come from ADMIN_USERNAME / ADMIN_PASSWORD; without a password
one is generated and printed once, when the user is created.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a superuser from ADMIN_USERNAME/ADMIN_PASSWORD if no superuser exists."

    def handle(self, *args: object, **options: object) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An administrator already exists.")
            return
        password = settings.ADMIN_BOOTSTRAP_PASSWORD or secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username=settings.ADMIN_BOOTSTRAP_USERNAME, email=settings.ADMIN_BOOTSTRAP_EMAIL, password=password
        )
        self.stdout.write(self.style.SUCCESS(f"Created administrator '{settings.ADMIN_BOOTSTRAP_USERNAME}'."))
        if not settings.ADMIN_BOOTSTRAP_PASSWORD:
            self.stdout.write(f"Its password, shown only this once: {password}")
