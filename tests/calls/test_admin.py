from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from calls.models import Call, InboundEvent
from compliance import roles
from compliance.fields import EncryptedTextField
from compliance.models import AuditEvent, ConsentDecision, ConsentMethod
from compliance.services import consent_record
from tests.factories import CallFactory, twilio_call_params

pytestmark = pytest.mark.django_db


def test_call_page_shows_the_call_with_masked_numbers_and_its_consent(admin_client):
    call = CallFactory(from_number="+14155550123")
    consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source="admin-test", occurred_at=timezone.now(),
    )  # fmt: skip

    listing = admin_client.get(reverse("admin:calls_call_changelist"))
    page = admin_client.get(reverse("admin:calls_call_change", args=[call.pk]))

    assert listing.status_code == page.status_code == 200
    for response in (listing, page):
        content = response.content.decode()
        assert call.call_sid in content
        assert "+1 415 ••• ••23" in content
        assert "4155550123" not in content
    assert "granted" in listing.content.decode().lower()
    assert "2026-11-v1" in page.content.decode()


def test_inbox_page_never_loads_the_raw_payload(admin_client, twilio_post):
    from tests.factories import twilio_call_params

    twilio_post("/webhooks/twilio/voice/", twilio_call_params(From="+14155550177"))
    event = InboundEvent.objects.get()

    listing = admin_client.get(reverse("admin:calls_inboundevent_changelist"))
    page = admin_client.get(reverse("admin:calls_inboundevent_change", args=[event.pk]))

    assert listing.status_code == page.status_code == 200
    for response in (listing, page):
        assert "4155550177" not in response.content.decode()
    assert event.payload_sha256 in page.content.decode()


def test_evidence_cannot_be_edited_in_the_admin(admin_client):
    call = CallFactory()

    response = admin_client.post(reverse("admin:calls_call_change", args=[call.pk]), {"department": "sales"})

    assert response.status_code == 403


def test_callbacks_and_unknown_message_counts_are_listed_masked(admin_client):
    from calls.models import ScheduledCallback, UnknownMessageCount

    ScheduledCallback.objects.create(source="s", phone="+14155550177", phone_hash="h", due_at=timezone.now())
    UnknownMessageCount.objects.create(provider="vapi", type="model-output", count=3)

    callbacks = admin_client.get(reverse("admin:calls_scheduledcallback_changelist")).content.decode()
    unknown = admin_client.get(reverse("admin:calls_unknownmessagecount_changelist")).content.decode()

    assert "+1 415 ••• ••77" in callbacks and "4155550177" not in callbacks
    assert "model-output" in unknown


def test_a_reveal_audits_by_name_exactly_the_personal_fields_it_shows(client):
    """Every personal field of a call (those stored encrypted) gets a value
    of its own; whichever of them the reveal page shows must be named in
    its audit event, and the event holds names, never the values."""
    officer = User.objects.create_user("officer", password="a-long-enough-password", is_staff=True)
    officer.groups.add(Group.objects.get(name=roles.COMPLIANCE_OFFICER))
    personal = [field.name for field in Call._meta.concrete_fields if isinstance(field, EncryptedTextField)]
    values = {name: f"value-of-{name}-{index}7x" for index, name in enumerate(personal)}
    call = CallFactory(**values)
    client.force_login(officer)

    page = client.post(reverse("admin:calls_call_reveal", args=[call.pk])).content.decode()

    shown = {name for name, value in values.items() if value in page}
    event = AuditEvent.objects.get(action="access.reveal")
    assert shown, "the page shows no personal field at all"
    assert set(event.details["fields"]) == shown
    assert (event.object_type, event.object_id, event.object_repr) == ("call", str(call.pk), call.call_sid)
    recorded = json.dumps([event.details, event.object_repr, event.actor_name])
    assert not any(value in recorded for value in values.values())


def test_refusal_counts_are_listed_read_only(admin_client, client, twilio_post):
    twilio_post("/webhooks/twilio/voice/", twilio_call_params(), signature="bad")
    client.post(reverse("admin:login"), {"username": "nobody-here", "password": "x"})

    listing = admin_client.get(reverse("admin:compliance_refusalcount_changelist")).content.decode()

    assert "webhooks/twilio/voice/" in listing and "credential" in listing and "unknown_user" in listing
    assert "nobody-here" not in listing
    assert admin_client.get(reverse("admin:compliance_refusalcount_add")).status_code == 403
