"""Two-factor sign-in for staff, and who may see what."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from compliance import roles
from compliance.models import AuditEvent
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-password"


def staff(role: str | None = None, **extra) -> User:
    user = User.objects.create_user(f"user-{role or 'super'}", password=PASSWORD, is_staff=True, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def test_roles_exist_with_their_permissions():
    officer, supervisor, auditor = (
        Group.objects.get(name=name) for name in (roles.COMPLIANCE_OFFICER, roles.SUPERVISOR, roles.AUDITOR)
    )

    assert officer.permissions.filter(codename="reveal_personal_data").exists()
    assert not supervisor.permissions.filter(codename="reveal_personal_data").exists()
    assert supervisor.permissions.filter(codename="view_transcriptsegment").exists()
    assert set(auditor.permissions.values_list("codename", flat=True)) == {
        "view_auditevent",
        "view_compliance_dashboard",
    }


def test_with_two_factor_required_a_password_alone_does_not_open_the_admin(client, settings):
    settings.ADMIN_REQUIRE_OTP = True
    staff(is_superuser=True)

    response = client.post(reverse("admin:login"), {"username": "user-super", "password": PASSWORD})

    assert response.status_code == 200  # the form again, with an error
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_wrong_totp_code_does_not_open_the_admin(client, settings):
    settings.ADMIN_REQUIRE_OTP = True
    user = staff(is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "otp_token": f"{(totp(device.bin_key) + 1) % 10**6:06d}"},
    )

    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_with_two_factor_required_password_and_totp_code_open_the_admin(client, settings):
    settings.ADMIN_REQUIRE_OTP = True
    user = staff(is_superuser=True)
    output = StringIO()
    call_command("enroll_totp", user.username, stdout=output)
    device = TOTPDevice.objects.get(user=user)
    assert device.config_url in output.getvalue()

    response = client.post(
        reverse("admin:login"),
        {
            "username": user.username,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": f"{totp(device.bin_key):06d}",
        },
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_production_settings_require_two_factor_whatever_the_environment_says():
    from tests.contactcenter.test_settings import PRODUCTION, load_production

    result = load_production({**PRODUCTION, "ADMIN_REQUIRE_OTP": "false"}, probe="print(settings.ADMIN_REQUIRE_OTP)")

    assert result.stdout.strip() == "True", result.stderr


def test_officer_reveals_a_number_and_it_is_audited(client):
    officer = staff(roles.COMPLIANCE_OFFICER)
    call = CallFactory(from_number="+14155550177")
    client.force_login(officer)

    page = client.get(reverse("admin:calls_call_change", args=[call.pk]))
    revealed = client.post(reverse("admin:calls_call_reveal", args=[call.pk]))

    assert (
        page.status_code == 200
        and "+1 415 ••• ••77" in page.content.decode()
        and "4155550177" not in page.content.decode()
    )
    assert "Reveal phone numbers" in page.content.decode()
    assert revealed.status_code == 200 and "+14155550177" in revealed.content.decode()
    assert "no-store" in revealed["Cache-Control"]
    access, reveal = AuditEvent.objects.filter(action__startswith="access.").order_by("sequence")
    assert (access.action, access.actor_name, access.object_repr) == ("access.view", officer.username, call.call_sid)
    assert (reveal.action, reveal.details) == ("access.reveal", {"fields": ["from_number", "to_number"]})


def test_reveal_is_post_only(client):
    client.force_login(staff(roles.COMPLIANCE_OFFICER))

    assert client.get(reverse("admin:calls_call_reveal", args=[CallFactory().pk])).status_code == 405
    assert not AuditEvent.objects.filter(action="access.reveal").exists()


def test_supervisor_sees_calls_but_cannot_reveal(client):
    client.force_login(staff(roles.SUPERVISOR))
    call = CallFactory()

    page = client.get(reverse("admin:calls_call_change", args=[call.pk]))
    refused = client.post(reverse("admin:calls_call_reveal", args=[call.pk]))

    assert page.status_code == 200 and "Reveal phone numbers" not in page.content.decode()
    assert refused.status_code == 403
    assert not AuditEvent.objects.filter(action="access.reveal").exists()
    assert client.get(reverse("compliance-dashboard")).status_code == 403


def test_auditor_reads_the_audit_trail_and_dashboard_but_not_calls(client):
    client.force_login(staff(roles.AUDITOR))

    assert client.get(reverse("admin:compliance_auditevent_changelist")).status_code == 200
    assert client.get(reverse("compliance-dashboard")).status_code == 200
    assert client.get(reverse("admin:calls_call_changelist")).status_code == 403
