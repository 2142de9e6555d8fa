"""System checks: an IVR or CRM misconfiguration is reported at start-up,
not by the first caller or the first delivery."""

from __future__ import annotations

import re
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


# Longer holds a call's record back from the CRM for minutes, in a message a worker keeps meanwhile.
CRM_SETTLE_MAX_SECONDS = 300
# Longer holds a call's record back from the CRM for an hour when Vapi's report never comes.
CRM_REPORT_WAIT_MAX_SECONDS = 3600


@register()
def crm_adapter_check(app_configs: object, **kwargs: object) -> list[Error]:
    if not 0 <= settings.CRM_SETTLE_SECONDS <= CRM_SETTLE_MAX_SECONDS:
        return [Error(f"CRM_SETTLE_SECONDS must be between 0 and {CRM_SETTLE_MAX_SECONDS}.", id="calls.E002")]
    if not 0 <= settings.CRM_REPORT_WAIT_SECONDS <= CRM_REPORT_WAIT_MAX_SECONDS:
        return [Error(f"CRM_REPORT_WAIT_SECONDS must be between 0 and {CRM_REPORT_WAIT_MAX_SECONDS}.", id="calls.E002")]
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


HANDOFF_ROUTES = ("off", "menu", "default")
# A SIP address with no parameters or headers of its own: the reference is added as a header.
SIP_ADDRESS = re.compile(r"^sips?:[^@?;\s]+@[^?;\s]+$")
# Twilio's bound on a <Sip> URI with its headers; <Dial>'s on the ring time.
SIP_URI_MAX_LENGTH = 255
DIAL_TIMEOUT_SECONDS = range(5, 601)
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@register()
def handoff_check(app_configs: object, **kwargs: object) -> list[Error]:
    """The hand-off to the assistant: a typo here strands callers between the IVR and Vapi."""
    from calls.serializers.twilio import TwilioCallSerializer
    from calls.services.handoff import handoff_sip_uri

    problems = []
    if settings.HANDOFF_ROUTE not in HANDOFF_ROUTES:
        problems.append(f"HANDOFF_ROUTE must be one of {', '.join(HANDOFF_ROUTES)}.")
    if settings.VAPI_SIP_URI:
        if not SIP_ADDRESS.match(settings.VAPI_SIP_URI):
            problems.append("VAPI_SIP_URI must be a SIP address, sip:<user>@<host>, without parameters or headers.")
        elif len(handoff_sip_uri(call_sid="CA" + "0" * 32)) > SIP_URI_MAX_LENGTH:
            problems.append(
                f"VAPI_SIP_URI is too long to carry the hand-off reference in {SIP_URI_MAX_LENGTH} characters."
            )
        elif len(settings.VAPI_SIP_URI) > TwilioCallSerializer().fields["To"].max_length:
            # The leg's status callbacks name it as their To, which is stored.
            problems.append("VAPI_SIP_URI is longer than a call's address can be stored.")
    if bool(settings.VAPI_SIP_USERNAME) != bool(settings.VAPI_SIP_PASSWORD):
        problems.append("VAPI_SIP_USERNAME and VAPI_SIP_PASSWORD are set together or not at all.")
    for number in settings.HANDOFF_NUMBERS:
        if not E164.match(number):
            problems.append("HANDOFF_NUMBERS must list numbers in E.164 form (+14155550100).")
            break
    if not 1 <= settings.HANDOFF_TTL_SECONDS <= 600:
        problems.append("HANDOFF_TTL_SECONDS must be between 1 and 600.")
    if settings.HANDOFF_DIAL_TIMEOUT_SECONDS not in DIAL_TIMEOUT_SECONDS:
        problems.append("HANDOFF_DIAL_TIMEOUT_SECONDS must be between 5 and 600.")
    return [Error(problem, id="calls.E004") for problem in problems]


# A host name, an address, or a name with a "*" standing for part of a label.
CONTROL_HOST = re.compile(r"^\.?[a-z0-9*]([a-z0-9*.-]*[a-z0-9*])?$|^\[[0-9a-f:]+\]$|^[0-9a-f:]+$")


@register()
def vapi_control_check(app_configs: object, **kwargs: object) -> list[Error]:
    """Telling live calls tool results: an entry that is no host (a URL, a
    scheme, a path) would refuse every control URL, silently but for the audit."""
    problems = []
    for entry in settings.VAPI_CONTROL_HOSTS:
        if not CONTROL_HOST.match(entry.strip().lower()):
            problems.append("VAPI_CONTROL_HOSTS must list host names (a '*' for part of a label), not URLs or paths.")
            break
    if not 1 <= settings.VAPI_CONTROL_MAX_ATTEMPTS <= 20:
        problems.append("VAPI_CONTROL_MAX_ATTEMPTS must be between 1 and 20.")
    return [Error(problem, id="calls.E005") for problem in problems]


# Longer would hold a busy process's deliveries back for seconds. The sweep's
# grace must also exceed it by far, or the sweep enqueues ids the publisher
# still holds.
INBOX_GATHER_MAX_SECONDS = 5.0


@register()
def inbox_check(app_configs: object, **kwargs: object) -> list[Error]:
    gather = settings.INBOX_GATHER_SECONDS
    if not 0 <= gather <= INBOX_GATHER_MAX_SECONDS:
        return [Error(f"INBOX_GATHER_SECONDS must be between 0 and {INBOX_GATHER_MAX_SECONDS:g}.", id="calls.E006")]
    if gather * 2 >= settings.INBOX_SWEEP_GRACE_SECONDS:
        return [Error("INBOX_GATHER_SECONDS must be under half of INBOX_SWEEP_GRACE_SECONDS.", id="calls.E006")]
    return []
