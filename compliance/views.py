"""Pages for compliance staff, inside the admin."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from calls.models import Call
from compliance.attention import (
    LABELS,
    Problem,
    ReviewRefused,
    attention_open_count,
    attention_queue,
    attention_review,
)
from compliance.audit import Actor
from compliance.forms import ExportForm
from compliance.reports.exports import export_archive
from compliance.selectors import PURGE_ACTIONS, Dashboard, dashboard

QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class Tile:
    """One figure of the dashboard and the list of the rows it counts.

    ``counts_rows``: the value is the number of rows that list shows (a
    test follows every such link and counts). ``permission``: what the list
    needs; without it the figure is shown without its link."""

    key: str
    value: object
    label: str
    href: str
    permission: str
    tone: str = ""
    counts_rows: bool = True


def _list(name: str, **query: object) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def _must_be_zero(value: int) -> str:
    return "alarm" if value else "good"


def dashboard_tiles(figures: Dashboard, *, open_problems: int) -> list[tuple[str, list[Tile]]]:
    """The dashboard's sections and tiles, each linking to what it counts."""
    today = {"created_at__gte": figures.today.isoformat(), "parent__isnull": "True"}
    week = {"created_at__gte": figures.week.isoformat(), "parent__isnull": "True"}
    view_calls, view_recordings = "calls.view_call", "calls.view_recording"
    verification = figures.last_verification
    purge = figures.last_purge
    if verification is None:
        verified, verified_tone = "never", ""
        verified_label = (
            "the audit chain has not been verified yet (daily at 03:15 UTC, or manage.py verify_audit_chain)"
        )
    else:
        ok = verification.details.get("ok")
        verified, verified_tone = ("intact", "good") if ok else ("BROKEN", "alarm")
        verified_label = (
            f"last audit-chain verification {verification.occurred_at:%Y-%m-%d %H:%M} UTC by "
            f"{'the daily schedule' if verification.actor_name == 'system' else verification.actor_name}, "
            f"{verification.details.get('checked')} events"
            + ("" if ok else f"; first broken link #{verification.details.get('first_broken')}")
            # An acknowledged restore's loss is said with every verification.
            + "".join(f"; {note}" for note in verification.details.get("notes", []))
        )
    return [
        (
            "Calls",
            [
                Tile("calls-today", figures.calls_today, "calls today", _list("calls_call", **today), view_calls),
                Tile("calls-week", figures.calls_this_week, "calls this week", _list("calls_call", **week), view_calls),
            ],
        ),
        (
            "Consent (calls this week)",
            [
                Tile(
                    f"consent-{decision}",
                    count,
                    decision,
                    _list("calls_call", **week, consent=decision),
                    view_calls,
                )  # fmt: skip
                for decision, count in (
                    ("granted", figures.consent_granted),
                    ("declined", figures.consent_declined),
                    ("missing", figures.consent_missing),
                )
            ],
        ),
        (
            "Needs attention",
            [
                Tile(
                    "needs-review",
                    open_problems,
                    "open problems awaiting review, oldest first",
                    reverse("compliance-review"),
                    view_calls,
                    tone="alarm" if open_problems else "",
                ),
                Tile(
                    "recordings-without-consent",
                    figures.recordings_without_consent,
                    "recordings held without granted consent (must be 0)",
                    _list("calls_recording", attention=Problem.RECORDING_WITHOUT_CONSENT),
                    view_recordings,
                    tone=_must_be_zero(figures.recordings_without_consent),
                ),
                Tile(
                    "recordings-holding-card-data",
                    figures.recordings_holding_card_data,
                    "recordings holding card data (must be 0)"
                    + (
                        f"; {figures.recordings_awaiting_decision} quarantined, awaiting a decision"
                        if figures.recordings_awaiting_decision
                        else ""
                    ),
                    _list("calls_recording", attention="card_data"),
                    view_recordings,
                    tone=_must_be_zero(figures.recordings_holding_card_data),
                ),
                Tile(
                    "deletions-unconfirmed",
                    figures.deletions_unconfirmed,
                    "recording deletions requested, not yet confirmed by the provider",
                    _list("calls_recording", attention=Problem.DELETION_UNCONFIRMED),
                    view_recordings,
                ),
            ],
        ),  # fmt: skip
        (
            "Processing",
            [
                Tile(
                    "redaction-backlog",
                    figures.redaction_backlog,
                    "transcript segments awaiting redaction"
                    + (
                        f", oldest since {figures.oldest_pending_redaction:%Y-%m-%d %H:%M}"
                        if figures.oldest_pending_redaction
                        else ""
                    ),
                    _list("calls_transcriptsegment", status="pending"),
                    "calls.view_transcriptsegment",
                    tone="alarm" if figures.redaction_backlog else "",
                ),
                Tile(
                    "redaction-failed",
                    figures.redaction_failed,
                    "transcript segments fully masked because redaction failed",
                    _list("calls_transcriptsegment", status="masked"),
                    "calls.view_transcriptsegment",
                    tone="alarm" if figures.redaction_failed else "",
                ),
                Tile(
                    "inbox-stuck",
                    figures.inbox_stuck,
                    "inbox events waiting over 5 minutes",
                    _list("calls_inboundevent", stuck="yes"),
                    "calls.view_inboundevent",
                    tone="alarm" if figures.inbox_stuck else "",
                ),
                Tile(
                    "inbox-failed",
                    figures.inbox_failed,
                    "inbox events failed",
                    _list("calls_inboundevent", status="failed"),
                    "calls.view_inboundevent",
                    tone="alarm" if figures.inbox_failed else "",
                ),
            ],
        ),  # fmt: skip
        (
            "Evidence",
            [
                Tile(
                    "chain-verification",
                    verified,
                    verified_label,
                    _list("compliance_auditevent", action="audit.chain_verified"),
                    "compliance.view_auditevent",
                    tone=verified_tone,
                    counts_rows=False,
                ),
                Tile(
                    "purges",
                    f"{purge.occurred_at:%Y-%m-%d}" if purge else "none",
                    (f"last purge ({purge.action})" if purge else "last purge") + f"; next: {figures.next_purge}",
                    _list("compliance_auditevent", action__in=",".join(PURGE_ACTIONS)),
                    "compliance.view_auditevent",
                    counts_rows=False,
                ),
            ],
        ),  # fmt: skip
    ]


@permission_required("compliance.view_compliance_dashboard", raise_exception=True)
def compliance_dashboard(request: HttpRequest) -> TemplateResponse:
    figures = dashboard()
    sections = [
        (title, [tile if request.user.has_perm(tile.permission) else _unlinked(tile) for tile in tiles])
        for title, tiles in dashboard_tiles(figures, open_problems=attention_open_count())
    ]
    context = {
        **admin.site.each_context(request),
        "title": "Compliance dashboard",
        "figures": figures,
        "sections": sections,
    }
    return TemplateResponse(request, "compliance/dashboard.html", context)


def _unlinked(tile: Tile) -> Tile:
    return Tile(tile.key, tile.value, tile.label, "", tile.permission, tile.tone, tile.counts_rows)


@never_cache
@permission_required("calls.view_call", raise_exception=True)
def attention_queue_view(request: HttpRequest) -> TemplateResponse:
    """Open problems of every call, oldest first, each with a form to mark
    it reviewed (for those allowed)."""
    total = attention_open_count()
    # Clamped to the pages there are before any row is read (get_page takes
    # anything: a number out of range, a word, "²").
    page = Paginator(range(total), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    items = attention_queue(limit=QUEUE_PAGE_SIZE, offset=(page.number - 1) * QUEUE_PAGE_SIZE)
    context = {
        **admin.site.each_context(request),
        "title": "Needs review",
        "items": items,
        "total": total,
        "page": page,
        "problems": LABELS,
        "can_review": request.user.has_perm("compliance.review_attention"),
    }
    return TemplateResponse(request, "compliance/review_queue.html", context)


@never_cache
@require_POST
@permission_required("compliance.review_attention", raise_exception=True)
def attention_review_view(request: HttpRequest) -> HttpResponseRedirect:
    """Mark a call's problem reviewed with a note, then go back where the
    reviewer came from (the queue or the call's page)."""
    call_id = request.POST.get("call", "")
    call = get_object_or_404(Call, pk=int(call_id) if call_id.isascii() and call_id.isdigit() else 0)
    problem = request.POST.get("problem", "")
    try:
        attention_review(call=call, problem=problem, note=request.POST.get("note", ""), actor=Actor(user=request.user))
    except ReviewRefused as refused:
        messages.error(request, f"{call.call_sid}: {refused}")
    else:
        messages.success(request, f"{call.call_sid}: “{LABELS[problem]}” marked reviewed.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("compliance-review")
    return HttpResponseRedirect(back)


def export_response(*, cleaned: dict, actor: Actor) -> FileResponse:
    """Make the export and stream it back as a ZIP (report and manifest)."""
    period = cleaned["period"]
    export, archive = export_archive(kind=cleaned["kind"], period=period, fmt=cleaned["format"], actor=actor)
    name = f"{cleaned['kind']}_{period.first_day}_{period.last_day}_{cleaned['format']}.zip"
    response = FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")
    response["X-Export-Id"] = export.export_id
    return response


@never_cache
@permission_required("compliance.run_export", raise_exception=True)
def compliance_export(request: HttpRequest) -> HttpResponse:
    """A form for a compliance report; its download is a ZIP of the report
    and its manifest. Admin actions link here with the kind and period of
    the rows selected."""
    form = ExportForm(request.POST) if request.method == "POST" else ExportForm(initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        return export_response(cleaned=form.cleaned_data, actor=Actor(user=request.user))
    context = {**admin.site.each_context(request), "title": "Compliance export", "form": form}
    return TemplateResponse(request, "compliance/export.html", context)
