"""The admin site compliance staff work in.

With ADMIN_REQUIRE_OTP (always on in production), signing in takes a
password and a TOTP code from an enrolled device (django-otp), and a session
that has not been verified that way is treated as having no admin access.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, _admin_template_for_django_version


class StaffSignInForm(OTPAdminAuthenticationForm):
    """django-otp's form, except that someone with one authenticator need not
    pick it from a list: it is the only device a code can be checked
    against, so nothing else is tried (the reason django-otp asks)."""

    def _chosen_device(self, user: Any) -> Any:
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            if len(devices) == 1:
                return devices[0]
        return device


class ContactCenterAdminSite(AdminSite):
    site_header = "Contact center · compliance"
    site_title = "Contact center"
    index_title = "Review"

    @property
    def login_form(self) -> type | None:  # type: ignore[override]
        return StaffSignInForm if settings.ADMIN_REQUIRE_OTP else None

    @property
    def login_template(self) -> str | None:  # type: ignore[override]
        return _admin_template_for_django_version() if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_REQUIRE_OTP or request.user.is_verified()
