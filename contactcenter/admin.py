"""The admin site compliance staff work in.

With ADMIN_REQUIRE_OTP (always on in production), signing in takes a
password and a TOTP code from an enrolled device (django-otp), and a session
that has not been verified that way is treated as having no admin access.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm, _admin_template_for_django_version


class ContactCenterAdminSite(AdminSite):
    site_header = "Contact center · compliance"
    site_title = "Contact center"
    index_title = "Review"

    @property
    def login_form(self) -> type | None:  # type: ignore[override]
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRE_OTP else None

    @property
    def login_template(self) -> str | None:  # type: ignore[override]
        return _admin_template_for_django_version() if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_REQUIRE_OTP or request.user.is_verified()
