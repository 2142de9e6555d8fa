"""System checks: a misconfigured key is reported at start-up, not at the
first webhook."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from . import crypto


@register()
def encryption_keys_check(app_configs: object, **kwargs: object) -> list[Error]:
    errors = []
    try:
        crypto.encrypt(b"")
    except ImproperlyConfigured as error:
        errors.append(Error(str(error), id="compliance.E001"))
    if not settings.IDENTIFIER_HASH_KEY:
        errors.append(Error("The IDENTIFIER_HASH_KEY environment variable is required.", id="compliance.E002"))
    return errors
