"""Key rotation at volume, on PostgreSQL: ``rotate_keys --fields`` and
``--identifier-hashes`` over a million rows.

Seeds N calls (default 1,000,000) with ``COPY``: one table, ``calls_call``,
whose two encrypted columns (``from_number``, ``to_number``) hold
ciphertexts under an old field key and whose two lookup hashes were made
under an old hash key, plus 1,000 legal holds by subject under the old hash
key. Not a realistic mix of tables: every encrypted column is rotated by the
same code, one column at a time, so one table with two columns measures the
cost per value. The callers are 20,000 numbers, each encrypted once, so that
seeding stays quick; every row is rewritten with ciphertext of its own.

Then, in this process, each beside the floor measured just before it:

- floor: a plain scan that reads both columns in the same keyset batches and
  decrypts every value;
- ``field_keys_rotate`` (lock, batches, conditional updates, progress, audit),
  its census of the values each key protects, and a rerun (all current);
- ``identifier_hashes_recompute`` (holds first, then both hash columns), and
  a rerun (all current).

    .venv/bin/python bench/key_rotation.py [--rows 1000000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
import time
from datetime import timedelta

from common import postgres

CALLERS = 20_000
BUSINESS_NUMBERS = 10
HOLDS = 1_000


def _copy(table: str, columns: list[str], rows: object) -> None:
    from django.db import connection

    with connection.cursor() as cursor, cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def seed(rows: int, old_hash_key: str) -> None:
    from django.db import connection
    from django.utils import timezone

    from compliance import crypto

    def hashed(number: str) -> str:
        return hmac.new(old_hash_key.encode(), number.encode(), hashlib.sha256).hexdigest()

    callers = [f"+1415{index:07d}" for index in range(CALLERS)]
    business = [f"+1800555{index:04d}" for index in range(BUSINESS_NUMBERS)]
    caller_tokens = [(crypto.encrypt(number.encode()), hashed(number)) for number in callers]
    business_tokens = [(crypto.encrypt(number.encode()), hashed(number)) for number in business]
    created = timezone.now() - timedelta(days=1)
    columns = [
        "call_sid", "provider", "direction", "from_number", "from_hash", "to_number", "to_hash", "caller_name",
        "caller_jurisdiction", "callee_jurisdiction", "consent_requirement", "consent_jurisdiction", "status",
        "started_at", "answered_at", "ended_at", "duration_seconds", "end_reason", "department", "escalated",
        "escalation_reason", "recording_state", "recording_error", "created_at", "updated_at",
    ]  # fmt: skip
    _copy(
        "calls_call",
        columns,
        (
            [
                f"CA{index:032x}", "twilio", "inbound", *caller_tokens[index % CALLERS],
                *business_tokens[index % BUSINESS_NUMBERS], "", "US-CA", "US-NY", "all_party", "US-CA",
                "completed", created, created, created + timedelta(minutes=3), 180, "", "sales", False, "",
                "not_requested", "", created, created,
            ]
            for index in range(rows)
        ),
    )  # fmt: skip
    _copy(
        "compliance_legalhold",
        ["subject_hash", "call_sid", "reason", "placed_by", "placed_at"],
        ([hashed(callers[index * 7 % CALLERS]), "", "bench", "bench", created] for index in range(HOLDS)),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def floor_scan(batch: int) -> dict:
    """Read both encrypted columns in keyset batches and decrypt every value."""
    from django.db import connection

    from compliance import crypto

    rows, after = 0, 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                'SELECT id, from_number, to_number FROM "calls_call" WHERE id > %s ORDER BY id LIMIT %s', [after, batch]
            )
            fetched = cursor.fetchall()
            if not fetched:
                break
            for _, from_number, to_number in fetched:
                crypto.decrypt(from_number)
                crypto.decrypt(to_number)
            rows += len(fetched)
            after = fetched[-1][0]
    return {"rows": rows, "seconds": time.perf_counter() - started}


def timed(work, rows: int) -> tuple[dict, object]:  # noqa: ANN001
    started = time.perf_counter()
    result = work()
    return {"rows": rows, "seconds": time.perf_counter() - started}, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    with postgres():
        import django

        django.setup()
        from cryptography.fernet import Fernet
        from django.conf import settings
        from django.core.management import call_command
        from django.test import override_settings

        from compliance import crypto, keys

        call_command("migrate", verbosity=0)
        old_field_key, old_hash_key = settings.FIELD_ENCRYPTION_KEYS[0], settings.IDENTIFIER_HASH_KEY
        started = time.perf_counter()
        seed(args.rows, old_hash_key)
        print(f"seeded {args.rows:,} calls (2 encrypted values, 2 hashes each) and {HOLDS:,} holds "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

        results: dict[str, dict] = {}
        new_field_key = Fernet.generate_key().decode()
        with override_settings(FIELD_ENCRYPTION_KEYS=[new_field_key, old_field_key]):
            results["floor-old"] = floor_scan(args.batch)
            results["fields"], run = timed(lambda: keys.field_keys_rotate(batch_size=args.batch), args.rows)
            assert run.complete and run.values_per_key[crypto.key_fingerprint(old_field_key)] == 0, run
            results["census"], _ = timed(lambda: keys.field_keys_census(batch_size=args.batch), args.rows)
            results["fields-rerun"], rerun = timed(lambda: keys.field_keys_rotate(batch_size=args.batch), args.rows)
            assert sum(counts.updated for counts in rerun.columns.values()) == 0
            results["floor-new"] = floor_scan(args.batch)
            new_hash_key = secrets.token_urlsafe(32)
            with override_settings(IDENTIFIER_HASH_KEY=new_hash_key, IDENTIFIER_HASH_KEY_FALLBACKS=[old_hash_key]):
                results["hashes"], run = timed(
                    lambda: keys.identifier_hashes_recompute(batch_size=args.batch), args.rows
                )
                assert run.complete and run.droppable == [crypto.key_fingerprint(old_hash_key)], run.droppable
                assert run.columns["compliance_legalhold.subject_hash"].updated == HOLDS
                results["hashes-rerun"], _ = timed(
                    lambda: keys.identifier_hashes_recompute(batch_size=args.batch), args.rows
                )
        report(results)


def report(results: dict[str, dict]) -> None:
    def rate(name: str) -> float:
        return results[name]["rows"] / results[name]["seconds"]

    print(f"{'phase':<46}{'rows':>11}{'seconds':>9}{'rows/s':>10}{'values/s':>10}{'vs floor':>10}")
    lines = [
        ("floor: scan, decrypt both (old key)", "floor-old", None),
        ("rotate_keys --fields (census included)", "fields", "floor-old"),
        ("  its census (values per key)", "census", "floor-new"),
        ("  rerun, everything current", "fields-rerun", "floor-new"),
        ("floor: scan, decrypt both (new key)", "floor-new", None),
        ("rotate_keys --identifier-hashes", "hashes", "floor-new"),
        ("  rerun, everything current", "hashes-rerun", "floor-new"),
    ]
    for label, name, floor in lines:
        result = results[name]
        versus = f"{rate(name) / rate(floor):>10.2f}" if floor else f"{'':>10}"
        print(
            f"{label:<46}{result['rows']:>11,}{result['seconds']:>9.1f}{rate(name):>10,.0f}"
            f"{2 * rate(name):>10,.0f}{versus}"
        )


if __name__ == "__main__":
    main()
