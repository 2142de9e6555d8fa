"""TwiML documents, built with the twilio library's VoiceResponse.

Action and callback URLs are absolute, on PUBLIC_BASE_URL: Twilio signs
exactly the URL it posts to, and the webhook views check against the same
base, so what is written here is what gets verified.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from twilio.twiml.voice_response import VoiceResponse

from compliance.models import ConsentDecision

from . import ivr

GATHER_TIMEOUT_SECONDS = 6
DIAL_STATUS_EVENTS = "initiated ringing answered completed"
# <Dial>'s DialCallStatus values for a leg that was answered, and for one
# the caller gave up on (they hung up while it rang): nobody to put through.
HANDOFF_CONNECTED = frozenset({"completed", "answered"})
HANDOFF_ABANDONED = "canceled"


def public_url(name: str, **query: object) -> str:
    url = settings.PUBLIC_BASE_URL + reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def _say(verb: VoiceResponse, text: str) -> None:
    verb.say(text, voice=settings.IVR_VOICE)


def _gather(response: VoiceResponse, *, text: str, action: str, hints: str) -> None:
    gather = response.gather(
        input="dtmf speech",
        action=action,
        method="POST",
        num_digits=1,
        timeout=GATHER_TIMEOUT_SECONDS,
        speech_timeout="auto",
        action_on_empty_result=True,
        hints=hints,
    )
    _say(gather, text)


def consent_prompt(*, attempt: int, prompt_version: str) -> str:
    response = VoiceResponse()
    action = public_url("twilio-gather", step="consent", attempt=attempt, prompt=prompt_version)
    text = ivr.CONSENT_PROMPTS[prompt_version]
    if attempt > 1:
        text = "Sorry, I didn't catch that. " + text
    _gather(response, text=text, action=action, hints="yes, no")
    return str(response)


def _menu(response: VoiceResponse, *, attempt: int) -> None:
    text = ivr.menu_prompt() if attempt == 1 else "Sorry, I didn't catch that. " + ivr.menu_prompt()
    _gather(
        response,
        text=text,
        action=public_url("twilio-gather", step="menu", attempt=attempt),
        hints="sales, support, billing" + (", payment" if settings.PAY_ENABLED else ""),
    )


def after_consent(*, decision: ConsentDecision | None, assistant: str = "") -> str:
    """What the caller hears once consent is settled (or could not be):
    the menu, or, given the assistant's SIP URI, the hand-off to it."""
    response = VoiceResponse()
    if decision == ConsentDecision.GRANTED:
        _say(response, "Thank you. This call will be recorded.")
    elif decision == ConsentDecision.DECLINED:
        _say(response, "Understood. This call will not be recorded.")
    else:
        _say(response, "We could not confirm your permission, so this call will not be recorded.")
    if assistant:
        _handoff(response, assistant)
    else:
        _menu(response, attempt=1)
    return str(response)


def handoff(*, assistant: str) -> str:
    response = VoiceResponse()
    _handoff(response, assistant)
    return str(response)


def _handoff(response: VoiceResponse, assistant: str) -> None:
    """The caller to the Vapi assistant over SIP (``assistant`` carries the
    signed reference to this call). The leg's statuses come to the status
    webhook; when it ends or fails, the Dial action decides what follows;
    a transfer the assistant asks for (a SIP REFER) comes to the refer webhook."""
    _say(response, "Connecting you to our virtual assistant.")
    dial = response.dial(
        action=public_url("twilio-handoff"),
        method="POST",
        answer_on_bridge=True,
        timeout=settings.HANDOFF_DIAL_TIMEOUT_SECONDS,
        refer_url=public_url("twilio-refer"),
        refer_method="POST",
    )
    credentials = (
        {"username": settings.VAPI_SIP_USERNAME, "password": settings.VAPI_SIP_PASSWORD}
        if settings.VAPI_SIP_USERNAME
        else {}
    )
    dial.sip(
        assistant,
        status_callback=public_url("twilio-status"),
        status_callback_event=DIAL_STATUS_EVENTS,
        status_callback_method="POST",
        **credentials,
    )


def handoff_outcome(*, status: str) -> str:
    """After the assistant's leg: a conversation that took place is over
    (the assistant hung up, or the caller did), as is a call whose caller
    hung up while the leg rang; a leg that never connected sends the caller
    to the operator."""
    response = VoiceResponse()
    if status in HANDOFF_CONNECTED or status == HANDOFF_ABANDONED:
        response.hangup()
    else:
        _say(response, "Our virtual assistant is not available right now. Connecting you to an operator.")
        _dial(response, settings.IVR_OPERATOR_NUMBER)
    return str(response)


def transfer(*, target: str) -> str:
    """A transfer the assistant asked for, to the number this service keeps for ``target``."""
    response = VoiceResponse()
    _dial(response, ivr.transfer_number(target))
    return str(response)


def menu_prompt(*, attempt: int) -> str:
    response = VoiceResponse()
    _menu(response, attempt=attempt)
    return str(response)


def connect(*, department: str) -> str:
    response = VoiceResponse()
    if department == ivr.OPERATOR:
        _say(response, "Connecting you to an operator.")
    else:
        _say(response, f"Connecting you to {department}.")
    _dial(response, ivr.department_number(department))
    return str(response)


def payment() -> str:
    """Keypad card capture with Twilio <Pay>, through the payment connector
    configured in the Twilio console. The recording is paused around it by
    this service (calls.services.capture), whatever Twilio does on its own."""
    response = VoiceResponse()
    _say(response, ivr.PAYMENT_INSTRUCTIONS)
    options = {"charge_amount": settings.PAY_CHARGE_AMOUNT} if settings.PAY_CHARGE_AMOUNT else {}
    response.pay(
        input="dtmf",
        action=public_url("twilio-pay"),
        payment_connector=settings.PAY_CONNECTOR,
        token_type=settings.PAY_TOKEN_TYPE,
        currency=settings.PAY_CURRENCY,
        description=settings.PAY_DESCRIPTION,
        valid_card_types=settings.PAY_VALID_CARD_TYPES,
        timeout=settings.PAY_TIMEOUT_SECONDS,
        max_attempts=settings.PAY_MAX_ATTEMPTS,
        security_code=True,
        postal_code=False,
        **options,
    )
    return str(response)


def payment_outcome(*, result: str) -> str:
    """What the caller hears once <Pay> is over. A failed or abandoned payment
    goes to a person in billing; a caller who hung up hears nothing."""
    response = VoiceResponse()
    if result == "success":
        _say(response, "Thank you. Your payment has been received. Goodbye.")
        response.hangup()
    elif result != "caller-hung-up":
        reasons = {
            "caller-interrupted-with-star": "Payment cancelled.",
            "too-many-failed-attempts": "We could not take that card.",
            "validation-error": "We could not take that card.",
        }
        _say(response, reasons.get(result, "We could not process your payment right now."))
        _say(response, "Connecting you to billing.")
        _dial(response, ivr.department_number("billing"))
    return str(response)


def apology() -> str:
    """Played when the application fails: the caller still reaches a person."""
    response = VoiceResponse()
    _say(response, "We're sorry, we're having trouble right now. Connecting you to an operator.")
    _dial(response, settings.IVR_OPERATOR_NUMBER)
    return str(response)


def _dial(response: VoiceResponse, number: str) -> None:
    dial = response.dial()
    dial.number(
        number,
        status_callback=public_url("twilio-status"),
        status_callback_event=DIAL_STATUS_EVENTS,
        status_callback_method="POST",
    )
