"""Enrol a staff member's authenticator app for two-factor sign-in.

Prints the otpauth:// link and its QR code once; scan it, then sign in with
the password and the app's six-digit code. A user has one device of a
name: enrolling a name again is refused, or, with ``--replace``, the old
device stops working and the new one takes its place. Every enrolment is
audited.
"""

from __future__ import annotations

import io

import qrcode
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from compliance.audit import Actor, audit_record


class Command(BaseCommand):
    help = "Create a TOTP device for a user and print its otpauth:// link and QR code once."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="A name for the device.")
        parser.add_argument(
            "--replace", action="store_true", help="Replace the user's device of this name (it stops working)."
        )

    def handle(self, *args: object, username: str, name: str, replace: bool = False, **options: object) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        with transaction.atomic():
            same_name = TOTPDevice.objects.select_for_update().filter(user=user, name=name)
            replaced = list(same_name.values_list("pk", flat=True))
            if replaced and not replace:
                raise CommandError(
                    f"{username} already has a device named {name!r}: give another --name, or --replace it "
                    "(the old one then stops working)."
                )
            same_name.delete()
            device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
            audit_record(
                "auth.second_factor_enrolled", actor=Actor(name="manage.py enroll_totp"), object_type="user",
                object_id=user.pk, object_repr=username,
                details={"device": device.pk, "name": name, "replaced": replaced},
            )  # fmt: skip
        qr = qrcode.QRCode(border=1)
        qr.add_data(device.config_url)
        picture = io.StringIO()
        qr.print_ascii(out=picture)
        self.stdout.write(picture.getvalue())
        self.stdout.write(device.config_url)
        verb = "Replaced" if replaced else "Enrolled"
        self.stdout.write(self.style.SUCCESS(f"{verb} device {device.pk} for {username}; shown only this once."))
