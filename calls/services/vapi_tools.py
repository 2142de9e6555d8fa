"""The assistant's tools: ``record_consent``, ``transfer_to_human``,
``schedule_callback`` and the sensitive-capture pair.

Each tool has two halves. ``reply`` runs in the request, within the
configured budget: it reads the arguments and says what will happen, or
why it can't, in one line. ``apply`` runs in the worker from the inbox, where
the tool call was stored before the reply went out: it does the work. A
reply that misses its budget answers that the request is being processed;
the work is done all the same, because it never depended on the reply, and
its one-line result is then told to the live call
(``calls.services.vapi_control``). A tool declared async (Vapi's ``async``:
the assistant does not wait for it) is answered at once without being read,
and its result always arrives that way.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ReplyTimeout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.utils.dateparse import parse_datetime

from calls import ivr
from calls.serializers.fields import received_now

logger = logging.getLogger(__name__)

PROCESSING = "Your request is being processed; I'll confirm once it is done."
# What an async tool is answered; Vapi does not wait for it, nor read it.
ACCEPTED = "Request accepted; its result will follow."
# Replies are quick, pure functions; the pool only bounds how long one may take.
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="vapi-tool")


class BadArguments(ValueError):
    """The tool was called with arguments it can't use; the message says why
    and is safe to speak (it never repeats the arguments)."""


@dataclass(frozen=True)
class ToolContext:
    customer_number: str


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    read: Callable[[dict[str, Any], ToolContext], dict[str, Any]]
    reply: Callable[[dict[str, Any]], str]
    # Where waiting serves no one: the assistant moves on, and the result
    # is told to the call once the work is done.
    asynchronous: bool = False

    def definition(self, server_url: str) -> dict[str, Any]:
        """The tool as an assistant configuration declares it."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
            "server": {"url": server_url},
            **({"async": True} if self.asynchronous else {}),
        }


def arguments_of(raw: Any) -> dict[str, Any]:
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise BadArguments("The arguments are not valid JSON.") from None
    if not isinstance(raw, dict):
        raise BadArguments("The arguments must be an object.")
    return raw


def _string(arguments: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = arguments.get(name)
    if value is None or value == "":
        if required:
            raise BadArguments(f"Missing argument: {name}.")
        return ""
    if not isinstance(value, str) or len(value) > 500:
        raise BadArguments(f"Argument {name} must be a short text.")
    return value.strip()


# --- record_consent ---------------------------------------------------------------------

_CONSENT_WORDS = {
    "granted": "granted",
    "grant": "granted",
    "yes": "granted",
    "declined": "declined",
    "decline": "declined",
    "no": "declined",
}


def _read_consent(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    decision = _CONSENT_WORDS.get(_string(arguments, "decision").lower())
    if decision is None:
        raise BadArguments("decision must be 'granted' or 'declined'.")
    return {"decision": decision}


def _reply_consent(values: dict[str, Any]) -> str:
    if values["decision"] == "granted":
        return "Consent recorded: the caller agreed to recording."
    return "Consent recorded: the caller declined recording; the call will not be recorded."


# --- transfer_to_human ------------------------------------------------------------------


def _read_transfer(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    department = _string(arguments, "department").lower()
    if department not in (*settings.IVR_DEPARTMENTS, ivr.OPERATOR):
        raise BadArguments(f"department must be one of: {', '.join([*settings.IVR_DEPARTMENTS, ivr.OPERATOR])}.")
    # The reason is free text from the conversation and may quote the
    # caller: it is checked for presence, never stored.
    _string(arguments, "reason", required=False)
    return {"department": department}


def _reply_transfer(values: dict[str, Any]) -> str:
    return f"Transferring the caller to {values['department']}."


# --- schedule_callback --------------------------------------------------------------------


def _read_callback(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    written = _string(arguments, "when")
    try:
        when = parse_datetime(written)
        # In range once in UTC too: an offset can carry a time past year 9999.
        when = when if when is not None and when.tzinfo is not None and when.astimezone(UTC) else None
    except (ValueError, OverflowError):
        when = None
    if when is None:
        raise BadArguments("when must be an ISO 8601 date-time with a time zone, like 2026-11-22T15:00:00-05:00.")
    # The time the call asked, not the time a worker reads it: the tool
    # call is judged again when it is applied, maybe minutes later.
    now = received_now()
    if when <= now:
        raise BadArguments("when must be in the future.")
    if when > now + timedelta(days=settings.CALLBACK_MAX_DAYS_AHEAD):
        raise BadArguments(f"when must be within {settings.CALLBACK_MAX_DAYS_AHEAD} days.")
    phone = _string(arguments, "phone", required=False) or context.customer_number
    if not phone:
        raise BadArguments("No phone number to call back: ask the caller for one.")
    try:
        parsed = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        raise BadArguments("phone is not a phone number.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise BadArguments("phone is not a valid phone number.")
    return {
        "due_at": when.isoformat(),
        "phone": phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
    }


def _reply_callback(values: dict[str, Any]) -> str:
    due_at = datetime.fromisoformat(values["due_at"])
    return f"Callback scheduled for {due_at.strftime('%A %B %d at %H:%M %Z').strip()} ({due_at.isoformat()})."


# --- begin_sensitive_capture, end_sensitive_capture ----------------------------------------

CAPTURE_KINDS = ("card", "bank", "identity")


def _read_capture(arguments: dict[str, Any], context: ToolContext) -> dict[str, Any]:
    kind = _string(arguments, "kind", required=False).lower() or "card"
    if kind not in CAPTURE_KINDS:
        raise BadArguments(f"kind must be one of: {', '.join(CAPTURE_KINDS)}.")
    return {"kind": kind}


def _reply_begin_capture(values: dict[str, Any]) -> str:
    return "Recording paused. You may ask for the numbers now; call end_sensitive_capture once you have them."


def _reply_end_capture(values: dict[str, Any]) -> str:
    return "Recording resumed."


_CAPTURE_PARAMETERS = {
    "type": "object",
    "properties": {"kind": {"type": "string", "enum": list(CAPTURE_KINDS)}},
}


TOOLS = {
    tool.name: tool
    for tool in (
        Tool(
            "record_consent",
            "Record whether the caller agrees to the call being recorded. Call it as soon as they answer.",
            {
                "type": "object",
                "properties": {"decision": {"type": "string", "enum": ["granted", "declined"]}},
                "required": ["decision"],
            },
            _read_consent,
            _reply_consent,
        ),
        Tool(
            "transfer_to_human",
            "Hand the caller to a person in a department.",
            {
                "type": "object",
                "properties": {
                    "department": {"type": "string", "enum": ["sales", "support", "billing", "operator"]},
                    "reason": {"type": "string", "description": "Why, in a few words, without personal details."},
                },
                "required": ["department"],
            },
            _read_transfer,
            _reply_transfer,
        ),
        Tool(
            "schedule_callback",
            "Schedule a call back to the caller at a given time.",
            {
                "type": "object",
                "properties": {
                    "when": {"type": "string", "description": "ISO 8601 date-time with time zone."},
                    "phone": {"type": "string", "description": "Number to call; the caller's own if omitted."},
                },
                "required": ["when"],
            },
            _read_callback,
            _reply_callback,
            # Placing the call is the work of a later day: nothing to wait for now.
            asynchronous=True,
        ),
        Tool(
            "begin_sensitive_capture",
            "Pause the call recording. Call it just before asking for a card number, security code, expiry date, "
            "bank account or social security number, and wait for its result before you ask.",
            _CAPTURE_PARAMETERS,
            _read_capture,
            _reply_begin_capture,
        ),
        Tool(
            "end_sensitive_capture",
            "Resume the call recording. Call it as soon as the caller has given the numbers you asked for.",
            _CAPTURE_PARAMETERS,
            _read_capture,
            _reply_end_capture,
        ),
    )
}


@dataclass(frozen=True)
class ToolOutcome:
    """``result`` or ``error``: one line, safe to speak. ``values`` are the
    read arguments the worker applies (None when they were bad)."""

    result: str | None = None
    error: str | None = None
    values: dict[str, Any] | None = None


def tool_label(name: str) -> str:
    """A tool's name for a log line: ours, or "(unknown)"; a name the model
    made up is its text, not ours to log."""
    return name if name in TOOLS else "(unknown)"


def tool_read(name: str, raw_arguments: Any, context: ToolContext) -> dict[str, Any]:
    tool = TOOLS.get(name)
    if tool is None:
        raise BadArguments(f"Unknown tool: {name[:64]}.")
    return tool.read(arguments_of(raw_arguments), context)


def tool_is_async(name: str) -> bool:
    tool = TOOLS.get(name)
    return tool is not None and tool.asynchronous


def tool_result_line(name: str, values: dict[str, Any]) -> str:
    """The one line a tool's result is said in, from arguments already read:
    what its reply would have carried."""
    return _one_line(TOOLS[name].reply(values))


def tool_error_line(error: BadArguments) -> str:
    """The one line a refused tool call is said in, as its reply's error."""
    return _one_line(str(error))


def tool_reply(name: str, raw_arguments: Any, context: ToolContext) -> ToolOutcome:
    """Read the arguments and word the reply, within VAPI_TOOL_BUDGET_SECONDS;
    an async tool is answered at once, unread (the worker reads it)."""
    if tool_is_async(name):
        return ToolOutcome(result=ACCEPTED)

    def work() -> ToolOutcome:
        try:
            values = tool_read(name, raw_arguments, context)
        except BadArguments as error:
            return ToolOutcome(error=str(error))
        return ToolOutcome(result=TOOLS[name].reply(values), values=values)

    # In this request's context: the tool judges times against its receipt.
    future = _POOL.submit(contextvars.copy_context().run, work)
    try:
        outcome = future.result(timeout=settings.VAPI_TOOL_BUDGET_SECONDS)
    except ReplyTimeout:
        logger.warning("vapi.tool_over_budget", extra={"tool": tool_label(name)})
        return ToolOutcome(result=PROCESSING)
    return ToolOutcome(
        result=_one_line(outcome.result) if outcome.result else None,
        error=_one_line(outcome.error) if outcome.error else None,
        values=outcome.values,
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]
