"""Destruction certificates: evidence that data was destroyed, written once.

A certificate names the class of data, why it went (retention, erasure,
card data in a recording, …), the run, how many, from when to when, a
SHA-256 over the sorted ids destroyed, and what failed; each is appended to
the audit chain. Shared by retention, erasure and recording review; it
knows nothing of calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from .audit import audit_record
from .models import DestructionCertificate


class Tally:
    """Counts destroyed ids as they go, oldest first, without keeping them:
    the hash is over the ids in ascending order, one per line."""

    def __init__(self) -> None:
        self.count = 0
        self.digest = hashlib.sha256()
        self.oldest: datetime | None = None
        self.newest: datetime | None = None
        self.failures: list[dict[str, object]] = []

    def add(self, rows: Iterable[tuple[int, datetime | None]]) -> None:
        for pk, moment in rows:
            self.count += 1
            self.digest.update(f"{pk}\n".encode())
            if moment is not None:
                self.oldest = moment if self.oldest is None else min(self.oldest, moment)
                self.newest = moment if self.newest is None else max(self.newest, moment)

    def fail(self, pk: int, error: Exception) -> None:
        self.failures.append({"id": pk, "error": type(error).__name__})


def certify(*, data_class: str, reason: str, run_id: str, tally: Tally) -> DestructionCertificate | None:
    if not tally.count and not tally.failures:
        return None
    with transaction.atomic():
        certificate = DestructionCertificate.objects.create(
            data_class=data_class,
            reason=reason,
            run_id=run_id,
            count=tally.count,
            oldest=tally.oldest,
            newest=tally.newest,
            ids_sha256=tally.digest.hexdigest(),
            failures=tally.failures,
        )
        audit_record(
            f"{reason}.purged",
            object_type="destruction_certificate",
            object_id=certificate.pk,
            object_repr=data_class,
            details={"data_class": data_class, "count": tally.count, "failures": len(tally.failures), "run_id": run_id},
        )
    return certificate
