from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from calls.integrations import twilio
from calls.models import Call, InboundEvent, Recording, ScheduledCallback, TranscriptSegment, VapiControlMessage
from calls.services.calls import call_upsert
from calls.services.recordings import recording_apply_status
from compliance.audit import audit_chain_verify
from compliance.crypto import identifier_hash
from compliance.models import (
    AttentionReview,
    AuditEvent,
    ConsentDecision,
    ConsentEvent,
    ConsentMethod,
    DestructionCertificate,
    LegalHold,
)
from compliance.roles import COMPLIANCE_OFFICER, SUPERVISOR
from compliance.services import consent_record
from compliance.subjects import ErasureBlocked, InvalidPhoneNumber, subject_erase, subject_hash
from tests.factories import CallFactory, SegmentFactory, recording_sid, staff_member

pytestmark = pytest.mark.django_db

SUBJECT = "+14155550144"
OTHER = "+14155550199"


def said(call, text: str, *, status: str = "redacted") -> TranscriptSegment:
    return SegmentFactory(call=call, text=text, status=status)


def consent(call, source: str) -> ConsentEvent:
    event, _ = consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=source, occurred_at=timezone.now(),
    )  # fmt: skip
    return event


@pytest.fixture
def provider_deletes():
    with mock.patch("calls.services.recordings.twilio.recording_delete", autospec=True) as delete:
        yield delete


def subject_with_two_calls():
    first = CallFactory(from_number=SUBJECT, caller_name="Dana Whitfield")
    second = CallFactory(from_number=SUBJECT)
    said(first, "my card is [CREDIT_CARD]")
    said(second, "call me back")
    return first, second


def test_erasure_destroys_transcripts_recordings_and_identifiers_and_keeps_evidence(provider_deletes):
    first, second = subject_with_two_calls()
    recording = Recording.objects.create(call=first, recording_sid=recording_sid(), status="completed")
    evidence = consent(first, "erasure-test")
    bystander = CallFactory(from_number=OTHER)
    said(bystander, "not theirs")
    pending = InboundEvent.objects.create(
        provider="twilio", kind="twilio.status", dedup_key="late", call_sid=second.call_sid,
        payload={"form": {"From": SUBJECT}}, payload_sha256="x",
    )  # fmt: skip
    Call.objects.filter(pk=first.pk).update(vapi_control_url="https://phone-call-websocket.vapi.ai/x/control")
    untold = VapiControlMessage.objects.create(call=first, tool_call_id="t1", tool="schedule_callback", content="Due")

    # Written as a person would type it; stored and hashed as E.164.
    erasure = subject_erase(subject=subject_hash("+1 (415) 555-0144"))

    assert (erasure.calls, erasure.transcripts, erasure.recordings_deleted, erasure.raw_payloads) == (2, 2, 1, 1)
    assert list(TranscriptSegment.objects.values_list("call_id", flat=True)) == [bystander.pk]
    provider_deletes.assert_called_once_with(recording_sid=recording.recording_sid)
    assert Recording.objects.get().deleted_at is not None
    for call in Call.objects.filter(pk__in=[first.pk, second.pk]):
        assert (call.from_number, call.from_hash, call.caller_name, call.caller_jurisdiction) == ("", "", "", "")
        assert call.to_number == "+18005550199", "the business's own number is not the subject's"
        assert call.erased_at is not None
        assert call.vapi_control_url is None, "no one can speak into the call any more"
    untold.refresh_from_db()
    assert untold.content == ""
    assert Call.objects.get(pk=bystander.pk).from_number == OTHER
    pending.refresh_from_db()
    assert pending.payload is None and pending.status == InboundEvent.Status.FAILED
    kept = ConsentEvent.objects.get(pk=evidence.pk)
    assert (kept.call_id, kept.call_sid, kept.decision) == (first.pk, first.call_sid, "granted")


def test_erasure_issues_a_certificate_per_class_and_an_audit_event(provider_deletes):
    first, second = subject_with_two_calls()
    segment_ids = sorted(TranscriptSegment.objects.values_list("pk", flat=True))

    erasure = subject_erase(subject=subject_hash(SUBJECT))

    certificates = {c.data_class: c for c in DestructionCertificate.objects.filter(pk__in=erasure.certificate_ids)}
    assert set(certificates) == {"transcripts", "call_identifiers"}
    transcripts = certificates["transcripts"]
    assert (transcripts.reason, transcripts.count, transcripts.run_id) == ("erasure", 2, erasure.erasure_id)
    assert transcripts.ids_sha256 == hashlib.sha256("".join(f"{pk}\n" for pk in segment_ids).encode()).hexdigest()
    assert certificates["call_identifiers"].count == 2
    event = AuditEvent.objects.get(action="subject.erased")
    assert event.object_id == erasure.erasure_id and event.details["calls"] == 2
    trail = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert "4155550144" not in trail and identifier_hash(SUBJECT) not in trail
    assert audit_chain_verify().ok


@pytest.mark.parametrize("hold_on", ["subject", "call"])
def test_a_legal_hold_refuses_erasure_with_a_clear_message_and_changes_nothing(hold_on, provider_deletes):
    first, _ = subject_with_two_calls()
    if hold_on == "subject":
        LegalHold.objects.create(subject_hash=identifier_hash(SUBJECT), reason="regulator inquiry 17", placed_by="t")
    else:
        LegalHold.objects.create(call=first, call_sid=first.call_sid, reason="regulator inquiry 17", placed_by="t")

    with pytest.raises(ErasureBlocked) as blocked:
        subject_erase(subject=subject_hash(SUBJECT))

    assert "legal hold" in str(blocked.value) and "regulator inquiry 17" in str(blocked.value)
    assert TranscriptSegment.objects.count() == 2
    assert Call.objects.filter(from_hash=identifier_hash(SUBJECT)).count() == 2
    assert not DestructionCertificate.objects.exists()


def test_an_expired_or_released_hold_does_not_block(provider_deletes):
    first, _ = subject_with_two_calls()
    LegalHold.objects.create(
        call=first, call_sid=first.call_sid, reason="r", placed_by="t", expires_at=timezone.now() - timedelta(days=1)
    )
    LegalHold.objects.create(
        subject_hash=identifier_hash(SUBJECT), reason="r", placed_by="t", released_at=timezone.now()
    )

    assert subject_erase(subject=subject_hash(SUBJECT)).calls == 2


def test_a_recording_the_provider_cannot_delete_yet_stays_marked_and_is_certified_as_a_failure(provider_deletes):
    call = CallFactory(from_number=SUBJECT)
    recording = Recording.objects.create(call=call, recording_sid=recording_sid(), status="completed")
    provider_deletes.side_effect = twilio.TwilioTransientError("503", status=503)

    erasure = subject_erase(subject=subject_hash(SUBJECT))

    recording.refresh_from_db()
    assert recording.deleted_at is None and recording.deletion_reason == "erasure"
    assert recording.deletion_requested_at is not None, "the recording sweep retries it"
    assert erasure.recordings_pending == [{"id": recording.pk, "error": "TwilioTransientError"}]
    assert DestructionCertificate.objects.get(data_class="recordings").failures == erasure.recordings_pending


def test_a_late_delivery_never_brings_erased_data_back(provider_deletes):
    call = CallFactory(from_number=SUBJECT, caller_name="Dana")
    subject_erase(subject=subject_hash(SUBJECT))

    call_upsert(call_sid=call.call_sid, from_number=SUBJECT, caller_name="Dana")
    late = recording_apply_status(
        call=Call.objects.get(pk=call.pk), recording_sid=recording_sid(), status="completed",
        duration_seconds=3, channels=1, source="StartCallRecordingAPI", media_url="", started_at=None,
    )  # fmt: skip

    call.refresh_from_db()
    assert (call.from_number, call.from_hash, call.caller_name) == ("", "", "")
    assert late.deletion_reason == "erasure"


def test_a_late_vapi_delivery_never_brings_erased_data_back(client):
    """Vapi's path as Twilio's: after an erasure, a late report's recordings
    are deleted although the call had consent, and a callback the assistant
    asks for is never scheduled."""
    from calls.services.inbox import inbox_process
    from tests.calls import vapi_messages as vapi

    def apply() -> None:
        for event_id in InboundEvent.objects.filter(status="pending").values_list("pk", flat=True):
            assert inbox_process(event_id=event_id)

    call = vapi.new_call(customer=SUBJECT)
    vapi.post(client, vapi.tool_calls(call, ("record_consent", {"decision": "granted"})))
    apply()
    subject_erase(subject=subject_hash(SUBJECT))

    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    vapi.post(client, vapi.tool_calls(call, ("schedule_callback", {"when": tomorrow, "phone": SUBJECT})))
    vapi.post(client, vapi.end_of_call_report(call, [("user", "hello")]))
    apply()

    assert not ScheduledCallback.objects.exists()
    assert sorted(Recording.objects.values_list("deletion_reason", flat=True)) == ["erasure", "erasure"]


def test_a_hold_on_a_number_written_any_common_way_holds_the_caller(admin_client):
    CallFactory(from_number=SUBJECT)

    response = admin_client.post(
        reverse("admin:compliance_legalhold_add"),
        {"call_sid": "", "caller_number": "+1 (415) 555-0144", "reason": "litigation 42", "expires_at": ""},
    )

    assert response.status_code == 302
    with pytest.raises(ErasureBlocked):
        subject_erase(subject=subject_hash(SUBJECT))


def test_a_hold_on_something_that_is_not_a_number_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:compliance_legalhold_add"), {"caller_number": "dana@example.com", "reason": "x"}
    )

    assert response.status_code == 200 and not LegalHold.objects.exists()


def test_erasure_is_safe_to_repeat(provider_deletes):
    subject_with_two_calls()
    subject_erase(subject=subject_hash(SUBJECT))

    again = subject_erase(subject=subject_hash(SUBJECT))

    assert (again.calls, again.transcripts, again.certificate_ids) == (0, 0, [])


def test_callbacks_to_the_subject_are_cancelled_and_lose_the_number(provider_deletes):
    callback = ScheduledCallback.objects.create(
        source="tool-1", phone=SUBJECT, phone_hash=identifier_hash(SUBJECT), due_at=timezone.now() + timedelta(hours=1)
    )

    subject_erase(subject=subject_hash(SUBJECT))

    callback.refresh_from_db()
    assert (callback.phone, callback.phone_hash, callback.status) == ("", "", "failed")


def test_a_value_that_is_not_a_phone_number_is_refused_without_being_repeated():
    with pytest.raises(InvalidPhoneNumber) as refused:
        subject_hash("dana@example.com")

    assert "dana" not in str(refused.value)


def test_erase_subject_command_prints_a_summary(provider_deletes):
    subject_with_two_calls()
    output = StringIO()

    call_command("erase_subject", "--phone", SUBJECT, "--no-input", stdout=output)

    text = output.getvalue()
    assert "2  identifiers erased" in text and "2  destroyed" in text and "certificates: #" in text
    assert AuditEvent.objects.get(action="subject.erased").actor_name.startswith("cli:")


def test_erase_subject_command_explains_a_hold(provider_deletes):
    subject_with_two_calls()
    LegalHold.objects.create(subject_hash=identifier_hash(SUBJECT), reason="litigation 42", placed_by="t")

    with pytest.raises(CommandError, match="legal hold.*litigation 42"):
        call_command("erase_subject", "--phone", SUBJECT, "--no-input")


def test_erase_subject_command_asks_before_erasing(provider_deletes):
    subject_with_two_calls()

    with mock.patch("builtins.input", return_value="no"), pytest.raises(CommandError, match="cancelled"):
        call_command("erase_subject", "--phone", SUBJECT)

    assert TranscriptSegment.objects.count() == 2


def test_export_subject_gives_their_calls_consent_and_redacted_transcripts(tmp_path):
    first, second = subject_with_two_calls()
    consent(first, "export-test")
    said(CallFactory(from_number=OTHER), "someone else's words")
    said(first, "", status="pending")
    AttentionReview.objects.create(
        call=first, call_sid=first.call_sid, problem="escalated", reviewed_by="olivia", note="Asked for a manager."
    )
    out = tmp_path / "subject.json"

    call_command("export_subject", "--phone", SUBJECT, "--out", str(out), stdout=StringIO())

    document = json.loads(out.read_text())
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    assert [call["call_sid"] for call in document["calls"]] == [first.call_sid, second.call_sid]
    assert document["calls"][0]["from"] == SUBJECT and document["calls"][0]["your_role"] == "caller"
    assert [line["text"] for line in document["calls"][0]["transcript"]] == ["my card is [CREDIT_CARD]"]
    assert [event["decision"] for event in document["calls"][0]["consent_history"]] == ["granted"]
    assert [review["note"] for review in document["calls"][0]["reviews"]] == ["Asked for a manager."]
    assert "someone else's words" not in out.read_text()
    event = AuditEvent.objects.get(action="subject.exported")
    assert event.details == {"calls": 2, "callbacks": 0}


def test_admin_action_erases_the_callers_after_confirmation(client, provider_deletes):
    first, second = subject_with_two_calls()
    bystander = CallFactory(from_number=OTHER)
    client.force_login(staff_member("olivia", COMPLIANCE_OFFICER))
    url = reverse("admin:calls_call_changelist")
    chosen = {"action": "erase_callers", "_selected_action": [first.pk]}

    confirmation = client.post(url, chosen)
    assert confirmation.status_code == 200
    assert "2 calls" in confirmation.content.decode(), "erasure covers every call of the caller, and says so"
    assert TranscriptSegment.objects.count() == 2

    done = client.post(url, {**chosen, "confirmed": "yes"}, follow=True)

    assert "Erased 2 call(s)" in done.content.decode()
    assert not TranscriptSegment.objects.filter(call__in=[first, second]).exists()
    assert Call.objects.get(pk=bystander.pk).from_number == OTHER
    assert AuditEvent.objects.get(action="subject.erased").actor_name == "olivia"


def test_admin_action_reports_a_hold(client, provider_deletes):
    first, _ = subject_with_two_calls()
    LegalHold.objects.create(subject_hash=identifier_hash(SUBJECT), reason="litigation 42", placed_by="t")
    client.force_login(staff_member("olivia", COMPLIANCE_OFFICER))

    done = client.post(
        reverse("admin:calls_call_changelist"),
        {"action": "erase_callers", "_selected_action": [first.pk], "confirmed": "yes"},
        follow=True,
    )

    assert "litigation 42" in done.content.decode()
    assert TranscriptSegment.objects.count() == 2


def test_only_those_allowed_to_erase_see_the_action(client):
    CallFactory()
    client.force_login(staff_member("sam", SUPERVISOR))

    listing = client.get(reverse("admin:calls_call_changelist"))

    assert listing.status_code == 200 and "erase_callers" not in listing.content.decode()
