"""Masking for values shown to people or written to evidence."""

from __future__ import annotations

import re

_DIGIT = re.compile(r"\d")


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


def mask_digits(text: str) -> str:
    """Replace every digit with ``#``: spoken answers keep their shape
    ("yes, 1") without carrying numbers such as a card or a phone."""
    return _DIGIT.sub("#", text)
