from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from calls.views.health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("webhooks/twilio/", include("calls.urls")),
    path("admin/", admin.site.urls),
]
