"""Read-only review of calls and the webhook inbox.

Phone numbers are shown masked. The raw inbox payload is never shown or
even loaded: lists and pages defer it.
"""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.text import capfirst
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from calls.models import (
    Call,
    CallEvent,
    CallStatusEvent,
    CaptureEvent,
    CrmDelivery,
    InboundEvent,
    Payment,
    Recording,
    RecordingPause,
    ScheduledCallback,
    TranscriptSegment,
    UnknownMessageCount,
)
from calls.selectors import call_timeline
from calls.services.crm import crm_retry
from compliance.admin import ExportActionMixin, ReadOnlyAdminMixin, export_action
from compliance.audit import Actor, audit_record
from compliance.masking import mask_phone
from compliance.models import ConsentEvent
from compliance.recording_review import DecisionRefused, recording_review_decide
from compliance.subjects import ErasureBlocked, subject_calls, subject_erase

# What a reveal shows: the page's table and the audit event's list of
# fields are both built from this, so the event names every field shown.
REVEALED_FIELDS = ("from_number", "to_number", "caller_name")


class StatusEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CallStatusEvent
    fields = ["occurred_at", "status", "sequence_number", "applied"]
    readonly_fields = fields
    extra = 0


class ConsentEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ConsentEvent
    fields = [
        "occurred_at",
        "decision",
        "method",
        "requirement",
        "jurisdiction",
        "prompt_version",
        "confidence",
        "said",
    ]
    readonly_fields = fields
    extra = 0

    @admin.display(description="Said (redacted)")
    def said(self, event: ConsentEvent) -> str:
        return event.utterance.text if event.utterance else ""


class RecordingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Recording
    fields = ["recording_sid", "status", "duration_seconds", "channels", "source", "deletion_reason", "deleted_at"]
    readonly_fields = fields
    extra = 0


class CaptureEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaptureEvent
    verbose_name_plural = "Sensitive capture"
    fields = ["occurred_at", "action", "reason", "detail", "lapses_at"]
    readonly_fields = fields
    extra = 0


class RecordingPauseInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RecordingPause
    fields = ["reasons", "behavior", "requested_at", "paused_at", "resume_requested_at", "resumed_at", "ending"]
    readonly_fields = fields
    extra = 0


class PaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    fields = ["created_at", "result", "confirmation_code", "card_type", "card_last4", "error", "amount", "currency"]
    readonly_fields = fields
    extra = 0


class TranscriptSegmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TranscriptSegment
    fields = ["spoken_at", "speaker", "source", "status", "text", "entity_counts", "failure_reason"]
    readonly_fields = fields
    extra = 0


class CallEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CallEvent
    fields = ["occurred_at", "type", "detail"]
    readonly_fields = fields
    extra = 0


@admin.register(Call)
class CallAdmin(ExportActionMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "call_sid",
        "created_at",
        "status",
        "caller",
        "consent_requirement",
        "consent",
        "recording_state",
        "department",
        "escalated",
    ]
    list_filter = ["status", "consent_requirement", "recording_state", "department", "provider", "escalated"]
    search_fields = ["=call_sid", "=vapi_call_id"]
    date_hierarchy = "created_at"
    fields = [
        "call_sid", "vapi_call_id", "provider", "parent", "direction", "caller", "callee",
        "caller_jurisdiction", "callee_jurisdiction", "consent_requirement", "consent_jurisdiction",
        "status", "status_sequence", "started_at", "answered_at", "ended_at", "duration_seconds", "end_reason",
        "department", "escalated", "escalation_reason", "cost", "recording_state", "recording_error",
        "created_at", "updated_at",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [
        StatusEventInline, CallEventInline, ConsentEventInline, TranscriptSegmentInline, RecordingInline,
        CaptureEventInline, PaymentInline,
    ]  # fmt: skip
    change_form_template = "admin/calls/call/change_form.html"
    actions = [export_action("calls", "created_at"), "erase_callers"]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """Every view of a call's page, and so of its transcript, is audited."""
        # The admin's own lookup: an id that is not a number is a 404, not a 500.
        call = self.get_object(request, unquote(object_id))
        if call is None:
            raise Http404
        if not self.has_view_permission(request, call):
            raise PermissionDenied
        audit_record(
            "access.view", actor=Actor(user=request.user), object_type="call", object_id=call.pk,
            object_repr=call.call_sid, details={"transcript_segments": call.transcript_segments.count()},
        )  # fmt: skip
        extra_context = {
            **(extra_context or {}),
            "timeline": call_timeline(call=call),
            "can_reveal": request.user.has_perm("calls.reveal_personal_data"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list:
        reveal = self.admin_site.admin_view(self.reveal_view)
        return [path("<int:object_id>/reveal/", reveal, name="calls_call_reveal"), *super().get_urls()]

    @method_decorator(never_cache)
    @method_decorator(require_POST)
    def reveal_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Show a call's phone numbers in full, to those allowed, once per
        request, and audit it. POST only, so a link can't reveal."""
        if not request.user.has_perm("calls.reveal_personal_data"):
            raise PermissionDenied
        call = get_object_or_404(Call, pk=object_id)
        audit_record(
            "access.reveal", actor=Actor(user=request.user), object_type="call", object_id=call.pk,
            object_repr=call.call_sid, details={"fields": list(REVEALED_FIELDS)},
        )  # fmt: skip
        # The template gets the revealed values and the call's ids, not the
        # call: nothing else of it can reach the page unaudited.
        context = {
            **self.admin_site.each_context(request),
            "title": f"Personal data of {call.call_sid}",
            "call_id": call.pk,
            "call_sid": call.call_sid,
            "opts": self.model._meta,
            "revealed": [
                (capfirst(Call._meta.get_field(name).verbose_name), getattr(call, name)) for name in REVEALED_FIELDS
            ],
        }
        return TemplateResponse(request, "admin/calls/call/reveal.html", context)

    def has_erase_subject_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("compliance.erase_subject")

    @admin.action(description="Erase the callers' personal data…", permissions=["erase_subject"])
    def erase_callers(self, request: HttpRequest, queryset: QuerySet[Call]) -> HttpResponse | None:
        """Erase every call of the selected calls' callers (the called party,
        for calls this service placed), after a confirmation page."""
        subjects = sorted({call.customer_hash for call in queryset} - {""})
        if request.POST.get("confirmed") != "yes":
            total = sum(subject_calls(subject=subject).count() for subject in subjects)
            context = {
                **self.admin_site.each_context(request),
                "title": "Erase callers' personal data",
                "opts": self.model._meta,
                "queryset": queryset,
                "selected": queryset.count(),
                "subjects": len(subjects),
                "total": total,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/calls/call/erase_confirmation.html", context)
        for subject in subjects:
            try:
                erasure = subject_erase(subject=subject, actor=Actor(user=request.user))
            except ErasureBlocked as blocked:
                messages.error(request, str(blocked))
                continue
            pending = len(erasure.recordings_pending)
            messages.success(
                request,
                f"Erased {erasure.calls} call(s) of one caller: {erasure.transcripts} transcript segment(s), "
                f"{erasure.recordings_deleted} recording(s) deleted at the provider"
                + (f", {pending} awaiting the provider's confirmation" if pending else "")
                + f". Certificates: {', '.join(f'#{pk}' for pk in erasure.certificate_ids) or 'none'}.",
            )
        return None

    @admin.display(description="From")
    def caller(self, call: Call) -> str:
        return mask_phone(call.from_number)

    @admin.display(description="To")
    def callee(self, call: Call) -> str:
        return mask_phone(call.to_number)

    @admin.display(description="Consent")
    def consent(self, call: Call) -> str:
        return call.consent_decision or "missing"


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Recordings, each with the pauses of sensitive capture it went through."""

    list_display = [
        "recording_sid", "call", "provider", "status", "started_at", "review", "review_types", "deleted_at",
    ]  # fmt: skip
    list_filter = ["review", "status", "provider", "deletion_reason"]
    search_fields = ["=recording_sid", "=call__call_sid"]
    fields = [
        "recording_sid", "call", "provider", "status", "source", "channels", "duration_seconds", "started_at",
        "review", "review_types", "reviewed_at", "review_decided_by", "review_note",
        "deletion_reason", "deletion_requested_at", "deletion_error", "stop_requested_at", "deleted_at", "created_at",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [RecordingPauseInline]
    actions = ["delete_quarantined", "keep_quarantined"]

    def has_decide_recording_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("calls.decide_recording_review")

    @admin.action(description="Delete quarantined recordings at the provider", permissions=["decide_recording_review"])
    def delete_quarantined(self, request: HttpRequest, queryset: QuerySet[Recording]) -> None:
        self._decide(request, queryset, delete=True, note=request.POST.get("note", ""))

    @admin.action(
        description="Keep quarantined recordings (a reason is required)…", permissions=["decide_recording_review"]
    )
    def keep_quarantined(self, request: HttpRequest, queryset: QuerySet[Recording]) -> HttpResponse | None:
        note = request.POST.get("note", "").strip()
        if not note:
            context = {
                **self.admin_site.each_context(request),
                "title": "Keep recordings that hold card or identity data",
                "opts": self.model._meta,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/calls/recording/keep_confirmation.html", context)
        self._decide(request, queryset, delete=False, note=note)
        return None

    def _decide(self, request: HttpRequest, queryset: QuerySet[Recording], *, delete: bool, note: str) -> None:
        done = 0
        for recording in queryset:
            try:
                recording_review_decide(recording=recording, delete=delete, actor=Actor(user=request.user), note=note)
            except DecisionRefused as refused:
                messages.error(request, f"{recording.recording_sid}: {refused}")
            else:
                done += 1
        if done:
            verb = "deleted at the provider (awaiting its confirmation)" if delete else "kept"
            messages.success(request, f"{done} recording(s) {verb}.")


_ANSWER_SECRETS = re.compile(r'(password=")[^"]*|(x-handoff=)[A-Za-z0-9_-]*')


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "received_at",
        "provider",
        "kind",
        "call_sid",
        "status",
        "attempts",
        "deliveries",
        "last_error",
    ]
    list_filter = ["status", "provider", "kind"]
    search_fields = ["=call_sid", "=id"]
    date_hierarchy = "received_at"
    exclude = ["payload", "response_body"]
    readonly_fields = [
        "provider", "kind", "dedup_key", "call_sid", "received_at", "deliveries", "status", "attempts",
        "available_at", "claimed_at", "processed_at", "last_error", "payload_sha256", "payload_scrubbed_at",
        "answer",
    ]  # fmt: skip

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201
        return super().get_queryset(request).defer("payload")

    @admin.display(description="Answer")
    def answer(self, event: InboundEvent) -> str:
        """What the provider was answered, without the secrets an answer can
        carry: the SIP password, and the hand-off reference (a bearer token
        while it lives)."""
        return _ANSWER_SECRETS.sub(lambda match: (match.group(1) or match.group(2)) + "•••", event.response_body)


@admin.register(ScheduledCallback)
class ScheduledCallbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id", "due_at", "status", "attempts", "number", "call", "requested_at", "number_is_requesters",
        "placed_call_sid", "last_error",
    ]  # fmt: skip
    list_filter = ["status"]
    # Who asked, when, and for which number: the evidence for the call placed.
    fields = [
        "call", "source", "requested_at", "requester_hash", "number", "number_is_requesters", "due_at", "status",
        "attempts", "placed_call_sid", "last_error", "created_at",
    ]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="Number")
    def number(self, callback: ScheduledCallback) -> str:
        return mask_phone(callback.phone)


@admin.register(UnknownMessageCount)
class UnknownMessageCountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["provider", "type", "count", "first_seen_at", "last_seen_at"]
    ordering = ["-count"]


@admin.register(CrmDelivery)
class CrmDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The CRM outbox: what is pending, what failed and why, and a retry."""

    list_display = ["created_at", "kind", "key", "version", "status", "attempts", "last_status", "last_error"]
    list_filter = ["status", "kind", "adapter"]
    search_fields = ["=key"]
    readonly_fields = [field.name for field in CrmDelivery._meta.fields if field.name != "subject_hash"]
    exclude = ["subject_hash"]
    actions = ["retry"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("calls.change_crmdelivery")

    @admin.action(description="Retry the selected failed deliveries", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[CrmDelivery]) -> None:
        count = crm_retry(delivery_ids=list(queryset.values_list("pk", flat=True)), actor=Actor(user=request.user))
        messages.success(request, f"{count} deliver{'y' if count == 1 else 'ies'} queued again.")
