"""PII redaction for call transcripts.

``redact(text, known_names=(), context="")`` is the stable interface (the
context being the turns said just before, one a line, read but never
redacted): it returns a
``Redaction`` whose ``.text`` has typed placeholders ([SSN], [CREDIT_CARD],
[PHONE], [EMAIL], [PERSON], …) and whose ``.entities`` give each entity's
type, score and span in the original text, never its value.
``redact_turns(turns, known_names=(), context="")`` redacts a whole
conversation's turns in one pass of the engine, a ``Redaction`` for each.

The engine (Presidio and spaCy) is imported on first use, so processes that
never redact, such as the web server, don't load it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from .engine import Redaction, Redactor

__all__ = [
    "CONTEXT_TURNS", "Entity", "Redaction", "Redactor", "engines_loaded", "get_redactor", "redact", "redact_turns",
]  # fmt: skip

# How many turns before one its context holds: a value finished a turn after
# it began ("It's May…" / "…the 5th, 1997.") reads the question before both.
CONTEXT_TURNS = 3


def __getattr__(name: str) -> Any:
    if name in ("Entity", "Redaction", "Redactor"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(name)


@functools.cache
def _redactor(spacy_model: str) -> Redactor:
    from .engine import Redactor

    return Redactor(spacy_model=spacy_model)


def get_redactor() -> Redactor:
    """The process's engine, loaded on first use."""
    return _redactor(settings.PII_SPACY_MODEL)


def engines_loaded() -> int:
    """How many engines this process has loaded (one, once used): a process
    that keeps what it loads checks this to know when it grew."""
    return _redactor.cache_info().currsize


def redact(text: str, *, known_names: Iterable[str] = (), context: str = "") -> Redaction:
    return get_redactor().redact(text, known_names=tuple(known_names), context=context)


def redact_turns(turns: Sequence[str], *, known_names: Iterable[str] = (), context: str = "") -> list[Redaction]:
    return get_redactor().redact_turns(turns, known_names=tuple(known_names), context=context)
