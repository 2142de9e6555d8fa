from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from calls.models import Call, InboundEvent, Recording
from calls.services import inbox
from compliance import audit
from compliance.chain import CONSENT, GENESIS, row_hash
from compliance.models import AuditEvent, ConsentDecision, ConsentEvent, ConsentMethod
from compliance.selectors import latest_consent
from compliance.services import consent_record
from tests.calls import vapi_messages as vapi
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def record(call, **overrides):
    arguments = {
        "call": call,
        "decision": ConsentDecision.GRANTED,
        "method": ConsentMethod.DTMF,
        "prompt_version": "2026-11-v1",
        "source": f"twilio:gather:{call.call_sid}:consent:1",
        "occurred_at": timezone.now(),
    }
    return consent_record(**{**arguments, **overrides})


def process() -> None:
    """What the workers do: apply every pending event (its words redacted as it is)."""
    for event_id in InboundEvent.objects.filter(status="pending").order_by("id").values_list("pk", flat=True):
        assert inbox.inbox_process(event_id=event_id), InboundEvent.objects.get(pk=event_id).last_error


def test_recording_the_same_answer_twice_appends_once():
    call = CallFactory()

    first, created = record(call)
    second, created_again = record(call)

    assert created and not created_again
    assert first.pk == second.pk
    assert ConsentEvent.objects.count() == 1


def test_consent_event_copies_the_call_policy_and_survives_the_call():
    call = CallFactory(consent_jurisdiction="US-WA")
    event, _ = record(call)
    call_id = call.pk
    call.delete()

    event.refresh_from_db()
    assert event.call_id == call_id, "the link is evidence: it stays as recorded"
    assert event.call_sid == call.call_sid
    assert event.jurisdiction == "US-WA"
    assert audit.audit_chain_verify().ok


def test_latest_decision_is_the_calls_consent():
    call = CallFactory()
    record(call, decision=ConsentDecision.GRANTED, source="a")
    record(call, decision=ConsentDecision.DECLINED, source="b")

    assert call.consent_decision == ConsentDecision.DECLINED
    assert not call.has_granted_consent


def test_consent_events_are_a_hash_chain_in_the_order_they_were_appended():
    first, _ = record(CallFactory(), source="first")
    second, _ = record(CallFactory(), source="second", occurred_at=first.occurred_at - timedelta(hours=1))

    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == GENESIS and second.previous_hash == first.hash
    assert second.hash == row_hash(CONSENT, ConsentEvent.objects.get(pk=second.pk))
    assert list(ConsentEvent.objects.values_list("source", flat=True)) == ["first", "second"]
    result = audit.audit_chain_verify()
    assert result.ok and result.consent_checked == 2, result


def test_the_latest_decision_is_the_last_appended_wherever_it_is_read():
    """Both places that answer "what did this call decide" read the ledger's
    order, never a time: a decision appended last wins even if the time it
    carries is earlier."""
    call = CallFactory()
    now = timezone.now()
    record(call, decision=ConsentDecision.GRANTED, source="granted", occurred_at=now + timedelta(hours=1))
    record(call, decision=ConsentDecision.DECLINED, source="declined", occurred_at=now - timedelta(hours=1))

    annotated = Call.objects.annotate(decision=latest_consent()).get(pk=call.pk).decision
    assert call.consent_decision == annotated == ConsentDecision.DECLINED


@pytest.mark.parametrize(
    "reported", [datetime(2099, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC)], ids=["2099", "1970"]
)
def test_a_reported_time_is_kept_as_said_and_held_to_the_calls_lifetime(reported):
    call = CallFactory()
    received = timezone.now()

    event, created = record(
        call, method=ConsentMethod.PROVIDER_REPORT, source="report", occurred_at=received, reported_at=reported
    )

    event.refresh_from_db()
    assert created and event.reported_at == reported
    assert call.created_at <= event.occurred_at <= received
    assert event.recorded_at >= received


@pytest.mark.parametrize("reported", [datetime(2099, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC)])
def test_a_provider_report_never_overrides_the_callers_decision(reported):
    call = CallFactory()
    record(call, decision=ConsentDecision.DECLINED, source="declined")

    event, created = record(
        call, decision=ConsentDecision.GRANTED, method=ConsentMethod.PROVIDER_REPORT, source="report",
        reported_at=reported,
    )  # fmt: skip

    assert not created and event.decision == ConsentDecision.DECLINED
    assert call.consent_decision == ConsentDecision.DECLINED
    assert ConsentEvent.objects.count() == 1
    refusal = AuditEvent.objects.get(action="consent.report_not_applied")
    assert refusal.object_repr == call.call_sid and refusal.details["reported"] == "granted"


def test_a_vapi_report_of_consent_after_the_caller_declined_keeps_no_recording(client):
    """The review's case, end to end: the caller declines to the assistant;
    the end-of-call report then says consent was granted, at a later time."""
    call = vapi.new_call()
    vapi.post(client, vapi.tool_calls(call, ("record_consent", {"decision": "declined"})))
    process()
    later = (datetime.now(UTC) + timedelta(seconds=30)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert vapi.post(client, vapi.end_of_call_report(call, [], consent_granted_at=later)).status_code == 200
    process()

    row = Call.objects.get()
    assert row.consent_decision == ConsentDecision.DECLINED
    assert list(row.consent_events.values_list("method", flat=True)) == [ConsentMethod.ASSISTANT]
    assert Recording.objects.count() == 2
    assert not Recording.objects.filter(deletion_requested_at__isnull=True).exists(), "both deleted at Vapi"
