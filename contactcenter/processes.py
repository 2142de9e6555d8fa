"""What a long-lived process does once it has loaded what it keeps, and
how a process started with a lower priority keeps it.

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
import os
from pathlib import Path

AUTOGROUP = Path("/proc/self/autogroup")


def settle() -> None:
    """Collect what loading left, then keep every object alive now out of
    the cyclic collector's scans. Safe to call again: the objects made
    since the last call join the frozen ones."""
    gc.collect()
    gc.freeze()


def keep_niceness() -> bool:
    """Give this process's session the niceness the process was started
    with, where the kernel schedules sessions as groups; returns whether it
    did.

    Under Linux's autogroup scheduling (on in most distributions' kernels),
    each session is one group with an equal share of the CPU, and a
    niceness orders only the processes inside it. A process manager starts
    each process in a session of its own (honcho, ``make run``'s), so a
    worker started under ``nice`` (the Procfile's) took as much CPU as the
    web tier beside it: its applying delayed the acknowledgements it was
    meant to yield to (bench/README.md). The session's group is given the
    niceness only when no other process shares the session but the ones
    that started this one, which only wait for it (a shell, a ``nice``):
    never a process it would slow down with it."""
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness <= 0 or not AUTOGROUP.exists() or not _session_is_its_own():
        return False
    try:
        AUTOGROUP.write_text(str(niceness))
    except OSError:  # not allowed here (a container's seccomp, a security module)
        return False
    return True


def _session_is_its_own() -> bool:
    session, ancestors = os.getsid(0), _ancestors()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in ancestors:
            continue
        try:
            if os.getsid(int(entry.name)) == session:
                return False
        except OSError:  # gone since listed, or not ours to ask about
            continue
    return True


def _ancestors() -> set[int]:
    """This process and the ones that started it, up to the first."""
    chain, pid = set(), os.getpid()
    while pid > 1 and pid not in chain:
        chain.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            break
        pid = int(fields[1])  # after the state: the parent's id
    return chain
