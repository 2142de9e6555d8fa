"""What the sealer must also hold to (``compliance.chain.chain_seal``):
the runtime role's grant on the chain columns can't stop the chain, a
checkpoint anchors every event committed before it whatever transaction it
is written in, and a report never lists an event outside the chain."""

from __future__ import annotations

import csv
import io
import json
import threading
import zipfile

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from compliance import audit, checkpoints
from compliance.audit import Actor
from compliance.chain import AUDIT, chain_head
from compliance.models import AuditEvent
from compliance.reports.exports import export_create
from compliance.reports.kinds import Period
from compliance.roles import COMPLIANCE_OFFICER
from tests.factories import staff_member

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def attempt(statement: str, params: list) -> None:
    """Run ``statement`` as the runtime role; a refusal is what it should get."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError:
        pass


@pytest.mark.parametrize("column", ["sequence", "previous_hash", "hash"])
def test_the_runtime_role_cannot_fill_one_chain_column_of_an_unsealed_event(column):
    """The trigger lets each chain column be filled once, but not the three
    together: one filled alone leaves a row the sealer can never finish
    (its UPDATE would change a value), and every seal after it fails."""
    audit.audit_seal()
    audit.audit_record("test.victim")
    victim = AuditEvent.objects.get(action="test.victim")
    value = chain_head(AUDIT, using="default")[0] + 1 if column == "sequence" else "f" * 64

    attempt(f"UPDATE compliance_auditevent SET {column} = %s WHERE id = %s", [value, victim.pk])  # noqa: S608

    assert AuditEvent.objects.filter(pk=victim.pk, **{f"{column}__isnull": True}).exists(), (
        f"the runtime role filled {column} alone"
    )


def test_an_event_appended_with_a_partial_seal_does_not_stop_the_chain():
    """The runtime role may append; an event it appends with a hash but no
    sequence must not wedge the sealer for every event after it."""
    attempt(
        "INSERT INTO compliance_auditevent (occurred_at, action, actor_name, object_type, object_id, object_repr, "
        "details, hash) VALUES (now(), 'test.wedge', 'x', '', '', '', '{}', %s)",
        ["e" * 64],
    )
    audit.audit_record("test.after")

    try:
        audit.audit_seal()
    except DatabaseError as error:
        pytest.fail(f"the sealer is stopped for good: {type(error).__name__}")
    assert AuditEvent.objects.get(action="test.after").sequence is not None
    assert audit.audit_chain_verify().ok


def test_an_export_from_the_admin_page_anchors_the_events_committed_before_it(client, tmp_path):
    """The real path: the export view runs in the request's transaction."""
    officer = staff_member("olivia", COMPLIANCE_OFFICER)
    audit.audit_seal()
    audit.audit_record("access.reveal", actor=Actor(name="olivia"), object_type="call", object_id=1)
    client.force_login(officer)
    day = str(timezone.localdate())

    response = client.post(
        reverse("compliance-export"), {"kind": "access", "first_day": day, "last_day": day, "format": "csv"}
    )

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    anchored = manifest["checkpoint"]["checkpoint"]["ledgers"]["audit"]["head_sequence"]
    reveal = AuditEvent.objects.get(action="access.reveal")
    assert reveal.sequence is not None and anchored >= reveal.sequence, (
        f"the export's checkpoint anchors #{anchored}; the reveal committed before the export is #{reveal.sequence}"
    )


def test_a_checkpoint_inside_a_transaction_does_not_keep_the_sealer_out_until_that_transaction_ends():
    """README: the lock is held for one batch, "never across anyone else's
    commit". A checkpoint written inside a transaction holds it until the
    transaction ends (an export request: through building its ZIP)."""
    audit.audit_seal()
    sealed_meanwhile: list[int] = []

    def sealer() -> None:
        try:
            audit.audit_record("test.meanwhile")
            sealed_meanwhile.append(audit.audit_seal(wait=False))
        finally:
            connections.close_all()

    with transaction.atomic():
        checkpoints.checkpoint_write(reason="export")
        thread = threading.Thread(target=sealer)
        thread.start()
        thread.join(20)

    assert sealed_meanwhile == [1], "the sealer found the chain's lock held by a transaction it does not belong to"


def test_the_access_report_gives_every_event_its_place_in_the_chain(tmp_path):
    """The access report's ``sequence`` and ``hash`` tie each row to the
    chain its checkpoint anchors; an event committed before the export must
    not be listed without them."""
    audit.audit_seal()
    audit.audit_record("access.reveal", actor=Actor(name="olivia"), object_type="call", object_id=7)
    today = timezone.localdate()

    export = export_create(kind="access", period=Period(today, today), fmt="csv", out_dir=tmp_path / "out")

    path = next(path for path in export.directory.iterdir() if path.suffix == ".csv")
    (row,) = [row for row in csv.DictReader(path.open()) if row["action"] == "access.reveal"]
    reveal = AuditEvent.objects.get(action="access.reveal")
    assert (row["sequence"], row["hash"]) == (str(reveal.sequence), reveal.hash), row


def test_the_summary_names_the_last_verification_by_its_place_in_the_chain(tmp_path):
    audit.audit_seal()
    audit.audit_chain_check()  # its event is committed, not yet sealed
    today = timezone.localdate()

    export = export_create(kind="calls", period=Period(today, today), fmt="pdf", out_dir=tmp_path / "out")

    path = next(path for path in export.directory.iterdir() if path.suffix == ".pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)
    assert "audit event #None" not in text, text[:400]
