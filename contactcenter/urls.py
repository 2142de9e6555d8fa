from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from calls.views.health import healthz, readyz
from calls.views.vapi import VapiWebhookView
from compliance.api import ExportView
from compliance.views import compliance_dashboard, compliance_export

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("webhooks/twilio/", include("calls.urls")),
    path("webhooks/vapi/", VapiWebhookView.as_view(), name="vapi-webhook"),
    path("admin/compliance/dashboard/", admin.site.admin_view(compliance_dashboard), name="compliance-dashboard"),
    path("admin/compliance/export/", admin.site.admin_view(compliance_export), name="compliance-export"),
    path("admin/", admin.site.urls),
    path("api/compliance/exports/", ExportView.as_view(), name="api-compliance-export"),
]
