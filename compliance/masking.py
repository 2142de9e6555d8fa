"""Masking for values shown to people or written to evidence."""

from __future__ import annotations

import re


def mask_phone(number: str | None) -> str:
    """``+14155550100`` becomes ``+1 415 ••• ••00``: enough to tell numbers
    apart on screen, not enough to dial."""
    if not number:
        return ""
    digits = re.sub(r"\D", "", number)
    if number.startswith("+1") and len(digits) == 11:
        return f"+1 {digits[1:4]} ••• ••{digits[-2:]}"
    if len(digits) <= 4:
        return "•" * len(digits)
    prefix = "+" if number.startswith("+") else ""
    return f"{prefix}{digits[:2]} {'•' * (len(digits) - 4)}{digits[-2:]}"


# --- Masking free text in logs -------------------------------------------------
#
# A safety net, not a licence: code logs ids and counts. These patterns are
# deliberately broad (any 13-19 digit run is a card, any 10+ digit run a
# phone) because a false mask in a log costs nothing.

# Cheap test run first on every line: a line with none of these can't hold
# anything masked below, and most log lines are like that.
_SUSPICIOUS = re.compile(r"\d[\d\s().-]{5,}\d|@|[0-9a-fA-F]{32}|\b(?:Basic|Bearer)\s", re.ASCII)
_LOG_PATTERNS = (
    (re.compile(r"\b(?:Basic|Bearer)\s+[A-Za-z0-9+/=._-]{8,}"), "[CREDENTIAL]"),
    # Bounded as RFC 5321 bounds them (local part 64, label 63), so a long
    # run of letters costs linear time, not quadratic.
    (re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}"), "[EMAIL]"),
    (re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"), "[SSN]"),
    (re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w.])"), "[CARD]"),
    (re.compile(r"(?<![\w.])\+?\(?\d{1,3}\)?(?:[\s.-]?\(?\d{2,4}\)?){2,5}(?![\w.])"), "[PHONE]"),
    # Twilio auth tokens and other 32-hex secrets; a SID's "CA"/"AC" prefix keeps it apart.
    (re.compile(r"(?<![A-Za-z0-9])[0-9a-fA-F]{32}(?![A-Za-z0-9])"), "[SECRET]"),
)
_PHONE_DIGITS = re.compile(r"\d")


def mask_text(text: str, *, secrets: tuple[str, ...] = ()) -> str:
    """Mask card numbers, phone numbers, e-mail addresses, SSNs, credentials
    and the given secret values in free text."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, "[SECRET]")
    if not _SUSPICIOUS.search(text):
        return text
    for pattern, placeholder in _LOG_PATTERNS:
        if placeholder == "[PHONE]":
            text = pattern.sub(lambda match: _phone_or_not(match.group()), text)
        else:
            text = pattern.sub(placeholder, text)
    return text


def _phone_or_not(candidate: str) -> str:
    """Ten or more digits look like a phone number; fewer are left alone
    (ids, counts, timestamps' parts)."""
    return "[PHONE]" if len(_PHONE_DIGITS.findall(candidate)) >= 10 else candidate
