"""The admin site compliance staff work in.

With ADMIN_REQUIRE_OTP (always on in production), signing in takes a
password and a TOTP code from an enrolled device (django-otp), and a session
that has not been verified that way is treated as having no admin access.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, _admin_template_for_django_version
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class AuditedSignInMixin:
    """Reports every refused sign-in of a known user through Django's
    ``user_login_failed`` signal, with a reason, where Django itself does
    not: a staff check refused after a right password. (A wrong password
    or unknown user is reported by ``authenticate``.) The receiver in
    ``compliance.signals`` audits it; the password and any code stay here."""

    def _sign_in_failed(self, user: Any, reason: str) -> None:
        user_login_failed.send(
            sender=type(self),
            credentials={"username": user.get_username()},
            request=self.request,
            user=user,
            reason=reason,
        )

    def confirm_login_allowed(self, user: Any) -> None:
        try:
            super().confirm_login_allowed(user)
        except ValidationError as refused:
            self._sign_in_failed(user, "inactive_user" if refused.code == "inactive" else "not_staff")
            raise


class StaffPasswordSignInForm(AuditedSignInMixin, AdminAuthenticationForm):
    """The password-only form, where ADMIN_REQUIRE_OTP is off (local)."""


class StaffSignInForm(AuditedSignInMixin, OTPAdminAuthenticationForm):
    """django-otp's form, with every refused second factor reported with
    its reason (django-otp signals only a wrong code), and without making
    someone with one authenticator pick it from a list: it is the only
    device a code can be checked against, so nothing else is tried (the
    reason django-otp asks)."""

    def _chosen_device(self, user: Any) -> Any:
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            if len(devices) == 1:
                return devices[0]
        return device

    def clean_otp(self, user: Any) -> None:
        try:
            super().clean_otp(user)
        except ValidationError as refused:
            if user is not None:
                self._sign_in_failed(user, self._second_factor_failure(user, refused))
            raise

    def _second_factor_failure(self, user: Any, refused: ValidationError) -> str:
        """Why django-otp refused, from its error codes. Verification being
        throttled is the one refusal it raises without a code."""
        if not any(devices_for_user(user, confirmed=True)):
            return "no_device"
        code = getattr(refused, "code", None)
        if code == "device_required":
            return "device_not_chosen"
        if code == "invalid_token":
            device = self._chosen_device(user)
            return "replayed_code" if _is_current_code(device, self.cleaned_data.get("otp_token")) else "wrong_code"
        if code is None:
            return "throttled"
        # token_required, or a challenge asked of a device that has none.
        return "no_code"


def _is_current_code(device: Any, token: object) -> bool:
    """Whether ``token`` is a TOTP code the device would accept now but for
    having accepted it already: refused, it was replayed."""
    if not isinstance(device, TOTPDevice):
        return False
    try:
        token = int(str(token))
    except ValueError:
        return False
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time()
    return clock.verify(token, device.tolerance)


# The admin's sections, by the apps whose models they hold: compliance
# staff's pages and evidence in one, the calls in another, and sign-in
# (users, roles, API tokens, authenticators) in a third, with names a
# reviewer reads rather than the apps' labels.
SECTIONS = [
    ("Compliance", ("compliance",)),
    ("Calls", ("calls",)),
    ("Staff and sign-in", ("auth", "knox", "otp_totp")),
]
MODEL_NAMES = {
    "compliance.AuditEvent": "Audit trail",
    "compliance.ConsentEvent": "Consent ledger",
    "compliance.RefusalCount": "Refused requests",
    "calls.InboundEvent": "Webhook inbox",
    "calls.UnknownMessageCount": "Unknown webhook messages",
    "calls.CrmDelivery": "CRM deliveries",
    "auth.Group": "Roles",
    "knox.AuthToken": "API tokens",
    "otp_totp.TOTPDevice": "Authenticator devices",
}
# Compliance staff's own pages, listed first in the Compliance section
# (url name, title, permission).
PAGES = [
    ("compliance-dashboard", "Compliance dashboard", "compliance.view_compliance_dashboard"),
    ("compliance-review", "Needs review", "calls.view_call"),
    ("compliance-export", "Compliance export", "compliance.run_export"),
]


class ContactCenterAdminSite(AdminSite):
    site_header = "Contact center · compliance"
    site_title = "Contact center"
    index_title = "Review"
    site_url = None  # this service has no public site: no "View site" link to a 404

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        """The sections of ``SECTIONS`` with their models renamed; for one
        app's page, the section holding that app."""
        apps = self._build_app_dict(request)
        sections = []
        for name, labels in SECTIONS:
            held = [apps.pop(label) for label in labels if label in apps]
            if app_label is not None and app_label not in labels:
                continue
            models = sorted(
                (
                    {**model, "name": MODEL_NAMES.get(f"{app['app_label']}.{model['object_name']}", model["name"])}
                    for app in held
                    for model in app["models"]
                ),
                key=lambda model: model["name"],
            )
            if labels[0] == "compliance":
                models = [*self._pages(request), *models]
            if models:
                section = held[0] if held else {"app_url": models[0]["admin_url"], "has_module_perms": True}
                sections.append({**section, "name": name, "app_label": labels[0], "models": models})
        # An app not placed in a section keeps its own.
        leftovers = [app for label, app in apps.items() if app_label in (None, label)]
        return [*sections, *sorted(leftovers, key=lambda app: app["name"].lower())]

    def _pages(self, request: HttpRequest) -> list[dict[str, Any]]:
        return [
            {
                "name": title,
                "object_name": url_name.replace("-", "_"),
                "perms": {"view": True},
                "admin_url": reverse(url_name),
                "add_url": None,
                "view_only": True,
            }  # fmt: skip
            for url_name, title, permission in PAGES
            if request.user.has_perm(permission)
        ]

    @property
    def login_form(self) -> type | None:  # type: ignore[override]
        return StaffSignInForm if settings.ADMIN_REQUIRE_OTP else StaffPasswordSignInForm

    @property
    def login_template(self) -> str | None:  # type: ignore[override]
        return _admin_template_for_django_version() if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_REQUIRE_OTP or request.user.is_verified()
