"""Writing compliance exports, and verifying them later.

An export is a directory: the report in one format (CSV, JSON or a PDF
summary) and ``manifest.json``, which names the generator and its version,
the parameters, the row counts and each file's SHA-256, and embeds the
signed checkpoint of the ledgers written for the export. The manifest's own
SHA-256 goes into the audit trail with the export's id, so an export can be
checked against evidence that can't be edited: a file changed after the
fact no longer matches the manifest, a manifest rewritten to match no
longer matches the audit trail, and the checkpoint ties the export to the
state of the ledgers outside the database, verifiable with the public key
alone.

Rows are written as they are read, so memory stays flat on any number of
them. On PostgreSQL the whole export reads one REPEATABLE READ snapshot, so
its rows and its counts agree even while calls keep arriving.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import logging
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

import contactcenter
from compliance import signing
from compliance.audit import SYSTEM, Actor, audit_record
from compliance.chain import AUDIT, CHAINS, chain_seal_committed
from compliance.checkpoints import Checkpoint, checkpoint_store, checkpoint_write, document_bytes, signature_valid
from compliance.evidence import legacy_horizon, valid_tombstones
from compliance.models import AuditEvent

from .kinds import KINDS, Period, ReportKind
from .pdf import write_summary_pdf
from .summary import period_summary

logger = logging.getLogger(__name__)

FORMATS = {"csv": "CSV", "json": "JSON", "pdf": "PDF summary"}
MANIFEST = "manifest.json"
MANIFEST_VERSION = 2
# Manifests from this version on embed a checkpoint; one without it was stripped.
CHECKPOINTED_SINCE = 2
EXPORTED = "export.created"
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")


class ExportError(Exception):
    """The export could not be written where asked; nothing was recorded."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """A value as JSON holds it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _compact_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


# Other values, by exact type; strings, numbers and None are handled inline
# in ``_csv_row``, since it runs for every cell of millions of rows.
_CSV_CELL = {
    datetime: datetime.isoformat,
    date: date.isoformat,
    Decimal: str,
    dict: _compact_json,
    list: _compact_json,
}
_AS_IS = frozenset({int, float, bool, type(None)})


def _csv_row(row: tuple) -> list:
    return [
        ("'" + value if value[:1] in FORMULA_STARTS else value)
        if (kind := type(value)) is str
        else value
        if kind in _AS_IS
        else _CSV_CELL.get(kind, str)(value)
        for value in row
    ]


def _write_csv(path: Path, kind: ReportKind, rows: Iterable[tuple]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(kind.columns)
        for row in rows:
            writer.writerow(_csv_row(row))
            count += 1
    return count


def _write_json(path: Path, kind: ReportKind, period: Period, rows: Iterable[tuple]) -> int:
    """One JSON document, written a row at a time: the header fields, then
    ``rows`` as an array of objects keyed by column."""
    count = 0
    columns = kind.columns
    with path.open("w", encoding="utf-8") as handle:
        header = {"kind": kind.name, "period": {"from": str(period.first_day), "to": str(period.last_day)}}
        handle.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "columns": ' + json.dumps(columns))
        handle.write(', "rows": [')
        for row in rows:
            record = {column: _plain(value) for column, value in zip(columns, row, strict=True)}
            handle.write(("\n" if not count else ",\n") + json.dumps(record, ensure_ascii=False, default=str))
            count += 1
        handle.write("\n]}\n")
    return count


@dataclass(frozen=True)
class Export:
    export_id: str
    directory: Path
    manifest: dict[str, Any]
    manifest_sha256: str


@contextlib.contextmanager
def _one_snapshot() -> Iterator[None]:
    """Read everything inside from one snapshot: a REPEATABLE READ
    transaction on PostgreSQL. Inside a caller's transaction, reads share
    that transaction's isolation instead (SET TRANSACTION must come first)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                # Compiling a report's query costs more than it saves: its
                # per-row subqueries make the planner's estimate look huge.
                cursor.execute("SET LOCAL jit = off")
        yield


def export_create(*, kind: str, period: Period, fmt: str, out_dir: Path, actor: Actor = SYSTEM) -> Export:
    """Write one report into ``out_dir`` (created if missing, and refused if
    not empty: an export is never mixed with other files) with its manifest,
    then record it in the audit trail. Not idempotent: each run is a new,
    separately audited export."""
    report = KINDS[kind]
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.iterdir()):
        raise ExportError(f"{out_dir} is not empty; exports go into a directory of their own")
    export_id = str(uuid.uuid4())
    generated_at = timezone.now().isoformat(timespec="seconds")
    path = out_dir / f"{kind}_{period.first_day}_{period.last_day}.{fmt}"

    # Every event committed so far gets its place in the chain before a report lists it.
    chain_seal_committed(AUDIT)
    with _one_snapshot():
        if fmt == "csv":
            rows = _write_csv(path, report, report.rows(period))
        elif fmt == "json":
            rows = _write_json(path, report, period, report.rows(period))
        else:
            rows = report.count(period)
            write_summary_pdf(
                path,
                kind=report,
                summary=period_summary(period=period),
                rows=rows,
                export_id=export_id,
                generated_at=generated_at,
            )

    # Anchors the ledgers as committed now; the export's own audit event follows it.
    checkpoint = checkpoint_write(reason="export")
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "export_id": export_id,
        "generator": {"name": "contactcenter", "version": contactcenter.__version__},
        "generated_at": generated_at,
        "generated_by": actor.name,
        "parameters": {"kind": kind, "from": str(period.first_day), "to": str(period.last_day), "format": fmt},
        "period": {"start": period.start.isoformat(), "end_exclusive": period.end.isoformat()},
        "row_counts": {kind: rows},
        "files": [{"name": path.name, "sha256": file_sha256(path), "bytes": path.stat().st_size, "rows": rows}],
        "checkpoint": checkpoint.document,
    }
    body = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    (out_dir / MANIFEST).write_bytes(body)
    manifest_sha256 = hashlib.sha256(body).hexdigest()
    audit_record(
        EXPORTED,
        actor=actor,
        object_type="export",
        object_id=export_id,
        object_repr=kind,
        details={
            **manifest["parameters"],
            "rows": rows,
            "manifest_sha256": manifest_sha256,
            "checkpoint": checkpoint.number,
        },
    )
    logger.info("export.created", extra={"export_id": export_id, "kind": kind, "format": fmt, "rows": rows})
    return Export(export_id, out_dir, manifest, manifest_sha256)


def export_archive(*, kind: str, period: Period, fmt: str, actor: Actor) -> tuple[Export, IO[bytes]]:
    """An export as one ZIP (report and manifest), for download: returns the
    export and an open temporary file, deleted when closed. The working
    directory is removed before returning."""
    workdir = Path(tempfile.mkdtemp(prefix="export-"))
    try:
        export = export_create(kind=kind, period=period, fmt=fmt, out_dir=workdir / "export", actor=actor)
        archive = tempfile.TemporaryFile()  # noqa: SIM115  (the caller streams and closes it)
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(export.directory.iterdir()):
                bundle.write(path, arcname=path.name)
        archive.seek(0)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return export, archive


@dataclass(frozen=True)
class Check:
    subject: str
    ok: bool
    detail: str


def export_verify(
    *, directory: Path, against_audit_trail: bool = True, public_keys: list[str] | None = None
) -> list[Check]:
    """Check an export: every file the manifest lists is present with its
    SHA-256 and size, nothing else is there, and the embedded checkpoint is
    signed by a trusted key. Unless told not to (for a copy checked away
    from the database), also that the manifest is the one the audit trail
    recorded, that the checkpoint store holds the same checkpoint, and that
    the ledgers still hold the events it anchored. ``public_keys`` (base64)
    are the keys the checkpoint may be signed with, instead of the configured
    ones: an auditor's copy. Changes nothing."""
    manifest_path = directory / MANIFEST
    try:
        body = manifest_path.read_bytes()
        manifest = json.loads(body)
        listed = {entry["name"]: entry for entry in manifest["files"]}
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [Check(MANIFEST, False, f"missing or unreadable ({type(error).__name__})")]

    checks = []
    for name, entry in sorted(listed.items()):
        path = directory / name
        if Path(name).name != name or not path.is_file():
            checks.append(Check(name, False, "listed in the manifest but missing"))
        elif path.stat().st_size != entry.get("bytes") or file_sha256(path) != entry.get("sha256"):
            checks.append(Check(name, False, "SHA-256 or size does not match the manifest: the file was changed"))
        else:
            checks.append(Check(name, True, f"SHA-256 matches ({entry.get('rows')} rows)"))
    for path in sorted(directory.iterdir()):
        if path.name != MANIFEST and path.name not in listed:
            checks.append(Check(path.name, False, "not listed in the manifest"))

    keys = None
    if public_keys is not None:
        keys = {signing.key_id(key): key for key in map(signing.public_key_from_text, public_keys)}
    checkpoint, check = _embedded_checkpoint(manifest, keys)
    checks.append(check)
    if against_audit_trail and checkpoint is not None:
        checks += _checkpoint_against_the_store_and_ledgers(checkpoint)

    if against_audit_trail:
        digest = hashlib.sha256(body).hexdigest()
        try:
            event = AuditEvent.objects.filter(action=EXPORTED, object_id=str(manifest.get("export_id"))).first()
        except DatabaseError as error:
            checks.append(Check(MANIFEST, False, f"audit trail unreachable ({type(error).__name__})"))
            return checks
        if event is None:
            checks.append(Check(MANIFEST, False, "no export with this id in the audit trail"))
        elif event.details.get("manifest_sha256") != digest:
            detail = f"differs from the manifest recorded in audit event {_place(event)}"
            checks.append(Check(MANIFEST, False, detail))
        else:
            detail = f"matches audit event {_place(event)} of {event.occurred_at:%Y-%m-%d}"
            checks.append(Check(MANIFEST, True, detail))
    return checks


CHECKPOINT = "checkpoint"


def _place(event: AuditEvent) -> str:
    return f"#{event.sequence}" if event.sequence is not None else f"id {event.pk} (not yet sealed into the chain)"


def _embedded_checkpoint(manifest: dict[str, Any], keys: dict | None) -> tuple[Checkpoint | None, Check]:
    """The manifest's checkpoint, if its signature verifies with a trusted
    (public) key: all an auditor needs, away from the database."""
    document = manifest.get(CHECKPOINT)
    if document is None:
        if manifest.get("manifest_version", 1) >= CHECKPOINTED_SINCE:
            return None, Check(CHECKPOINT, False, "missing from the manifest: removed after the export")
        return None, Check(CHECKPOINT, True, "none (a manifest from before checkpoints)")
    try:
        number = int(document["checkpoint"]["number"])
        checkpoint = Checkpoint(number, document_bytes(document), document)
        heads = ", ".join(f"{name} #{checkpoint.head(name)}" for name in CHAINS)
    except (KeyError, TypeError, ValueError):
        return None, Check(CHECKPOINT, False, "unreadable")
    if not signature_valid(document, keys):
        return None, Check(CHECKPOINT, False, f"#{number} is not signed by a trusted key ({signing.SETTING})")
    return checkpoint, Check(CHECKPOINT, True, f"#{number} signed by key {document['key_id']}; heads {heads}")


def _checkpoint_against_the_store_and_ledgers(checkpoint: Checkpoint) -> list[Check]:
    subject = f"{CHECKPOINT} #{checkpoint.number}"
    try:
        stored = checkpoint_store().read(checkpoint.number)
    except OSError:
        return [Check(subject, False, "missing from the checkpoint store")]
    if stored != checkpoint.body:
        return [Check(subject, False, "differs from the one in the checkpoint store")]
    checks = [Check(subject, True, "matches the checkpoint store")]
    try:
        tombstones = valid_tombstones("default", legacy_up_to=legacy_horizon())
        for name, chain in CHAINS.items():
            state = checkpoint.state(name)
            head, digest = (int(state["head_sequence"]), state["head_hash"]) if state else (0, "")
            if not head:
                continue
            held = chain.model.objects.filter(sequence=head).values_list("hash", flat=True).first()
            purged = any(gap.from_sequence <= head <= gap.to_sequence for gap in tombstones.gaps[name].values())
            if held == digest or (held is None and purged):
                checks.append(
                    Check(subject, True, f"{name} event #{head} is held as anchored, or purged with a signed tombstone")
                )
            elif held is None:
                checks.append(
                    Check(subject, False, f"{name} event #{head} it anchored is missing: the ledger was cut back")
                )
            else:
                checks.append(Check(subject, False, f"{name} event #{head} differs from what it anchored: rewritten"))
    except DatabaseError as error:
        checks.append(Check(subject, False, f"ledgers unreachable ({type(error).__name__})"))
    return checks
