"""System checks: an IVR misconfiguration is reported at start-up, not by
the first caller."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

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
