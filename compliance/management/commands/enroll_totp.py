"""Enrol a staff member's authenticator app for two-factor sign-in.

Prints the otpauth:// link and its QR code once; scan it, then sign in with
the password and the app's six-digit code.
"""

from __future__ import annotations

import io

import qrcode
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Create a TOTP device for a user and print its otpauth:// link and QR code once."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="A name for the device.")

    def handle(self, *args: object, username: str, name: str, **options: object) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        qr = qrcode.QRCode(border=1)
        qr.add_data(device.config_url)
        picture = io.StringIO()
        qr.print_ascii(out=picture)
        self.stdout.write(picture.getvalue())
        self.stdout.write(device.config_url)
        self.stdout.write(self.style.SUCCESS(f"Enrolled device {device.pk} for {username}; shown only this once."))
