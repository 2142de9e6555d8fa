"""What the IVR says and how it reads the caller's answers.

Pure functions: no database, no network. The webhook answer and the worker
both call them, so a redelivered gather is read the same way twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from compliance.models import ConsentDecision, ConsentMethod

# The words played for each prompt version. A version is evidence: once
# calls have heard it, its text never changes; new wording is a new version.
CONSENT_PROMPTS = {
    "2026-11-v1": (
        "Thank you for calling. With your permission, this call will be recorded "
        "for quality and compliance. To allow recording, press 1 or say yes. "
        "To continue without recording, press 2 or say no."
    ),
}
MENU_PROMPT = (
    "For sales, press 1 or say sales. For support, press 2 or say support. For billing, press 3 or say billing."
)
PAYMENT_PROMPT = " To make a payment with your keypad, press 4 or say payment."
PAYMENT_INSTRUCTIONS = (
    "You can now enter your card on your telephone keypad. For your security, this part of the call is not recorded."
)

CONSENT_DIGITS = {"1": ConsentDecision.GRANTED, "2": ConsentDecision.DECLINED}
_YES = frozenset({"yes", "yeah", "yep", "sure", "okay", "ok", "agree", "consent", "allow", "accept", "fine"})
_NO = frozenset({"no", "nope", "not", "don't", "dont", "decline", "refuse", "disagree", "deny", "never"})

DEPARTMENT_DIGITS = {"1": "sales", "2": "support", "3": "billing"}
_DEPARTMENT_WORDS = {
    "sales": frozenset({"sales", "sale", "buy", "purchase", "pricing", "sell"}),
    "support": frozenset({"support", "help", "technical", "tech", "problem", "broken", "service"}),
    "billing": frozenset({"billing", "bill", "invoice", "payment", "pay", "charge", "refund", "account"}),
}
OPERATOR = "operator"
# The escalation line, as a transfer the assistant asks for.
ESCALATION = "escalation"
# The keypad payment, when PAY_ENABLED: a choice of the menu, not a department.
PAYMENT = "payment"
PAYMENT_DIGIT = "4"
_PAYMENT_WORDS = frozenset({"payment", "pay", "card"})
# The Vapi assistant, when the hand-off is configured (calls.services.handoff).
ASSISTANT = "assistant"
ASSISTANT_DIGIT = "5"
ASSISTANT_PROMPT = " To talk to our virtual assistant, press 5 or say assistant."
_ASSISTANT_WORDS = frozenset({"assistant", "virtual", "automated", "bot", "ai"})

_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class ConsentAnswer:
    decision: ConsentDecision
    method: ConsentMethod


def _words(speech: str) -> set[str]:
    return set(_WORD.findall(speech.lower()))


def interpret_consent(*, digits: str, speech: str, confidence: float | None) -> ConsentAnswer | None:
    """A clear yes or no, or None when the answer must be asked again.

    Keypad input wins over speech. Speech counts only at or above
    CONSENT_SPEECH_MIN_CONFIDENCE, and an answer holding both a yes-word and
    a no-word ("yes, I mean no") is not clear: consent must be unambiguous.
    """
    if digits:
        decision = CONSENT_DIGITS.get(digits)
        return ConsentAnswer(decision, ConsentMethod.DTMF) if decision else None
    if not speech or confidence is None or confidence < settings.CONSENT_SPEECH_MIN_CONFIDENCE:
        return None
    words = _words(speech)
    said_yes, said_no = bool(words & _YES), bool(words & _NO)
    if said_yes and not said_no:
        return ConsentAnswer(ConsentDecision.GRANTED, ConsentMethod.SPEECH)
    if said_no and not said_yes:
        return ConsentAnswer(ConsentDecision.DECLINED, ConsentMethod.SPEECH)
    return None


def handoff_enabled() -> bool:
    """Whether the IVR hands callers to the Vapi assistant at all."""
    return bool(settings.VAPI_SIP_URI) and settings.HANDOFF_ROUTE != "off"


def handoff_after_consent(*, called: str) -> bool:
    """Whether a caller goes to the assistant as soon as consent is settled:
    the default route, or a called number routed to it (HANDOFF_NUMBERS)."""
    return handoff_enabled() and (settings.HANDOFF_ROUTE == "default" or called in settings.HANDOFF_NUMBERS)


def menu_prompt() -> str:
    return (
        MENU_PROMPT + (PAYMENT_PROMPT if settings.PAY_ENABLED else "") + (ASSISTANT_PROMPT if handoff_enabled() else "")
    )


def interpret_menu(*, digits: str, speech: str, confidence: float | None) -> str | None:
    """The department chosen, ``PAYMENT`` for a keypad payment (when
    PAY_ENABLED), ``ASSISTANT`` for the Vapi assistant (when the hand-off is
    configured), or None when the menu must be played again."""
    paying, handing_off = settings.PAY_ENABLED, handoff_enabled()
    if digits:
        if paying and digits == PAYMENT_DIGIT:
            return PAYMENT
        if handing_off and digits == ASSISTANT_DIGIT:
            return ASSISTANT
        return DEPARTMENT_DIGITS.get(digits)
    if not speech or confidence is None or confidence < settings.MENU_SPEECH_MIN_CONFIDENCE:
        return None
    words = _words(speech)
    vocabularies = {
        **_DEPARTMENT_WORDS,
        **({PAYMENT: _PAYMENT_WORDS} if paying else {}),
        **({ASSISTANT: _ASSISTANT_WORDS} if handing_off else {}),
    }
    if paying:
        # "payment" asks for the keypad; billing keeps the rest of its words.
        vocabularies["billing"] = vocabularies["billing"] - _PAYMENT_WORDS
    matches = [choice for choice, vocabulary in vocabularies.items() if words & vocabulary]
    return matches[0] if len(matches) == 1 else None


def department_number(department: str) -> str:
    if department == OPERATOR:
        return settings.IVR_OPERATOR_NUMBER
    return settings.IVR_DEPARTMENTS[department]


_DIALLED = re.compile(r"^(?:<)?(?:tel:|sips?:)?(\+?[0-9]{3,15})(?:[@;?>].*)?$", re.IGNORECASE)


def transfer_target(refer_to: str) -> str:
    """Where a transfer asked by the assistant (a SIP REFER's target) may
    go: a department, the escalation line or the operator, by its number.
    Anything else, a number this service does not own among them, goes to
    the operator: the target comes from the wire and is never dialled as it is."""
    match = _DIALLED.match(refer_to.strip())
    number = match.group(1) if match else ""
    for department, configured in settings.IVR_DEPARTMENTS.items():
        if number == configured:
            return department
    if number and number == settings.ESCALATION_NUMBER:
        return ESCALATION
    return OPERATOR


def transfer_number(target: str) -> str:
    if target == ESCALATION:
        return settings.ESCALATION_NUMBER
    return department_number(target)
