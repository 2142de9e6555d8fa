"""System checks: an IVR or CRM misconfiguration is reported at start-up,
not by the first caller or the first delivery."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from calls.integrations.crm import crm_adapter
from calls.ivr import CONSENT_PROMPTS


@register()
def consent_prompt_check(app_configs: object, **kwargs: object) -> list[Error]:
    if settings.CONSENT_PROMPT_VERSION not in CONSENT_PROMPTS:
        return [
            Error(
                f"CONSENT_PROMPT_VERSION names no prompt; known versions: {', '.join(sorted(CONSENT_PROMPTS))}.",
                id="calls.E001",
            )
        ]
    return []


@register()
def crm_adapter_check(app_configs: object, **kwargs: object) -> list[Error]:
    try:
        crm_adapter()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="calls.E002")]
    return []
