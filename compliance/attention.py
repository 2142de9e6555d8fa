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

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from calls.models import Call
from compliance.audit import Actor, audit_record
from compliance.models import AttentionReview
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
    # The rows that are its evidence; ``call`` names their call's id and
    # ``moment`` when each became evidence.
    evidence: Callable[[], QuerySet]
    call: str
    moment: str


RULES: tuple[Rule, ...] = (
    Rule(
        Problem.RECORDING_WITHOUT_CONSENT,
        "Recording held without granted consent",
        "no consent",
        recordings_without_consent,
        "call_id",
        "created_at",
    ),
    Rule(
        Problem.DELETION_UNCONFIRMED,
        "Recording deletion requested, not yet confirmed",
        "deletion pending",
        recordings_deletion_unconfirmed,
        "call_id",
        "deletion_requested_at",
    ),
    Rule(
        Problem.REDACTION_FAILED,
        "Redaction failed: transcript fully masked",
        "redaction failed",
        segments_redaction_failed,
        "call_id",
        "created_at",
    ),
    Rule(
        Problem.SENSITIVE_RECORDING,
        "Recording flagged for card or identity data",
        "sensitive data",
        recordings_flagged,
        "call_id",
        "reviewed_at",
    ),
    Rule(
        Problem.ESCALATED,
        "Escalated to a person",
        "escalated",
        lambda: Call.objects.filter(escalated=True),
        "pk",
        "created_at",
    ),
)
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


def _per_call(rule: Rule) -> QuerySet[Call]:
    """The calls with the rule's evidence, each with its first and newest
    moment. Calls are picked by id from the evidence (small next to the
    calls), then each one's moments read by subqueries on its own rows."""
    # Every evidence row has a created_at, for a moment the row leaves unset.
    of_call = rule.evidence().filter(**{rule.call: OuterRef("pk")}).annotate(moment=Coalesce(rule.moment, "created_at"))
    return Call.objects.filter(calls_with(rule.problem)).annotate(
        since=Subquery(of_call.order_by("moment").values("moment")[:1]),
        latest=Subquery(of_call.order_by("-moment").values("moment")[:1]),
    )


def _reviewed_after(rule: Rule) -> Exists:
    return Exists(
        AttentionReview.objects.filter(call=OuterRef("pk"), problem=rule.problem, reviewed_at__gte=OuterRef("latest"))
    )


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
        row = _per_call(rule).filter(pk=call.pk).values("since", "latest").first()
        if row is None:
            continue
        review = AttentionReview.objects.filter(call=call, problem=rule.problem).first()
        found.append(Attention(rule.problem, rule.label, call.pk, call.call_sid, row["since"], row["latest"], review))
    return sorted(found, key=lambda attention: attention.since)


def attention_queue(*, limit: int, offset: int = 0) -> tuple[list[Attention], int]:
    """Open problems of every call, oldest first: ``limit`` of them from
    ``offset``, and how many are open in all. Each rule's open rows are
    read in order and merged, so a page costs its offset plus its length
    per rule, never every row."""
    streams, total = [], 0
    for rule in RULES:
        open_calls = _per_call(rule).filter(~_reviewed_after(rule))
        total += open_calls.count()
        rows = open_calls.order_by("since", "pk").values_list("since", "pk", "call_sid", "latest")[: offset + limit]
        streams.append([(since, pk, rule.problem, sid, latest) for since, pk, sid, latest in rows])
    page = islice(merge(*streams), offset, offset + limit)
    items = [Attention(problem, LABELS[problem], pk, sid, since, latest) for since, pk, problem, sid, latest in page]
    return items, total


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
