"""Realistic calls while the stack is broken on purpose; then proof that
nothing accepted was lost or applied twice.

    .venv/bin/python bench/faults.py [--concurrency 200] [--calls 1000] [--outage 5]

The stack is bench/stack.py's (production settings, gunicorn, Celery worker
and beat, durable PostgreSQL, Redis). The calls are bench/traffic.py's,
with 10% of deliveries sent twice and 10% of each call's asynchronous
callbacks swapped with their neighbour; a delivery answered 5xx, or whose
connection broke, is delivered again, as the providers' retries would.
While the calls play, on a schedule:

- the Celery worker and its pool processes are killed with SIGKILL, and
  started again (twice);
- Redis is killed and started again, without persistence, so every task
  message queued in it is lost;
- the database refuses connections and drops the open ones for
  ``--outage`` seconds;
- the database server crashes (an immediate stop: every connection gone,
  and the WAL it had not yet written lost, the inbox's applications that
  had not waited for the disk among it) and starts again.

Then, once the workers have drained, it checks, and exits 1 if any fails:

- every call left exactly the consent events and transcript segments its
  script implies, and every call exists: nothing lost, nothing twice;
- no 5xx and no broken connection outside the database's outages (a
  request still being answered when one began is in it);
- every inbox event is applied and no raw payload remains;
- each completed call's CRM write was delivered, and the CRM saw no
  idempotency key it did not expect;
- the audit chain verifies.

The inbox sweep runs every 5 s here (60 s in production), so that the
recovery of lost task messages shows within the run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter

from common import percentiles
from stack import Stack
from traffic import Delivery, call_options, play_against, tally

OUTAGE_GRACE_SECONDS = 2.0


def main() -> None:
    parser = call_options(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--outage", type=float, default=5.0, help="Seconds the database refuses connections.")
    args = parser.parse_args()

    with Stack(environment={"INBOX_SWEEP_SECONDS": "5", "INBOX_SWEEP_GRACE_SECONDS": "5"}) as stack:
        failures = run(stack, args)
    sys.exit(1 if failures else 0)


def run(stack: Stack, args: argparse.Namespace) -> list[str]:
    play = play_against(stack, pause=args.pause)
    play.duplicate_share = play.reorder_share = 0.10
    play.retry_for = 120.0
    outages: list[tuple[float, float]] = []
    log: list[str] = []

    def faults() -> None:
        schedule_started = time.monotonic()

        def at(offset: float) -> None:
            time.sleep(max(0.0, schedule_started + offset - time.monotonic()))

        at(5)
        log.append(f"{time.monotonic() - schedule_started:5.1f}s SIGKILL worker: {stack.kill_workers()} processes")
        at(12)
        stack.restart_redis()
        log.append(f"{time.monotonic() - schedule_started:5.1f}s Redis killed and restarted (queue lost)")
        at(20)
        began = time.monotonic()
        stack.break_database(args.outage)
        outages.append((began, time.monotonic()))
        log.append(f"{began - schedule_started:5.1f}s database refused connections for {args.outage:.0f}s")
        at(30)
        log.append(f"{time.monotonic() - schedule_started:5.1f}s SIGKILL worker: {stack.kill_workers()} processes")
        at(40)
        done = {row[0] for row in stack.query("SELECT id FROM calls_inboundevent WHERE status = 'done'")}
        began = time.monotonic()
        stack.crash_database()
        outages.append((began, time.monotonic()))
        after = {row[0] for row in stack.query("SELECT id FROM calls_inboundevent WHERE status = 'done'")}
        log.append(
            f"{began - schedule_started:5.1f}s database server crashed and started again in "
            f"{outages[-1][1] - began:.1f}s; {len(done - after)} applications seen done before it were lost in it"
        )

    async def both() -> float:
        loop = asyncio.get_running_loop()
        schedule = loop.run_in_executor(None, faults)
        elapsed = await play.calls(concurrency=args.concurrency, total=args.calls)
        await schedule
        return elapsed

    elapsed = asyncio.run(both())
    drain = stack.drain(900)

    def in_outage(delivery: Delivery) -> bool:
        """Whether the request was in flight at some moment of an outage."""
        answered = delivery.at + delivery.latency
        return any(start <= answered and delivery.at <= end + OUTAGE_GRACE_SECONDS for start, end in outages)

    failed = [delivery for delivery in play.deliveries if delivery.status == 0 or delivery.status >= 500]
    outside = [delivery for delivery in failed if not in_outage(delivery)]
    effects = tally(stack, play.expected)
    inbox = dict(stack.query("SELECT status, count(*) FROM calls_inboundevent GROUP BY 1"))
    raw_payloads = stack.query("SELECT count(*) FROM calls_inboundevent WHERE payload IS NOT NULL")[0][0]
    crm = dict(stack.query("SELECT status, count(*) FROM calls_crmdelivery GROUP BY 1"))
    crm_keys = {request.headers.get("Idempotency-Key") for request in stack.crm.requests if request.path == "/hook"}
    # A transcript that changes after delivery (a late report) is sent again as
    # a new version: every version up to the row's last is expected, no other.
    versions = dict(stack.query("SELECT id, version FROM calls_crmdelivery"))
    expected_keys = {f"{pk}-v{n}" for pk, version in versions.items() for n in range(1, version + 1)}
    last_versions = {f"{pk}-v{version}" for pk, version in versions.items()}
    completed_calls = stack.query(
        "SELECT count(*) FROM calls_call WHERE status = 'completed' AND parent_id IS NULL AND erased_at IS NULL"
    )[0][0]
    audit = stack.manage("verify_audit_chain")
    p50, p95, p99 = percentiles([delivery.latency for delivery in play.deliveries])

    print()
    print("\n".join(log))
    print()
    print(
        f"{len(play.expected)} calls, {len(play.deliveries)} deliveries in {elapsed:.1f}s "
        f"(p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms); drained in {drain:.1f}s"
    )
    print(f"5xx or broken connection: {len(failed)} in all, {len(outside)} outside the database's outages")
    started = min(delivery.at for delivery in play.deliveries)
    for (label, status, second), count in sorted(
        Counter((d.label, d.status, int(d.at - started)) for d in outside).items(), key=lambda item: item[0][2]
    ):
        print(f"  outside: {count} x {label} answered {status or 'no response'}, sent at {second}s")
    for began, ended in outages:
        print(f"  outage: {began - started:.1f}s to {ended - started:.1f}s")
    print(f"effects: {effects}")
    print(f"inbox: {inbox}; raw payloads left: {raw_payloads}")
    print(
        f"CRM: {crm} for {completed_calls} completed calls; {len(crm_keys)} distinct idempotency keys seen, "
        f"{len(crm_keys - expected_keys)} unexpected, {len(last_versions - crm_keys)} last versions missing"
    )
    print(f"audit chain: {(audit.stdout or audit.stderr).strip()}")

    failures = []
    if effects["calls missing"] or effects["lost"] or effects["duplicated"]:
        failures.append("effects do not match the script")
    if outside:
        failures.append(f"{len(outside)} 5xx or broken connections outside the outage")
    if set(inbox) - {"done"} or raw_payloads:
        failures.append("inbox not fully applied and scrubbed")
    crm_ok = crm_keys <= expected_keys and last_versions <= crm_keys
    if crm.get("delivered", 0) != completed_calls or set(crm) - {"delivered"} or not crm_ok:
        failures.append("CRM deliveries do not match the completed calls")
    if audit.returncode:
        failures.append("audit chain does not verify")
    print()
    print("FAILED: " + "; ".join(failures) if failures else "PASSED: every check holds")
    return failures


if __name__ == "__main__":
    main()
