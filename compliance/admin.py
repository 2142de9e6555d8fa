from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from compliance.models import ConsentEvent


class ReadOnlyAdminMixin:
    """Evidence is reviewed, never edited, in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "call_sid", "decision", "method", "requirement", "jurisdiction", "prompt_version"]
    list_filter = ["decision", "method", "requirement", "prompt_version"]
    search_fields = ["=call_sid"]
    date_hierarchy = "occurred_at"
    readonly_fields = [field.name for field in ConsentEvent._meta.fields]
