from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from compliance.models import AuditEvent, ConsentEvent


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


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sequence", "occurred_at", "action", "actor_name", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type", "actor_name", ("occurred_at", admin.DateFieldListFilter)]
    search_fields = ["=object_repr", "=object_id", "=sequence"]
    date_hierarchy = "occurred_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    list_per_page = 100
    show_full_result_count = False
