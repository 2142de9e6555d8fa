"""Audit-bearing transactions per second with concurrent writers, on a durable PostgreSQL.

Every applied delivery appends to the audit chain as its transaction's last
write (``compliance.audit.audit_record``), under the chain's advisory lock,
which is held until that transaction's commit has been flushed to disk. So
audit-bearing transactions commit one at a time across the whole fleet.
This measures what that costs, and the ceiling it sets.

N writer processes (processes, not threads: the GIL) each loop over one
transaction in miniature of what applying a delivery does to the database:
the writer's own inbox row marked done (an ``UPDATE``), then
``audit_record(...)`` with the details the inbox records, then commit. The
baseline, in the same run and at the same writer counts, is the same
transaction without the ``audit_record``: the row write alone, whose commits
PostgreSQL may group into one flush.

For each audit-bearing transaction, ``chain_lock`` is wrapped in the writer
process (the product's code is unchanged) to time the wait for the lock
(from asking for it to holding it; this includes the ``SET CONSTRAINTS``
round trip that precedes the lock) and its hold (from holding it to the
end of the commit). One over the median hold is the ceiling on audit-bearing
transactions per second for the whole fleet, however many writers it has.

As production: a durable cluster of its own (fsync and synchronous commit
on), the tables migrated by their owner role and written by the runtime role
(see bench/stack.py). Each round starts after a ``CHECKPOINT``, so none pays
for another's dirty pages. At the end, the audit chain is verified.

    .venv/bin/python bench/audit_appends.py [--writers 1,4,16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import resource
import shutil
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


def writer(*, event_id: int, audited: bool, ready: Any, go: Any, closes_at: Any, results: Connection) -> None:
    """Loop over the transaction until the window closes; send what it timed."""
    from django.db import connection, transaction
    from django.utils import timezone

    from calls.models import InboundEvent
    from compliance import audit

    marks: dict[str, float] = {}
    chain_lock = audit.chain_lock

    def timed_chain_lock(chain: Any, *, using: str) -> None:
        marks["asked"] = time.monotonic()
        chain_lock(chain, using=using)
        marks["held"] = time.monotonic()

    # Only in this process: audit_record looks the name up in its own module.
    audit.chain_lock = timed_chain_lock
    actor = audit.Actor(name="twilio")
    call_sid = f"CA{event_id:032x}"
    digest = f"{event_id:064x}"

    def apply_once() -> tuple[float, float]:
        began = time.monotonic()
        with transaction.atomic():
            InboundEvent.objects.filter(pk=event_id).update(
                status=InboundEvent.Status.DONE, processed_at=timezone.now(), last_error=""
            )
            if audited:
                audit.audit_record(
                    "webhook.accepted",
                    actor=actor,
                    object_type="inbound_event",
                    object_id=event_id,
                    object_repr=call_sid,
                    details={"kind": KIND, "deliveries": 1, "payload_sha256": digest},
                )
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
        if audited:
            waits.append(marks["held"] - marks["asked"])
            holds.append(ended - marks["held"])
            appends.append(marks["appended"] - marks["held"])
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


# --- Rounds ---------------------------------------------------------------------------


@dataclass
class Round:
    writers: int
    audited: bool
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


def run_round(server: PostgresServer, *, writers: int, audited: bool, seconds: float, event_ids: list[int]) -> Round:
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
                "event_id": event_ids[index], "audited": audited, "ready": ready, "go": go,
                "closes_at": deadline, "results": sender,
            },
        )  # fmt: skip
        process.start()
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    ready.wait(timeout=120)
    busy_before, total_before = cpu_jiffies()
    deadline.value = time.monotonic() + seconds
    go.set()
    time.sleep(seconds)
    busy_after, total_after = cpu_jiffies()
    reports = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join(timeout=60)
        if process.exitcode != 0:
            raise SystemExit(f"a writer failed ({process.exitcode})")
    writer_cpu, postgres_cpu = children_cpu() - writers_before, postgres_cpu_when_idle(server) - postgres_before
    return Round(
        writers=writers,
        audited=audited,
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


def report(rounds: list[Round]) -> None:
    alone = {entry.writers: entry for entry in rounds if not entry.audited}
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
        name = "row write + audit_record" if entry.audited else "row write alone"
        print(
            f"| {entry.writers} | {name} | {entry.rate:,.1f} | {spread} | {ms(p50)} | {ms(p99)} "
            f"| {ms(entry.writer_cpu / entry.committed)} | {ms(entry.postgres_cpu / entry.committed)} "
            f"| {entry.cpu_busy:.0%} | {versus} |"
        )
    print()
    print("CPU per transaction: the writer processes' and the cluster's user and system time over every")
    print("transaction they committed, warm-up included; machine busy: both cores, whoever used them.")
    print()
    print("Chain lock, per audit-bearing transaction. Wait: from asking for it to holding it; hold: from")
    print("holding it to the end of the commit, which is the append (the rest of audit_record) then the commit:")
    print()
    print(
        "| writers | wait p50 ms | wait p99 ms | hold p50 ms | hold p99 ms | append p50 ms | commit p50 ms "
        "| ceiling 1 / hold p50, tx/s | lock held |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for entry in rounds:
        if not entry.audited:
            continue
        wait_p50, _, wait_p99 = percentiles(entry.waits)
        hold_p50, _, hold_p99 = percentiles(entry.holds)
        append_p50, commit_p50 = percentiles(entry.appends)[0], percentiles(entry.commits)[0]
        held = sum(entry.holds) / entry.seconds
        print(
            f"| {entry.writers} | {ms(wait_p50)} | {ms(wait_p99)} | {ms(hold_p50)} | {ms(hold_p99)} "
            f"| {ms(append_p50)} | {ms(commit_p50)} | {1 / hold_p50:,.0f} | {held:.0%} |"
        )
    print()
    print("lock held: summed holds over the window. Holds are timed in the writers, so each also counts its")
    print("writer's wake-up after the server released the lock; past 100% they overlap by that much.")


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
            for audited in (False, True):
                entry = run_round(server, writers=writers, audited=audited, seconds=args.seconds, event_ids=event_ids)
                rounds.append(entry)
                if audited:
                    audited_committed += entry.committed
                name = "with audit_record" if audited else "row write alone"
                print(f"  {writers:>3} writers, {name}: {entry.rate:,.1f} tx/s", flush=True)
        report(rounds)

        appended = AuditEvent.objects.count() - events_before
        started = time.monotonic()
        verification = audit_chain_verify()
        print()
        print(
            f"audit events appended: {appended:,} (audit-bearing transactions committed, warm-up included: "
            f"{audited_committed:,}); {'match' if appended == audited_committed else 'MISMATCH'}"
        )
        print(f"{verification} ({time.monotonic() - started:.1f} s)")
        if not verification.ok or appended != audited_committed:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
