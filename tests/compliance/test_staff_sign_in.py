"""Two-factor sign-in for staff, and who may see what."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
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
        "view_refusalcount",
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


def test_enrolling_a_device_name_again_is_refused_or_replaces_it_and_sign_in_keeps_working(client, settings):
    settings.ADMIN_REQUIRE_OTP = True
    user = staff(is_superuser=True)
    call_command("enroll_totp", user.username, stdout=StringIO())
    first = TOTPDevice.objects.get(user=user)

    with pytest.raises(CommandError, match="already has a device named 'authenticator'"):
        call_command("enroll_totp", user.username, stdout=StringIO())
    assert list(TOTPDevice.objects.filter(user=user)) == [first]

    call_command("enroll_totp", user.username, "--replace", stdout=StringIO())
    (device,) = TOTPDevice.objects.filter(user=user)
    assert device.pk != first.pk
    # Signed in with the app alone, no device to choose: the new one is the one.
    assert sign_in(client, user.username, otp_token=current_code(device)).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    enrolments = AuditEvent.objects.filter(action="auth.second_factor_enrolled").order_by("id")
    assert [event.details["replaced"] for event in enrolments] == [[], [first.pk]]


def sign_in(client, username: str, password: str = PASSWORD, **otp: str):
    return client.post(reverse("admin:login"), {"username": username, "password": password, **otp})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, drift=device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    # Not the code of this step nor of those next to it, which the device accepts.
    valid = {totp(device.bin_key, drift=device.drift + offset) for offset in (-1, 0, 1)}
    return next(f"{code:06d}" for code in range(10**6) if code not in valid)


def failed_sign_ins(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=since, action="auth.login_failed").order_by("id"))


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def enrolled(**extra) -> tuple[User, TOTPDevice]:
    user = staff(is_superuser=True, **extra)
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def attempt_with_a_wrong_code(client):
    user, device = enrolled()
    return user, {"otp_token": wrong_code(device)}


def attempt_with_a_replayed_code(client):
    user, device = enrolled()
    code = current_code(device)
    assert sign_in(client, user.username, otp_token=code).status_code == 302
    client.logout()
    return user, {"otp_token": code}


def attempt_without_a_code(client):
    user, _ = enrolled()
    return user, {}


def attempt_without_a_device(client):
    return staff(is_superuser=True), {"otp_token": "123456"}


def attempt_without_choosing_a_device(client):
    user, device = enrolled()
    TOTPDevice.objects.create(user=user, name="spare phone", confirmed=True)
    return user, {"otp_token": current_code(device)}


def attempt_while_throttled(client):
    user, device = enrolled()
    device.throttle_increment()
    return user, {"otp_token": current_code(device)}


@pytest.mark.parametrize(
    "attempt, reason",
    [
        (attempt_with_a_wrong_code, "wrong_code"),
        (attempt_with_a_replayed_code, "replayed_code"),
        (attempt_without_a_code, "no_code"),
        (attempt_without_a_device, "no_device"),
        (attempt_without_choosing_a_device, "device_not_chosen"),
        (attempt_while_throttled, "throttled"),
    ],
)
def test_every_failed_second_factor_is_audited_once_naming_the_user_and_the_reason(client, settings, attempt, reason):
    settings.ADMIN_REQUIRE_OTP = True
    user, otp = attempt(client)
    since = last_event_id()

    response = sign_in(client, user.username, **otp)

    assert response.status_code == 200  # the form again
    assert client.get(reverse("admin:index")).status_code == 302
    (event,) = failed_sign_ins(since)
    assert (event.actor_name, event.object_type, event.object_id, event.object_repr, event.details) == (
        "anonymous", "user", str(user.pk), user.username, {"reason": reason},
    )  # fmt: skip
    recorded = json.dumps([event.actor_name, event.object_repr, event.details])
    assert PASSWORD not in recorded
    assert not otp or otp["otp_token"] not in recorded
    assert not AuditEvent.objects.filter(sequence__gt=since, action="auth.login").exists()


@pytest.mark.parametrize("require_otp", [True, False])
def test_failed_first_factors_are_audited_with_the_user_only_if_it_exists(client, settings, require_otp):
    settings.ADMIN_REQUIRE_OTP = require_otp
    user = staff(is_superuser=True)
    User.objects.create_user("clerk", password=PASSWORD)  # not staff
    User.objects.create_user("leaver", password=PASSWORD, is_staff=True, is_active=False)
    typed_password_as_username = "my-secret-passphrase"

    sign_in(client, user.username, password="wrong-password")
    sign_in(client, typed_password_as_username, password="wrong-password")
    sign_in(client, "clerk")
    sign_in(client, "leaver")

    events = [(event.object_repr, event.details["reason"]) for event in failed_sign_ins(0)]
    assert events == [
        (user.username, "wrong_password"),
        ("", "unknown_user"),
        ("clerk", "not_staff"),
        ("leaver", "inactive_user"),
    ]
    trail = json.dumps(list(AuditEvent.objects.values("actor_name", "object_repr", "details")))
    assert typed_password_as_username not in trail and "wrong-password" not in trail
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_flood_of_failed_sign_ins_leaves_bounded_evidence_that_adds_up(client, settings):
    """Anyone can post to the sign-in page: 200 failures (unknown names,
    a known user's wrong password) add two audit events per user, reason
    and window, not one per attempt, and the counts add up to 200."""
    from datetime import timedelta

    from compliance.refusals import REPORT_GRACE, SIGN_IN, refusals_report, window_of

    settings.REFUSAL_WINDOW_SECONDS = 86400
    staff()
    attempts = [{"username": f"guess-{serial}", "password": "x"} for serial in range(150)]
    attempts += [{"username": "user-super", "password": f"wrong-{serial}"} for serial in range(50)]
    for attempt in attempts:
        assert client.post(reverse("admin:login"), attempt).status_code == 200

    opened = AuditEvent.objects.filter(action=SIGN_IN.opened)
    assert sorted(opened.values_list("object_repr", "details__reason")) == [
        ("", "unknown_user"),
        ("user-super", "wrong_password"),
    ]
    refusals_report(now=window_of(timezone.now())[1] + REPORT_GRACE + timedelta(seconds=1))
    counted = AuditEvent.objects.filter(action=SIGN_IN.counted)
    assert sorted(counted.values_list("object_repr", "details__count")) == [("", 150), ("user-super", 50)]
    assert not any("guess-" in str(row) or "wrong-" in str(row) for row in AuditEvent.objects.values_list())


def test_a_successful_sign_in_with_password_and_code_is_audited_once(client, settings):
    settings.ADMIN_REQUIRE_OTP = True
    user, device = enrolled()
    since = last_event_id()

    response = sign_in(client, user.username, otp_token=current_code(device))

    assert response.status_code == 302
    actions = list(AuditEvent.objects.filter(id__gt=since).values_list("action", "object_repr"))
    assert actions == [("auth.login", user.username)]


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
    assert "Reveal personal data" in page.content.decode()
    assert revealed.status_code == 200 and "+14155550177" in revealed.content.decode()
    assert "no-store" in revealed["Cache-Control"]
    access, reveal = AuditEvent.objects.filter(action__startswith="access.").order_by("id")
    assert (access.action, access.actor_name, access.object_repr) == ("access.view", officer.username, call.call_sid)
    assert (reveal.action, reveal.details) == ("access.reveal", {"fields": ["from_number", "to_number", "caller_name"]})


def test_reveal_is_post_only(client):
    client.force_login(staff(roles.COMPLIANCE_OFFICER))

    assert client.get(reverse("admin:calls_call_reveal", args=[CallFactory().pk])).status_code == 405
    assert not AuditEvent.objects.filter(action="access.reveal").exists()


def test_supervisor_sees_calls_but_cannot_reveal(client):
    client.force_login(staff(roles.SUPERVISOR))
    call = CallFactory()

    page = client.get(reverse("admin:calls_call_change", args=[call.pk]))
    refused = client.post(reverse("admin:calls_call_reveal", args=[call.pk]))

    assert page.status_code == 200 and "Reveal personal data" not in page.content.decode()
    assert refused.status_code == 403
    assert not AuditEvent.objects.filter(action="access.reveal").exists()
    assert client.get(reverse("compliance-dashboard")).status_code == 403


def test_auditor_reads_the_audit_trail_and_dashboard_but_not_calls(client):
    client.force_login(staff(roles.AUDITOR))

    assert client.get(reverse("admin:compliance_auditevent_changelist")).status_code == 200
    assert client.get(reverse("compliance-dashboard")).status_code == 200
    assert client.get(reverse("admin:calls_call_changelist")).status_code == 403
