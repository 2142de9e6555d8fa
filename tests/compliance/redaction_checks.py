"""What a redaction hides, for the tests of what it must hide and keep."""

from __future__ import annotations

import re

from compliance.redaction import redact
from compliance.redaction.normalize import FILLER_WORDS


def hidden(text: str, context: str = "") -> set[int]:
    return {
        position for entity in redact(text, context=context).entities for position in range(entity.start, entity.end)
    }


def all_hidden(text: str, part: str, *, context: str = "", everywhere: bool = False) -> bool:
    """Every word of ``part`` (where it first occurs in ``text``, or wherever it
    does) is hidden, ``context`` read before the text; a hesitation inside it
    ("five five, um, five") carries nothing of the value."""
    covered = hidden(text, context)
    starts = [said.start() for said in re.finditer(re.escape(part), text)] if everywhere else [text.index(part)]
    return all(
        all(position in covered for position in range(start + word.start(), start + word.end()))
        for start in starts
        for word in re.finditer(r"[^\W_]+", part)
        if word.group().lower() not in FILLER_WORDS
    )
