"""The embedded default (SQLite) keeps the same guarantees.

The suite runs on PostgreSQL; these tests migrate a real SQLite database in
a subprocess with the local settings, then try to edit both ledgers there,
and purge and export where the SQL differs by database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LEDGERS = """
import django
django.setup()
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from compliance import audit
from compliance.models import ConsentDecision, ConsentMethod
from compliance.services import consent_record
from calls.models import Call

call_command("migrate", verbosity=0)
call = Call.objects.create(call_sid="CA" + "1" * 32)
consent_record(call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="v",
               source="s", occurred_at=timezone.now())
audit.audit_record("test.thing")  # with the consent's own audit event, two in the chain
for statement in (
    "UPDATE compliance_consentevent SET decision = 'declined'",
    "DELETE FROM compliance_consentevent",
    "UPDATE compliance_auditevent SET action = 'x'",
    "DELETE FROM compliance_auditevent",
):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        print("ALLOWED", statement)
    except DatabaseError as error:
        print("REFUSED", "append-only" in str(error))
call_id = call.pk
call.delete()
from compliance.models import ConsentEvent
print("KEPT", ConsentEvent.objects.get().call_id == call_id)
audit.audit_record("test.head")  # the newest event is kept as the chain's head
print("PURGED", len(audit.audit_purge_before(cutoff=timezone.now())))
print("VERIFIED", audit.audit_chain_verify().ok)
"""


PURGE_AND_EXPORT = """
import django
django.setup()
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from calls.models import Call, TranscriptSegment
from compliance import retention
from compliance.models import ConsentDecision, ConsentMethod, DestructionCertificate
from compliance.reports.exports import export_create, export_verify
from compliance.reports.kinds import Period
from compliance.services import consent_record

call_command("migrate", verbosity=0)
old = timezone.now() - timedelta(days=100)
call = Call.objects.create(call_sid="CA" + "2" * 32)
said = TranscriptSegment.objects.create(
    call=call, source="twilio.gather", source_field="form.SpeechResult", speaker="caller", spoken_at=old,
    created_at=old, status="redacted", text="yes",
)
consent_record(call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.SPEECH, prompt_version="v",
               utterance=said, source="s", occurred_at=old.replace(microsecond=0))
retention.retention_purge()
certificate = DestructionCertificate.objects.get(data_class="transcripts")
print("PURGED", TranscriptSegment.objects.count(), certificate.oldest == old)
day = timezone.localdate(old)
export = export_create(kind="consent", period=Period(day, day), fmt="csv", out_dir=Path(EXPORT_DIR))
verified = all(check.ok for check in export_verify(directory=Path(EXPORT_DIR)))
print("EXPORTED", export.manifest["row_counts"]["consent"], verified)
print("TIMESTAMP", Path(EXPORT_DIR, export.manifest["files"][0]["name"]).read_text().splitlines()[1].split(",")[1])
print("EXPECTED", old.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S.000000+00:00"))
"""


# SQLite has no roles: anyone who can write the file can add a purge permit.
# The signed checkpoints are what catch the review's permit trick there.
PERMIT_TRICK = """
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
from compliance import audit, checkpoints
from compliance.models import AuditEvent, LedgerPurgePermit

call_command("migrate", verbosity=0)
for number in range(6):
    audit.audit_record("test.thing", object_id=number)
checkpoints.checkpoint_write(reason="manual")
print("INTACT", audit.audit_chain_verify().ok)
victims = list(AuditEvent.objects.filter(sequence__in=[2, 3]).order_by("sequence").values_list("hash", flat=True))
with transaction.atomic():
    LedgerPurgePermit.objects.create(reason="x", ledger="compliance_auditevent")
    AuditEvent.objects.filter(sequence__in=[2, 3]).delete()
    LedgerPurgePermit.objects.all().delete()
    audit.audit_record(
        audit.PURGED, details={"from_sequence": 2, "to_sequence": 3, "count": 2, "last_hash": victims[-1]}
    )
print("DELETED", not AuditEvent.objects.filter(sequence__in=[2, 3]).exists())
result = audit.audit_chain_verify()
print("FORGED", result.ok, "forged" in result.reason)
with transaction.atomic():
    LedgerPurgePermit.objects.create(reason="x", ledger="compliance_auditevent")
    AuditEvent.objects.all().delete()
    LedgerPurgePermit.objects.all().delete()
result = audit.audit_chain_verify()
print("EMPTIED", result.ok, "truncated or rolled back" in str(result))
"""


def migrated_to(app: str, migration: str) -> str:
    """A script's start: the database migrated up to ``migration`` only, as
    ``executor`` (with ``before`` and ``call_command`` to migrate the rest)."""
    return f"""
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

before = [("{app}", "{migration}")]
executor = MigrationExecutor(connection)
executor.migrate(before)"""


# Consent events recorded before the ledger was chained are chained, in the
# order they were appended, by the migration that introduces the chain.
CHAINED_BY_MIGRATION = (
    migrated_to("compliance", "0007_erase_subject_permission")
    + """
historical = executor.loader.project_state(before).apps
Call, ConsentEvent = historical.get_model("calls", "Call"), historical.get_model("compliance", "ConsentEvent")
call = Call.objects.create(call_sid="CA1", consent_jurisdiction="US-CA")
for number, decision in enumerate(["granted", "declined", "granted"]):
    ConsentEvent.objects.create(
        call=call, call_sid="CA1", decision=decision, method="dtmf", requirement="all_party", jurisdiction="US-CA",
        prompt_version="v", source=f"s{number}", occurred_at=f"2026-01-0{3 - number}T10:00:00Z",
    )
call_command("migrate", verbosity=0)
from compliance import audit
from compliance.models import ConsentEvent
print("CHAINED", list(ConsentEvent.objects.values_list("source", "sequence")))
print("VERIFIED", audit.audit_chain_verify().ok)
try:
    ConsentEvent.objects.filter(sequence=1).update(decision="declined")
    print("ALLOWED")
except django.db.DatabaseError as error:
    print("REFUSED", "append-only" in str(error))
"""
)


# Answers kept with deliveries before they were encrypted are encrypted by the migration.
ANSWERS_ENCRYPTED_BY_MIGRATION = (
    migrated_to("calls", "0008_handoff")
    + """
InboundEvent = executor.loader.project_state(before).apps.get_model("calls", "InboundEvent")
answer = '<Response><Dial><Sip password="sip-secret">sip:a@sip.vapi.ai?x-handoff=abc</Sip></Dial></Response>'
for number, body in enumerate([answer, ""]):
    InboundEvent.objects.create(
        provider="twilio", kind="twilio.gather", dedup_key=f"k{number}", call_sid="CA1",
        received_at="2026-01-01T10:00Z", payload_sha256="0" * 64, response_body=body,
    )
call_command("migrate", verbosity=0)
from calls.models import InboundEvent
with connection.cursor() as cursor:
    cursor.execute("SELECT response_body FROM calls_inboundevent ORDER BY id")
    stored = [row[0] for row in cursor.fetchall()]
print("READ", list(InboundEvent.objects.order_by("id").values_list("response_body", flat=True)) == [answer, ""])
print("HIDDEN", "sip-secret" not in stored[0] and stored[1] == "")
"""
)


# Vapi calls that ended before a CRM write waited for reports are taken as
# having had theirs; a call after it waits, on SQLite's upsert too.
REPORTS_AWAITED_AFTER_MIGRATION = (
    migrated_to("calls", "0012_vapi_live_call_control")
    + """
from django.conf import settings
Call = executor.loader.project_state(before).apps.get_model("calls", "Call")
Call.objects.create(call_sid="vapi:ended", vapi_call_id="ended", status="completed", ended_at="2026-01-01T10:00Z")
Call.objects.create(call_sid="vapi:live", vapi_call_id="live", status="in-progress")
Call.objects.create(call_sid="CA1", status="completed", ended_at="2026-01-01T10:00Z")
call_command("migrate", verbosity=0)
from calls.models import Call
from calls.services import crm
print("MARKED", sorted(Call.objects.filter(vapi_report_at__isnull=False).values_list("call_sid", flat=True)))
settings.CRM_ADAPTER = "webhook"
live = Call.objects.get(call_sid="vapi:live")
Call.objects.filter(pk=live.pk).update(status="completed")
print("WAITING", crm.crm_call_ready(call=live), live.crm_deliveries.get().awaiting_report)
Call.objects.filter(pk=live.pk).update(vapi_report_at="2026-01-01T10:01Z")
sent = crm.crm_call_ready(call=live)
print("SENT", sent.version, sent.awaiting_report)
"""
)

APPLIED = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from calls.models import Call, InboundEvent, Recording, TranscriptSegment
from calls.services import inbox
from compliance.audit import audit_chain_verify
from tests.calls import vapi_messages as vapi

client, call = Client(HTTP_HOST="localhost"), vapi.new_call()
messages = [
    vapi.status_update(call, "in-progress"),
    vapi.transcript(call, "And the expiry date on the card?", role="assistant"),
    vapi.transcript(call, "Twelve twenty-seven."),
    vapi.end_of_call_report(call, [("assistant", "Your name please?"), ("user", "Dana Whitfield.")], summary="A call."),
]
print("ACCEPTED", [vapi.post(client, message).status_code for message in messages])
pending = InboundEvent.objects.order_by("id").values_list("pk", flat=True)
print("APPLIED", [inbox.inbox_process(event_id=pk) for pk in pending])
stored = Call.objects.get()
print("CALL", stored.from_number == vapi.CUSTOMER_PHONE, type(stored.created_at).__name__, stored.status)
print("SAID", list(TranscriptSegment.objects.order_by("source", "position").values_list("status", "text")))
print("RECORDINGS", Recording.objects.count(), InboundEvent.objects.filter(payload__isnull=False).count())
print("VERIFIED", audit_chain_verify().ok)
"""


OUTBOXES = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("migrate", verbosity=0)
from calls.models import Call
from calls.services import crm
from calls.services.outbox import outbox_claim, outbox_update
settings.CRM_ADAPTER = "webhook"
call = Call.objects.create(call_sid="CA" + "2" * 32, status="completed")
first = crm.crm_call_ready(call=call)
print("QUEUED", first.version, crm.crm_call_ready(call=call) is None)
claimed = outbox_claim(crm.OUTBOX, row_id=first.pk)
print("CLAIMED", claimed.attempts, outbox_claim(crm.OUTBOX, row_id=first.pk) is None)
print("FENCED", outbox_update(crm.OUTBOX, row_id=first.pk, claim=claimed.claimed_at, changes={"status": "delivered"}))
print("REARMED", crm.crm_call_ready(call=call).version)
"""


def run_on_sqlite(tmp_path, script: str) -> list[str]:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings.local",
        "DJANGO_READ_DOT_ENV": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'default.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "AUDIT_CHECKPOINT_SIGNING_KEY": settings.AUDIT_CHECKPOINT_SIGNING_KEY,
        "AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
    }
    script = script.replace("EXPORT_DIR", repr(str(tmp_path / "export")))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line.split(" ")[0].isupper()]


def test_sqlite_ledgers_are_append_only(tmp_path):
    lines = run_on_sqlite(tmp_path, LEDGERS)

    assert lines == ["REFUSED True"] * 4 + ["KEPT True", "PURGED 2", "VERIFIED True"]


def test_sqlite_purges_transcripts_and_exports_with_iso_timestamps(tmp_path):
    lines = dict(line.split(" ", 1) for line in run_on_sqlite(tmp_path, PURGE_AND_EXPORT))

    assert lines["PURGED"] == "0 True"
    assert lines["EXPORTED"] == "1 True"
    assert lines["TIMESTAMP"] == lines["EXPECTED"], "the same form as on PostgreSQL"


def test_sqlite_checkpoints_catch_the_permit_trick_and_an_emptied_trail(tmp_path):
    lines = run_on_sqlite(tmp_path, PERMIT_TRICK)

    assert lines == ["INTACT True", "DELETED True", "FORGED False True", "EMPTIED False True"]


def test_consent_events_recorded_before_the_chain_are_chained_by_the_migration(tmp_path):
    lines = run_on_sqlite(tmp_path, CHAINED_BY_MIGRATION)

    assert lines == ["CHAINED [('s0', 1), ('s1', 2), ('s2', 3)]", "VERIFIED True", "REFUSED True"]


def test_sqlite_applies_deliveries_with_their_words_redacted(tmp_path):
    lines = dict(line.split(" ", 1) for line in run_on_sqlite(tmp_path, APPLIED))

    assert lines["ACCEPTED"] == "[200, 200, 200, 200]" and lines["APPLIED"] == "[True, True, True, True]"
    assert lines["CALL"] == "True datetime completed"
    assert lines["SAID"] == str(
        [("redacted", "Your name please?"), ("redacted", "[PERSON]."), ("redacted", "A call.")]
    ), "the live turns are replaced by the report's"
    assert lines["RECORDINGS"] == "2 0" and lines["VERIFIED"] == "True"


def test_answers_kept_before_they_were_encrypted_are_encrypted_by_the_migration(tmp_path):
    assert run_on_sqlite(tmp_path, ANSWERS_ENCRYPTED_BY_MIGRATION) == ["READ True", "HIDDEN True"]


def test_vapi_calls_ended_before_the_migration_wait_for_no_report_and_later_ones_do(tmp_path):
    assert run_on_sqlite(tmp_path, REPORTS_AWAITED_AFTER_MIGRATION) == [
        "MARKED ['vapi:ended']", "WAITING None True", "SENT 1 False",
    ]  # fmt: skip


def test_sqlite_outboxes_claim_fence_and_rearm_with_hand_written_statements(tmp_path):
    """The claim's time is written as the ORM writes it, so the ORM's fence finds it."""
    assert run_on_sqlite(tmp_path, OUTBOXES) == ["QUEUED 1 True", "CLAIMED 1 True", "FENCED 1", "REARMED 2"]
