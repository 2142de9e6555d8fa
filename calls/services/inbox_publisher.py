"""Handing accepted inbox events to the broker, in batches, off the request.

A Celery message costs this process about a millisecond of CPU to publish
and the worker two or three to take (bench/README.md, ``load.py`` and
``tasks.py``), as much as applying a small delivery, and a message carrying
fifty event ids costs about as much as one carrying one. A webhook request
therefore only puts its event id on this process's queue and answers; a
background thread publishes whatever has gathered as one
``process_inbound_events`` message. When the server is quiet every id goes
out alone and at once, in the order the deliveries were accepted. When it
is busy (the last message went out less than ``INBOX_GATHER_SECONDS`` ago)
the ids gather until that long after it, so a process sends at most one
message in that time, and a delivery is applied that much later at most.
The default, a fifth of a second, gathers ids at the realistic pace of a
busy process (15 to 20 deliveries a second; a third fewer broker messages
than a twentieth of a second did), and is short beside what follows a
delivery's application: Twilio's REST call that starts a recording, a CRM
write. The system check holds it far inside the sweep's grace.

Nothing is lost when ids are lost here (the broker is down, the process is
killed before the thread has run): the events are pending in the inbox,
and the inbox sweep enqueues them once INBOX_SWEEP_GRACE_SECONDS have passed.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
EXIT_FLUSH_SECONDS = 5.0


class InboxPublisher:
    """One per process. ``submit`` never blocks and never raises; ``flush``
    waits until everything submitted has been handed to the broker (or
    given up on)."""

    def __init__(self, *, gather_seconds: float | None = None) -> None:
        self._gather_seconds = gather_seconds
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queue: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._unfinished = 0
        self._pid: int | None = None

    def submit(self, event_id: int) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._start()
            self._unfinished += 1
        self._queue.put(event_id)

    def flush(self, timeout: float) -> bool:
        """Whether everything submitted was dealt with within ``timeout`` seconds."""
        with self._idle:
            if self._pid != os.getpid():
                return True  # nothing submitted in this process (a fork inherits no thread)
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    def _start(self) -> None:
        # First use in this process, or the first after a fork: threads do
        # not survive a fork, and ids queued in the parent are the parent's.
        self._queue = queue.SimpleQueue()
        self._unfinished = 0
        self._pid = os.getpid()
        threading.Thread(target=self._run, args=(self._queue,), name="inbox-publisher", daemon=True).start()

    def _run(self, pending: queue.SimpleQueue[int]) -> None:
        from django.conf import settings

        gather_seconds = settings.INBOX_GATHER_SECONDS if self._gather_seconds is None else self._gather_seconds
        sent_at = float("-inf")
        while True:
            batch = [pending.get()]
            if (wait := sent_at + gather_seconds - time.monotonic()) > 0:
                time.sleep(wait)  # busy: what comes meanwhile goes with it
            sent_at = time.monotonic()
            while len(batch) < BATCH_SIZE:
                try:
                    batch.append(pending.get_nowait())
                except queue.Empty:
                    break
            self._publish(batch)
            with self._idle:
                self._unfinished -= len(batch)
                self._idle.notify_all()

    @staticmethod
    def _publish(batch: list[int]) -> None:
        from calls.tasks import process_inbound_events

        try:
            process_inbound_events.delay(batch)
        except Exception as error:  # noqa: BLE001  (the sweep enqueues them later)
            logger.warning("inbox.enqueue_failed", extra={"events": len(batch), "error": type(error).__name__})


publisher = InboxPublisher()
# A web worker that is stopped or recycled sends what it holds, rather than
# leaving it to the sweep.
atexit.register(publisher.flush, EXIT_FLUSH_SECONDS)
