from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from calls.urls import webhook
from calls.views.health import healthz, readyz
from calls.views.vapi import VapiWebhookView
from compliance.api import ExportView
from compliance.views import attention_queue_view, attention_review_view, compliance_dashboard, compliance_export
from contactcenter.metrics.views import metrics


@csrf_exempt
def webhook_not_found(request: HttpRequest, *args: object) -> HttpResponse:
    """Any other path under /webhooks: a bare 404 in every settings module.

    Routed, rather than left to the resolver, so that neither APPEND_SLASH
    nor DEBUG's technical 404 page gets to answer: both would quote the
    request (the path, the query string, under DEBUG the form) back."""
    return HttpResponse(status=404)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("webhooks/twilio/", include("calls.urls")),
    *webhook("webhooks/vapi", VapiWebhookView.as_view(), "vapi-webhook"),
    re_path(r"^webhooks(?:/.*)?$", webhook_not_found),
    path("admin/compliance/dashboard/", admin.site.admin_view(compliance_dashboard), name="compliance-dashboard"),
    path("admin/compliance/review/", admin.site.admin_view(attention_queue_view), name="compliance-review"),
    path("admin/compliance/review/mark/", admin.site.admin_view(attention_review_view), name="compliance-review-mark"),
    path("admin/compliance/export/", admin.site.admin_view(compliance_export), name="compliance-export"),
    path("admin/", admin.site.urls),
    path("api/compliance/exports/", ExportView.as_view(), name="api-compliance-export"),
]
