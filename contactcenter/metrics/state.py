"""What the database holds that an operator alerts on, read at each scrape.

A handful of aggregate queries, each served by an index the workers' own
sweeps use; no row is read one by one. Only the states that are work in
hand or trouble are counted: done inbox events and delivered CRM rows are
most of their tables and say nothing an alert needs. Every label value
comes from a closed list in the code, and each is exposed even when its
count is zero, so an alert never waits for a series to appear.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min, Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from calls.models import Call, CrmDelivery, InboundEvent, Recording, TranscriptSegment, VapiControlMessage
from compliance.checkpoints import RECORDED as CHECKPOINT_RECORDED
from compliance.models import AuditEvent, RefusalCount
from compliance.refusals import OTHER, WEBHOOK, window_of

logger = logging.getLogger(__name__)

CHAIN_VERIFIED = "audit.chain_verified"
INBOX_STATUSES = (InboundEvent.Status.PENDING, InboundEvent.Status.PROCESSING, InboundEvent.Status.FAILED)
# Received but not yet applied: waiting, backing off, or held by a worker.
INBOX_UNAPPLIED = (InboundEvent.Status.PENDING, InboundEvent.Status.PROCESSING)
CRM_STATUSES = (CrmDelivery.Status.PENDING, CrmDelivery.Status.DELIVERING, CrmDelivery.Status.DEAD)
CONTROL_STATUSES = (
    VapiControlMessage.Status.PENDING,
    VapiControlMessage.Status.SENDING,
    VapiControlMessage.Status.FAILED,
)
REFUSAL_REASONS = tuple(sorted(WEBHOOK.reasons | {OTHER}))


def _gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=list(labels))


def _families() -> dict[str, GaugeMetricFamily]:
    """The metrics, without samples: what ``describe`` announces and ``collect`` fills."""
    return {
        family.name: family
        for family in (
            _gauge(
                "contactcenter_inbox_events",
                "Inbox events not done, by status: pending (waiting or backing off), processing, failed.",
                ("status",),
            ),
            _gauge(
                "contactcenter_inbox_oldest_pending_age_seconds",
                "Age of the oldest inbox event not yet applied (pending or processing), from its receipt; 0 if none.",
            ),
            _gauge("contactcenter_transcript_segments_awaiting_redaction", "Transcript segments awaiting redaction."),
            _gauge(
                "contactcenter_transcript_oldest_awaiting_redaction_age_seconds",
                "Age of the oldest transcript segment awaiting redaction; 0 if none.",
            ),
            _gauge(
                "contactcenter_recordings_awaiting",
                "Recordings awaiting an action at the provider: start (consent granted, not yet started) "
                "or deletion (requested, not yet confirmed).",
                ("action",),
            ),
            _gauge(
                "contactcenter_recordings_oldest_awaiting_deletion_age_seconds",
                "Time since the deletion of the oldest recording still awaiting it was requested; 0 if none.",
            ),
            _gauge(
                "contactcenter_crm_deliveries",
                "CRM deliveries in hand or given up, by status: pending, delivering, dead (dead letters).",
                ("status",),
            ),
            _gauge(
                "contactcenter_vapi_control_messages",
                "Tool results to be told to live Vapi calls, by status: pending, sending, failed (given up).",
                ("status",),
            ),
            _gauge(
                "contactcenter_webhook_refusals",
                "Webhook deliveries refused, by reason, in the current and the previous refusal window "
                "(REFUSAL_WINDOW_SECONDS).",
                ("reason", "window"),
            ),
            _gauge(
                "contactcenter_audit_last_verification_timestamp_seconds",
                "When the evidence (audit trail, consent ledger, checkpoints) was last verified; 0 if never.",
            ),
            _gauge(
                "contactcenter_audit_last_verification_ok",
                "1 if the last verification found the evidence intact, 0 if it did not or none has run.",
            ),
            _gauge(
                "contactcenter_audit_last_checkpoint_timestamp_seconds",
                "When the last signed checkpoint of the ledgers was written; 0 if never.",
            ),
            _gauge("contactcenter_audit_last_checkpoint_number", "The last checkpoint's number; 0 if none."),
            _gauge("contactcenter_audit_unsealed_events", "Audit events appended and not yet linked into the chain."),
            _gauge(
                "contactcenter_audit_oldest_unsealed_age_seconds",
                "Age of the oldest audit event not yet linked into the chain; 0 if none.",
            ),
            _gauge(
                "contactcenter_state_collected",
                "1 if the figures above were read from the database at this scrape, 0 if it could not be read.",
            ),
        )
    }


class StoredStateCollector:
    """A prometheus_client collector: ``collect`` queries the database, as
    of ``at`` if given (otherwise the time of each collection)."""

    def __init__(self, *, at: datetime | None = None) -> None:
        self.at = at

    def describe(self) -> list[Metric]:
        # Announced without a query: registering the collector reads nothing.
        return list(_families().values())

    def collect(self) -> Iterator[Metric]:
        families = _families()
        collected = families.pop("contactcenter_state_collected")
        try:
            _fill(families, now=self.at or timezone.now())
        except DatabaseError as error:
            logger.warning("metrics.state_unavailable", extra={"error": type(error).__name__})
            collected.add_metric([], 0)
            yield collected
            return
        yield from families.values()
        collected.add_metric([], 1)
        yield collected


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since else 0.0


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0


def _fill(families: dict[str, GaugeMetricFamily], *, now: datetime) -> None:
    inbox = {
        row["status"]: row
        for row in InboundEvent.objects.filter(status__in=INBOX_STATUSES)
        .order_by()
        .values("status")
        .annotate(count=Count("id"), oldest=Min("received_at"))
    }
    for status in INBOX_STATUSES:
        families["contactcenter_inbox_events"].add_metric([status], inbox.get(status, {}).get("count", 0))
    unapplied = [inbox[status]["oldest"] for status in INBOX_UNAPPLIED if status in inbox]
    families["contactcenter_inbox_oldest_pending_age_seconds"].add_metric([], _age(now, min(unapplied, default=None)))

    segments = TranscriptSegment.objects.filter(status=TranscriptSegment.Status.PENDING).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    families["contactcenter_transcript_segments_awaiting_redaction"].add_metric([], segments["count"])
    families["contactcenter_transcript_oldest_awaiting_redaction_age_seconds"].add_metric(
        [], _age(now, segments["oldest"])
    )

    starts = Call.objects.filter(recording_state=Call.RecordingState.REQUESTED).count()
    deletions = Recording.objects.filter(deletion_requested_at__isnull=False, deleted_at__isnull=True).aggregate(
        count=Count("id"), oldest=Min("deletion_requested_at")
    )
    families["contactcenter_recordings_awaiting"].add_metric(["start"], starts)
    families["contactcenter_recordings_awaiting"].add_metric(["deletion"], deletions["count"])
    families["contactcenter_recordings_oldest_awaiting_deletion_age_seconds"].add_metric(
        [], _age(now, deletions["oldest"])
    )

    for name, model, statuses in (
        ("contactcenter_crm_deliveries", CrmDelivery, CRM_STATUSES),
        ("contactcenter_vapi_control_messages", VapiControlMessage, CONTROL_STATUSES),
    ):
        counts = dict(
            model.objects.filter(status__in=statuses)
            .order_by()
            .values("status")
            .annotate(count=Count("id"))
            .values_list("status", "count")
        )
        for status in statuses:
            families[name].add_metric([status], counts.get(status, 0))

    # compliance.refusals already counts every refused webhook per route,
    # reason and window; the windows are aligned, so every process agrees
    # on which is current.
    current_start, _ = window_of(now)
    previous_start = current_start - timedelta(seconds=settings.REFUSAL_WINDOW_SECONDS)
    refused: Counter[tuple[str, str]] = Counter()
    for row in (
        RefusalCount.objects.filter(kind=WEBHOOK.name, window_end__gt=previous_start)
        .order_by()
        .values("window_start", "reason")
        .annotate(count=Sum("count"))
    ):
        refused[row["reason"], "current" if row["window_start"] >= current_start else "previous"] += row["count"]
    for reason in REFUSAL_REASONS:
        for window in ("current", "previous"):
            families["contactcenter_webhook_refusals"].add_metric([reason, window], refused[reason, window])

    verification = (
        AuditEvent.objects.filter(action=CHAIN_VERIFIED)
        .order_by("-id")
        .values_list("occurred_at", "details__ok")
        .first()
    )
    verified_at, verified_ok = verification or (None, False)
    families["contactcenter_audit_last_verification_timestamp_seconds"].add_metric([], _timestamp(verified_at))
    # The JSON true reads back as True on PostgreSQL and as 1 on SQLite.
    families["contactcenter_audit_last_verification_ok"].add_metric([], 1 if verified_ok else 0)

    checkpoint = (
        AuditEvent.objects.filter(action=CHECKPOINT_RECORDED)
        .order_by("-id")
        .values_list("occurred_at", "object_id")
        .first()
    )
    checkpointed_at, number = checkpoint or (None, "0")
    families["contactcenter_audit_last_checkpoint_timestamp_seconds"].add_metric([], _timestamp(checkpointed_at))
    families["contactcenter_audit_last_checkpoint_number"].add_metric([], int(number or 0))
    unsealed = AuditEvent.objects.filter(sequence__isnull=True).aggregate(count=Count("id"), oldest=Min("occurred_at"))
    families["contactcenter_audit_unsealed_events"].add_metric([], unsealed["count"])
    families["contactcenter_audit_oldest_unsealed_age_seconds"].add_metric([], _age(now, unsealed["oldest"]))
