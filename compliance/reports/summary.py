"""The figures an auditor reads first: counts over a period, the consent
rate over time, exceptions, and the latest verification of the audit chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from calls.models import Call, InboundEvent, Recording, TranscriptSegment
from compliance.models import AuditEvent, ConsentDecision, DestructionCertificate
from compliance.selectors import latest_consent

from .kinds import KINDS, Period

# How many exceptions are listed by name; the count is always complete.
LISTED = 25


@dataclass(frozen=True)
class ConsentBucket:
    starts: date
    granted: int
    declined: int
    undecided: int

    @property
    def total(self) -> int:
        return self.granted + self.declined + self.undecided


@dataclass(frozen=True)
class Finding:
    """An exception an auditor should see: what, how many, and some ids."""

    title: str
    count: int
    examples: list[str]
    severity: str  # "critical" or "notice"


@dataclass(frozen=True)
class PeriodSummary:
    period: Period
    counts: list[tuple[str, int]]
    bucket: str
    consent: list[ConsentBucket]
    findings: list[Finding]
    last_verification: AuditEvent | None

    @property
    def consent_rate(self) -> float | None:
        decided = sum(b.granted + b.declined for b in self.consent)
        return sum(b.granted for b in self.consent) / decided if decided else None


def _buckets(period: Period) -> tuple[str, type]:
    if period.days <= 62:
        return "day", TruncDay
    if period.days <= 2 * 366:
        return "week", TruncWeek
    return "month", TruncMonth


def _in(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def period_summary(*, period: Period) -> PeriodSummary:
    calls = Call.objects.filter(_in(period, "created_at"), parent__isnull=True).annotate(decision=latest_consent())
    bucket, trunc = _buckets(period)
    tallies: dict[date, dict[str, int]] = {}
    for row in calls.annotate(starts=trunc("created_at")).values("starts", "decision").annotate(n=Count("pk")):
        day = row["starts"].date()
        tallies.setdefault(day, {})[row["decision"] or "undecided"] = row["n"]
    consent = [
        ConsentBucket(
            starts=day,
            granted=counts.get(ConsentDecision.GRANTED, 0),
            declined=counts.get(ConsentDecision.DECLINED, 0),
            undecided=counts.get("undecided", 0),
        )
        for day, counts in sorted(tallies.items())
    ]

    recordings = Recording.objects.filter(_in(period, "created_at")).annotate(decision=latest_consent("call"))
    without_consent = recordings.filter(Q(decision__isnull=True) | ~Q(decision=ConsentDecision.GRANTED))
    held = without_consent.filter(deleted_at__isnull=True)
    unconfirmed = Recording.objects.filter(deletion_requested_at__isnull=False, deleted_at__isnull=True)
    certificates = DestructionCertificate.objects.filter(_in(period, "issued_at"))
    failed_certificates = [c for c in certificates.order_by("issued_at") if c.failures]
    masked = TranscriptSegment.objects.filter(_in(period, "created_at"), status=TranscriptSegment.Status.MASKED)
    failed_events = InboundEvent.objects.filter(_in(period, "received_at"), status=InboundEvent.Status.FAILED)
    verifications = AuditEvent.objects.filter(action="audit.chain_verified").order_by("-id")
    broken = verifications.filter(_in(period, "occurred_at"), details__ok=False)

    def sids(queryset, field: str = "call__call_sid") -> list[str]:
        return list(queryset.order_by("created_at").values_list(field, flat=True)[:LISTED])

    findings = [
        Finding("Recordings held without granted consent", held.count(), sids(held), "critical"),
        Finding(
            "Recordings made without granted consent, since deleted",
            without_consent.filter(deleted_at__isnull=False).count(),
            sids(without_consent.filter(deleted_at__isnull=False)),
            "notice",
        ),
        Finding(
            "Recording deletions not yet confirmed by the provider", unconfirmed.count(), sids(unconfirmed), "critical"
        ),
        Finding(
            "Destruction certificates with failures",
            len(failed_certificates),
            [f"#{c.pk} {c.data_class}: {len(c.failures)} failed" for c in failed_certificates[:LISTED]],
            "critical",
        ),
        Finding(
            "Audit-chain verifications that failed",
            broken.count(),
            [f"{v.occurred_at:%Y-%m-%d %H:%M} at #{v.details.get('first_broken')}" for v in broken[:LISTED]],
            "critical",
        ),
        Finding("Webhook deliveries that could not be applied", failed_events.count(), [], "critical"),
        Finding("Transcript segments stored fully masked", masked.count(), sids(masked), "notice"),
    ]
    counts = [
        ("Calls (excluding transfer legs)", calls.count()),
        ("Calls with consent granted", sum(b.granted for b in consent)),
        ("Calls with consent declined", sum(b.declined for b in consent)),
        ("Calls without a consent decision", sum(b.undecided for b in consent)),
        ("Recordings made", recordings.count()),
        ("Consent events on the ledger", KINDS["consent"].count(period)),
        ("Access events", KINDS["access"].count(period)),
        ("Destruction certificates", certificates.count()),
        ("Items destroyed", certificates.aggregate(total=Sum("count"))["total"] or 0),
    ]
    return PeriodSummary(
        period=period,
        counts=counts,
        bucket=bucket,
        consent=consent,
        findings=findings,
        last_verification=verifications.first(),
    )
