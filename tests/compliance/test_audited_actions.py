"""What the audit trail records, and that it never records personal data."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from calls.models import InboundEvent
from calls.services import inbox
from compliance.audit import audit_chain_verify
from compliance.models import AuditEvent
from tests.factories import CARD_NUMBER, CARD_NUMBER_TRACES, twilio_call_params

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_a_whole_call_is_audited_without_personal_data(twilio_post):
    sid = twilio_call_params()["CallSid"]
    twilio_post("/webhooks/twilio/voice/", twilio_call_params(sid))
    twilio_post(
        "/webhooks/twilio/gather/",
        twilio_call_params(sid, SpeechResult=f"yes, and my card is {CARD_NUMBER}", Confidence="0.9"),
        query={"step": "consent", "attempt": 1, "prompt": "2026-11-v1"},
    )
    for event_id in InboundEvent.objects.order_by("id").values_list("pk", flat=True):
        inbox.inbox_process(event_id=event_id)

    assert actions() == ["webhook.accepted", "redaction.done", "consent.recorded", "webhook.accepted"]
    trail = json.dumps(list(AuditEvent.objects.values()), default=str)
    for personal in ("4155550100", "+1415", *CARD_NUMBER_TRACES, "my card", "SAN FRANCISCO"):
        assert personal not in trail
    assert AuditEvent.objects.get(action="redaction.done").details == {"entities": {"CREDIT_CARD": 1}}
    assert AuditEvent.objects.get(action="consent.recorded").object_repr == sid
    assert audit_chain_verify().ok


@pytest.mark.parametrize(
    "signature, params, reason",
    [("bad", twilio_call_params(), "credential"), (None, {**twilio_call_params(), "CallSid": "nope"}, "invalid")],
)
def test_rejected_webhooks_are_audited_with_the_reason_only(twilio_post, signature, params, reason):
    twilio_post("/webhooks/twilio/voice/", params, signature=signature)

    event = AuditEvent.objects.get()
    assert (event.action, event.actor_name, event.details) == ("webhook.rejected", "twilio", {"reason": reason})
    assert "4155550100" not in json.dumps(event.details)
    assert not InboundEvent.objects.exists()


def test_sign_in_sign_out_and_failed_sign_in(client):
    User.objects.create_user("officer", password="a-long-enough-password")

    client.post("/admin/login/", {"username": "officer", "password": "wrong-password"})
    client.login(username="officer", password="a-long-enough-password")
    client.logout()

    assert actions()[-3:] == ["auth.login_failed", "auth.login", "auth.logout"]
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.object_repr == "officer" and "wrong-password" not in json.dumps(failed.details)


def test_changes_to_users_groups_and_permissions_are_audited():
    user = User.objects.create_user("someone", password="a-long-enough-password")
    group = Group.objects.create(name="Reviewers")
    user.groups.add(group)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.set_password("another-long-password")
    user.save(update_fields=["password"])

    assert actions() == ["user.created", "group.created", "user.groups_changed", "user.changed", "user.changed"]
    assert AuditEvent.objects.get(action="user.groups_changed").details == {"change": "add", "group_ids": [group.pk]}
    changes = [event.details["fields"] for event in AuditEvent.objects.filter(action="user.changed").order_by("id")]
    assert changes == [["is_staff"], ["password"]]
    assert "pbkdf2" not in json.dumps(list(AuditEvent.objects.values_list("details", flat=True)))


def test_recording_deletion_is_audited():
    from unittest import mock

    from calls.models import Recording
    from calls.services import recordings
    from tests.factories import CallFactory, recording_sid

    recording = Recording.objects.create(
        call=CallFactory(),
        recording_sid=recording_sid(),
        status="completed",
        deletion_requested_at=timezone.now(),
        deletion_reason="no_consent",
    )
    with mock.patch("calls.services.recordings.twilio.recording_delete", autospec=True):
        recordings.recording_delete_at_provider(recording_id=recording.pk)

    event = AuditEvent.objects.get(action="recording.deleted")
    assert event.details == {"provider": "twilio", "reason": "no_consent"}
