"""PII redaction for call transcripts.

``redact(text, known_names=())`` is the stable interface: it returns a
``Redaction`` whose ``.text`` has typed placeholders ([SSN], [CREDIT_CARD],
[PHONE], [EMAIL], [PERSON], …) and whose ``.entities`` give each entity's
type, score and span in the original text, never its value.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.conf import settings

from .engine import Entity, Redaction, Redactor

__all__ = ["Entity", "Redaction", "Redactor", "get_redactor", "redact"]


@functools.cache
def _redactor(spacy_model: str) -> Redactor:
    return Redactor(spacy_model=spacy_model)


def get_redactor() -> Redactor:
    """The process's engine, loaded on first use."""
    return _redactor(getattr(settings, "PII_SPACY_MODEL", ""))


def redact(text: str, *, known_names: Iterable[str] = ()) -> Redaction:
    return get_redactor().redact(text, known_names=tuple(known_names))
