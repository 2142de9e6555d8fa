"""Link committed audit events into the chain (``compliance.audit.audit_seal``).

Once, by default. With ``--follow``, it is the sealer process (``sealer`` in
the Procfile): it seals every ``--interval`` seconds until stopped, so an
event is in the chain within about that long of its commit. Any number of
sealers may run; they take turns. Verification, checkpoints and purges seal
before they read, and beat seals every minute, so nothing is lost if the
sealer is down, but events wait outside the chain meanwhile (the metric
``contactcenter_audit_oldest_unsealed_age_seconds`` shows it).
"""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from compliance.audit import audit_seal

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Link committed audit events into the hash chain; with --follow, keep doing so until stopped."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--follow", action="store_true", help="Keep sealing until SIGTERM or SIGINT.")
        parser.add_argument(
            "--interval", type=float, default=0.25, help="With --follow: seconds between rounds (default 0.25)."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        if not options["follow"]:
            self.stdout.write(f"sealed {audit_seal()} audit events")
            return
        interval = max(options["interval"], 0.01)
        # A plain flag: a handler that took a lock (Event.set) could wait on
        # the lock the interrupted main thread holds.
        stopping: list[int] = []
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda received, _frame: stopping.append(received))
        logger.info("audit.sealer_started", extra={"interval": interval})
        while not stopping:
            started = time.monotonic()
            try:
                close_old_connections()
                audit_seal(wait=False)
            except DatabaseError as error:
                # The database restarting or unreachable: say so, and try again next round.
                logger.error("audit.seal_failed", extra={"error": type(error).__name__})
                close_old_connections()
            if not stopping:
                time.sleep(max(interval - (time.monotonic() - started), 0))
        logger.info("audit.sealer_stopped")
