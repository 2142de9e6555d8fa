"""Evidence of refused requests, bounded whatever the sender does.

Anyone can send a refused request: a webhook with a wrong signature, a
sign-in with a wrong password. Appending an audit event for each would let
anyone grow the evidence store and contend the audit chain's lock. So a
refusal costs one statement, an upsert of its counter row, keyed by its
kind, a key from a bounded set (the URL pattern a webhook reached, never
the path sent; the user a sign-in named if one exists, else ``unknown``),
its reason from a closed list, and the time window it fell in. It takes no
lock but that row's. The audit trail gets two events per key and window,
however many requests arrive:

- the kind's *opened* event when the window's first refusal arrives
  (``webhook.rejected``, ``auth.login_failed``), so an attack shows in the
  trail at once;
- its *counted* event with the count, from the periodic report once the
  window has closed. A refusal that lands after its window was reported (a
  slow request, clock skew between hosts) is reported by the next run in
  an event of its own: for each key and window, the counts of these events
  add up to the refusals counted, none twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from .audit import Actor, audit_record
from .locks import job_lock
from .models import RefusalCount

logger = logging.getLogger(__name__)

OTHER = "other"
# A window is reported this long after its end, so that requests still in
# flight at the boundary are counted in its first report.
REPORT_GRACE = timedelta(seconds=10)
REPORT_BATCH = 500
REPORT_MAX_BATCHES = 20
# Counter rows are not evidence (the audit events are); fully reported
# ones are kept a week for the admin's list, then deleted.
KEEP_REPORTED = timedelta(days=7)
LOCK_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class RefusalKind:
    """What is refused: the audit actions and object type of its events,
    how its key is shown, and every reason it is refused for (anything
    else is counted as ``other``, so the keys stay bounded by the code)."""

    name: str
    opened: str
    counted: str
    object_type: str
    reasons: frozenset[str]
    key_format: str = "{key}"


WEBHOOK = RefusalKind(
    name="webhook",
    opened="webhook.rejected",
    counted="webhook.rejections_counted",
    object_type="webhook",
    key_format="/{key}",
    reasons=frozenset(
        {
            "credential",
            "invalid",
            "parse_error",
            "too_large",
            "unsupported_media_type",
            "method_not_allowed",
            "not_acceptable",
            "throttled",
        }
    ),
)
SIGN_IN = RefusalKind(
    name="sign_in",
    opened="auth.login_failed",
    counted="auth.login_failures_counted",
    object_type="user",
    reasons=frozenset(
        {
            "unknown_user",
            "wrong_password",
            "inactive_user",
            "not_staff",
            "wrong_code",
            "replayed_code",
            "no_code",
            "no_device",
            "device_not_chosen",
            "throttled",
        }
    ),
)
KINDS = {kind.name: kind for kind in (WEBHOOK, SIGN_IN)}


def window_of(moment: datetime) -> tuple[datetime, datetime]:
    """The window holding ``moment``: aligned to multiples of
    REFUSAL_WINDOW_SECONDS since the epoch, so every process agrees on it
    without asking anyone."""
    seconds = settings.REFUSAL_WINDOW_SECONDS
    epoch = int(moment.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    return start, start + timedelta(seconds=seconds)


def refusal_count(*, kind: RefusalKind, actor: str, key: str, reason: str, object_id: object = "") -> bool:
    """Count one refused request and, if it is the first of its key and
    window, append the kind's opened audit event. Returns whether it was
    the first.

    ``key`` must come from a bounded set (a URL pattern, an existing user),
    never from what the sender wrote. Outside a transaction the count
    commits on its own, before the audit event; a count that fails is
    logged and the refusal goes out anyway (inside a transaction, call it
    in a savepoint of its own for that). Not idempotent: each call is one
    more refusal.
    """
    key = key[: RefusalCount._meta.get_field("key").max_length]
    reason = reason if reason in kind.reasons else OTHER
    now = timezone.now()
    window_start, window_end = window_of(now)
    row = {
        "kind": kind.name, "actor": actor, "key": key, "object_id": str(object_id), "reason": reason,
        "window_start": window_start, "window_end": window_end, "count": 1, "reported": 0,
        "first_at": now, "last_at": now,
    }  # fmt: skip
    try:
        count = _upsert(row)
    except DatabaseError:
        # The refusal is answered all the same; its evidence is this line.
        logger.exception("refusal.not_counted", extra={"kind": kind.name, "reason": reason})
        return False
    if count != 1:
        return False
    # Only the window's first refusal reaches the audit chain's lock. If
    # this event is lost, the count is not: the report still carries it.
    try:
        audit_record(
            kind.opened,
            actor=Actor(name=actor),
            object_type=kind.object_type,
            object_id=object_id,
            object_repr=kind.key_format.format(key=key),
            details={"reason": reason},
        )
    except DatabaseError:
        logger.exception("refusal.not_audited", extra={"kind": kind.name, "reason": reason})
    return True


def _upsert(row: dict[str, object]) -> int:
    """INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count:
    one statement, and 1 only for the request that created the row."""
    opts = RefusalCount._meta
    quote = connection.ops.quote_name
    fields = [opts.get_field(name) for name in row]
    params = [field.get_db_prep_save(row[field.name], connection) for field in fields]
    table, count, last_at = quote(opts.db_table), quote("count"), quote("last_at")
    unique = ", ".join(quote(name) for name in ("kind", "key", "reason", "window_start"))
    # Names come from the model's own metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(field.column) for field in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({unique}) "
        f"DO UPDATE SET {count} = {table}.{count} + 1, {last_at} = EXCLUDED.{last_at} "
        f"RETURNING {count}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def refusals_report(*, now: datetime | None = None) -> int:
    """Append one counted event per key and window closed by ``now``
    (default: the current time) holding refusals not yet reported, with
    how many, and delete counters reported long ago. Returns the refusals
    reported.

    Safe to run twice and concurrently: a named lock keeps runs apart, and
    within a run each counter row is locked while its event is written and
    ``reported`` moved up to ``count`` in the same transaction, so a
    refusal is reported once. Works in bounded batches.
    """
    with job_lock("refusals-report", ttl=LOCK_TTL) as acquired:
        if not acquired:
            return 0
        reported = events = 0
        now = now or timezone.now()
        for _ in range(REPORT_MAX_BATCHES):
            batch_reported, batch_events = _report_batch(closed_before=now - REPORT_GRACE)
            reported, events = reported + batch_reported, events + batch_events
            if batch_events < REPORT_BATCH:
                break
        deleted = _delete_reported(before=now - KEEP_REPORTED)
    if events or deleted:
        logger.info("refusals.reported", extra={"events": events, "refusals": reported, "deleted": deleted})
    return reported


def _report_batch(*, closed_before: datetime) -> tuple[int, int]:
    with transaction.atomic():
        due = list(
            RefusalCount.objects.select_for_update(skip_locked=True)
            .filter(window_end__lte=closed_before, count__gt=F("reported"))
            .order_by("window_start", "kind", "key", "reason")[:REPORT_BATCH]
        )
        if not due:
            return 0, 0
        # The counts read are the ones reported: on PostgreSQL the rows are
        # locked, and where they are not (SQLite) a refusal counted since
        # the read is left for the next run. Row locks first, the audit
        # chain's lock last (see audit_record).
        RefusalCount.objects.filter(pk__in=[row.pk for row in due]).update(
            reported=Case(*(When(pk=row.pk, then=Value(row.count)) for row in due))
        )
        for row in due:
            kind = KINDS[row.kind]
            audit_record(
                kind.counted,
                actor=Actor(name=row.actor),
                object_type=kind.object_type,
                object_id=row.object_id,
                object_repr=kind.key_format.format(key=row.key),
                details={
                    "reason": row.reason,
                    "count": row.count - row.reported,
                    "window_start": row.window_start.isoformat(),
                    "window_end": row.window_end.isoformat(),
                },
            )
    return sum(row.count - row.reported for row in due), len(due)


def _delete_reported(*, before: datetime) -> int:
    stale = RefusalCount.objects.filter(window_end__lt=before, reported=F("count"))
    pks = list(stale.values_list("pk", flat=True)[:REPORT_BATCH])
    return RefusalCount.objects.filter(pk__in=pks, reported=F("count")).delete()[0] if pks else 0
