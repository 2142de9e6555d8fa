"""When a caller needs a person now: urgent words and intents in what they
said. Pure functions; the worker applies them to final caller transcripts."""

from __future__ import annotations

import re

from django.conf import settings

# Intents that no single keyword names.
INTENTS = {
    "asked_for_human": re.compile(
        r"\b(?:speak|talk|get me)\s+(?:to|with)?\s*(?:a|an|some)?\s*(?:real\s+)?"
        r"(?:human|person|representative|rep|agent|someone|somebody)\b",
        re.IGNORECASE,
    ),
    "legal_threat": re.compile(r"\b(?:sue|suing|legal action|attorney|small claims)\b", re.IGNORECASE),
}


def escalation_trigger(text: str) -> str | None:
    """``keyword:<word>`` or ``intent:<name>`` for the first trigger found, or
    None. The trigger names a rule, never the caller's words."""
    lowered = text.lower()
    for word in settings.VAPI_ESCALATION_WORDS:
        if re.search(rf"\b{re.escape(word.lower())}\b", lowered):
            return f"keyword:{word.lower()}"[:64]
    for name, pattern in INTENTS.items():
        if pattern.search(text):
            return f"intent:{name}"
    return None
