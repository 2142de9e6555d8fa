"""The admin reads as a reviewer expects: sections with human names, one
Compliance section, a call's rows as plain tables in time order, date
pickers for periods, and the chain's verification shown whoever ran it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from calls.models import CallEvent, CallStatusEvent, CaptureEvent, Payment, Recording, RecordingPause
from calls.selectors import call_timeline
from compliance import roles
from compliance.audit import audit_record
from compliance.models import AuditEvent
from contactcenter.admin import SECTIONS
from tests.factories import CallFactory, SegmentFactory, recording_sid, staff_member

pytestmark = pytest.mark.django_db


def sections(client) -> list[dict]:
    return client.get(reverse("admin:index")).context["app_list"]


def test_the_index_has_the_named_sections_only_and_every_model_a_readable_name(admin_client):
    found = sections(admin_client)

    assert [section["name"] for section in found] == [name for name, _ in SECTIONS]
    registered = {model._meta.app_label for model in admin.site._registry}
    assert registered <= {label for _, labels in SECTIONS for label in labels}, "an app without a section"
    names = [model["name"] for section in found for model in section["models"]]
    assert len(names) == len(set(names))
    for name in names:
        # Not an app label or a class name read aloud: "Otp_Totp", "Crm deliveries", "TOTP devices".
        assert "_" not in name and not name.startswith("Crm") and "TOTP" not in name, name
    labels = {config.verbose_name.upper() for config in apps.get_app_configs()} | {"KNOX", "OTP_TOTP"}
    page = admin_client.get(reverse("admin:index")).content.decode()
    compliance = found[0]
    assert [model["name"] for model in compliance["models"][:3]] == [
        "Compliance dashboard", "Needs review", "Compliance export",
    ]  # fmt: skip
    assert page.count(">Compliance</a>") == 1
    assert not any(f">{label}<" in page for label in labels - {"COMPLIANCE", "CALLS"})


def test_an_apps_own_page_shows_its_section(admin_client):
    for app_label, name in (("knox", "Staff and sign-in"), ("compliance", "Compliance"), ("calls", "Calls")):
        response = admin_client.get(reverse("admin:app_list", args=[app_label]))
        assert response.status_code == 200 and response.context["app_list"][0]["name"] == name


def test_an_auditor_sees_only_what_their_role_opens(client):
    client.force_login(staff_member("auditor", roles.AUDITOR))

    found = sections(client)

    compliance_pages = [model["name"] for model in found[0]["models"]]
    assert "Compliance dashboard" in compliance_pages and "Needs review" not in compliance_pages
    assert "Calls" not in [section["name"] for section in found]


def test_a_calls_rows_are_plain_tables_without_a_label_per_row(admin_client):
    call = CallFactory()
    now = timezone.now()
    CallStatusEvent.objects.create(call=call, status="ringing", occurred_at=now, applied=True)
    CallEvent.objects.create(call=call, type="speech-update", occurred_at=now)
    CaptureEvent.objects.create(call=call, reason="detected", action="enter", occurred_at=now, source="t")
    Payment.objects.create(call=call, source="p", result="success", succeeded=True)
    recording = Recording.objects.create(call=call, recording_sid=recording_sid(), status="completed")
    RecordingPause.objects.create(
        recording=recording, reasons="detected", behavior="skip", requested_at=now, paused_at=now
    )
    SegmentFactory(call=call)

    pages = [
        admin_client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode(),
        admin_client.get(reverse("admin:calls_recording_change", args=[recording.pk])).content.decode(),
    ]

    for page in pages:
        assert "object (" not in page
    for model_admin in admin.site._registry.values():
        for inline in model_admin.inlines:
            assert inline.template == "admin/edit_inline/tabular_readonly.html", inline


def test_the_timeline_orders_moments_twilio_reports_in_the_same_second():
    call = CallFactory()
    second = timezone.now().replace(microsecond=0)
    # Arriving out of order, all stamped with the same whole second.
    for sequence, status in ((2, "completed"), (1, "in-progress"), (0, "ringing")):
        CallStatusEvent.objects.create(
            call=call, status=status, sequence_number=sequence, occurred_at=second, applied=True
        )
    SegmentFactory(call=call, spoken_at=second, text="second words", position=1)
    SegmentFactory(call=call, spoken_at=second, text="first words", position=0)

    order = [entry.summary for entry in call_timeline(call=call)]

    assert order == ["ringing", "in-progress", "first words", "second words", "completed"]


def test_the_export_page_offers_date_pickers(admin_client):
    page = admin_client.get(reverse("compliance-export"), {"first_day": "2026-11-01"}).content.decode()

    assert page.count('type="date"') == 2 and 'value="2026-11-01"' in page


def test_a_verification_from_the_command_line_is_what_the_dashboard_shows(admin_client):
    call_command("verify_audit_chain", stdout=StringIO())

    event = AuditEvent.objects.get(action="audit.chain_verified")
    assert event.actor_name.startswith("cli:") and event.details["ok"] is True
    page = admin_client.get(reverse("compliance-dashboard")).content.decode()
    assert f"by {event.actor_name}" in page and "intact" in page

    # Checking a range says nothing of the whole chain: recorded apart, the dashboard unchanged.
    call_command("verify_audit_chain", "--from", "1", "--to", "1", stdout=StringIO())
    assert AuditEvent.objects.filter(action="audit.range_verified").get().details["from"] == 1
    assert AuditEvent.objects.filter(action="audit.chain_verified").count() == 1


def test_the_dashboard_says_the_schedule_verified_when_it_did(admin_client):
    from compliance.tasks import audit_chain_check

    audit_chain_check()

    page = admin_client.get(reverse("compliance-dashboard")).content.decode()
    assert AuditEvent.objects.get(action="audit.chain_verified").actor_name == "system"
    assert "by the daily schedule" in page


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_range_found_broken_shows_on_the_dashboard_as_the_chain_broken(admin_client):
    from tests.compliance.tampering import tamper

    for number in range(3):
        audit_record("test.event", details={"n": number})
    call_command("verify_audit_chain", stdout=StringIO())
    last = AuditEvent.objects.filter(sequence__isnull=False).order_by("-sequence").first().sequence
    tamper(("UPDATE compliance_auditevent SET details = %s WHERE sequence = %s", ['{"n": 99}', last - 2]))

    with pytest.raises(SystemExit):
        call_command("verify_audit_chain", "--from", "1", "--to", str(last), stdout=StringIO(), stderr=StringIO())

    latest = AuditEvent.objects.filter(action="audit.chain_verified").order_by("-id").first()
    assert latest.details["ok"] is False and latest.details["to"] == last
    assert not AuditEvent.objects.filter(action="audit.range_verified").exists()
    page = admin_client.get(reverse("compliance-dashboard")).content.decode()
    assert "BROKEN" in page
