"""Reads for compliance staff: the dashboard's figures, and the consent subquery reports share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from calls.models import Call, InboundEvent, Recording, TranscriptSegment
from compliance.models import AuditEvent, ConsentDecision, ConsentEvent

STUCK_AFTER = timedelta(minutes=5)
CARD_TYPES = frozenset({"CREDIT_CARD", "CVV", "CARD_EXPIRY"})
HOLDING = (Recording.Review.DELETING, Recording.Review.QUARANTINED, Recording.Review.KEPT)
PURGE_ACTIONS = ("retention.purged", "audit.purged")


@dataclass(frozen=True)
class Dashboard:
    today: datetime
    week: datetime
    calls_today: int
    calls_this_week: int
    consent_granted: int
    consent_declined: int
    consent_missing: int
    recordings_without_consent: int
    recordings_holding_card_data: int
    recordings_awaiting_decision: int
    deletions_unconfirmed: int
    redaction_failed: int
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


def recordings_without_consent() -> QuerySet[Recording]:
    """Recordings still held anywhere while their call lacks granted consent (must be none)."""
    return (
        Recording.objects.filter(deleted_at__isnull=True)
        .annotate(decision=latest_consent("call"))
        .filter(Q(decision__isnull=True) | ~Q(decision=ConsentDecision.GRANTED))
    )


def recordings_flagged() -> QuerySet[Recording]:
    """Recordings the recording review found holding card or identity data, still held at the provider."""
    return Recording.objects.filter(review__in=HOLDING, deleted_at__isnull=True)


def recordings_deletion_unconfirmed() -> QuerySet[Recording]:
    """Recordings whose deletion was asked of the provider and not yet confirmed."""
    return Recording.objects.filter(deletion_requested_at__isnull=False, deleted_at__isnull=True)


def segments_redaction_failed() -> QuerySet[TranscriptSegment]:
    """Transcript segments stored fully masked because their redaction failed."""
    return TranscriptSegment.objects.filter(status=TranscriptSegment.Status.MASKED)


def recordings_holding_card_data() -> QuerySet[Recording]:
    """Of those, the ones that held card data. The types are a JSON list,
    read here rather than by a JSON lookup the embedded SQLite lacks; the
    set is small (flagged and not yet deleted)."""
    held = [pk for pk, types in recordings_flagged().values_list("pk", "review_types") if set(types) & CARD_TYPES]
    return Recording.objects.filter(pk__in=held)


def inbox_stuck(*, now: datetime | None = None) -> QuerySet[InboundEvent]:
    """Deliveries waiting or being applied for longer than a worker should take."""
    return InboundEvent.objects.filter(
        status__in=[InboundEvent.Status.PENDING, InboundEvent.Status.PROCESSING],
        received_at__lt=(now or timezone.now()) - STUCK_AFTER,
    )


def dashboard(*, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    calls_this_week = Call.objects.filter(created_at__gte=week, parent__isnull=True).annotate(decision=latest_consent())
    pending = TranscriptSegment.objects.filter(status=TranscriptSegment.Status.PENDING)
    return Dashboard(
        today=today,
        week=week,
        calls_today=Call.objects.filter(created_at__gte=today, parent__isnull=True).count(),
        calls_this_week=calls_this_week.count(),
        consent_granted=calls_this_week.filter(decision=ConsentDecision.GRANTED).count(),
        consent_declined=calls_this_week.filter(decision=ConsentDecision.DECLINED).count(),
        consent_missing=calls_this_week.filter(decision__isnull=True).count(),
        # A recording still held anywhere while its call lacks granted consent: must be 0.
        recordings_without_consent=recordings_without_consent().count(),
        recordings_holding_card_data=recordings_holding_card_data().count(),
        recordings_awaiting_decision=recordings_flagged().filter(review=Recording.Review.QUARANTINED).count(),
        deletions_unconfirmed=recordings_deletion_unconfirmed().count(),
        redaction_backlog=pending.count(),
        redaction_failed=segments_redaction_failed().count(),
        oldest_pending_redaction=pending.order_by("created_at").values_list("created_at", flat=True).first(),
        inbox_stuck=inbox_stuck(now=now).count(),
        inbox_failed=InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).count(),
        last_verification=AuditEvent.objects.filter(action="audit.chain_verified").order_by("-id").first(),
        last_purge=AuditEvent.objects.filter(action__in=PURGE_ACTIONS).order_by("-id").first(),
        next_purge=_next_purge(now),
    )


def _next_purge(now: datetime) -> str:
    entry = settings.CELERY_BEAT_SCHEDULE.get("retention-purge")
    if entry is None:
        return "not scheduled"
    moment = now + entry["schedule"].remaining_estimate(now)
    # The estimate lands a fraction of a second early; show the minute it means.
    return (moment + timedelta(seconds=30)).replace(second=0, microsecond=0).isoformat(timespec="minutes")
