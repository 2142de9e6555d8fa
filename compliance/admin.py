from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Max, Min, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from compliance.audit import Actor, audit_record
from compliance.models import AuditEvent, ConsentEvent, DestructionCertificate, LegalHold, RefusalCount, RetentionPolicy
from compliance.subjects import InvalidPhoneNumber, subject_hash


class ReadOnlyAdminMixin:
    """Evidence is reviewed, never edited, in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ExportActionMixin:
    def has_run_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("compliance.run_export")


def export_action(kind: str, moment_field: str) -> Callable:
    """An action opening the export page for ``kind``, over the days the
    selected rows span."""

    @admin.action(description="Export a compliance report for the selected rows' period…", permissions=["run_export"])
    def export_period(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> HttpResponseRedirect:
        span = queryset.aggregate(first=Min(moment_field), last=Max(moment_field))
        days = {key: timezone.localdate(moment) for key, moment in span.items() if moment}
        query = {"kind": kind, "first_day": days.get("first", ""), "last_day": days.get("last", "")}
        return HttpResponseRedirect(f"{reverse('compliance-export')}?{urlencode(query)}")

    return export_period


@admin.register(ConsentEvent)
class ConsentEventAdmin(ExportActionMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    actions = [export_action("consent", "occurred_at")]
    list_display = ["occurred_at", "call_sid", "decision", "method", "requirement", "jurisdiction", "prompt_version"]
    list_filter = ["decision", "method", "requirement", "prompt_version"]
    search_fields = ["=call_sid"]
    date_hierarchy = "occurred_at"
    readonly_fields = [field.name for field in ConsentEvent._meta.fields]


@admin.register(AuditEvent)
class AuditEventAdmin(ExportActionMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    actions = [export_action("access", "occurred_at")]
    list_display = ["sequence", "occurred_at", "action", "actor_name", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type", "actor_name", ("occurred_at", admin.DateFieldListFilter)]
    search_fields = ["=object_repr", "=object_id", "=sequence"]
    date_hierarchy = "occurred_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    list_per_page = 100
    show_full_result_count = False


class RetentionPolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["keep_days"]

    def clean_keep_days(self) -> int:
        days = self.cleaned_data["keep_days"]
        minimum = settings.RETENTION_MINIMUM_DAYS.get(self.instance.data_class, 1)
        if days < minimum:
            raise forms.ValidationError(f"Never less than {minimum} days for this class of data.")
        return days


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    form = RetentionPolicyForm
    list_display = ["data_class", "keep_days", "updated_at"]
    readonly_fields = ["data_class", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RetentionPolicy, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            "retention.policy_changed", actor=Actor(user=request.user), object_type="retention_policy",
            object_id=obj.pk, object_repr=obj.data_class, details={"keep_days": obj.keep_days},
        )  # fmt: skip


class LegalHoldForm(forms.ModelForm):
    caller_number = forms.CharField(
        required=False, max_length=32, help_text="Hold every call of this caller: only its keyed hash is stored."
    )

    class Meta:
        model = LegalHold
        fields = ["call_sid", "reason", "expires_at"]

    def clean(self) -> dict:
        cleaned = super().clean()
        number = cleaned.get("caller_number", "").strip()
        if number:
            # The number as the providers send it (E.164), however it was
            # typed: the hash must be the one the caller's calls are stored
            # under, or the hold holds nothing.
            try:
                self.instance.subject_hash = subject_hash(number)
            except InvalidPhoneNumber as error:
                self.add_error("caller_number", str(error))
                return cleaned
        if not cleaned.get("call_sid") and not self.instance.subject_hash:
            raise forms.ValidationError("Name a call SID or a caller's number.")
        return cleaned


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    form = LegalHoldForm
    list_display = ["placed_at", "call_sid", "subject", "reason", "placed_by", "expires_at", "released_at"]
    list_filter = ["released_at"]
    search_fields = ["=call_sid"]
    fields = ["call_sid", "caller_number", "reason", "expires_at", "placed_by", "placed_at", "released_at"]
    readonly_fields = ["placed_by", "placed_at", "released_at"]
    actions = ["release"]

    @admin.display(description="Caller")
    def subject(self, hold: LegalHold) -> str:
        return f"{hold.subject_hash[:10]}…" if hold.subject_hash else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("compliance.place_legal_hold")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("compliance.place_legal_hold") and (obj is None or obj.released_at is None)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LegalHold, form: forms.ModelForm, change: bool) -> None:
        from calls.models import Call

        if not change:
            obj.placed_by = request.user.get_username()
        obj.call = Call.objects.filter(call_sid=obj.call_sid).first() if obj.call_sid else None
        super().save_model(request, obj, form, change)
        audit_record(
            "legal_hold.changed" if change else "legal_hold.placed", actor=Actor(user=request.user),
            object_type="legal_hold", object_id=obj.pk, object_repr=obj.call_sid,
            details={"by_subject": bool(obj.subject_hash), "expires_at": obj.expires_at},
        )  # fmt: skip

    @admin.action(description="Release the selected holds", permissions=["change"])
    def release(self, request: HttpRequest, queryset: object) -> None:
        for hold in queryset.filter(released_at__isnull=True):
            hold.released_at = timezone.now()
            hold.save(update_fields=["released_at"])
            audit_record(
                "legal_hold.released", actor=Actor(user=request.user), object_type="legal_hold",
                object_id=hold.pk, object_repr=hold.call_sid,
            )  # fmt: skip
        messages.success(request, "Released.")


@admin.register(DestructionCertificate)
class DestructionCertificateAdmin(ExportActionMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    actions = [export_action("destruction", "issued_at")]
    list_display = ["issued_at", "data_class", "reason", "count", "oldest", "newest", "failure_count", "run_id"]
    list_filter = ["data_class", "reason"]
    readonly_fields = [field.name for field in DestructionCertificate._meta.fields]

    @admin.display(description="Failures")
    def failure_count(self, certificate: DestructionCertificate) -> int:
        return len(certificate.failures)


@admin.register(RefusalCount)
class RefusalCountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Refused webhooks and sign-ins per key, reason and window: what is
    being refused now, before the window's count reaches the audit trail."""

    list_display = ["window_start", "window_end", "kind", "actor", "key", "reason", "count", "reported", "last_at"]
    list_filter = ["kind", "reason"]
    date_hierarchy = "window_start"
