"""Audit-bearing transactions per second with concurrent writers, on a durable PostgreSQL.

Every applied delivery appends to the audit trail as part of its
transaction (``compliance.audit.audit_record``). This compares, in one run
and at the same writer counts, three shapes of that transaction:

- ``alone``: the row write without any audit event (the baseline);
- ``locked``: the append as it was before the sealer existed, rebuilt here
  from the chain's own primitives: the chain's advisory lock, the head read,
  the hashed ``INSERT``, the lock held until the commit has been flushed, so
  audit-bearing transactions commit one at a time across the whole fleet;
- ``sealed``: the append as it is, ``audit_record``: one ``INSERT``, no
  lock, while a sealer process links the committed events into the chain
  every 0.25 s, as the ``sealer`` process does in production.

N writer processes (processes, not threads: the GIL) each loop over one
transaction in miniature of what applying a delivery does to the database:
the writer's own inbox row marked done (an ``UPDATE``), then the append with
the details the inbox records, then commit.

For ``locked``, the wait for the lock (from asking to holding it; this
includes the ``SET CONSTRAINTS`` round trip that precedes it) and its hold
(from holding it to the end of the commit) are timed in the writer: one over
the median hold is the ceiling on audit-bearing transactions per second for
the whole fleet. For ``sealed``, the writers hold no lock; the sealer holds
it for one batch at a time, so the fleet's ceiling is the rows the sealer
links per second of holding it. At the end of a ``sealed`` round the sealer
runs until nothing is left to seal, and that drain is timed.

As production: a durable cluster of its own (fsync and synchronous commit
on), the tables migrated by their owner role and written by the runtime role
(see bench/stack.py). Each round starts after a ``CHECKPOINT``, so none pays
for another's dirty pages. At the end, the audit chain is verified and every
event must be sealed.

    .venv/bin/python bench/audit_appends.py [--writers 1,4,16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from common import percentiles
from stack import DATABASE, OWNER_ROLE, RUNTIME_ROLE

from tests.loopback import wait_for
from tests.pgserver import PostgresServer

WARM_UP = 5  # transactions per writer before the window opens: connection, statement caches
KIND = "twilio.status"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def durable_django() -> Iterator[PostgresServer]:
    """Django (test settings) on a durable throwaway cluster with the two
    production roles: the runtime role is ``default``, the owner ``owner``.
    Audit checkpoints go to a directory of the run's own."""
    server = PostgresServer(durable=True).start()
    checkpoints = Path(tempfile.mkdtemp(prefix="contactcenter-bench-checkpoints-"))
    try:
        server.create_roles(owner=OWNER_ROLE, runtime=RUNTIME_ROLE)
        server.execute(f"CREATE DATABASE {DATABASE} OWNER {OWNER_ROLE}")
        location = f"127.0.0.1:{server.port}/{DATABASE}"
        os.environ.update(
            DATABASE_URL=f"postgres://{RUNTIME_ROLE}@{location}",
            DATABASE_OWNER_URL=f"postgres://{OWNER_ROLE}@{location}",
            DJANGO_SETTINGS_MODULE="contactcenter.settings.test",
            DJANGO_READ_DOT_ENV="0",
            ALLOWED_HOSTS="testserver",
        )
        import django

        django.setup()
        from django.conf import settings

        # The test settings name the suite's own directory; this run's chain is anchored (or not) on its own.
        settings.AUDIT_CHECKPOINT_DIR = checkpoints
        yield server
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        server.stop()
        shutil.rmtree(checkpoints, ignore_errors=True)


# --- One writer, in a process of its own ---------------------------------------------


MODES = ("alone", "locked", "sealed")
SEAL_INTERVAL = 0.25


def writer(*, event_id: int, mode: str, ready: Any, go: Any, closes_at: Any, results: Connection) -> None:
    """Loop over the transaction until the window closes; send what it timed."""
    from django.db import connection, transaction
    from django.utils import timezone

    from calls.models import InboundEvent
    from compliance import audit
    from compliance.chain import AUDIT, chain_link, chain_lock
    from compliance.models import AuditEvent

    marks: dict[str, float] = {}
    actor = audit.Actor(name="twilio")
    call_sid = f"CA{event_id:032x}"
    digest = f"{event_id:064x}"
    details = {"kind": KIND, "deliveries": 1, "payload_sha256": digest}

    def locked_append() -> None:
        """The append before the sealer: lock, link to the head, insert; the lock is held to the commit."""
        marks["asked"] = time.monotonic()
        chain_lock(AUDIT, using="default")
        marks["held"] = time.monotonic()
        event = AuditEvent(
            occurred_at=timezone.now(), action="webhook.accepted", actor_name=actor.name,
            object_type="inbound_event", object_id=str(event_id), object_repr=call_sid, details=details,
        )  # fmt: skip
        chain_link(AUDIT, event, using="default")
        event.save(force_insert=True)

    def apply_once() -> tuple[float, float]:
        began = time.monotonic()
        with transaction.atomic():
            InboundEvent.objects.filter(pk=event_id).update(
                status=InboundEvent.Status.DONE, processed_at=timezone.now(), last_error=""
            )
            marks["asked"] = time.monotonic()
            if mode == "locked":
                locked_append()
            elif mode == "sealed":
                audit.audit_record(
                    "webhook.accepted", actor=actor, object_type="inbound_event", object_id=event_id,
                    object_repr=call_sid, details=details,
                )  # fmt: skip
            marks["appended"] = time.monotonic()
        return began, time.monotonic()

    committed = 0
    for _ in range(WARM_UP):
        apply_once()
        committed += 1
    ready.wait()
    go.wait()
    deadline = closes_at.value
    latencies, waits, holds, appends, commits = [], [], [], [], []
    in_window = 0
    while time.monotonic() < deadline:
        marks.clear()
        began, ended = apply_once()
        committed += 1
        if ended >= deadline:
            break
        in_window += 1
        latencies.append(ended - began)
        if mode == "locked":
            waits.append(marks["held"] - marks["asked"])
            holds.append(ended - marks["held"])
            appends.append(marks["appended"] - marks["held"])
        else:
            appends.append(marks["appended"] - marks["asked"])
        commits.append(ended - marks["appended"])
    connection.close()
    results.send(
        {
            "in_window": in_window,
            "committed": committed,
            "latencies": latencies,
            "waits": waits,
            "holds": holds,
            "appends": appends,
            "commits": commits,
        }
    )
    results.close()


def sealer(*, stop: Any, results: Connection) -> None:
    """What the ``sealer`` process does, timed: a batch every SEAL_INTERVAL
    seconds until ``stop``, then batches until nothing is left."""
    from django.db import connection

    from compliance.chain import AUDIT, SEAL_BATCH, chain_seal

    batches: list[tuple[float, int]] = []
    drained_at = None

    def seal_once() -> int:
        started = time.monotonic()
        count = chain_seal(AUDIT, wait=False)
        if count:
            batches.append((time.monotonic() - started, count))
        return count

    while not stop.is_set():
        started = time.monotonic()
        # As ``audit_seal``: another batch at once only after a full one.
        while seal_once() == SEAL_BATCH:
            pass
        stop.wait(max(SEAL_INTERVAL - (time.monotonic() - started), 0))
    stopped = time.monotonic()
    while seal_once():
        pass
    drained_at = time.monotonic() - stopped
    connection.close()
    results.send({"batches": batches, "drain": drained_at})
    results.close()


# --- Rounds ---------------------------------------------------------------------------


@dataclass
class Round:
    writers: int
    mode: str
    seconds: float
    per_writer: list[int]
    committed: int
    latencies: list[float]
    waits: list[float]
    holds: list[float]
    appends: list[float]
    commits: list[float]
    cpu_busy: float
    writer_cpu: float
    postgres_cpu: float
    seal_batches: list[tuple[float, int]]
    drain: float

    @property
    def rate(self) -> float:
        return sum(self.per_writer) / self.seconds


def cpu_jiffies() -> tuple[int, int]:
    """The whole machine's busy and total time so far (``/proc/stat``)."""
    fields = list(map(int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]))
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait + steal


def postgres_processes(server: PostgresServer) -> dict[int, tuple[float, str]]:
    """The cluster's postmaster and its children: CPU seconds used (ended
    children's included, in their parent's) and the process title."""
    postmaster = int((server.datadir / "postmaster.pid").read_text().split()[0])
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(entry.name) == postmaster or int(fields[1]) == postmaster:
            found[int(entry.name)] = (sum(int(value) for value in fields[11:15]) / CLOCK_TICKS, title)
    return found


def postgres_cpu_when_idle(server: PostgresServer) -> float:
    """The cluster's CPU seconds so far, read once no client is connected
    (a backend's time reaches its parent's only when it has ended)."""
    wait_for(
        lambda: not any("127.0.0.1(" in title for _, title in postgres_processes(server).values()),
        30,
        "the writers' PostgreSQL backends to end",
    )
    return sum(seconds for seconds, _ in postgres_processes(server).values())


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_round(server: PostgresServer, *, writers: int, mode: str, seconds: float, event_ids: list[int]) -> Round:
    from django.db import connections

    connections.close_all()  # the writers are forked: none may inherit an open connection
    server.execute("CHECKPOINT", database=DATABASE)
    postgres_before, writers_before = postgres_cpu_when_idle(server), children_cpu()
    context = multiprocessing.get_context("fork")
    ready, go = context.Barrier(writers + 1), context.Event()
    deadline = context.Value("d", 0.0)  # time.monotonic() is one clock for every process on the machine
    pipes, processes = [], []
    for index in range(writers):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=writer,
            kwargs={
                "event_id": event_ids[index], "mode": mode, "ready": ready, "go": go,
                "closes_at": deadline, "results": sender,
            },
        )  # fmt: skip
        process.start()
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    stop_sealing = context.Event()
    if mode == "sealed":
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=sealer, kwargs={"stop": stop_sealing, "results": sender})
        process.start()
        sender.close()
        sealer_pipe, processes = receiver, [*processes, process]
    ready.wait(timeout=120)
    busy_before, total_before = cpu_jiffies()
    deadline.value = time.monotonic() + seconds
    go.set()
    time.sleep(seconds)
    busy_after, total_after = cpu_jiffies()
    reports = [pipe.recv() for pipe in pipes]
    stop_sealing.set()
    sealed = sealer_pipe.recv() if mode == "sealed" else {"batches": [], "drain": 0.0}
    for process in processes:
        process.join(timeout=60)
        if process.exitcode != 0:
            raise SystemExit(f"a writer failed ({process.exitcode})")
    writer_cpu, postgres_cpu = children_cpu() - writers_before, postgres_cpu_when_idle(server) - postgres_before
    return Round(
        writers=writers,
        mode=mode,
        seconds=seconds,
        per_writer=[report["in_window"] for report in reports],
        committed=sum(report["committed"] for report in reports),
        latencies=[value for report in reports for value in report["latencies"]],
        waits=[value for report in reports for value in report["waits"]],
        holds=[value for report in reports for value in report["holds"]],
        appends=[value for report in reports for value in report["appends"]],
        commits=[value for report in reports for value in report["commits"]],
        cpu_busy=(busy_after - busy_before) / max(1, total_after - total_before),
        writer_cpu=writer_cpu,
        postgres_cpu=postgres_cpu,
        seal_batches=sealed["batches"],
        drain=sealed["drain"],
    )


def seed(count: int) -> list[int]:
    """One inbox row per writer, its payload already scrubbed: each writer updates only its own."""
    from calls.models import InboundEvent

    return [
        InboundEvent.objects.create(
            provider="twilio", kind=KIND, dedup_key=f"bench-{index}", call_sid=f"CA{index:032x}",
            payload=None, payload_sha256="0" * 64, status=InboundEvent.Status.PROCESSING,
        ).pk
        for index in range(count)
    ]  # fmt: skip


# --- Report ---------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value * 1000:,.2f}"


NAMES = {"alone": "row write alone", "locked": "+ locked append (before)", "sealed": "+ audit_record (sealed later)"}


def report(rounds: list[Round]) -> None:
    alone = {entry.writers: entry for entry in rounds if entry.mode == "alone"}
    print()
    print(
        "| writers | transaction | tx/s | per writer tx/s (min–max) | p50 ms | p99 ms "
        "| CPU ms/tx writer | CPU ms/tx PostgreSQL | machine busy | vs alone |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for entry in rounds:
        p50, _, p99 = percentiles(entry.latencies)
        per_writer = [count / entry.seconds for count in entry.per_writer]
        spread = f"{sum(per_writer) / len(per_writer):,.1f} ({min(per_writer):,.1f}–{max(per_writer):,.1f})"
        versus = f"{entry.rate / alone[entry.writers].rate:.2f}" if entry.writers in alone else "—"
        print(
            f"| {entry.writers} | {NAMES[entry.mode]} | {entry.rate:,.1f} | {spread} | {ms(p50)} | {ms(p99)} "
            f"| {ms(entry.writer_cpu / entry.committed)} | {ms(entry.postgres_cpu / entry.committed)} "
            f"| {entry.cpu_busy:.0%} | {versus} |"
        )
    print()
    print("CPU per transaction: the writer processes' (and in `sealed` rounds the sealer's) and the cluster's")
    print("user and system time over every transaction committed, warm-up included; machine busy: both cores.")
    print()
    print("The chain's lock. Before: held by every audit-bearing transaction from asking to the end of its")
    print("commit (wait: asking to holding; hold: holding to the end of the commit). Now: held only by the")
    print("sealer, one batch at a time; writers append and commit without it.")
    print()
    print(
        "| writers | shape | writer wait p50 / p99 ms | lock hold p50 / p99 ms | rows per hold | "
        "append p50 ms | commit p50 ms | fleet ceiling, audit tx/s | lock held | drain after the window |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for entry in rounds:
        append_p50, commit_p50 = percentiles(entry.appends)[0], percentiles(entry.commits)[0]
        if entry.mode == "locked":
            wait_p50, _, wait_p99 = percentiles(entry.waits)
            hold_p50, _, hold_p99 = percentiles(entry.holds)
            held = sum(entry.holds) / entry.seconds
            print(
                f"| {entry.writers} | locked append | {ms(wait_p50)} / {ms(wait_p99)} "
                f"| {ms(hold_p50)} / {ms(hold_p99)} | 1 | {ms(append_p50)} | {ms(commit_p50)} "
                f"| {1 / hold_p50:,.0f} | {held:.0%} | — |"
            )
        elif entry.mode == "sealed":
            holds = [seconds for seconds, _ in entry.seal_batches]
            rows = [count for _, count in entry.seal_batches]
            hold_p50, _, hold_p99 = percentiles(holds)
            ceiling = sum(rows) / sum(holds)
            held = sum(holds) / entry.seconds
            print(
                f"| {entry.writers} | sealer, every {SEAL_INTERVAL} s | 0 / 0 | {ms(hold_p50)} / {ms(hold_p99)} "
                f"| {statistics.median(rows):,.0f} | {ms(append_p50)} | {ms(commit_p50)} | {ceiling:,.0f} "
                f"| {held:.0%} | {entry.drain * 1000:,.0f} ms |"
            )
    print()
    print("Fleet ceiling: before, one over the median hold (one transaction per hold); now, the rows the sealer")
    print("links per second of holding the lock (its batches grow with the load). Lock held: summed holds over")
    print("the window; before, holds were timed in the writers and include each one's wake-up.")


def sealer_capacity(events: int = 40_000) -> tuple[int, float, list[float]]:
    """The fleet's ceiling now: how fast one sealer links a backlog, in full
    batches. ``events`` are appended unsealed first (as many writers would,
    with the sealer stopped), then sealed; returns the count, the seconds
    the lock was held in all, and each batch's hold."""
    from django.db import connection

    from compliance.chain import AUDIT, SEAL_BATCH, chain_seal
    from compliance.models import AuditEvent

    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                action="webhook.accepted", actor_name="twilio", object_type="inbound_event", object_id=str(index),
                object_repr=f"CA{index:032x}", details={"kind": KIND, "deliveries": 1, "payload_sha256": "0" * 64},
            )
            for index in range(events)
        ],
        batch_size=5000,
    )  # fmt: skip
    holds = []
    while True:
        started = time.monotonic()
        count = chain_seal(AUDIT)
        if not count:
            break
        holds.append(time.monotonic() - started)
        if count < SEAL_BATCH:
            break
    connection.close()
    return events, sum(holds), holds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="1,4,16", help="comma-separated writer counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each round's window")
    args = parser.parse_args()
    counts = [int(value) for value in args.writers.split(",")]

    with durable_django() as server:
        from django.core.management import call_command
        from django.db import connection

        from compliance.audit import audit_chain_verify
        from compliance.models import AuditEvent

        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            facts = {}
            for name in ("server_version", "fsync", "synchronous_commit", "wal_sync_method"):
                cursor.execute(f"SHOW {name}")
                facts[name] = cursor.fetchone()[0]
            cursor.execute("SELECT current_user")
            facts["writers' role"] = cursor.fetchone()[0]
        print(", ".join(f"{name}={value}" for name, value in facts.items()))
        print(f"{os.cpu_count()} cores; writers, their PostgreSQL backends and this script share them")
        event_ids = seed(max(counts))
        events_before = AuditEvent.objects.count()

        rounds: list[Round] = []
        audited_committed = 0
        for writers in counts:
            for mode in MODES:
                entry = run_round(server, writers=writers, mode=mode, seconds=args.seconds, event_ids=event_ids)
                rounds.append(entry)
                if mode != "alone":
                    audited_committed += entry.committed
                print(f"  {writers:>3} writers, {NAMES[mode]}: {entry.rate:,.1f} tx/s", flush=True)
        report(rounds)
        capacity = sealer_capacity()

        sealed, held, holds = capacity
        hold_p50, _, hold_p99 = percentiles(holds)
        print()
        print(
            f"Sealer capacity: a backlog of {sealed:,} events sealed in {len(holds)} batches, the lock held "
            f"{held:.2f} s in all (batch p50 {ms(hold_p50)} ms, p99 {ms(hold_p99)} ms): "
            f"{sealed / held:,.0f} events a second, the fleet's ceiling now."
        )
        locked = [entry for entry in rounds if entry.mode == "locked"]
        if locked:
            before = min(1 / percentiles(entry.holds)[0] for entry in locked)
            best = max(1 / percentiles(entry.holds)[0] for entry in locked)
            print(
                f"Before, one over the median hold: {before:,.0f}–{best:,.0f} a second; "
                f"now {sealed / held / best:,.1f}–{sealed / held / before:,.1f}× that."
            )
        appended = AuditEvent.objects.count() - events_before - sealed
        unsealed = AuditEvent.objects.filter(sequence__isnull=True).count()
        started = time.monotonic()
        verification = audit_chain_verify()
        print()
        print(
            f"audit events appended: {appended:,} (audit-bearing transactions committed, warm-up included: "
            f"{audited_committed:,}); {'match' if appended == audited_committed else 'MISMATCH'}"
        )
        print(f"left unsealed after the sealer's drain: {unsealed}")
        print(f"{verification} ({time.monotonic() - started:.1f} s)")
        if not verification.ok or appended != audited_committed or unsealed:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
