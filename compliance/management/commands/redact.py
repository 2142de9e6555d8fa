"""Redact utterances from standard input, one per line, as JSON lines.

    echo "my SSN is 123-45-6789" | python manage.py redact
    {"redacted": "my SSN is [SSN]", "entities": [{"type": "SSN", "start": 10, "end": 21, "score": 0.9}]}

The engine loads once per process. Output lines match input lines one to
one and in order; an empty line gives an empty result.
"""

from __future__ import annotations

import io
import json
import sys

from django.core.management.base import BaseCommand

from compliance.redaction import get_redactor


class Command(BaseCommand):
    help = "Redact UTF-8 text from stdin, one utterance per line, writing one JSON object per line."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--known-name", action="append", default=[], help="A party name to redact (repeatable).")

    def handle(self, *args: object, **options: object) -> None:
        redactor = get_redactor()
        known_names = tuple(options["known_name"])
        source = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
        for line in source:
            utterance = line.rstrip("\r\n")
            redaction = redactor.redact(utterance, known_names=known_names)
            record = {
                "redacted": redaction.text,
                "entities": [
                    {"type": entity.type, "start": entity.start, "end": entity.end, "score": round(entity.score, 4)}
                    for entity in redaction.entities
                ],
            }
            self.stdout.write(json.dumps(record, ensure_ascii=False))
            self.stdout.flush()
