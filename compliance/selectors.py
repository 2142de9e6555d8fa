"""Reads for compliance staff: the dashboard's figures, and the consent subquery reports share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from calls.models import Call, InboundEvent, Recording, TranscriptSegment
from compliance.models import AuditEvent, ConsentDecision, ConsentEvent

STUCK_AFTER = timedelta(minutes=5)
CARD_TYPES = frozenset({"CREDIT_CARD", "CVV", "CARD_EXPIRY"})
HOLDING = (Recording.Review.DELETING, Recording.Review.QUARANTINED, Recording.Review.KEPT)
PURGE_ACTIONS = ("retention.purged", "audit.purged")


@dataclass(frozen=True)
class Dashboard:
    calls_today: int
    calls_this_week: int
    consent_granted: int
    consent_declined: int
    consent_missing: int
    recordings_without_consent: int
    recordings_holding_card_data: int
    recordings_awaiting_decision: int
    redaction_backlog: int
    oldest_pending_redaction: datetime | None
    inbox_stuck: int
    inbox_failed: int
    last_verification: AuditEvent | None
    last_purge: AuditEvent | None
    next_purge: str


def latest_consent(call: str = "pk") -> Subquery:
    """The latest decision on the ledger for the call at ``call``: appended
    last, whatever time a provider reported (as ``Call.consent_decision``)."""
    return Subquery(ConsentEvent.objects.filter(call=OuterRef(call)).order_by("-sequence").values("decision")[:1])


def dashboard(*, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    calls_this_week = Call.objects.filter(created_at__gte=week, parent__isnull=True).annotate(decision=latest_consent())
    pending = TranscriptSegment.objects.filter(status=TranscriptSegment.Status.PENDING)
    # Flagged by the recording review and still held at the provider.
    flagged = Recording.objects.filter(review__in=HOLDING, deleted_at__isnull=True)
    return Dashboard(
        calls_today=Call.objects.filter(created_at__gte=today, parent__isnull=True).count(),
        calls_this_week=calls_this_week.count(),
        consent_granted=calls_this_week.filter(decision=ConsentDecision.GRANTED).count(),
        consent_declined=calls_this_week.filter(decision=ConsentDecision.DECLINED).count(),
        consent_missing=calls_this_week.filter(decision__isnull=True).count(),
        # A recording still held anywhere while its call lacks granted consent: must be 0.
        recordings_without_consent=Recording.objects.filter(deleted_at__isnull=True)
        .annotate(decision=latest_consent("call"))
        .filter(Q(decision__isnull=True) | ~Q(decision=ConsentDecision.GRANTED))
        .count(),
        recordings_holding_card_data=sum(
            1 for types in flagged.values_list("review_types", flat=True) if set(types) & CARD_TYPES
        ),
        recordings_awaiting_decision=flagged.filter(review=Recording.Review.QUARANTINED).count(),
        redaction_backlog=pending.count(),
        oldest_pending_redaction=pending.order_by("created_at").values_list("created_at", flat=True).first(),
        inbox_stuck=InboundEvent.objects.filter(
            status__in=[InboundEvent.Status.PENDING, InboundEvent.Status.PROCESSING], received_at__lt=now - STUCK_AFTER
        ).count(),
        inbox_failed=InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).count(),
        last_verification=AuditEvent.objects.filter(action="audit.chain_verified").order_by("-sequence").first(),
        last_purge=AuditEvent.objects.filter(action__in=PURGE_ACTIONS).order_by("-sequence").first(),
        next_purge=_next_purge(now),
    )


def _next_purge(now: datetime) -> str:
    entry = settings.CELERY_BEAT_SCHEDULE.get("retention-purge")
    if entry is None:
        return "not scheduled"
    moment = now + entry["schedule"].remaining_estimate(now)
    # The estimate lands a fraction of a second early; show the minute it means.
    return (moment + timedelta(seconds=30)).replace(second=0, microsecond=0).isoformat(timespec="minutes")
