"""The evidence signing key: print the public key of the configured one
(for auditors, who verify checkpoints and exports with it alone), or make
a new key pair.

    python manage.py checkpoint_key           # the configured key's id and public key
    python manage.py checkpoint_key --new     # a new private key (for AUDIT_CHECKPOINT_SIGNING_KEY) and its public key
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand

from compliance.signing import key_id, public_key_text, signing_key


class Command(BaseCommand):
    help = "Print the evidence signing key's public key, or generate a new key pair with --new."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--new", action="store_true", help="Generate a new private key and print it once.")

    def handle(self, *args: object, new: bool = False, **options: object) -> None:
        if new:
            key = Ed25519PrivateKey.generate()
            raw = key.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
            )
            self.stdout.write(f"AUDIT_CHECKPOINT_SIGNING_KEY={base64.b64encode(raw).decode()}")
        else:
            key = signing_key()
        public = key.public_key()
        self.stdout.write(f"public key {public_key_text(public)} (key id {key_id(public)})")
