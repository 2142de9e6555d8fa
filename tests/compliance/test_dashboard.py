from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import InboundEvent, Recording, TranscriptSegment
from compliance import audit
from compliance.models import ConsentDecision, ConsentMethod
from compliance.selectors import dashboard
from compliance.services import consent_record
from tests.factories import CallFactory, recording_sid

pytestmark = pytest.mark.django_db


def decide(call, decision):
    consent_record(
        call=call, decision=decision, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=f"test:{call.pk}:{decision}", occurred_at=timezone.now(),
    )  # fmt: skip


def test_figures_count_calls_consent_and_recordings_without_consent():
    granted, declined, missing = CallFactory(), CallFactory(), CallFactory()
    decide(granted, ConsentDecision.GRANTED)
    decide(declined, ConsentDecision.DECLINED)
    Recording.objects.create(call=granted, recording_sid=recording_sid(), status="completed")
    Recording.objects.create(call=declined, recording_sid=recording_sid(), status="completed")
    Recording.objects.create(call=missing, recording_sid=recording_sid(), status="deleted", deleted_at=timezone.now())
    TranscriptSegment.objects.create(
        call=missing, source="t", source_field="f", speaker="caller", spoken_at=timezone.now()
    )
    InboundEvent.objects.create(
        provider="twilio",
        kind="twilio.voice",
        dedup_key="old",
        payload_sha256="0",
        received_at=timezone.now() - timedelta(hours=1),
    )
    audit.audit_chain_check()

    figures = dashboard()

    assert (figures.calls_today, figures.calls_this_week) == (3, 3)
    assert (figures.consent_granted, figures.consent_declined, figures.consent_missing) == (1, 1, 1)
    assert figures.recordings_without_consent == 1
    assert (figures.redaction_backlog, figures.inbox_stuck, figures.inbox_failed) == (1, 1, 0)
    assert figures.last_verification.details["ok"] is True
    assert figures.last_purge is None
    assert figures.next_purge.endswith("02:30+00:00"), figures.next_purge


def test_dashboard_page_shows_recordings_without_consent_in_red(admin_client):
    Recording.objects.create(call=CallFactory(), recording_sid=recording_sid(), status="completed")

    page = admin_client.get(reverse("compliance-dashboard")).content.decode()

    assert 'class="figure alarm" id="recordings-without-consent"' in page
    assert "recordings held without granted consent (must be 0)" in page


def test_dashboard_page_is_calm_when_all_is_well(admin_client):
    page = admin_client.get(reverse("compliance-dashboard")).content.decode()

    assert 'class="figure good" id="recordings-without-consent"' in page
    assert "has not been verified yet" in page
