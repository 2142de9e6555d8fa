"""Model fields that keep personal data encrypted at rest."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token.

    Encryption is randomised, so the database can't compare values: only
    ``isnull`` lookups are allowed. Store an ``identifier_hash`` beside the
    field for exact lookups.
    """

    description = "Encrypted text"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value).encode("utf-8"))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value).decode("utf-8")

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


class EncryptedJSONField(EncryptedTextField):
    """A JSON document stored as a Fernet token."""

    description = "Encrypted JSON"

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return super().get_prep_value(json.dumps(value, separators=(",", ":"), sort_keys=True))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        text = super().from_db_value(value, expression, connection)
        return None if text is None else json.loads(text)

    def to_python(self, value: Any) -> Any:
        return value
