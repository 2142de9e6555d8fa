"""What the benchmark scripts share: Django on a PostgreSQL of their own.

DATABASE_URL if set, else a throwaway cluster from the local binaries
(durability off; see tests/pgserver.py), removed when the block ends.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@contextlib.contextmanager
def postgres(*, durable: bool = False) -> Iterator[str]:
    """Point Django's test settings at PostgreSQL; yields the database URL.
    Without DATABASE_URL, a throwaway cluster, ``durable`` or not
    (``tests.pgserver``)."""
    server = None
    if not os.environ.get("DATABASE_URL"):
        from tests.pgserver import PostgresServer

        server = PostgresServer(durable=durable).start()
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{server.port}/postgres"
    os.environ["DJANGO_SETTINGS_MODULE"] = "contactcenter.settings.test"
    os.environ["DJANGO_READ_DOT_ENV"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    try:
        yield os.environ["DATABASE_URL"]
    finally:
        if server is not None:
            if "django" in sys.modules:
                from django.db import connections

                connections.close_all()
            server.stop()
            del os.environ["DATABASE_URL"]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99."""
    ordered = sorted(samples)
    pick = lambda fraction: ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), pick(0.99)


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    """CPU seconds per request of each part, between two ``Stack.cpu_seconds()`` readings."""
    return {part: (after[part] - before[part]) / requests for part in after}
