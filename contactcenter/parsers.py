"""The JSON parser of every endpoint that reads JSON: webhooks and the API.

DRF's parser, refusing what its decoder lets through but nothing here can
handle: documents nested deeper than MAX_JSON_DEPTH (Python's decoder fails
on very deep nesting with a RecursionError, not a parse error, and nothing
Vapi or an API client sends nests beyond a dozen levels), and strings or
keys that are not storable text: a lone surrogate (``"\\ud800"`` decodes, but
can't be encoded as UTF-8) or NUL (which PostgreSQL can't store). Each is a
400, before any view code runs.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 64
# A character PostgreSQL can't store (NUL) or UTF-8 can't encode (a surrogate).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON nested too deeply.") from None
        check_document(data)
        return data


def check_document(value: Any) -> None:
    """Walk a decoded document without recursion; raise ``ParseError`` if
    it nests too deeply or holds text that can't be stored."""
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, str):
            if UNSTORABLE.search(node):
                raise exceptions.ParseError("JSON text holds a character that can't be stored.")
            continue
        if isinstance(node, dict):
            children = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError("JSON nested too deeply.")
        pending.extend((child, depth + 1) for child in children)
