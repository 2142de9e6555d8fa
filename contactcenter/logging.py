"""One-line structured log records: the event name, then ``key=value`` pairs
from ``extra``. Code logs ids and counts this way, never payload values."""

from __future__ import annotations

import logging

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class StructuredFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(fmt="%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        extras = {key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES}
        if extras:
            line += " " + " ".join(f"{key}={value}" for key, value in sorted(extras.items()))
        return line
