"""The report kinds: for each, its columns and its rows over a period.

Rows come from ``values_list(...).iterator()``, which on PostgreSQL reads
through a server-side cursor in chunks, so memory stays flat however many
rows a period holds. Reports never carry phone numbers, names or words:
calls are named by SID, and transcripts are not exported here (a subject's
own come from ``export_subject``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Count, DateTimeField, F, Func, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from calls.models import Call, Recording, RecordingPause
from compliance.models import AuditEvent, ConsentEvent, DestructionCertificate
from compliance.selectors import latest_consent

CHUNK_SIZE = 5000
# Audit actions that record who reached personal data or evidence, and how.
ACCESS_ACTIONS = ("access.", "auth.", "subject.", "export.", "recording.played")


# No record here is older: a period starting earlier is a typing error.
EARLIEST_DAY = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole days, both inclusive, in the project's time zone."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("the period ends before it starts")
        latest = timezone.localdate() + timedelta(days=1)
        if self.first_day < EARLIEST_DAY or self.last_day > latest:
            raise ValueError(f"the period must lie between {EARLIEST_DAY} and {latest}")

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first_day, time.min))

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return timezone.make_aware(datetime.combine(self.last_day + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


class IsoTimestamp(Func):
    """A timestamp as ISO 8601 text in UTC, rendered by the database.

    Loading millions of timestamps into Python only to print them again
    costs more than the rest of an export put together."""

    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        template = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        # Django stores them in UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]"; always
        # six decimals, as PostgreSQL gives them.
        template = (
            "replace(substr(%(expressions)s, 1, 19), ' ', 'T') || '.' "
            "|| substr(%(expressions)s || '.000000', 21, 6) || '+00:00'"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


@dataclass(frozen=True)
class ReportKind:
    name: str
    title: str
    description: str
    columns: tuple[str, ...]
    queryset: Callable[[Period], QuerySet]

    def rows(self, period: Period) -> Iterator[tuple]:
        """The period's rows as tuples in column order; timestamps as text."""
        queryset = self.queryset(period)
        timestamps = {column for column in self.columns if _is_timestamp(queryset.model, column)}
        queryset = queryset.annotate(**{f"iso_{column}": IsoTimestamp(column) for column in timestamps})
        fields = [f"iso_{column}" if column in timestamps else column for column in self.columns]
        return queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)

    def count(self, period: Period) -> int:
        return self.queryset(period).count()


def _is_timestamp(model: type, column: str) -> bool:
    try:
        return isinstance(model._meta.get_field(column), DateTimeField)
    except FieldDoesNotExist:  # an annotation
        return False


def _consent(period: Period) -> QuerySet:
    return ConsentEvent.objects.filter(occurred_at__gte=period.start, occurred_at__lt=period.end).order_by(
        "occurred_at", "id"
    )


def _access(period: Period) -> QuerySet:
    actions = Q()
    for prefix in ACCESS_ACTIONS:
        actions |= Q(action__startswith=prefix)
    # By id too: events appended inside the caller's transaction are not sealed yet (no sequence).
    return AuditEvent.objects.filter(actions, occurred_at__gte=period.start, occurred_at__lt=period.end).order_by(
        "sequence", "id"
    )


def _destruction(period: Period) -> QuerySet:
    return DestructionCertificate.objects.filter(issued_at__gte=period.start, issued_at__lt=period.end).order_by(
        "issued_at", "id"
    )


def _count(related: QuerySet, outer: str) -> Subquery:
    """How many ``related`` rows each outer row has (grouped by ``outer``), as a subquery."""
    return Subquery(related.order_by().values(outer).annotate(count=Count("pk")).values("count")[:1])


def _calls(period: Period) -> QuerySet:
    return (
        Call.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(
            parent_call_sid=F("parent__call_sid"),
            consent_decision=latest_consent(),
            recording_count=_count(Recording.objects.filter(call=OuterRef("pk")), "call"),
        )
        .order_by("created_at", "id")
    )


def _recordings(period: Period) -> QuerySet:
    return (
        Recording.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(
            call_sid=F("call__call_sid"),
            pause_count=_count(RecordingPause.objects.filter(recording=OuterRef("pk")), "recording"),
        )
        .order_by("created_at", "id")
    )


def _pauses(period: Period) -> QuerySet:
    return (
        RecordingPause.objects.filter(requested_at__gte=period.start, requested_at__lt=period.end)
        .annotate(recording_sid=F("recording__recording_sid"), call_sid=F("recording__call__call_sid"))
        .order_by("requested_at", "id")
    )


KINDS: dict[str, ReportKind] = {
    kind.name: kind
    for kind in [
        ReportKind(
            "consent",
            "Consent decisions",
            "Every consent decision on the ledger, as the caller gave it.",
            (
                "id", "occurred_at", "call_sid", "decision", "method", "requirement", "jurisdiction",
                "prompt_version", "confidence", "source", "recorded_at",
            ),
            _consent,
        ),
        ReportKind(
            "access",
            "Access to personal data",
            "Who viewed, revealed, exported or erased personal data, and every sign-in.",
            (
                "sequence", "occurred_at", "action", "actor_name", "object_type", "object_id", "object_repr",
                "details", "hash",
            ),
            _access,
        ),
        ReportKind(
            "destruction",
            "Destruction certificates",
            "Data destroyed by retention or on a subject's request, with failures.",
            (
                "id", "issued_at", "data_class", "reason", "run_id", "count", "oldest", "newest", "ids_sha256",
                "failures",
            ),
            _destruction,
        ),
        ReportKind(
            "calls",
            "Calls",
            "Every call with its consent decision and recording state; no numbers.",
            (
                "call_sid", "parent_call_sid", "provider", "direction", "created_at", "started_at", "ended_at",
                "duration_seconds", "status", "end_reason", "department", "escalated", "consent_requirement",
                "consent_jurisdiction", "consent_decision", "recording_state", "recording_count", "erased_at",
            ),
            _calls,
        ),
        ReportKind(
            "recordings",
            "Recordings and card data",
            "Every recording: its pauses, whether it ran while card or identity data was given, and its fate.",
            (
                "recording_sid", "call_sid", "provider", "status", "created_at", "started_at", "duration_seconds",
                "pause_count", "review", "review_types", "reviewed_at", "review_decided_by", "deletion_reason",
                "deletion_requested_at", "deleted_at",
            ),
            _recordings,
        ),
        ReportKind(
            "recording_pauses",
            "Recording pauses",
            "Every pause of a recording for sensitive capture: why, from when the provider confirmed it to the resume.",
            (
                "id", "recording_sid", "call_sid", "reasons", "behavior", "requested_at", "paused_at",
                "resume_requested_at", "resumed_at", "ending",
            ),
            _pauses,
        ),
    ]
}  # fmt: skip
