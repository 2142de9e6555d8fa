"""Pages for compliance staff, inside the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest
from django.template.response import TemplateResponse

from compliance.selectors import dashboard


@permission_required("compliance.view_compliance_dashboard", raise_exception=True)
def compliance_dashboard(request: HttpRequest) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": "Compliance dashboard", "figures": dashboard()}
    return TemplateResponse(request, "compliance/dashboard.html", context)
