"""Django's ``flush``, run as the owner role when one is configured for the
same database (``compliance.database.as_owner``): the runtime role may not
empty tables, and the ledgers refuse it to anyone but their owner in a
maintenance session (``compliance.ledger``)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush

from compliance.database import as_owner


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        if options["database"] != "default":
            super().handle(**options)
            return
        with as_owner():
            super().handle(**options)
