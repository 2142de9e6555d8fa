from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from calls.models import Recording, RecordingPause
from compliance import signing
from compliance.audit import Actor, audit_chain_check, audit_record
from compliance.models import AuditEvent, ConsentDecision, ConsentMethod, DestructionCertificate
from compliance.reports.exports import export_create, export_verify
from compliance.reports.kinds import Period
from compliance.services import consent_record
from tests.compliance.tampering import tamper
from tests.factories import CallFactory, recording_sid

pytestmark = pytest.mark.django_db

DAY = date(2026, 10, 14)
PERIOD = Period(DAY, DAY + timedelta(days=1))


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute, second))


def decided(call, decision: str, moment: datetime, source: str):
    event, _ = consent_record(
        call=call, decision=decision, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=source, occurred_at=moment,
    )  # fmt: skip
    return event


def export(tmp_path: Path, kind: str, fmt: str, period: Period = PERIOD) -> Path:
    out = tmp_path / f"{kind}-{fmt}"
    call_command(
        "export_compliance_report", "--kind", kind, "--from", str(period.first_day), "--to", str(period.last_day),
        "--format", fmt, "--out", str(out), stdout=StringIO(),
    )  # fmt: skip
    return out


def verify(directory: Path, *extra: str) -> str:
    output = StringIO()
    call_command("verify_export", str(directory), *extra, stdout=output)
    return output.getvalue()


def report_file(directory: Path) -> Path:
    return next(path for path in directory.iterdir() if path.name != "manifest.json")


def test_consent_csv_has_the_period_rows_and_a_manifest_whose_hashes_match(tmp_path):
    call = CallFactory()
    first = decided(call, ConsentDecision.GRANTED, at(DAY, 0, 0, 0), "first-moment")
    last = decided(call, ConsentDecision.DECLINED, at(DAY + timedelta(days=1), 23, 59, 59), "last-moment")
    decided(call, ConsentDecision.GRANTED, at(DAY + timedelta(days=2), 0, 0, 0), "next-day")
    decided(call, ConsentDecision.GRANTED, at(DAY, 0) - timedelta(microseconds=1), "day-before")

    out = export(tmp_path, "consent", "csv")

    manifest = json.loads((out / "manifest.json").read_text())
    (entry,) = manifest["files"]
    path = out / entry["name"]
    rows = list(csv.DictReader(path.open()))
    assert [row["id"] for row in rows] == [str(first.pk), str(last.pk)]
    assert rows[1]["decision"] == "declined" and rows[1]["call_sid"] == call.call_sid
    assert rows[0]["occurred_at"] == "2026-10-14T00:00:00.000000+00:00"
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry["bytes"] == path.stat().st_size and entry["rows"] == manifest["row_counts"]["consent"] == 2
    assert manifest["parameters"] == {"kind": "consent", "from": "2026-10-14", "to": "2026-10-15", "format": "csv"}
    assert manifest["generator"]["name"] == "contactcenter" and manifest["generator"]["version"]
    event = AuditEvent.objects.get(action="export.created")
    assert event.object_id == manifest["export_id"] and event.details["rows"] == 2
    assert event.details["manifest_sha256"] == hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    assert "export verified" in verify(out)


def test_a_tampered_file_fails_verification(tmp_path):
    decided(CallFactory(), ConsentDecision.GRANTED, at(DAY), "tamper")
    out = export(tmp_path, "consent", "csv")
    path = report_file(out)
    path.write_text(path.read_text().replace("granted", "declined"))

    with pytest.raises(CommandError, match="does not verify"):
        verify(out)

    failed = [check for check in export_verify(directory=out) if not check.ok]
    assert [check.subject for check in failed] == [path.name]


def test_a_manifest_rewritten_to_match_fails_against_the_audit_trail(tmp_path):
    decided(CallFactory(), ConsentDecision.GRANTED, at(DAY), "rewrite")
    out = export(tmp_path, "consent", "csv")
    path = report_file(out)
    path.write_text(path.read_text().replace("granted", "declined"))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"][0].update(sha256=hashlib.sha256(path.read_bytes()).hexdigest(), bytes=path.stat().st_size)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    assert "export verified" in verify(out, "--offline"), "the files match the rewritten manifest"
    with pytest.raises(CommandError):
        verify(out)
    (failed,) = [check for check in export_verify(directory=out) if not check.ok]
    assert failed.subject == "manifest.json" and "audit event" in failed.detail


def test_a_file_added_to_an_export_fails_verification(tmp_path):
    out = export(tmp_path, "consent", "json")
    (out / "extra.csv").write_text("call_sid\n")

    (failed,) = [check for check in export_verify(directory=out) if not check.ok]
    assert failed.subject == "extra.csv"


def test_calls_json_carries_consent_and_recordings_and_never_a_number(tmp_path):
    granted, silent = CallFactory(created_at=at(DAY)), CallFactory(created_at=at(DAY, 13))
    decided(granted, ConsentDecision.GRANTED, at(DAY), "calls-json")
    Recording.objects.create(call=granted, recording_sid=recording_sid(), status="completed")
    CallFactory(created_at=at(DAY + timedelta(days=3)))

    out = export(tmp_path, "calls", "json")

    text = report_file(out).read_text()
    document = json.loads(text)
    assert document["kind"] == "calls" and document["columns"][0] == "call_sid"
    rows = {row["call_sid"]: row for row in document["rows"]}
    assert set(rows) == {granted.call_sid, silent.call_sid}
    assert (rows[granted.call_sid]["consent_decision"], rows[granted.call_sid]["recording_count"]) == ("granted", 1)
    assert rows[silent.call_sid]["consent_decision"] is None
    assert "4155550100" not in text and "8005550199" not in text


def test_access_report_lists_who_reached_personal_data_and_nothing_else(tmp_path):
    call = CallFactory()
    decided(call, ConsentDecision.GRANTED, at(DAY), "access")
    audit_record("access.reveal", actor=Actor(name="olivia"), object_type="call", object_id=call.pk)
    audit_record("recording.played", actor=Actor(name="olivia"), object_type="recording", object_id=1)
    audit_record("attention.reviewed", actor=Actor(name="olivia"), object_type="call", object_id=call.pk)
    today = timezone.localdate()

    out = export(tmp_path, "access", "csv", Period(today, today))

    rows = list(csv.DictReader(report_file(out).open()))
    assert [row["action"] for row in rows] == ["access.reveal", "recording.played"]
    assert {row["actor_name"] for row in rows} == {"olivia"}


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused(tmp_path, client):
    # A refused sign-in names the user it was for (never what was typed for one that doesn't exist).
    User.objects.create_user(username='=HYPERLINK("http://x")', password="the-right-password")
    client.post("/admin/login/", {"username": '=HYPERLINK("http://x")', "password": "nope"})
    today = timezone.localdate()

    out = export(tmp_path, "access", "csv", Period(today, today))

    rows = list(csv.DictReader(report_file(out).open()))
    assert rows[0]["object_repr"] == '\'=HYPERLINK("http://x")'


def test_destruction_report_lists_certificates_with_their_failures(tmp_path):
    DestructionCertificate.objects.create(
        data_class="recordings", reason="retention", run_id="r1", count=3, ids_sha256="a" * 64,
        failures=[{"id": 7, "error": "TwilioTransientError"}], issued_at=at(DAY),
    )  # fmt: skip

    out = export(tmp_path, "destruction", "csv")

    (row,) = list(csv.DictReader(report_file(out).open()))
    assert (row["data_class"], row["count"]) == ("recordings", "3")
    assert json.loads(row["failures"]) == [{"error": "TwilioTransientError", "id": 7}]


def test_pdf_summary_reads_as_an_auditor_needs(tmp_path):
    for hour, decision in ((9, ConsentDecision.GRANTED), (10, ConsentDecision.GRANTED), (11, None)):
        call = CallFactory(created_at=at(DAY, hour))
        if decision:
            decided(call, decision, at(DAY, hour), f"pdf-{hour}")
    unconsented = CallFactory(created_at=at(DAY, 14))
    Recording.objects.create(
        call=unconsented, recording_sid=recording_sid(), status="completed", created_at=at(DAY, 14)
    )
    audit_chain_check()

    out = export(tmp_path, "calls", "pdf")

    path = report_file(out)
    assert path.suffix == ".pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)
    assert "2026-10-14" in text and "2026-10-15" in text
    assert "100.0% granted consent" in text
    assert "Recordings held without granted consent" in text and unconsented.call_sid in text
    assert "Intact" in text and "events checked" in text
    assert "export verified" in verify(out)
    # The document's own creation date is the export's, as the manifest says.
    generated = datetime.fromisoformat(json.loads((out / "manifest.json").read_text())["generated_at"])
    assert PdfReader(path).metadata.creation_date == generated


def test_an_export_never_goes_into_a_directory_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("x")

    with pytest.raises(CommandError, match="not empty"):
        call_command(
            "export_compliance_report", "--kind", "consent", "--from", "2026-10-01", "--to", "2026-10-02",
            "--format", "csv", "--out", str(tmp_path),
        )  # fmt: skip

    assert not AuditEvent.objects.filter(action="export.created").exists()


def test_a_period_that_ends_before_it_starts_is_refused(tmp_path):
    with pytest.raises(CommandError, match="ends before it starts"):
        call_command(
            "export_compliance_report", "--kind", "consent", "--from", "2026-10-02", "--to", "2026-10-01",
            "--format", "csv", "--out", str(tmp_path / "x"),
        )  # fmt: skip


def test_exports_can_be_made_inside_an_open_transaction(tmp_path):
    from django.db import transaction

    with transaction.atomic():
        export = export_create(kind="calls", period=PERIOD, fmt="csv", out_dir=tmp_path / "inside")
    assert export.manifest["row_counts"] == {"calls": 0}


def test_the_manifest_embeds_a_signed_checkpoint_an_auditor_verifies_with_the_public_key_alone(tmp_path, settings):
    decided(CallFactory(), ConsentDecision.GRANTED, at(DAY), "anchored")
    out = export(tmp_path, "consent", "csv")
    manifest = json.loads((out / "manifest.json").read_text())
    checkpoint = manifest["checkpoint"]
    assert checkpoint["checkpoint"]["reason"] == "export" and checkpoint["signature"]
    assert AuditEvent.objects.get(action="export.created").details["checkpoint"] == checkpoint["checkpoint"]["number"]
    assert "checkpoint: #1 signed by key" in verify(out)

    # Away from the database, with the public key and no secret.
    public = signing.public_key_text(signing.signing_key().public_key())
    settings.AUDIT_CHECKPOINT_SIGNING_KEY = ""
    settings.AUDIT_CHECKPOINT_VERIFY_KEYS = [public]
    assert "export verified" in verify(out, "--offline")
    settings.AUDIT_CHECKPOINT_VERIFY_KEYS = ["YW5vdGhlciBrZXksIG5vdCB0aGUgZXZpZGVuY2UhISE="]
    with pytest.raises(CommandError):
        verify(out, "--offline")
    # Or with the key given on the command line, whatever is configured.
    assert "export verified" in verify(out, "--offline", "--public-key", public)


def test_a_checkpoint_removed_or_altered_in_the_manifest_fails_even_offline(tmp_path):
    out = export(tmp_path, "consent", "csv")
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())

    manifest["checkpoint"]["checkpoint"]["ledgers"]["audit"]["head_sequence"] += 1
    path.write_text(json.dumps(manifest))
    (failed,) = [check for check in export_verify(directory=out, against_audit_trail=False) if not check.ok]
    assert failed.subject == "checkpoint" and "not signed by a trusted key" in failed.detail

    del manifest["checkpoint"]
    path.write_text(json.dumps(manifest))
    (failed,) = [check for check in export_verify(directory=out, against_audit_trail=False) if not check.ok]
    assert failed.subject == "checkpoint" and "missing from the manifest" in failed.detail


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_an_export_whose_anchored_events_were_cut_from_the_ledger_fails(tmp_path):
    audit_record("test.before_export")
    out = export(tmp_path, "access", "csv")
    anchored = json.loads((out / "manifest.json").read_text())["checkpoint"]["checkpoint"]["ledgers"]["audit"]
    assert "export verified" in verify(out)

    tamper(("DELETE FROM compliance_auditevent WHERE sequence >= %s", [anchored["head_sequence"]]))

    failed = [check for check in export_verify(directory=out) if not check.ok]
    assert any(
        check.subject == "checkpoint #1" and f"audit event #{anchored['head_sequence']}" in check.detail
        for check in failed
    ), failed


@pytest.mark.parametrize("fmt", ["csv", "json", "pdf"])
def test_the_recordings_reports_carry_every_pause_verdict_and_fate(tmp_path, fmt):
    call = CallFactory(created_at=at(DAY))
    kept = Recording.objects.create(
        call=call, recording_sid=recording_sid(), status="completed", created_at=at(DAY),
        review=Recording.Review.KEPT, review_types=["CREDIT_CARD"], review_decided_by="officer",
    )  # fmt: skip
    RecordingPause.objects.create(
        recording=kept, reasons="payment", behavior="skip", requested_at=at(DAY, 12, 1), paused_at=at(DAY, 12, 1),
        resume_requested_at=at(DAY, 12, 2), resumed_at=at(DAY, 12, 2), ending="resumed",
    )  # fmt: skip

    recordings, pauses = export(tmp_path, "recordings", fmt), export(tmp_path, "recording_pauses", fmt)

    assert "verified" in verify(recordings).lower() and "verified" in verify(pauses).lower()
    if fmt == "json":
        (row,) = json.loads(report_file(recordings).read_text())["rows"]
        assert (row["review"], row["review_types"], row["pause_count"]) == ("kept", ["CREDIT_CARD"], 1)
        (pause,) = json.loads(report_file(pauses).read_text())["rows"]
        assert (pause["recording_sid"], pause["reasons"], pause["ending"]) == (kept.recording_sid, "payment", "resumed")


def test_the_zip_the_admin_downloads_verifies_and_a_tampered_one_does_not(tmp_path):
    from compliance.reports.exports import export_archive

    decided(CallFactory(), ConsentDecision.GRANTED, at(DAY), "downloaded")
    _, archive = export_archive(kind="consent", period=PERIOD, fmt="csv", actor=Actor(name="auditor"))
    with archive:
        downloaded = tmp_path / "consent.zip"
        downloaded.write_bytes(archive.read())

    assert "export verified" in verify(downloaded)

    with zipfile.ZipFile(downloaded) as bundle:
        files = {name: bundle.read(name) for name in bundle.namelist()}
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as bundle:
        for name, content in files.items():
            bundle.writestr(name, content.replace(b"granted", b"declined") if name != "manifest.json" else content)
    with pytest.raises(CommandError, match="does not verify"):
        verify(tampered)


@pytest.mark.parametrize("member", ["../manifest.json", "nested/manifest.json", "/etc/manifest.json"])
def test_a_zip_with_a_path_in_it_is_refused_before_anything_is_written(tmp_path, member):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(member, "{}")

    with pytest.raises(CommandError, match="not a file of an export"):
        verify(archive)
    assert not (tmp_path.parent / "manifest.json").exists()
