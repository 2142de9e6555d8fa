"""Exports requested from the admin page, an admin action and the API."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from compliance.models import AuditEvent, ConsentDecision, ConsentMethod
from compliance.reports.exports import export_verify
from compliance.roles import COMPLIANCE_OFFICER, SUPERVISOR
from compliance.services import consent_record
from tests.factories import CallFactory, staff_member

pytestmark = pytest.mark.django_db
API = "/api/compliance/exports/"


def granted(day_offset: int = 0):
    call = CallFactory()
    event, _ = consent_record(
        call=call, decision=ConsentDecision.GRANTED, method=ConsentMethod.DTMF, prompt_version="2026-11-v1",
        source=f"requests-{call.call_sid}", occurred_at=timezone.now() - timedelta(days=day_offset),
    )  # fmt: skip
    return event


def unpack(response, tmp_path):
    assert response["Content-Type"] == "application/zip"
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        bundle.extractall(tmp_path)
    return tmp_path


def today() -> str:
    return str(timezone.localdate())


def test_export_page_downloads_a_zip_that_verifies(client, tmp_path):
    granted()
    client.force_login(staff_member("olivia", COMPLIANCE_OFFICER))

    response = client.post(
        reverse("compliance-export"), {"kind": "consent", "first_day": today(), "last_day": today(), "format": "csv"}
    )

    assert response.status_code == 200
    directory = unpack(response, tmp_path)
    assert sorted(path.name for path in directory.iterdir()) == [f"consent_{today()}_{today()}.csv", "manifest.json"]
    assert all(check.ok for check in export_verify(directory=directory))
    event = AuditEvent.objects.get(action="export.created")
    assert (event.actor_name, event.object_id) == ("olivia", response["X-Export-Id"])


def test_export_page_names_what_is_wrong_and_exports_nothing(client):
    client.force_login(staff_member("olivia", COMPLIANCE_OFFICER))

    response = client.post(
        reverse("compliance-export"), {"kind": "consent", "first_day": today(), "last_day": "2020-01-01", "format": "x"}
    )

    page = response.content.decode()
    assert response.status_code == 200 and "The period ends before it starts." in page
    assert "Select a valid choice" in page
    assert not AuditEvent.objects.filter(action="export.created").exists()


def test_export_page_is_only_for_those_allowed_to_export(client):
    client.force_login(staff_member("sam", SUPERVISOR))

    assert client.get(reverse("compliance-export")).status_code == 403


def test_admin_action_opens_the_export_page_over_the_selected_rows_days(client):
    old, new = granted(day_offset=3), granted()
    client.force_login(staff_member("olivia", COMPLIANCE_OFFICER))

    response = client.post(
        reverse("admin:compliance_consentevent_changelist"),
        {"action": "export_period", "_selected_action": [old.pk, new.pk]},
    )

    first = timezone.localdate(old.occurred_at)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('compliance-export')}?kind=consent&first_day={first}&last_day={today()}"
    page = client.get(response["Location"]).content.decode()
    assert f'value="{first}"' in page and 'value="consent" selected' in page


def issue_token(username: str) -> str:
    output = StringIO()
    call_command("issue_api_token", username, stdout=output)
    return output.getvalue().splitlines()[0]


def test_api_exports_with_a_token_and_audits_the_tokens_user(client, tmp_path):
    staff_member("olivia", COMPLIANCE_OFFICER)
    granted()
    token = issue_token("olivia")

    response = client.post(
        API,
        {"kind": "calls", "first_day": today(), "last_day": today(), "format": "json"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )

    assert response.status_code == 200
    directory = unpack(response, tmp_path)
    assert all(check.ok for check in export_verify(directory=directory))
    assert AuditEvent.objects.get(action="export.created").actor_name == "olivia"
    assert token.startswith("cc_") and not AuthToken.objects.filter(digest__contains=token).exists()


def test_api_refuses_without_a_valid_token(client):
    staff_member("olivia", COMPLIANCE_OFFICER)
    token = issue_token("olivia")
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    body = {"kind": "calls", "first_day": today(), "last_day": today(), "format": "csv"}

    for header in ({}, {"HTTP_AUTHORIZATION": "Token cc_wrong"}, {"HTTP_AUTHORIZATION": f"Token {token}"}):
        assert client.post(API, body, content_type="application/json", **header).status_code == 401
    assert not AuditEvent.objects.filter(action="export.created").exists()


def test_api_refuses_a_user_who_may_not_export(client):
    _, token = AuthToken.objects.create(user=staff_member("sam", SUPERVISOR))

    response = client.post(
        API, {"kind": "calls", "first_day": today(), "last_day": today(), "format": "csv"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}",
    )  # fmt: skip

    assert response.status_code == 403


def test_api_names_the_fields_at_fault(client):
    staff_member("olivia", COMPLIANCE_OFFICER)

    response = client.post(
        API, {"kind": "everything", "first_day": "yesterday", "format": "csv"}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {issue_token('olivia')}",
    )  # fmt: skip

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind", "first_day", "last_day"}


def test_tokens_are_issued_only_to_those_allowed_to_export():
    staff_member("sam", SUPERVISOR)

    with pytest.raises(CommandError, match="may not run exports"):
        call_command("issue_api_token", "sam")
