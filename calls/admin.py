"""Read-only review of calls and the webhook inbox.

Phone numbers are shown masked. The raw inbox payload is never shown or
even loaded: lists and pages defer it. A live call's control URL and what
is told through it are never shown: only whether one is held.
"""

from __future__ import annotations

import copy
import operator
import re
from functools import reduce
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html_join
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
    VapiControlMessage,
)
from calls.selectors import call_timeline
from calls.services.crm import crm_retry
from calls.services.playback import (
    PLAY_PERMISSION,
    PlaybackRefused,
    PlaybackUnavailable,
    PlayGrantInvalid,
    recording_play_grant,
    recording_play_refusal,
    recording_stream,
)
from compliance.admin import ExportActionMixin, ReadOnlyAdminMixin, export_action
from compliance.attention import RULES, Problem, call_attention, call_flags, calls_with
from compliance.audit import Actor, audit_record
from compliance.masking import mask_phone
from compliance.models import ConsentDecision, ConsentEvent
from compliance.recording_review import DecisionRefused, recording_review_decide
from compliance.selectors import (
    inbox_stuck,
    latest_consent,
    recordings_deletion_unconfirmed,
    recordings_holding_card_data,
    recordings_without_consent,
)
from compliance.subjects import ErasureBlocked, subject_calls, subject_erase

# What a reveal shows: the page's table and the audit event's list of
# fields are both built from this, so the event names every field shown.
REVEALED_FIELDS = ("from_number", "to_number", "caller_name")


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A call's rows as a plain table: no per-row object label, no empty form."""

    template = "admin/edit_inline/tabular_readonly.html"
    extra = 0


class ConsentFilter(admin.SimpleListFilter):
    """The call's latest decision on the consent ledger (as the dashboard counts it)."""

    title = "consent"
    parameter_name = "consent"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [*ConsentDecision.choices, ("missing", "Missing")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Call]) -> QuerySet[Call]:
        value = self.value()
        if value not in {*ConsentDecision.values, "missing"}:
            return queryset
        # On the decision CallAdmin.get_queryset annotates.
        if value == "missing":
            return queryset.filter(latest_decision__isnull=True)
        return queryset.filter(latest_decision=value)


class AttentionFilter(admin.SimpleListFilter):
    """Calls with a problem that needs a person (compliance.attention)."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("any", "Any problem"), *((rule.problem, rule.label) for rule in RULES)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Call]) -> QuerySet[Call]:
        value = self.value()
        if value == "any":
            return queryset.filter(reduce(operator.or_, (calls_with(rule.problem) for rule in RULES)))
        if value in {rule.problem for rule in RULES}:
            return queryset.filter(calls_with(value))
        return queryset


class RecordingAttentionFilter(admin.SimpleListFilter):
    """The recordings the dashboard's recording figures count."""

    title = "needs attention"
    parameter_name = "attention"
    CHOICES = {
        Problem.RECORDING_WITHOUT_CONSENT: ("Held without granted consent", recordings_without_consent),
        "card_data": ("Holding card data", recordings_holding_card_data),
        Problem.DELETION_UNCONFIRMED: ("Deletion not yet confirmed", recordings_deletion_unconfirmed),
    }

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(value, label) for value, (label, _) in self.CHOICES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Recording]) -> QuerySet[Recording]:
        choice = self.CHOICES.get(self.value())
        return queryset if choice is None else queryset.filter(pk__in=choice[1]().values("pk"))


class StuckFilter(admin.SimpleListFilter):
    title = "waiting"
    parameter_name = "stuck"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Waiting over 5 minutes")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[InboundEvent]) -> QuerySet[InboundEvent]:
        return queryset.filter(pk__in=inbox_stuck().values("pk")) if self.value() == "yes" else queryset


class StatusEventInline(ReadOnlyInline):
    model = CallStatusEvent
    fields = ["occurred_at", "status", "sequence_number", "applied"]
    readonly_fields = fields


class ConsentEventInline(ReadOnlyInline):
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

    @admin.display(description="Said (redacted)")
    def said(self, event: ConsentEvent) -> str:
        return event.utterance.text if event.utterance else ""


class RecordingInline(ReadOnlyInline):
    model = Recording
    show_change_link = True  # its page: pauses, review, playback
    fields = ["recording_sid", "status", "duration_seconds", "channels", "source", "deletion_reason", "deleted_at"]
    readonly_fields = fields


class CaptureEventInline(ReadOnlyInline):
    model = CaptureEvent
    verbose_name_plural = "Sensitive capture"
    fields = ["occurred_at", "action", "reason", "detail", "lapses_at"]
    readonly_fields = fields


class RecordingPauseInline(ReadOnlyInline):
    model = RecordingPause
    fields = ["reasons", "behavior", "requested_at", "paused_at", "resume_requested_at", "resumed_at", "ending"]
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["created_at", "result", "confirmation_code", "card_type", "card_last4", "error", "amount", "currency"]
    readonly_fields = fields


class TranscriptSegmentInline(ReadOnlyInline):
    model = TranscriptSegment
    fields = ["spoken_at", "speaker", "source", "status", "text", "entity_counts", "failure_reason"]
    readonly_fields = fields


class CallEventInline(ReadOnlyInline):
    model = CallEvent
    fields = ["occurred_at", "type", "detail"]
    readonly_fields = fields


@admin.register(Call)
class CallAdmin(ExportActionMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Seven compact columns (see its change_list.html): readable on a 1,366-pixel screen.
    list_display = ["call_sid", "created", "status", "caller", "consent", "recording_state", "attention"]
    list_filter = [
        AttentionFilter, ConsentFilter, "status", "consent_requirement", "recording_state", "department", "provider",
        "escalated",
    ]  # fmt: skip
    search_fields = ["=call_sid", "=vapi_call_id"]
    date_hierarchy = "created_at"
    fields = [
        "call_sid", "vapi_call_id", "provider", "parent", "direction", "caller", "callee",
        "caller_jurisdiction", "callee_jurisdiction", "consent_requirement", "consent_jurisdiction",
        "status", "status_sequence", "started_at", "answered_at", "ended_at", "duration_seconds", "end_reason",
        "department", "escalated", "escalation_reason", "cost", "recording_state", "recording_error",
        "live_control", "vapi_control_refused_at", "vapi_ended_at", "created_at", "updated_at",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [
        StatusEventInline, CallEventInline, ConsentEventInline, TranscriptSegmentInline, RecordingInline,
        CaptureEventInline, PaymentInline,
    ]  # fmt: skip
    change_form_template = "admin/calls/call/change_form.html"
    actions = [export_action("calls", "created_at"), "erase_callers"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Call]:
        return super().get_queryset(request).annotate(latest_decision=latest_consent(), **call_flags())

    @admin.display(description="Created (UTC)", ordering="created_at")
    def created(self, call: Call) -> str:
        return f"{call.created_at:%Y-%m-%d %H:%M}"

    @admin.display(description="Needs attention")
    def attention(self, call: Call) -> str:
        return format_html_join(
            " ",
            '<span class="attention-flag" title="{}">{}</span>',
            ((rule.label, rule.short) for rule in RULES if getattr(call, f"attention_{rule.problem}", False)),
        )

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
            "attention": call_attention(call=call),
            "can_reveal": request.user.has_perm("calls.reveal_personal_data"),
            "can_review": request.user.has_perm("compliance.review_attention"),
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
        return call.latest_decision or "missing"

    @admin.display(description="Live call control")
    def live_control(self, call: Call) -> str:
        # A capability over the live call: whether one is held, never what it is.
        return "held (not shown)" if call.vapi_control_url else "none"


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Recordings, each with the pauses of sensitive capture it went through."""

    list_display = [
        "recording_sid", "call", "provider", "status", "started_at", "review", "review_types", "deleted_at",
    ]  # fmt: skip
    list_filter = [RecordingAttentionFilter, "review", "status", "provider", "deletion_reason"]
    search_fields = ["=recording_sid", "=call__call_sid"]
    fields = [
        "recording_sid", "call", "provider", "status", "source", "channels", "duration_seconds", "started_at",
        "review", "review_types", "reviewed_at", "review_decided_by", "review_note",
        "deletion_reason", "deletion_requested_at", "deletion_error", "stop_requested_at", "deleted_at", "created_at",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [RecordingPauseInline]
    actions = ["delete_quarantined", "keep_quarantined"]
    change_form_template = "admin/calls/recording/change_form.html"

    def get_urls(self) -> list:
        play = self.admin_site.admin_view(self.play_view)
        audio = self.admin_site.admin_view(self.audio_view)
        return [
            path("<int:object_id>/play/", play, name="calls_recording_play"),
            path("<int:object_id>/audio/", audio, name="calls_recording_audio"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """The recording's page. Those allowed to play it see the Play button,
        or why it can't be played, and the player once a play is granted;
        others see nothing of playback."""
        recording = self.get_object(request, unquote(object_id))
        can_play = request.user.has_perm(PLAY_PERMISSION)
        extra_context = {
            **(extra_context or {}),
            "can_play": can_play,
            "play_refusal": recording_play_refusal(recording=recording) if can_play and recording else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(never_cache)
    @method_decorator(require_POST)
    def play_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Play a recording: audit the play, then show the recording's page
        with a player whose audio comes through this site under the play's
        short-lived grant. POST only, so a link can't start a play."""
        if not (request.user.has_perm(PLAY_PERMISSION) and self.has_view_permission(request)):
            raise PermissionDenied
        recording = get_object_or_404(Recording.objects.select_related("call"), pk=object_id)
        page = reverse("admin:calls_recording_change", args=[recording.pk])
        try:
            grant = recording_play_grant(recording=recording, user=request.user)
        except PlaybackRefused as refused:
            messages.error(request, str(refused))
            return HttpResponseRedirect(page)
        player = f"{reverse('admin:calls_recording_audio', args=[recording.pk])}?{urlencode({'grant': grant})}"
        # The page as a GET shows it: this POST was a play, not an edit of the recording.
        as_page = copy.copy(request)
        as_page.method = "GET"
        return self.change_view(as_page, str(recording.pk), page, {"player_src": player})

    def audio_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """A granted play's audio, streamed from the provider, with Range
        passed through so the player can seek. The permission is checked on
        every request, and the grant must be this person's, for this
        recording, and recent: otherwise the provider is never asked."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not request.user.has_perm(PLAY_PERMISSION):
            raise PermissionDenied
        try:
            audio = recording_stream(
                grant=request.GET.get("grant", ""), user=request.user, recording_id=object_id,
                byte_range=request.headers.get("Range", ""),
            )  # fmt: skip
        except PlayGrantInvalid:
            raise PermissionDenied from None
        except Recording.DoesNotExist:
            raise Http404 from None
        except PlaybackRefused as refused:
            return HttpResponse(str(refused), status=410, content_type="text/plain; charset=utf-8")
        except PlaybackUnavailable as unavailable:
            return HttpResponse(str(unavailable), status=unavailable.status, content_type="text/plain; charset=utf-8")
        response = StreamingHttpResponse(audio.chunks, status=audio.status)
        for name, value in audio.headers.items():
            response[name] = value
        return response

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
    list_filter = ["status", StuckFilter, "provider", "kind"]
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


@admin.register(TranscriptSegment)
class TranscriptSegmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Transcript segments by redaction status, without their words: the
    words are read on the call's page, where every view is audited."""

    list_display = ["id", "call", "speaker", "source", "status", "spoken_at", "created_at", "failure_reason"]
    list_filter = ["status", "source", "speaker"]
    search_fields = ["=call__call_sid"]
    list_select_related = ["call"]
    # The words: never a filter either (?text__icontains=… would search every transcript unaudited).
    fields = [
        "call", "source", "source_field", "position", "speaker", "spoken_at", "status", "entity_counts",
        "failure_reason", "redacted_at", "created_at",
    ]  # fmt: skip
    readonly_fields = fields

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup.split("__")[0] != "text" and super().lookup_allowed(lookup, value, request)


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


@admin.register(VapiControlMessage)
class VapiControlMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tool results told to live calls after their answer: what became of
    each. What was said is never shown (it is blanked once done anyway)."""

    list_display = ["created_at", "call", "tool", "status", "attempts", "last_status", "last_error"]
    list_filter = ["status", "tool"]
    search_fields = ["=call__call_sid", "=tool_call_id"]
    exclude = ["content"]
    readonly_fields = [field.name for field in VapiControlMessage._meta.fields if field.name != "content"]
