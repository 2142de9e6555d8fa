"""Turns hand-written, marked-up utterances into a labelled corpus.

    .venv/bin/python tests/compliance/corpus/markup.py SOURCE.txt OUTPUT.jsonl

Each line of the source is ``style<TAB>utterance``, or
``style<TAB>context<TAB>utterance`` where ``context`` is the turn said just
before, unmarked (empty for a call's first turn); blank lines and lines
starting with ``#`` are skipped. Where consecutive lines are turns of one
call, each line's context grows to the turns before it (``chain_turns``). In the utterance, ``[[TYPE|value]]`` marks a
value of personal data; the output holds the utterance without the marks and
each value's type and character offsets:

    raw	yeah it's [[PHONE|five five five two one two oh nine nine one]]
    → {"style": "raw", "text": "yeah it's five five …", "entities": [{"type": "PHONE", "start": 10, "end": …}]}
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

STYLES = ("formatted", "gather", "raw", "agent")
TYPES = (
    "PERSON", "PHONE", "EMAIL", "SSN", "CREDIT_CARD", "CVV", "CARD_EXPIRY", "BANK_ACCOUNT", "ROUTING_NUMBER",
    "DATE_OF_BIRTH", "ADDRESS", "ZIP_CODE", "ACCOUNT_ID", "PIN", "DRIVER_LICENSE", "PASSPORT",
)  # fmt: skip
# The turns before an utterance that the worker gives its redaction (compliance.redaction.CONTEXT_TURNS).
CONTEXT_TURNS = 3
_MARK = re.compile(r"\[\[([A-Z_]+)\|([^\]|]+)\]\]")


def parse(line: str) -> dict:
    fields = line.split("\t")
    style, marked, context = fields[0], fields[-1], fields[1] if len(fields) == 3 else None
    if len(fields) not in (2, 3) or style not in STYLES or not marked.strip():
        raise ValueError(f"expected 'style<TAB>[context<TAB>]utterance' with a style of {STYLES}: {line!r}")
    if context is not None and ("[[" in context or "]]" in context):
        raise ValueError(f"a context is unmarked: {line!r}")
    text, entities, position = [], [], 0
    length = 0
    for match in _MARK.finditer(marked):
        entity_type, value = match.groups()
        if entity_type not in TYPES:
            raise ValueError(f"unknown type {entity_type!r} in {line!r}")
        before = marked[position : match.start()]
        text.append(before)
        length += len(before)
        entities.append({"type": entity_type, "start": length, "end": length + len(value)})
        text.append(value)
        length += len(value)
        position = match.end()
    text.append(marked[position:])
    joined = "".join(text)
    if "[[" in joined or "]]" in joined:
        raise ValueError(f"unbalanced mark in {line!r}")
    record = {"style": style, "text": joined, "entities": entities}
    return record if context is None else {"style": style, "context": context, **record}


def convert(source: Path, output: Path) -> int:
    records = [
        parse(line)
        for line in source.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    chain_turns(records)
    output.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return len(records)


def chain_turns(records: list[dict]) -> None:
    """Give each turn the turns before it in its call, up to ``CONTEXT_TURNS``,
    one a line, oldest first, as the worker gives them: a context that is the
    utterance of the line before continues that line's context."""
    for previous, record in zip(records, records[1:], strict=False):
        if record.get("context") and record["context"] == previous["text"] and previous.get("context"):
            turns = [*previous["context"].split("\n"), record["context"]]
            record["context"] = "\n".join(turns[-CONTEXT_TURNS:])


if __name__ == "__main__":
    print(convert(Path(sys.argv[1]), Path(sys.argv[2])), "utterances")
