"""Retention purge and compliance export at volume, on PostgreSQL.

Seeds calls with transcripts (default 1,000,000 segments, 10 per call) and a
consent decision per call, all past the transcript retention, then runs, each
in a fresh process so its peak RSS is its own:

- the CSV exports of the calls and consent reports (``export_create``),
  beside a floor: PostgreSQL's own ``COPY ... TO STDOUT CSV`` of the same rows;
- the retention purge (``retention_purge``: batched, locked, certified),
  beside a floor: one bare ``DELETE`` of the same segments, re-seeded;
- an idle process (Django set up, one query), the RSS floor.

    .venv/bin/python bench/retention.py [--segments 1000000] [--per-call 10]

Targets: purge >= 20,000 rows/s, export >= 50,000 rows/s, peak RSS <= 200 MB
whatever the volume.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from common import ROOT, postgres

TARGETS = {"purge": 20_000, "export": 50_000, "rss_mb": 200}
AGE = timedelta(days=100)  # past the 90 days transcripts are kept, well within the rest
ALL_TIME = (date(2000, 1, 1), date(2100, 1, 1))


def _copy(model: type, rows: list[dict] | object, columns: list[str]) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def seed(segments: int, per_call: int) -> int:
    """Insert the rows with COPY; returns the number of calls."""
    from django.db import connection
    from django.utils import timezone

    from calls.models import Call
    from compliance import crypto
    from compliance.models import ConsentEvent

    calls = segments // per_call
    created = timezone.now() - AGE
    number = crypto.encrypt(b"+14155550100")  # one token reused: realistic width, cheap to seed
    call_columns = [
        "call_sid", "provider", "direction", "from_number", "from_hash", "to_number", "to_hash", "caller_name",
        "caller_jurisdiction", "callee_jurisdiction", "consent_requirement", "consent_jurisdiction", "status",
        "started_at", "answered_at", "ended_at", "duration_seconds", "end_reason", "department", "escalated",
        "escalation_reason", "recording_state", "recording_error", "created_at", "updated_at",
    ]  # fmt: skip
    _copy(
        Call,
        (
            [
                f"CA{index:032x}", "twilio", "inbound", number, f"{index:064x}", number, "f" * 64, "", "US-CA",
                "US-NY", "all_party", "US-CA", "completed", created, created, created + timedelta(minutes=3), 180,
                "", "sales", False, "", "started", "", created, created,
            ]
            for index in range(calls)
        ),
        call_columns,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute('SELECT min(id) FROM "calls_call"')
        first_id = cursor.fetchone()[0]
    _copy(
        ConsentEvent,
        (
            [
                first_id + index, f"CA{index:032x}", "declined" if index % 10 == 0 else "granted", "dtmf", "all_party",
                "US-CA", "2026-11-v1", 1.0, f"bench:{index}", created, created,
            ]
            for index in range(calls)
        ),
        [
            "call_id", "call_sid", "decision", "method", "requirement", "jurisdiction", "prompt_version",
            "confidence", "source", "occurred_at", "recorded_at",
        ],
    )  # fmt: skip
    seed_segments(first_id, calls, per_call)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return calls


def seed_segments(first_id: int, calls: int, per_call: int) -> None:
    from django.utils import timezone

    from calls.models import TranscriptSegment

    created = timezone.now() - AGE
    text = "thanks, my account number is [ACCOUNT_ID] and I'd like to move my appointment to Tuesday"
    _copy(
        TranscriptSegment,
        (
            [first_id + call, "vapi.end-of-call-report", f"artifact.messages.{position}.message", position,
             "caller" if position % 2 else "assistant", created, "redacted", text, '{"ACCOUNT_ID": 1}', "",
             created, created]
            for call in range(calls)
            for position in range(per_call)
        ),
        [
            "call_id", "source", "source_field", "position", "speaker", "spoken_at", "status", "text",
            "entity_counts", "failure_reason", "redacted_at", "created_at",
        ],
    )  # fmt: skip


# --- Phases, each run in a process of its own --------------------------------------


def phase_export(kind: str) -> dict:
    from compliance.reports.exports import export_create
    from compliance.reports.kinds import Period

    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        export = export_create(kind=kind, period=Period(*ALL_TIME), fmt="csv", out_dir=Path(directory) / "x")
        elapsed = time.perf_counter() - started
        size = sum(path.stat().st_size for path in (Path(directory) / "x").iterdir())
    return {"rows": export.manifest["row_counts"][kind], "seconds": elapsed, "bytes": size}


def phase_copy_floor(kind: str) -> dict:
    from django.db import connection

    from compliance.reports.kinds import KINDS, Period

    report = KINDS[kind]
    query = report.queryset(Period(*ALL_TIME))
    sql, params = query.values_list(*report.columns).query.sql_with_params()
    rows = 0
    with tempfile.TemporaryFile() as sink, connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.copy(f"COPY ({cursor.mogrify(sql, params)}) TO STDOUT WITH CSV HEADER") as copy:
            for block in copy:
                sink.write(block)
                rows += bytes(block).count(b"\n")
        elapsed = time.perf_counter() - started
    return {"rows": rows - 1, "seconds": elapsed}


def phase_purge() -> dict:
    from compliance.retention import retention_purge

    started = time.perf_counter()
    results = retention_purge()
    elapsed = time.perf_counter() - started
    return {"rows": sum(result.count for result in results), "seconds": elapsed}


def phase_delete_floor() -> dict:
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            'DELETE FROM "calls_transcriptsegment" WHERE created_at < %s', [timezone.now() - timedelta(days=90)]
        )
        elapsed = time.perf_counter() - started
        return {"rows": cursor.rowcount, "seconds": elapsed}


def phase_idle() -> dict:
    from calls.models import Call

    Call.objects.exists()
    return {"rows": 0, "seconds": 0.0}


PHASES = {
    "export-calls": lambda: phase_export("calls"),
    "export-consent": lambda: phase_export("consent"),
    "copy-calls": lambda: phase_copy_floor("calls"),
    "copy-consent": lambda: phase_copy_floor("consent"),
    "purge": phase_purge,
    "delete": phase_delete_floor,
    "idle": phase_idle,
}


def run_phase(name: str) -> dict:
    """Run one phase in a fresh interpreter; adds its peak RSS in MB."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--phase", name], stdout=subprocess.PIPE, cwd=ROOT, env=os.environ.copy()
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"phase {name} failed ({process.returncode})")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--per-call", type=int, default=10)
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:  # a child: DATABASE_URL and settings come from the parent
        import django

        django.setup()
        print(json.dumps(PHASES[args.phase]()))
        return

    with postgres():
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        calls = seed(args.segments, args.per_call)
        print(f"seeded {calls:,} calls, {calls:,} consent events, {calls * args.per_call:,} segments "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        connection.close()

        results = {name: run_phase(name) for name in ["idle", "copy-calls", "export-calls", "copy-consent",
                                                      "export-consent", "purge"]}  # fmt: skip
        seed_segments(*_call_range(), args.per_call)
        connection.close()
        results["delete"] = run_phase("delete")
        report(results)


def _call_range() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute('SELECT min(id), count(*) FROM "calls_call"')
        return cursor.fetchone()


def report(results: dict[str, dict]) -> None:
    def rate(name: str) -> float:
        return results[name]["rows"] / results[name]["seconds"]

    print(f"{'phase':<34}{'rows':>11}{'seconds':>9}{'rows/s':>11}{'peak RSS MB':>13}{'vs floor':>10}")
    lines = [
        ("floor: idle process", "idle", None),
        ("floor: COPY calls TO CSV", "copy-calls", None),
        ("export calls CSV", "export-calls", "copy-calls"),
        ("floor: COPY consent TO CSV", "copy-consent", None),
        ("export consent CSV", "export-consent", "copy-consent"),
        ("floor: one bare DELETE", "delete", None),
        ("retention purge", "purge", "delete"),
    ]
    for label, name, floor in lines:
        result = results[name]
        speed = f"{rate(name):>11,.0f}" if result["seconds"] else f"{'':>11}"
        versus = f"{rate(name) / rate(floor):>10.2f}" if floor else f"{'':>10}"
        print(f"{label:<34}{result['rows']:>11,}{result['seconds']:>9.2f}{speed}{result['rss_mb']:>13.0f}{versus}")
    peak = max(result["rss_mb"] for result in results.values())
    verdicts = [
        ("purge", rate("purge"), TARGETS["purge"], ">="),
        ("export calls", rate("export-calls"), TARGETS["export"], ">="),
        ("export consent", rate("export-consent"), TARGETS["export"], ">="),
    ]
    for label, value, target, _ in verdicts:
        print(f"target {label}: {value:,.0f} rows/s against >= {target:,}: {'met' if value >= target else 'MISSED'}")
    print(f"target peak RSS: {peak:.0f} MB against <= {TARGETS['rss_mb']} MB: "
          f"{'met' if peak <= TARGETS['rss_mb'] else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
