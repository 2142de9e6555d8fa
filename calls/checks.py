"""System checks: an IVR or CRM misconfiguration is reported at start-up,
not by the first caller or the first delivery."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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


# <Pay>'s documented values (twilio.com/docs/voice/twiml/pay).
PAY_TOKEN_TYPES = ("one-time", "reusable", "payment-method")
PAY_MAX_ATTEMPTS = range(1, 4)


@register()
def card_data_check(app_configs: object, **kwargs: object) -> list[Error]:
    """Pausing, <Pay> and the recording policy: a typo here would keep card data."""
    from calls.models import RecordingPause
    from calls.services.capture import SENSITIVE_TYPES, UNREADABLE
    from compliance.recording_review import DELETE, QUARANTINE

    problems = []
    if settings.CAPTURE_PAUSE_BEHAVIOR not in RecordingPause.Behavior.values:
        problems.append(f"CAPTURE_PAUSE_BEHAVIOR must be one of {', '.join(RecordingPause.Behavior.values)}.")
    if settings.CAPTURE_QUIET_SECONDS < 1:
        problems.append("CAPTURE_QUIET_SECONDS must be at least 1.")
    if settings.PAY_TOKEN_TYPE not in PAY_TOKEN_TYPES:
        problems.append(f"PAY_TOKEN_TYPE must be one of {', '.join(PAY_TOKEN_TYPES)}.")
    if settings.PAY_MAX_ATTEMPTS not in PAY_MAX_ATTEMPTS:
        problems.append("PAY_MAX_ATTEMPTS must be 1, 2 or 3.")
    if settings.PAY_CHARGE_AMOUNT:
        try:
            amount = Decimal(settings.PAY_CHARGE_AMOUNT)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or not 0 < amount <= 1_000_000 or amount.as_tuple().exponent < -2:
            problems.append("PAY_CHARGE_AMOUNT must be an amount above 0 and at most 1000000, with two decimals.")
    kinds = SENSITIVE_TYPES | {UNREADABLE}
    for kind, fate in settings.RECORDING_SENSITIVE_POLICY.items():
        if kind not in kinds or fate not in (DELETE, QUARANTINE):
            problems.append(
                f"RECORDING_SENSITIVE_POLICY: {kind!r} must be one of {', '.join(sorted(kinds))}, "
                f"each {DELETE} or {QUARANTINE}."
            )
    return [Error(problem, id="calls.E003") for problem in problems]
