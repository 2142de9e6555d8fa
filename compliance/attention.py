"""What on a call needs a person's attention, and the review of it.

Each ``Problem`` is found by one rule: a query over the rows that are its
evidence (a recording, a transcript segment, the call itself), each with
the moment it became evidence. The same rule flags the call list and the
call page, counts the dashboard's tiles and fills the "needs review" queue,
so the three can't disagree.

A problem is open until it is reviewed after its newest evidence: a
reviewer marks it with a note (audited, the note kept out of the audit
trail), and new evidence of the same problem on that call reopens it. A
problem whose evidence is gone (the deletion was confirmed, the recording
deleted) is simply no longer there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from calls.models import Call
from compliance.audit import Actor, audit_record
from compliance.models import AttentionReview, ConsentEvent
from compliance.selectors import (
    recordings_deletion_unconfirmed,
    recordings_flagged,
    recordings_without_consent,
    segments_redaction_failed,
)

NOTE_MAX_LENGTH = 1000


class Problem:
    """The problems, by name: a plain class of constants, because the names
    are stored (``AttentionReview.problem``) and used as URL values."""

    RECORDING_WITHOUT_CONSENT = "recording_without_consent"
    DELETION_UNCONFIRMED = "deletion_unconfirmed"
    REDACTION_FAILED = "redaction_failed"
    SENSITIVE_RECORDING = "sensitive_recording"
    ESCALATED = "escalated"


@dataclass(frozen=True)
class Rule:
    problem: str
    label: str
    short: str  # for a badge in the call list
    # The rows that are its evidence, and ``call``, the field naming their
    # call's id. ``since``: when a row became evidence. ``latest``: when it
    # last changed in a way a reviewer must see again (an expression on the
    # row; a review older than it no longer covers the row).
    evidence: Callable[[], QuerySet]
    call: str
    since: Any
    latest: Any


def _latest_consent_recorded() -> Subquery:
    return Subquery(ConsentEvent.objects.filter(call=OuterRef("call")).order_by("-sequence").values("recorded_at")[:1])


RULES: tuple[Rule, ...] = (
    # A decision appended later (the caller withdrew) is new evidence.
    Rule(
        Problem.RECORDING_WITHOUT_CONSENT, "Recording held without granted consent", "no consent",
        recordings_without_consent, "call_id",
        since=F("created_at"), latest=Greatest("created_at", Coalesce(_latest_consent_recorded(), "created_at")),
    ),
    # The provider's refusal changing (deletion_error) moves updated_at.
    Rule(
        Problem.DELETION_UNCONFIRMED, "Recording deletion requested, not yet confirmed", "deletion pending",
        recordings_deletion_unconfirmed, "call_id",
        since=F("deletion_requested_at"), latest=Greatest("deletion_requested_at", "updated_at"),
    ),
    # A segment stored earlier and masked later became evidence when masked.
    Rule(
        Problem.REDACTION_FAILED, "Redaction failed: transcript fully masked", "redaction failed",
        segments_redaction_failed, "call_id",
        since=Coalesce("redacted_at", "created_at"), latest=Coalesce("redacted_at", "created_at"),
    ),
    # An officer's decision on it (kept, deleting) moves updated_at.
    Rule(
        Problem.SENSITIVE_RECORDING, "Recording flagged for card or identity data", "sensitive data",
        recordings_flagged, "call_id",
        since=Coalesce("reviewed_at", "created_at"), latest=F("updated_at"),
    ),
    Rule(
        Problem.ESCALATED, "Escalated to a person", "escalated",
        lambda: Call.objects.filter(escalated=True), "pk",
        since=F("created_at"), latest=F("created_at"),
    ),
)  # fmt: skip
BY_PROBLEM = {rule.problem: rule for rule in RULES}
LABELS = {rule.problem: rule.label for rule in RULES}


@dataclass(frozen=True)
class Attention:
    """One open or reviewed problem of one call."""

    problem: str
    label: str
    call_id: int
    call_sid: str
    since: datetime
    latest: datetime
    review: AttentionReview | None = None

    @property
    def open(self) -> bool:
        return self.review is None or self.review.reviewed_at < self.latest


def _evidence(rule: Rule) -> QuerySet:
    return rule.evidence().annotate(evidence_since=rule.since, evidence_latest=rule.latest)


def _uncovered(rule: Rule) -> QuerySet:
    """The rule's evidence rows no review has seen: newer than the call's
    newest review of the problem. A call has the problem open while it has
    one. Read row by row against the reviews' index, never per call."""
    reviewed = AttentionReview.objects.filter(
        call=OuterRef(rule.call), problem=rule.problem, reviewed_at__gte=OuterRef("evidence_latest")
    )
    return _evidence(rule).filter(~Exists(reviewed))


def _with_moments(rule: Rule, calls: QuerySet[Call]) -> QuerySet[Call]:
    """``calls`` with the first and newest moment of their evidence."""
    of_call = _evidence(rule).filter(**{rule.call: OuterRef("pk")}).order_by()
    return calls.annotate(
        since=Subquery(of_call.order_by("evidence_since").values("evidence_since")[:1]),
        latest=Subquery(of_call.order_by("-evidence_latest").values("evidence_latest")[:1]),
    )


def _open_calls(rule: Rule) -> QuerySet[Call]:
    return Call.objects.filter(pk__in=_uncovered(rule).values(rule.call))


def calls_with(problem: str) -> Q:
    """Calls having ``problem``, as a filter picking their ids from the
    evidence: a set small next to the calls, so no per-call probe."""
    rule = BY_PROBLEM[problem]
    return Q(pk__in=rule.evidence().values(rule.call))


def call_flags(call_key: str = "pk") -> dict[str, Exists]:
    """Per problem, whether the call at ``call_key`` has it: for annotating a queryset of calls."""
    return {
        f"attention_{rule.problem}": Exists(rule.evidence().filter(**{rule.call: OuterRef(call_key)})) for rule in RULES
    }


def call_attention(*, call: Call) -> list[Attention]:
    """The problems of one call, open or reviewed, oldest first."""
    found = []
    for rule in RULES:
        row = _with_moments(rule, Call.objects.filter(calls_with(rule.problem), pk=call.pk)).values("since", "latest")
        row = row.first()
        if row is None:
            continue
        review = AttentionReview.objects.filter(call=call, problem=rule.problem).first()
        found.append(Attention(rule.problem, rule.label, call.pk, call.call_sid, row["since"], row["latest"], review))
    return sorted(found, key=lambda attention: attention.since)


def attention_open_count() -> int:
    """How many problems are open, over every call."""
    return sum(_open_calls(rule).count() for rule in RULES)


def attention_queue(*, limit: int, offset: int = 0) -> list[Attention]:
    """Open problems of every call, oldest first: ``limit`` of them from
    ``offset``. Only open problems' moments are read; each rule's are read
    in order and merged, so a page costs its offset plus its length per
    rule (callers bound the offset by ``attention_open_count``)."""
    streams = []
    for rule in RULES:
        rows = _with_moments(rule, _open_calls(rule)).order_by("since", "pk")
        rows = rows.values_list("since", "pk", "call_sid", "latest")[: offset + limit]
        streams.append([(since, pk, rule.problem, sid, latest) for since, pk, sid, latest in rows])
    page = islice(merge(*streams), offset, offset + limit)
    return [Attention(problem, LABELS[problem], pk, sid, since, latest) for since, pk, problem, sid, latest in page]


class ReviewRefused(Exception):
    """A review that can't be recorded; the message says why, for the reviewer."""


def attention_review(*, call: Call, problem: str, note: str, actor: Actor) -> AttentionReview:
    """Mark one of a call's problems reviewed, with the reviewer's note.

    Audited as ``attention.reviewed`` naming the call, the problem and the
    reviewer; the note is stored encrypted and only its length is audited.
    Repeating it adds another review (the newest counts)."""
    rule = BY_PROBLEM.get(problem)
    if rule is None:
        raise ReviewRefused("There is no such problem.")
    note = note.strip()
    if not note:
        raise ReviewRefused("A note is required: say what was checked or done.")
    if len(note) > NOTE_MAX_LENGTH:
        raise ReviewRefused(f"The note is longer than {NOTE_MAX_LENGTH} characters.")
    if not rule.evidence().filter(**{rule.call: call.pk}).exists():
        raise ReviewRefused("This call does not have that problem (any more).")
    with transaction.atomic():
        review = AttentionReview.objects.create(
            call=call, call_sid=call.call_sid, problem=problem, reviewed_by=actor.name, note=note,
            reviewed_at=timezone.now(),
        )  # fmt: skip
        audit_record(
            "attention.reviewed", actor=actor, object_type="call", object_id=call.pk, object_repr=call.call_sid,
            details={"problem": problem, "review": review.pk, "note_length": len(note)},
        )  # fmt: skip
    return review
