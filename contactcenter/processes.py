"""What a long-lived process does once it has loaded what it keeps.

A served process holds a few hundred thousand objects for as long as it
runs: Django's URLconf, views and serializers, the phone-number geocoder's
tables, and in a worker the redaction engine's lexicons and models.
Python's cyclic collector walks every one of them at each full collection,
and a full collection comes every minute or two under load: 40 ms of CPU in
a quiet web process, 129 ms under load (400 ms of wall time), about 100 ms
in a worker with the engine (bench/README.md, ``collector.py``), with every
thread of the process stalled meanwhile: an acknowledgement's tail.
``settle`` moves them out of the collector's reach (``gc.freeze``). They
are still freed by reference counting; only a reference cycle among them
that later becomes garbage stays, and the collection before the freeze
leaves none from loading.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what loading left, then keep every object alive now out of
    the cyclic collector's scans. Safe to call again: the objects made
    since the last call join the frozen ones."""
    gc.collect()
    gc.freeze()
