"""Django's ``migrate``, run as the owner role when one is configured.

The tables belong to the owner role (``DATABASE_OWNER_URL``); the runtime
role web and worker use (``DATABASE_URL``) may neither change the schema
nor mark a migration applied. So when both name the same database,
``migrate`` runs as the owner, ``post_migrate`` receivers included, and
then gives the runtime role its privileges on every table, new ones
included (``compliance.database.runtime_role_grant``). Without an owner
connection it is Django's own command, on the one connection there is.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate

from compliance.database import as_owner, runtime_role_grant


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        if options["database"] != "default":
            super().handle(*args, **options)
            return
        with as_owner() as runtime_role:
            super().handle(*args, **options)
            if runtime_role:
                runtime_role_grant(role=runtime_role, using="default")
